"""A SQLite writer waits for another's write lock in short steps (core.db_setup.wait_for_write_lock),
for as long as its busy timeout and no longer, and a connection told never to wait does not.
(SQLite's own lock: the PostgreSQL run deselects these.)"""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from eventsvc.core import db_setup
from eventsvc.extensions import db
from tests.support.database import is_postgres_run

pytestmark = [pytest.mark.sqlite_run,
              pytest.mark.skipif(is_postgres_run(), reason="SQLite's write lock (deselected on PostgreSQL)")]


def _holder(app):
    with app.app_context():
        other = db.engine.raw_connection()
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE events SET updated_at = updated_at")
    return other


def _busy_timeout(connection) -> int:
    return connection.exec_driver_sql("PRAGMA busy_timeout").scalar()


def test_a_writer_gets_the_lock_once_the_other_commits(app):
    other = _holder(app)
    done = threading.Event()

    def writer():
        with app.app_context(), db.engine.connect() as conn:
            with conn.execution_options(sqlite_immediate=True).begin():
                conn.execute(text("UPDATE events SET updated_at = updated_at"))
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert not done.wait(0.5)  # waiting while the other holds the lock
    finally:
        other.execute("COMMIT")
        other.close()
    thread.join(60)
    assert done.is_set()


def test_a_writer_gives_up_after_its_busy_timeout_with_the_usual_error_and_keeps_its_timeout(app):
    other = _holder(app)
    try:
        with app.app_context(), db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            try:
                raw.execute("PRAGMA busy_timeout = 300")
                with pytest.raises(OperationalError, match="database is locked"), \
                        conn.execution_options(sqlite_immediate=True).begin():
                    pass
                assert _busy_timeout(conn) == 300
                raw.execute("PRAGMA busy_timeout = 0")  # never wait: fails at once
                with pytest.raises(OperationalError, match="database is locked"), \
                        conn.execution_options(sqlite_immediate=True).begin():
                    pass
                assert _busy_timeout(conn) == 0
            finally:
                raw.execute(f"PRAGMA busy_timeout = {db_setup.SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        other.execute("COMMIT")
        other.close()
