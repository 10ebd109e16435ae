"""Helpers for the team tests: an outbox read back, the team page's forms, a second event."""

from datetime import date

import pytest
from sqlalchemy import select

from eventsvc.extensions import db
from tests.mail.conftest import send_outbox, smtp_server  # noqa: F401 (fixtures)
from tests.support.web import csrf_token, login


def outbox(app, to: str | None = None) -> list:
    """Queued and sent messages, oldest first (optionally to one address)."""
    from eventsvc.mail.models import OutgoingMessage

    with app.app_context():
        query = select(OutgoingMessage).order_by(OutgoingMessage.id)
        if to:
            query = query.where(OutgoingMessage.to_address == to)
        messages = db.session.scalars(query).all()
        db.session.expunge_all()
        return messages


def link_in(message) -> str:
    """The set-password link of a team e-mail (its text part)."""
    line = next(word for word in message.body_text.split() if "/account/password/" in word)
    return line[line.index("/account/password/"):]


def team_of(app, slug: str) -> dict[str, str]:
    """{email: role} of an event's team."""
    from eventsvc.accounts.models import EventRole, User
    from eventsvc.events.permissions import event_by_slug

    with app.app_context():
        event = event_by_slug(slug)
        return dict(db.session.execute(select(User.email, EventRole.role).join(EventRole.user)
                                       .where(EventRole.event_id == event.id)).all())


def member_id(app, slug: str, email: str) -> int:
    from eventsvc.accounts.models import EventRole, User
    from eventsvc.events.permissions import event_by_slug

    with app.app_context():
        event = event_by_slug(slug)
        return db.session.scalar(select(EventRole.id).join(EventRole.user)
                                 .where(EventRole.event_id == event.id, User.email == email))


def audit_actions(app, prefix: str) -> list[tuple[str, dict]]:
    from eventsvc.audit.models import AuditEvent

    with app.app_context():
        return [(a.action, a.details or {}) for a in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id))]


def signed_in(app, email: str, password: str):
    client = app.test_client()
    response = login(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client, path: str, data: dict, token_from: str):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


@pytest.fixture
def other_event(app, make_user):
    """Another event on the installation, with its own organizer (other-org@example.org)."""
    from eventsvc.events.models import Event

    with app.app_context():
        db.session.add(Event(slug="summit-2024", title="Summit 2024", start_date=date(2024, 5, 1),
                             end_date=date(2024, 5, 1), timezone="Asia/Shanghai"))
        db.session.commit()
    make_user("other-org@example.org", "other-organizer", event_slug="summit-2024", role="organizer")
    return "summit-2024"
