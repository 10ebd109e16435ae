"""The database itself protects the data, and the migrations build exactly the models."""

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from eventsvc import PROJECT_ROOT
from eventsvc.events.enums import SessionKind
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Registration

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def _event(**kw):
    return Event(slug=kw.pop("slug", "forum"), title="Forum", start_date=date(2023, 3, 31),
                 end_date=date(2023, 3, 31), timezone="Asia/Shanghai", **kw)


def test_the_database_refuses_a_session_that_ends_before_it_starts(app_ctx):
    event = _event()
    start = datetime(2023, 3, 31, 2, 0, tzinfo=UTC)
    db.session.add_all([event, AgendaItem(event=event, kind=SessionKind.PLENARY, title="Backwards",
                                          starts_at=start, ends_at=start - timedelta(minutes=30))])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_second_registration_of_one_person_for_one_event(app_ctx):
    event, person = _event(), Person(name="Wang Wei", name_local="王伟")
    db.session.add_all([event, person, Registration(event=event, person=person)])
    db.session.commit()
    db.session.add(Registration(event=event, person=person))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_status_outside_its_set(app_ctx):
    db.session.add(_event())
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(db.text("UPDATE events SET status = 'deleted'"))
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_more_confirmed_guests_than_capacity(app_ctx):
    db.session.add(_event(capacity=1, confirmed_count=1))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(db.text("UPDATE events SET confirmed_count = confirmed_count + 1"))
        db.session.commit()
    db.session.rollback()


def test_migrations_and_models_agree(app_ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_go_down_and_up_again(app_ctx):
    downgrade(directory=MIGRATIONS, revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(directory=MIGRATIONS)
    tables = set(inspect(db.engine).get_table_names())
    assert {"events", "agenda_items", "registrations", "checkins", "awards", "outgoing_messages"} <= tables
