"""Database engine settings that keep SQLite honest under concurrent use.

SQLite: foreign keys on, WAL so readers never wait for the writer, a busy
timeout instead of instant "database is locked", and write requests start
their transaction with BEGIN IMMEDIATE, so that two writers serialize at the
start instead of failing when one upgrades its read lock. A route declared
``reads_before_locking`` reads first and takes the write lock at its first
write (see there).
"""

import sqlite3
import time

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event

from eventsvc.extensions import db

_READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
#: how long a SQLite connection waits for another's write lock before "database is locked"
SQLITE_BUSY_TIMEOUT_MS = 30000


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.info.pop(_LOCK_AT_FIRST_WRITE, None)  # the info lives as long as the pooled connection
        immediate, lock_later = conn.get_execution_options().get("sqlite_immediate"), False
        if immediate is None:
            # a task run at once inside a request (TASKS_EAGER) behaves as it would in a worker
            in_task = has_app_context() and g.get("background_task", False)
            immediate = not in_task and has_request_context() and request.method not in _READ_ONLY_METHODS
            lock_later = immediate and _route_reads_before_locking()
        if not immediate or lock_later:
            conn.exec_driver_sql("BEGIN")
        else:  # the last try through SQLAlchemy: its error, "database is locked", is SQLAlchemy's
            wait_for_write_lock(conn.connection.dbapi_connection, lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        if lock_later:
            conn.info[_LOCK_AT_FIRST_WRITE] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_at_first_write(conn, cursor, statement, _parameters, _context, _executemany):
        if conn.info.get(_LOCK_AT_FIRST_WRITE) and statement.lstrip()[:6].upper() != "SELECT":
            del conn.info[_LOCK_AT_FIRST_WRITE]
            # the reads so far were a read transaction of their own: end it, then wait for the lock
            cursor.execute("COMMIT")
            wait_for_write_lock(cursor, lambda: cursor.execute("BEGIN IMMEDIATE"))


_LOCK_AT_FIRST_WRITE = "eventsvc_sqlite_lock_at_first_write"
#: a writer waiting for SQLite's write lock tries again after this long at first, then a little
#: longer each time, up to _LOCK_PAUSE_MAX: SQLite's own busy handler sleeps 1, 2, 5, 10 … 100 ms,
#: so a lock held for 2 ms cost the next writer 3 to 8 ms, with the other core idle
_LOCK_PAUSE_FIRST, _LOCK_PAUSE_MAX = 0.0002, 0.005


def wait_for_write_lock(executor, last_try) -> None:
    """BEGIN IMMEDIATE on a SQLite DB-API connection or cursor, trying again in short steps while
    another connection writes, for as long as the connection's busy timeout; then ``last_try()``
    (BEGIN IMMEDIATE as the caller words its error: "database is locked" at once), also at once
    for a connection whose busy timeout is 0 (its owner's "never wait")."""
    timeout = executor.execute("PRAGMA busy_timeout").fetchone()[0]
    executor.execute("PRAGMA busy_timeout=0")
    try:
        deadline, pause = time.monotonic() + timeout / 1000, _LOCK_PAUSE_FIRST
        while timeout:
            try:
                executor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    raise
            if time.monotonic() >= deadline:
                break
            time.sleep(pause)
            pause = min(pause * 1.5, _LOCK_PAUSE_MAX)
        last_try()
    finally:
        executor.execute(f"PRAGMA busy_timeout={timeout}")


def reads_before_locking(view):
    """Declares on a write route (a page's view or an API method) that, on SQLite, what it
    reads before its first write is read before it takes the write lock, each read seeing what
    was committed when it ran, as PostgreSQL's READ COMMITTED reads it; the write lock is taken
    at the first INSERT, UPDATE or DELETE (BEGIN IMMEDIATE), so that another worker can write
    while this one reads its caller, its event and its questions and checks its input.

    Only for a route whose every decision that must not race is taken by a write itself,
    under the lock (a place by the conditional UPDATE, a person by INSERT … ON CONFLICT), never
    by a count or a look-up made before: the registration routes."""
    view.sqlite_reads_before_locking = True
    return view


def _route_reads_before_locking() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None) or view
    return bool(getattr(method, "sqlite_reads_before_locking", False))


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: a request that answers with the rows it
    has just written (a new registration) shows them without reading each one again (the
    values are the ones committed; the session ends with the request)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
