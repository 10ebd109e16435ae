"""Helpers of the ownership tests: rows written at an older revision, and references across events."""

import enum

import sqlalchemy as sa

from eventsvc.extensions import db


def insert_row(conn, table_name: str, /, **values) -> int:
    """A row of the table as the database has it now (an older revision too), with the models'
    defaults for the NOT NULL columns not given; returns its id."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    model = db.metadata.tables[table_name]
    for column in table.columns:
        if column.name in values or column.primary_key or column.nullable or column.name not in model.c:
            continue
        default = model.c[column.name].default
        if default is not None:
            values[column.name] = default.arg(None) if default.is_callable else default.arg
    values = {k: v.value if isinstance(v, enum.Enum) else v for k, v in values.items()}
    return conn.execute(table.insert().values(values)).inserted_primary_key[0]


def _t(name, *columns):
    return sa.table(name, *(sa.column(c) for c in columns))


def cross_event_references(conn) -> list[tuple]:
    """Every row that refers to a person or an organization of another event (or of the
    directory): (table, row id, column). Empty when every event keeps to its own."""
    people = _t("people", "id", "event_id", "organization_id")
    orgs = _t("organizations", "id", "event_id")
    items = _t("agenda_items", "id", "event_id")
    programs = _t("award_programs", "id", "event_id", "issuer_id")
    awards = _t("awards", "id", "program_id", "recipient_person_id", "presenter_id", "recipient_organization_id")
    found = []

    def check(name, row, column, target, owner_event):
        query = (sa.select(row.c.id).select_from(row).join(target, target.c.id == row.c[column]))
        if owner_event is not None:
            query = query.where(target.c.event_id.is_distinct_from(owner_event))
        found.extend((name, i, column) for i in conn.execute(query).scalars())

    for name, column in (("invitations", "person_id"), ("registrations", "person_id")):
        row = _t(name, "id", "event_id", column)
        check(name, row, column, people, row.c.event_id)
    for name, column in (("participations", "person_id"), ("speech_records", "speaker_id")):
        row = _t(name, "id", "agenda_item_id", column)
        owner = sa.select(items.c.event_id).where(items.c.id == row.c.agenda_item_id).scalar_subquery()
        check(name, row, column, people, owner)
    award_event = sa.select(programs.c.event_id).where(programs.c.id == awards.c.program_id).scalar_subquery()
    for column in ("recipient_person_id", "presenter_id"):
        check("awards", awards, column, people, award_event)
    check("awards", awards, "recipient_organization_id", orgs, award_event)
    check("award_programs", programs, "issuer_id", orgs, programs.c.event_id)
    # a person's organization is one of the person's own event (the directory's for the directory's)
    query = (sa.select(people.c.id).select_from(people).join(orgs, orgs.c.id == people.c.organization_id)
             .where(orgs.c.event_id.is_distinct_from(people.c.event_id)))
    found.extend(("people", i, "organization_id") for i in conn.execute(query).scalars())
    return found
