"""A certificate number prefix saved twice at the same instant, by an award program and an attendance
rule (PostgreSQL): the second is told the prefix is taken, instead of both keeping it (numbers that
no longer say which certificate they are) or a 500."""

import pytest
from sqlalchemy import func, select, text

from eventsvc.awards import service
from eventsvc.awards.models import AttendanceRule, AwardProgram
from eventsvc.core.errors import Conflict
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.support.database import is_postgres_run
from tests.support.races import run_against_held_locks

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.skipif(not is_postgres_run(), reason="a lock race: PostgreSQL only (deselected on SQLite)")]


def test_a_program_saving_the_prefix_a_rule_is_saving_at_the_same_instant_is_told_it_is_taken(app, demo):
    with app.app_context():
        event_id = event_by_slug(demo).id

    def organizer_saving_a_rule(conn):
        # what attendance.create_rule does in the other request, stopped before its commit
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('certificate-prefix:RACE24'))"))
        conn.execute(AttendanceRule.__table__.insert().values(
            event_id=event_id, agenda_item_id=None, min_percent=None, number_prefix="RACE24", number_digits=4,
            next_sequence=1))

    def another_organizer_saving_a_program():
        service.create_program(event_by_slug(demo), service.ProgramData(
            kind="certificate", name="Race programme", number_prefix="RACE24"))
        db.session.commit()

    with pytest.raises(Conflict) as refused:
        run_against_held_locks(app, db, organizer_saving_a_rule, another_organizer_saving_a_program)
    assert refused.value.code == "prefix_taken"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AwardProgram)
                                 .where(AwardProgram.number_prefix == "RACE24")) == 0
