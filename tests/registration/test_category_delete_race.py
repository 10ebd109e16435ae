"""Deleting a category while another request gives a guest that category (PostgreSQL, same instant):
the guest keeps it and the deletion is refused, instead of ON DELETE SET NULL taking it silently."""

import pytest
from sqlalchemy import select, text

from eventsvc.core.errors import Conflict
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.registration.categories import category_for, create_category, delete_category
from eventsvc.registration.models import Registration
from tests.support.database import is_postgres_run
from tests.support.races import run_against_held_locks

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.skipif(not is_postgres_run(), reason="a lock race: PostgreSQL only (deselected on SQLite)")]


def test_a_category_given_to_a_guest_while_it_is_deleted_stays_on_the_guest(app, demo):
    with app.app_context():
        event = event_by_slug(demo)
        event_id = event.id
        category_id = create_category(event, code="partner", label="Partner", label_local="合作伙伴",
                                      color="#2b6cb0").id
        guest_id = db.session.scalar(select(Registration.id).where(Registration.event_id == event_id)
                                     .order_by(Registration.id))
        db.session.commit()

    def organizer_moving_a_guest_to_it(conn):
        conn.execute(text("UPDATE registrations SET category_id = :category WHERE id = :guest"),
                     {"category": category_id, "guest": guest_id})

    def another_organizer_deleting_it():
        delete_category(category_for(db.session.get(type(event), event_id), category_id))
        db.session.commit()

    with pytest.raises(Conflict) as refused:
        run_against_held_locks(app, db, organizer_moving_a_guest_to_it, another_organizer_deleting_it)
    assert refused.value.code == "category_in_use"
    with app.app_context():
        assert db.session.get(Registration, guest_id).category_id == category_id
