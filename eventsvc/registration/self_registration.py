"""Self-registration from the public form: /e/<slug>/register.

The browser that submits the form learns nothing stored: whatever the address, it is told
to check its e-mail, and the portal link goes only to that address (SPEC rule 10). A known
address changes nothing: the guest's links keep working (a new one is added and mailed),
a cancelled registration stays cancelled (the guest registers again from their portal),
the stored details stay as they are. Submissions are counted per client and per address
(core.rate_limits), so that the form cannot be used to flood a mailbox.
"""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventsvc.core import rate_limits
from eventsvc.core.errors import ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people.identity import PersonDetails, address_or_none, find_or_create_person_new
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import InvitationStatus, RegistrationSource
from eventsvc.registration.invitations import send_invitation
from eventsvc.registration.links import send_access_link
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.questions import answers as answer_service
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


def count_submission(client_address: str | None, email: str | None) -> None:
    """Count one submission of the public form, before anything else is done with it.

    RateLimited (429) beyond SELF_REGISTRATION_LIMIT_PER_CLIENT submissions from one client
    in SELF_REGISTRATION_CLIENT_WINDOW_SECONDS, or SELF_REGISTRATION_LIMIT_PER_ADDRESS with
    one e-mail address (at any event) in SELF_REGISTRATION_ADDRESS_WINDOW_SECONDS. The
    client is counted first: a client already refused does not use up an address's allowance.
    """
    config = current_app.config
    limits = [rate_limits.Limit(
        "self_registration_client", client_address or "unknown", config["SELF_REGISTRATION_LIMIT_PER_CLIENT"],
        config["SELF_REGISTRATION_CLIENT_WINDOW_SECONDS"],
        _l("Too many registrations from your network. Please try again later."))]
    address = address_or_none(email)  # None: the form tells what is wrong with it; nothing will be sent
    if address is not None:
        limits.append(rate_limits.Limit(
            "self_registration_address", address, config["SELF_REGISTRATION_LIMIT_PER_ADDRESS"],
            config["SELF_REGISTRATION_ADDRESS_WINDOW_SECONDS"],
            _l("Too many registrations with this e-mail address. Please try again later.")))
    rate_limits.hit_all(limits)  # one short transaction for both counts


def self_register(event: Event, details: PersonDetails, session_ids=(), answers=None, questions=None) -> None:
    """Register from the public form; the answer for the browser is "check your e-mail" whatever
    happened here, so nothing is returned.

    A new guest is registered and mailed a link. A known guest at this event is mailed a new
    link to their portal (a cancelled guest registers again from there, through approval where
    the event needs it); an invited guest gets their invitation again; a withdrawn invitation
    gets no answer at all. Stored details and existing links are never touched.

    ``answers`` (by question key) are checked first (AnswersInvalid lists the wrong ones) and
    stored with a new registration only: a known guest changes theirs in the portal. ``questions``:
    ``questions_for(event, None)`` when the caller has them already.
    """
    check_open(event)
    cleaned = answer_service.check_answers(answer_service.questions_for(event, None) if questions is None
                                           else questions, answers or {}, by_guest=True)
    person, new_person = find_or_create_person_new(event, details)
    existing = invitation = None  # a person created just now has neither
    if not new_person:
        existing = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.person_id == person.id))
        invitation = db.session.scalar(select(Invitation).where(
            Invitation.event_id == event.id, Invitation.person_id == person.id))
    if invitation is not None and invitation.status == InvitationStatus.REVOKED:
        return
    if existing is not None:
        send_access_link(existing)
        return
    if invitation is not None:
        send_invitation(invitation, reminder=invitation.status != InvitationStatus.DRAFT)
        return
    registration = lifecycle.register(  # its status e-mail carries the guest's first link
        event, person, source=RegistrationSource.SELF, actor=Actor.GUEST, language=details.language,
        needs_approval=event.registration_mode == RegistrationMode.APPROVAL, session_ids=session_ids)
    answer_service.store_answers(event.id, registration.person_id, cleaned)
