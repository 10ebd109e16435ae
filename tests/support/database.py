"""Which database the tests run on, and how to give each test a clean one.

EVENTSVC_TEST_DATABASE_URL=postgresql+psycopg://user@host:port/NAME runs the suite
on PostgreSQL: each pytest-xdist worker gets its own database NAME_<worker>,
created if missing and rebuilt by the migrations at the start of the run.
Without it, each worker gets a SQLite file in a temporary folder.
"""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def test_database_url(tmp_dir) -> str:
    base = os.environ.get("EVENTSVC_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / f'test-{worker_id()}.sqlite'}"
    url = make_url(base)
    name = f"{url.database}_{worker_id()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def is_postgres_run() -> bool:
    return bool(os.environ.get("EVENTSVC_TEST_DATABASE_URL"))


def empty_all_tables(db) -> None:
    """Remove every row (fast) and reset sequences, leaving the schema."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
