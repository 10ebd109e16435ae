"""Self-registration from the public form: /e/<slug>/register.

The form never shows or changes what is stored about a known address: such a guest is
sent their link by e-mail, and acts from there.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from eventsvc.core.errors import ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.service import queue_message
from eventsvc.people.identity import PersonDetails, find_or_create_person
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import InvitationStatus, RegistrationSource
from eventsvc.registration.invitations import send_invitation
from eventsvc.registration.links import issue_access_token, portal_url, send_access_link
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.transitions import Actor


def check_open(event: Event) -> None:
    if event.registration_mode == RegistrationMode.INVITATION:
        raise ServiceError("invitation_only", _("Registration for this event is by invitation only."),
                           status=403)
    now = utcnow()
    if event.registration_opens_at and now < event.registration_opens_at:
        raise ServiceError("not_open_yet", _("Registration has not opened yet."), status=403)
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise ServiceError("closed", _("Registration is closed."), status=403)


@dataclass
class SelfRegistration:
    registration: Registration | None
    #: the portal link token, only for a new registration (a known e-mail gets it by mail instead)
    token: str | None
    created: bool


def self_register(event: Event, details: PersonDetails, session_ids=()) -> SelfRegistration:
    """Register from the public form. A known e-mail never sees data and changes nothing here:
    the guest's link is e-mailed to the address (a cancelled guest registers again from there,
    through approval where the event needs it); a withdrawn invitation gets no answer at all."""
    check_open(event)
    person = find_or_create_person(event, details)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.person_id == person.id))
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.person_id == person.id))
    if invitation is not None and invitation.status == InvitationStatus.REVOKED:
        return SelfRegistration(None, None, False)
    if existing is not None:
        send_access_link(existing)
        return SelfRegistration(existing, None, False)
    if invitation is not None:
        send_invitation(invitation, reminder=True)
        return SelfRegistration(None, None, False)
    registration = lifecycle.register(
        event, person, source=RegistrationSource.SELF, actor=Actor.GUEST, language=details.language,
        needs_approval=event.registration_mode == RegistrationMode.APPROVAL, session_ids=session_ids,
        notify=False)
    token = issue_access_token(registration)
    queue_message(kind=f"registration_{registration.status.value}", to_address=person.email,
                  to_name=person.name, template="status", language=registration.language,
                  event_id=event.id, event=event, person=person, registration=registration,
                  change=f"registration_{registration.status.value}", link=portal_url(token))
    return SelfRegistration(registration, token, True)
