"""The public agenda, the event page, the organizer overview and the .ics use the same number of queries at any size."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event

from eventsvc.extensions import db


@contextmanager
def counting(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def build(app, sessions: int, slug: str) -> str:
    from eventsvc.events.enums import EventStatus, ParticipationRole, SessionKind
    from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
    from eventsvc.people.models import Organization, Person

    tz = ZoneInfo("Asia/Shanghai")
    with app.app_context():
        event = Event(slug=slug, title=slug, start_date=date(2025, 1, 1), end_date=date(2025, 1, 10),
                      timezone="Asia/Shanghai", status=EventStatus.PUBLISHED)
        rooms = [Room(event=event, name=f"Room {i}", position=i) for i in range(10)]
        org = Organization(name=f"Org {slug}")
        db.session.add_all([event, org, *rooms])
        for n in range(sessions):
            start = datetime(2025, 1, 1 + n // 100, 8, 0, tzinfo=tz) + timedelta(minutes=60 * ((n // 10) % 10))
            person = Person(name=f"Speaker {slug} {n}", organization=org)
            item = AgendaItem(event=event, kind=SessionKind.SEMINAR, title=f"Session {n}", room=rooms[n % 10],
                              starts_at=start, ends_at=start + timedelta(minutes=50))
            db.session.add_all([person, item,
                                Participation(agenda_item=item, person=person, role=ParticipationRole.SPEAKER),
                                SpeechRecord(agenda_item=item, speaker=person, title=f"Talk {n}")])
        db.session.commit()
    return slug


@pytest.fixture
def sized_events(app):
    return {n: build(app, n, f"size-{n}") for n in (3, 30)}


def test_public_agenda_ics_and_overview_queries_do_not_grow_with_sessions(app, sized_events, make_user):
    from tests.support.web import login

    admin = make_user("admin@example.org", "admin-password", admin=True)
    assert admin
    client = app.test_client()
    login(client, "admin@example.org", "admin-password")
    public = app.test_client()
    counts = {}
    for n, slug in sized_events.items():
        for name, c, path in (("agenda", public, f"/e/{slug}/agenda"), ("event", public, f"/e/{slug}"),
                              ("ics", public, f"/e/{slug}/agenda.ics"),
                              ("overview", client, f"/manage/e/{slug}/agenda")):
            with counting(app) as statements:
                response = c.get(path)
            assert response.status_code == 200
            counts[name, n] = len(statements)
    for name in ("agenda", "event", "ics", "overview"):
        assert counts[name, 3] == counts[name, 30], counts
    assert counts["agenda", 30] <= 3, counts  # the event, its rooms, the sessions with rooms and people
    assert counts["event", 30] <= 4, counts  # the event, the agenda's rows, the speakers (sessions, people)
