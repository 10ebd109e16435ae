"""Small helpers shared by the registration tests."""

from sqlalchemy import select

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.identity import PersonDetails as GuestDetails
from eventsvc.registration import invitations
from eventsvc.registration.models import Registration
from tests.support.web import csrf_token


def invite(app, slug, email, name="Li Lei", name_local="李雷", language="en", category=None, sessions=()):
    """Invite a guest and return the link token from the queued e-mail's invitation."""
    with app.app_context():
        event = event_by_slug(slug)
        invitation = invitations.create_invitation(event, invitations.InvitationInput(
            GuestDetails(name=name, name_local=name_local, email=email, language=language), category,
            list(sessions)), invited_by_id=None, send=False)
        token = invitations.send_invitation(invitation)
        db.session.commit()
        return token


def guest_post(client, token, action, data=None):
    return client.post(f"/g/{token}/{action}", data={**(data or {}), "csrf_token": csrf_token(client, f"/g/{token}")})


def registrations(app, slug):
    with app.app_context():
        event = event_by_slug(slug)
        return [(r.person.email, r.status.value) for r in db.session.scalars(
            select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))]


def seminar_id(app, slug):
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        event = event_by_slug(slug)
        return db.session.scalar(select(AgendaItem.id).where(AgendaItem.event_id == event.id,
                                                             AgendaItem.requires_registration.is_(True)))
