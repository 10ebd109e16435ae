"""Registration rules: places and waitlist, approval, cancellation, seminar seats, self-registration.

Every function works in the caller's transaction and raises ServiceError with a stable
code; the caller commits. Places and seats are counted by ``capacity`` (conditional
UPDATEs guarded by CHECK constraints), so concurrent requests never over-book.
"""

from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.events.enums import RegistrationMode, SessionStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.mail.service import public_url, queue_message
from eventsvc.people.models import Organization, Person
from eventsvc.registration import capacity
from eventsvc.registration.enums import RegistrationSource, RegistrationStatus, SeatStatus
from eventsvc.registration.models import Category, Invitation, Registration, SessionSeat

ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


# --- people --------------------------------------------------------------------------------

@dataclass
class GuestDetails:
    """What a guest tells us about themselves (self-registration, invitation, portal edit)."""

    name: str
    email: str
    name_local: str | None = None
    organization: str | None = None
    position: str | None = None
    phone: str | None = None
    language: str = "en"


def normalise_email(value: str | None, field: str = "email") -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError("email_required", _("Enter an e-mail address."), field=field)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError("bad_email", _("“%(value)s” is not a valid e-mail address.", value=value),
                           field=field) from None


def organization_named(name: str | None) -> Organization | None:
    name = (name or "").strip()
    if not name:
        return None
    org = db.session.scalar(select(Organization).where(
        or_(func.lower(Organization.name) == name.lower(), Organization.name_local == name)))
    if org is None:
        org = Organization(name=name)
        db.session.add(org)
    return org


def person_for(details: GuestDetails, *, update: bool = False) -> Person:
    """The person with this e-mail (one address is one person), created if new."""
    email = normalise_email(details.email)
    if not details.name.strip():
        raise ServiceError("name_required", _("Enter the name."), field="name")
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(email=email, name=details.name.strip())
        db.session.add(person)
        update = True
    if update:
        apply_details(person, details)
    return person


def apply_details(person: Person, details: GuestDetails) -> None:
    person.name = details.name.strip() or person.name
    person.name_local = (details.name_local or "").strip() or None
    person.position = (details.position or "").strip() or None
    person.phone = (details.phone or "").strip() or None
    person.language = details.language if details.language in ("en", "zh") else "en"
    if details.organization is not None:
        person.organization = organization_named(details.organization)


# --- guest links ---------------------------------------------------------------------------

def link_expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"])


def issue_access_token(registration: Registration) -> str:
    """A new portal link for a registration (the previous link stops working)."""
    token = new_token()
    registration.access_token_hash = hash_token(token)
    registration.access_token_expires_at = link_expiry()
    return token


def portal_url(token: str) -> str:
    # built by hand: e-mails are also queued outside requests (CLI, tests), where url_for has no host
    return public_url(f"/g/{token}")


def send_access_link(registration: Registration) -> None:
    token = issue_access_token(registration)
    person = registration.person
    queue_message(kind="access_link", to_address=person.email, to_name=person.name,
                  template="access_link", language=registration.language, event_id=registration.event_id,
                  event=registration.event, person=person, link=portal_url(token))


# --- places and the waitlist ---------------------------------------------------------------

def _notify_status(registration: Registration, kind: str) -> None:
    person = registration.person
    if not person.email:
        return
    token = issue_access_token(registration)
    queue_message(kind=kind, to_address=person.email, to_name=person.name, template="status",
                  language=registration.language, event_id=registration.event_id,
                  event=registration.event, person=person, registration=registration,
                  change=kind, link=portal_url(token))


def place(registration: Registration) -> RegistrationStatus:
    """Confirm if the event has a free place, otherwise put on the waitlist (in arrival order)."""
    now = utcnow()
    if capacity.take_event_place(registration.event_id):
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.waitlisted_at = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    return registration.status


def register(event: Event, person: Person, *, source: RegistrationSource, category: Category | None = None,
             invitation: Invitation | None = None, language: str = "en", needs_approval: bool = False,
             session_ids=(), notify: bool = True) -> Registration:
    """A new registration, placed (or pending approval), with its seminar choices."""
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.person_id == person.id))
    if existing is not None:
        raise Conflict("already_registered", _("This person is already registered for this event."))
    registration = Registration(event=event, person=person, source=source, category=category,
                                invitation=invitation, language=language)
    db.session.add(registration)
    db.session.flush()
    if needs_approval:
        registration.status = RegistrationStatus.PENDING
    else:
        place(registration)
    if session_ids:
        choose_sessions(registration, session_ids, invitation=invitation)
    record("registration.created", event_id=event.id, obj=registration, status=registration.status.value,
           source=source.value)
    if notify:
        _notify_status(registration, f"registration_{registration.status.value}")
    return registration


