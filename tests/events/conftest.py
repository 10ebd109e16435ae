"""Helpers for the agenda tests: the demo forum's ids, and an empty event to build on."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from eventsvc.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(hour: int, minute: int = 0, day: int = 31) -> datetime:
    return datetime(2023, 3, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def demo_ids(app, demo):
    """Ids of the demo forum's sessions, rooms and people by a short name."""
    from sqlalchemy import select

    from eventsvc.events.models import AgendaItem
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.people.models import Person

    with app.app_context():
        event = event_by_slug(demo)
        items = {i.kind.value: i.id for i in db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id))}
        rooms = {r.name: r.id for r in event.rooms}
        people = {p.name: p.id for p in db.session.scalars(select(Person).where(
            Person.name.in_(["Xie Zhaoxu", "Zhang Hua", "Lin Xiaoyu"])))}
        return {"event": event.id, "items": items, "rooms": rooms, "people": people}


@pytest.fixture
def blank_event(app, make_user):
    """A draft two-day event in Beijing with one room, and its organizer's id."""
    from eventsvc.accounts.models import User
    from eventsvc.events import service

    organizer_id = make_user("planner@example.org", "planner-password")
    with app.app_context():
        event = service.create_event({
            "slug": "forum-2024", "title": "Forum 2024", "title_local": "论坛2024",
            "start_date": date(2024, 4, 1), "end_date": date(2024, 4, 2), "timezone": "Asia/Shanghai",
        }, creator=db.session.get(User, organizer_id))
        service.add_room(event, name="Hall", name_local="大厅", capacity=100)
        db.session.commit()
        return {"slug": event.slug, "organizer_id": organizer_id}
