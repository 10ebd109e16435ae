"""`flask registration check-counters` recounts the rows behind every place counter."""

from sqlalchemy import select, update

from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.registration.counters import count_drift


def _check(app):
    return app.test_cli_runner().invoke(args=["registration", "check-counters"])


def test_the_demo_forum_counters_match_their_rows(app, demo):
    result = _check(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "counters match"


def test_a_corrupted_place_counter_and_seat_counter_are_both_reported(app, demo):
    with app.app_context():
        event = event_by_slug(demo)
        confirmed = event.confirmed_count
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.event_id == event.id)
                                 .order_by(AgendaItem.id).limit(1))
        item_id, title, seats = item.id, item.title, item.seats_taken
        db.session.execute(update(Event).where(Event.id == event.id).values(capacity=None,
                                                                             confirmed_count=confirmed + 2))
        db.session.execute(update(AgendaItem).where(AgendaItem.id == item_id).values(capacity=None,
                                                                                    seats_taken=seats + 1))
        db.session.commit()
        assert len(count_drift()) == 2

    result = _check(app)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [f"event {demo}: confirmed_count is {confirmed + 2}, {confirmed} registrations are confirmed",
                     f"event {demo}, session {item_id} “{title}”: seats_taken is {seats + 1}, "
                     f"{seats} seats are confirmed"]