def promote_from_waitlist(event_id: int) -> list[Registration]:
    """Fill free places from the head of the waitlist, telling each promoted guest by e-mail."""
    promoted = []
    while True:
        query = (select(Registration)
                 .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITLISTED)
                 .order_by(Registration.waitlisted_at, Registration.id).limit(1)
                 .execution_options(populate_existing=True))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidate = db.session.scalar(query)
        if candidate is None or not capacity.take_event_place(event_id):
            break
        candidate.status = RegistrationStatus.CONFIRMED
        candidate.confirmed_at = utcnow()  # waitlisted_at stays: when they joined the line
        record("registration.promoted", event_id=event_id, obj=candidate)
        _notify_status(candidate, "registration_promoted")
        promoted.append(candidate)
    return promoted


def _release_place(registration: Registration) -> bool:
    if registration.status == RegistrationStatus.CONFIRMED:
        capacity.release_event_place(registration.event_id)
        return True
    return False


def cancel(registration: Registration, *, by_guest: bool) -> list[Registration]:
    """Cancel a registration and its seats; the freed place goes to the first in line."""
    if registration.status not in ACTIVE:
        raise Conflict("not_active", _("This registration is already cancelled."))
    freed = _release_place(registration)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    registration.waitlisted_at = None
    for seat in registration.seats:
        _drop_seat(seat)
    record("registration.cancelled", event_id=registration.event_id, obj=registration, by_guest=by_guest)
    if not by_guest:
        _notify_status(registration, "registration_cancelled")
    return promote_from_waitlist(registration.event_id) if freed else []


def approve(registration: Registration) -> RegistrationStatus:
    if registration.status != RegistrationStatus.PENDING:
        raise Conflict("not_pending", _("Only a pending registration can be approved."))
    status = place(registration)
    record("registration.approved", event_id=registration.event_id, obj=registration, status=status.value)
    _notify_status(registration, f"registration_{status.value}")
    return status


def reject(registration: Registration) -> None:
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
        raise Conflict("not_pending", _("Only a pending or waitlisted registration can be rejected."))
    registration.status = RegistrationStatus.REJECTED
    registration.waitlisted_at = None
    for seat in registration.seats:
        _drop_seat(seat)
    record("registration.rejected", event_id=registration.event_id, obj=registration)
    _notify_status(registration, "registration_rejected")


def confirm_from_waitlist(registration: Registration) -> None:
    """Organizer: give a waitlisted (or pending) guest a place now, out of turn."""
    if registration.status not in (RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING):
        raise Conflict("not_waitlisted", _("Only a waitlisted or pending guest can be confirmed."))
    if not capacity.take_event_place(registration.event_id):
        raise Conflict("event_full", _("The event is full: free a place first or raise the capacity."))
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    registration.waitlisted_at = None
    record("registration.confirmed", event_id=registration.event_id, obj=registration)
    _notify_status(registration, "registration_confirmed")


