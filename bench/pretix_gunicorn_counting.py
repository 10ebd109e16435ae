"""gunicorn configuration for pretix in bench/pretix_sidebyside.py: each worker counts its requests
and SQL statements into the same memory-mapped file as eventsvc's workers (bench/gunicorn_counting.py,
read by its read_counts), so that both systems' statements per scan are counted the same way.

    PYTHONPATH=<this tree> gunicorn -c bench/pretix_gunicorn_counting.py ... pretix.wsgi
    with EVENTSVC_BENCH_COUNT_DIR=<a directory>

Run by pretix's own gunicorn (its virtualenv): Django's execute wrappers count each statement sent
through a cursor, "control" ones (SAVEPOINT, RELEASE...) apart. psycopg2 opens a transaction without
a statement of its own (as psycopg does for eventsvc), and Django commits through the driver, not a
statement: commits are not counted for pretix.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import gunicorn_counting  # noqa: E402
from bench.gunicorn_counting import CONTROL, _add, _open  # noqa: E402


def _count(execute, sql, params, many, context):
    _add(4 if sql.lstrip()[:9].upper().startswith(CONTROL) else 1)
    return execute(sql, params, many, context)


def _on_connection(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def post_fork(server, worker):
    directory = os.environ.get("EVENTSVC_BENCH_COUNT_DIR")
    if not directory:
        return
    gunicorn_counting._counts = _open(directory)
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection, weak=False)


def pre_request(worker, req):
    if gunicorn_counting._counts is not None:
        _add(0)
