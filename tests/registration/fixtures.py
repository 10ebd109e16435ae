"""The open event fixture, shared by the registration and mail tests."""

from datetime import date, timedelta

import pytest

from eventsvc.extensions import db


@pytest.fixture
def open_event(app):
    """A published open event with 3 places, categories and a 2-seat seminar; returns its slug."""

    from eventsvc.core.types import utcnow
    from eventsvc.events.enums import EventStatus, RegistrationMode, SessionKind
    from eventsvc.events.models import AgendaItem, Event
    from eventsvc.registration.models import Category

    def make(slug="open-day", capacity=3, mode=RegistrationMode.OPEN, seminar_seats=2):
        with app.app_context():
            event = Event(slug=slug, title="Open Day", title_local="开放日", start_date=date(2030, 5, 1),
                          end_date=date(2030, 5, 1), timezone="Asia/Shanghai", status=EventStatus.PUBLISHED,
                          registration_mode=mode, capacity=capacity, venue="Hall 1", venue_local="一号厅")
            db.session.add(event)
            start = utcnow().replace(year=2030, month=5, day=1, hour=1, minute=0, second=0, microsecond=0)
            db.session.add_all([
                Category(event=event, code="vip", label="VIP", label_local="贵宾", color="#b7791f", position=0),
                Category(event=event, code="guest", label="Guest", label_local="嘉宾", color="#2b6cb0",
                         position=1),
                AgendaItem(event=event, kind=SessionKind.PLENARY, title="Plenary", title_local="全体大会",
                           starts_at=start, ends_at=start + timedelta(hours=2)),
                AgendaItem(event=event, kind=SessionKind.SEMINAR, title="Battery Seminar",
                           title_local="电池研讨会", starts_at=start + timedelta(hours=3),
                           ends_at=start + timedelta(hours=4), capacity=seminar_seats,
                           requires_registration=True),
            ])
            db.session.commit()
            return slug

    return make


