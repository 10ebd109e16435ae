"""Guests as people, and what the registration pages read: waitlist position, seat counts.

Changes of state are not made here: they belong to ``lifecycle.py`` and ``seats.py``.
"""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import Registration, SessionSeat

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


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == RegistrationStatus.WAITLISTED,
        or_(Registration.waitlisted_at < registration.waitlisted_at,
            and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id))))
    return ahead + 1


# --- seminar seats ---------------------------------------------------------------------------

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

def registration_for(event: Event, registration_id: int) -> Registration:
    registration = db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id)
        .options(selectinload(Registration.person), selectinload(Registration.seats)))
    if registration is None:
        raise NotFound("not_found", _("No such registration at this event."))
    return registration
