"""gunicorn configuration for bench/sidebyside.py: each worker counts its requests, SQL statements
and transactions into a small memory-mapped file that the bench reads before and after a phase.

    gunicorn -c bench/gunicorn_counting.py ...   with EVENTSVC_BENCH_COUNT_DIR=<a directory>

Counted per worker: requests (gunicorn's pre_request), statements sent to the database
(SQLAlchemy's before_cursor_execute, on every engine), apart from "control" statements (BEGIN,
which eventsvc sends itself on SQLite and psycopg sends implicitly on PostgreSQL, PRAGMA...; a
SQLite write's BEGIN IMMEDIATE goes on the driver's connection, core.db_setup.wait_for_write_lock,
and is not seen here), and commits (SQLAlchemy's commit event: one per transaction that wrote or read
through the session). A counter is an 8-byte slot written in place, a few hundred nanoseconds.
"""

import mmap
import os
import struct

SLOTS = ("requests", "statements", "commits", "rollbacks", "control")
#: statements that open or end a transaction (SQLite's explicit BEGIN) or set the connection up
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")
_counts = None


def _open(directory: str):
    path = os.path.join(directory, f"{os.getpid()}.cnt")
    with open(path, "wb") as f:
        f.write(b"\0" * 8 * len(SLOTS))
    f = open(path, "r+b")  # noqa: SIM115 (kept open for the worker's life)
    return mmap.mmap(f.fileno(), 8 * len(SLOTS))


def _add(slot: int) -> None:
    offset = slot * 8
    struct.pack_into("<q", _counts, offset, struct.unpack_from("<q", _counts, offset)[0] + 1)


def post_fork(server, worker):
    global _counts
    directory = os.environ.get("EVENTSVC_BENCH_COUNT_DIR")
    if not directory:
        return
    _counts = _open(directory)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: _add(4 if statement.lstrip()[:9].upper().startswith(CONTROL)
                                                            else 1))
    event.listen(Engine, "commit", lambda *args: _add(2))
    event.listen(Engine, "rollback", lambda *args: _add(3))


def pre_request(worker, req):
    if _counts is not None:
        _add(0)


def read_counts(directory: str) -> dict[str, int]:
    """The sums over every worker's file in ``directory`` (the bench's side)."""
    total = dict.fromkeys(SLOTS, 0)
    for name in os.listdir(directory):
        if name.endswith(".cnt"):
            with open(os.path.join(directory, name), "rb") as f:
                data = f.read(8 * len(SLOTS))
            if len(data) == 8 * len(SLOTS):
                for slot, value in zip(SLOTS, struct.unpack(f"<{len(SLOTS)}q", data), strict=True):
                    total[slot] += value
    return total