def move_to_waitlist(registration: Registration) -> None:
    """Organizer: move a confirmed guest to the end of the waitlist, freeing their place."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict("not_confirmed", _("Only a confirmed guest can be moved to the waitlist."))
    capacity.release_event_place(registration.event_id)
    registration.status = RegistrationStatus.WAITLISTED
    registration.waitlisted_at = utcnow()
    registration.confirmed_at = None
    record("registration.waitlisted", event_id=registration.event_id, obj=registration)
    _notify_status(registration, "registration_waitlisted")


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == RegistrationStatus.WAITLISTED,
        or_(Registration.waitlisted_at < registration.waitlisted_at,
            and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id))))
    return ahead + 1


def set_capacity(event: Event, new_capacity: int | None) -> list[Registration]:
    if new_capacity is not None and new_capacity < event.confirmed_count:
        raise ServiceError("below_confirmed", _("%(count)d guests are already confirmed: the capacity cannot "
                                                "be lower.", count=event.confirmed_count), field="capacity")
    event.capacity = new_capacity
    db.session.flush()
    return promote_from_waitlist(event.id)


# --- seminar seats ---------------------------------------------------------------------------

def choosable_sessions(event: Event, invitation: Invitation | None = None) -> list[AgendaItem]:
    """Sessions a guest picks separately: seat-limited, not cancelled; closed ones only if invited."""
    invited = {s.id for s in invitation.sessions} if invitation is not None else set()
    items = db.session.scalars(select(AgendaItem).where(
        AgendaItem.event_id == event.id, AgendaItem.requires_registration.is_(True),
        AgendaItem.status == SessionStatus.SCHEDULED).order_by(AgendaItem.starts_at, AgendaItem.id)).all()
    return [i for i in items if not i.is_closed or i.id in invited]


def _drop_seat(seat: SessionSeat) -> None:
    was_confirmed = seat.status == SeatStatus.CONFIRMED
    seat.status = SeatStatus.CANCELLED
    seat.waitlisted_at = None
    if was_confirmed:
        capacity.release_session_seat(seat.agenda_item_id)
        db.session.flush()
        promote_seat_waitlist(seat.agenda_item_id)


def promote_seat_waitlist(agenda_item_id: int) -> list[SessionSeat]:
    promoted = []
    while True:
        query = (select(SessionSeat).where(SessionSeat.agenda_item_id == agenda_item_id,
                                           SessionSeat.status == SeatStatus.WAITLISTED)
                 .order_by(SessionSeat.waitlisted_at, SessionSeat.id).limit(1)
                 .execution_options(populate_existing=True))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        seat = db.session.scalar(query)
        if seat is None or not capacity.take_session_seat(agenda_item_id):
            break
        seat.status = SeatStatus.CONFIRMED
        seat.waitlisted_at = None
        registration = seat.registration
        if registration.person.email:
            token = issue_access_token(registration)
            queue_message(kind="seat_promoted", to_address=registration.person.email,
                          to_name=registration.person.name, template="seat_promoted",
                          language=registration.language, event_id=registration.event_id,
                          event=registration.event, person=registration.person, item=seat.agenda_item,
                          link=portal_url(token))
        promoted.append(seat)
    return promoted


def choose_sessions(registration: Registration, session_ids, *, invitation: Invitation | None = None) -> None:
    """Set the guest's seminar choices: new ones take a seat or join that session's waitlist."""
    if registration.status not in ACTIVE:
        raise Conflict("not_active", _("This registration is cancelled."))
    allowed = {i.id: i for i in choosable_sessions(registration.event, invitation or registration.invitation)}
    wanted = set()
    for raw in session_ids:
        try:
            item_id = int(raw)
        except (TypeError, ValueError):
            raise ServiceError("unknown_session", _("Unknown session."), field="sessions") from None
        if item_id not in allowed:
            raise ServiceError("unknown_session", _("This session cannot be chosen."), field="sessions")
        wanted.add(item_id)
    seats = {s.agenda_item_id: s for s in registration.seats}
    for item_id, seat in seats.items():
        if item_id not in wanted and seat.status != SeatStatus.CANCELLED:
            _drop_seat(seat)
    now = utcnow()
    for item_id in sorted(wanted):
        seat = seats.get(item_id)
        if seat is not None and seat.status != SeatStatus.CANCELLED:
            continue
        if seat is None:
            seat = SessionSeat(agenda_item_id=item_id, status=SeatStatus.WAITLISTED)
            registration.seats.append(seat)
        if capacity.take_session_seat(item_id):
            seat.status, seat.waitlisted_at = SeatStatus.CONFIRMED, None
        else:
            seat.status, seat.waitlisted_at = SeatStatus.WAITLISTED, now
    db.session.flush()


def seat_counts(items: list[AgendaItem]) -> dict[int, dict]:
    """Seats left and waitlist length per session, in two queries whatever the number of sessions."""
    ids = [i.id for i in items]
    fresh = dict(db.session.execute(select(AgendaItem.id, AgendaItem.seats_taken)
                                    .where(AgendaItem.id.in_(ids))).all()) if ids else {}
    waiting = dict(db.session.execute(
        select(SessionSeat.agenda_item_id, func.count()).where(
            SessionSeat.agenda_item_id.in_(ids), SessionSeat.status == SeatStatus.WAITLISTED)
        .group_by(SessionSeat.agenda_item_id)).all()) if ids else {}
    return {i.id: {"capacity": i.capacity, "taken": fresh.get(i.id, 0),
                   "left": None if i.capacity is None else max(i.capacity - fresh.get(i.id, 0), 0),
                   "waiting": waiting.get(i.id, 0)} for i in items}


# --- self-registration ---------------------------------------------------------------------

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


def self_register(event: Event, details: GuestDetails, session_ids=()) -> SelfRegistration:
    """Register from the public form. A known e-mail never sees data: a new link is e-mailed."""
    check_open(event)
    person = person_for(details)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.person_id == person.id))
    if existing is not None and existing.status == RegistrationStatus.CANCELLED:
        # they cancelled earlier and come back: at the end of the line like anyone new
        existing.cancelled_at = None
        place(existing)
        if session_ids:
            choose_sessions(existing, session_ids)
        record("registration.renewed", event_id=event.id, obj=existing, status=existing.status.value)
    if existing is not None:
        send_access_link(existing)
        return SelfRegistration(existing, None, False)
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.person_id == person.id))
    if invitation is not None:
        from eventsvc.registration.invitations import send_invitation

        send_invitation(invitation, reminder=True)
        return SelfRegistration(None, None, False)
    registration = register(event, person, source=RegistrationSource.SELF, language=details.language,
                            needs_approval=event.registration_mode == RegistrationMode.APPROVAL,
                            session_ids=session_ids, notify=False)
    token = issue_access_token(registration)
    queue_message(kind=f"registration_{registration.status.value}", to_address=person.email,
                  to_name=person.name, template="status", language=registration.language,
                  event_id=event.id, event=event, person=person, registration=registration,
                  change=f"registration_{registration.status.value}", link=portal_url(token))
    return SelfRegistration(registration, token, True)


def registration_for(event: Event, registration_id: int) -> Registration:
    registration = db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id)
        .options(selectinload(Registration.person), selectinload(Registration.seats)))
    if registration is None:
        raise NotFound("not_found", _("No such registration at this event."))
    return registration
