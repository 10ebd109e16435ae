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


def snapshot_rows(db) -> dict:
    """Every table's rows (for ``restore_rows``): a world built once, brought back many times."""
    db.session.remove()
    with db.engine.connect() as conn:
        return {table: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in db.metadata.sorted_tables}


def restore_rows(db, rows: dict) -> None:
    """Empty every table and put the snapshot's rows back, ids included; PostgreSQL's sequences
    continue after the highest id, as if the rows had been inserted one by one. DELETE rather
    than TRUNCATE: on a few rows it is much faster, and this runs once per fuzz scenario."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(list(rows)):
            conn.execute(table.delete())
        for table, table_rows in rows.items():
            if table_rows:
                conn.execute(table.insert(), table_rows)
        if conn.dialect.name == "postgresql":
            for table in rows:
                # integer ids only (background_jobs' ids are random text); setval(NULL, …) for a
                # table without a sequence does nothing
                if "id" in table.c and table.c.id.type.python_type is int:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                      f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))


def page_statements(app, client, path: str) -> int:
    """How many SQL statements a GET of ``path`` issues (the page must answer 200): list pages are
    held to a count that does not grow with their rows."""
    from sqlalchemy import event as sa_event

    from eventsvc.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine

    def listener(*args):
        statements.append(1)

    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    return len(statements)
