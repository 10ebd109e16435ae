"""Database engine settings that keep SQLite honest under concurrent use.

SQLite: foreign keys on, WAL so readers never wait for the writer, a busy
timeout instead of instant "database is locked", and write requests start
their transaction with BEGIN IMMEDIATE, so that two writers serialize at the
start instead of failing when one upgrades its read lock.
"""

from flask import Flask, g, has_app_context, has_request_context, request
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
        immediate = conn.get_execution_options().get("sqlite_immediate")
        if immediate is None:
            # a task run at once inside a request (TASKS_EAGER) behaves as it would in a worker
            in_task = has_app_context() and g.get("background_task", False)
            immediate = not in_task and has_request_context() and request.method not in _READ_ONLY_METHODS
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
