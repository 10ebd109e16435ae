"""Rows that one change only appends, written together: the audit row, the guest's link and the
e-mail of a new registration.

Each capability builds its own rows (``audit.service.rows_for``, ``registration.links.new_link``,
``mail.service.outbox_rows``) and says which table they go to; ``insert_together`` writes them at
once, in the caller's transaction. On PostgreSQL the inserts of one row each are one statement
(the others as data-modifying WITH clauses of the last, which PostgreSQL runs exactly once
whether or not the statement reads them): one round trip instead of one per table, which is
what a registration waits for when the database shares the machine's cores. Elsewhere (SQLite,
or several rows to a table) each table is one statement, as before.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, bindparam, insert, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from eventsvc.extensions import db


@dataclass
class Rows:
    """Rows for one table, each a dict of its columns (every row of one Rows has the same keys)."""

    table: Table
    rows: list[dict] = field(default_factory=list)


#: rows per INSERT statement of insert_rows (an import's ten thousand: ten statements)
PAGE = 1000


def insert_rows(part: Rows) -> int:
    """The part's rows as Core inserts, one executemany per page of rows (no ORM object, nothing
    left for the unit of work to flush; one row, one plain execute); returns the count."""
    statement = _insert_of(part.table)
    if len(part.rows) == 1:
        db.session.execute(statement, part.rows[0])
    else:
        for start in range(0, len(part.rows), PAGE):
            db.session.execute(statement, part.rows[start:start + PAGE])
    return len(part.rows)


@functools.cache
def _insert_of(table: Table):
    """One INSERT per table, built once (its cache key is not worked out again for every row)."""
    return insert(table)


def inserted(model, statement, row: dict):
    """A new row as a persistent ``model`` instance, as if it had been read: ``statement`` is a Core
    INSERT into the model's table ``returning`` every column of it (``every_column(model)``), ``row``
    its parameters by column name. Without the ORM's bulk insert, and nothing left to flush; None
    when the statement inserted nothing (ON CONFLICT DO NOTHING)."""
    found = db.session.execute(statement, row).first()
    if found is None:
        return None
    values = found._mapping
    instance = model.__mapper__.class_manager.new_instance()
    for key, column in _attributes(model):
        set_committed_value(instance, key, values[column])
    make_transient_to_detached(instance)  # its identity from the primary key; relationships load when read
    db.session.add(instance)
    return instance


def every_column(model) -> tuple:
    """What ``inserted``'s statement returns: every column of the model's table."""
    return tuple(column for _key, column in _attributes(model))


@functools.cache
def _attributes(model) -> tuple:
    mapper = inspect(model)
    assert mapper.version_id_col is None and not mapper.inherits, "inserted(): a plain model only"
    return tuple((attribute.key, attribute.columns[0]) for attribute in mapper.column_attrs)


#: statements built once per shape: (table name, its columns) of each part → the statement
_TOGETHER: dict[tuple, object] = {}


def insert_together(*parts: Rows | None) -> None:
    """Insert every part's rows, in the order given (a None or empty part adds nothing)."""
    parts = [part for part in parts if part is not None and part.rows]
    if not parts:
        return
    if db.session.get_bind().dialect.name != "postgresql" or len(parts) == 1 \
            or any(len(part.rows) != 1 for part in parts):
        for part in parts:
            insert_rows(part)
        return
    rows = [_with_defaults(part.table, part.rows[0]) for part in parts]
    shape = tuple((part.table.name, tuple(row)) for part, row in zip(parts, rows, strict=True))
    statement = _TOGETHER.get(shape)
    if statement is None:
        statement = _TOGETHER[shape] = _one_statement(parts, rows)
    db.session.execute(statement, {f"p{number}_{key}": value for number, row in enumerate(rows)
                                   for key, value in row.items()})


def _with_defaults(table: Table, row: dict) -> dict:
    """The row with the columns' Python-side defaults filled in (a default's own bound parameter
    would bear the same name in two inserts of one statement)."""
    missing = {}
    for column in table.c:
        default = column.default
        if column.name in row or default is None or default.is_sequence:
            continue
        missing[column.name] = default.arg if default.is_scalar else default.arg(None)
    return {**row, **missing}


def _one_statement(parts: Sequence[Rows], rows: Sequence[dict]):
    def values(number: int, part: Rows) -> dict:
        return {key: bindparam(f"p{number}_{key}", type_=part.table.c[key].type) for key in rows[number]}

    *first, last = parts
    statement = insert(last.table).values(values(len(first), last))
    for number, part in enumerate(first):
        statement = statement.add_cte(insert(part.table).values(values(number, part)).cte(f"appended_{number}"))
    return statement
