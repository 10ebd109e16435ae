"""How a scan is decided (SPEC rule 6): the one query that fetches everything, and the rules.

Everything a decision needs — the event, the caller's role, the gate's session, the
signing key, the registration with person, organization and category, the seat, the
invitation and the first entry at this gate — comes from ONE prepared query; the
signature is checked here with the key from that row, so no other lookup is needed.

The key is the one of the event the code names, not the door's: the signature is checked
first, so a code whose event id was altered is "invalid" (forged), and only a genuine badge
of another event is "wrong event".
"""

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask_babel import gettext as _
from sqlalchemy import Integer, String, and_, bindparam, exists, func, select

from eventsvc.accounts.models import EventRole, User
from eventsvc.accounts.service import caller_token_check, check_cached_caller
from eventsvc.badges.codes import BadgeCodeError, parse_badge_code
from eventsvc.badges.models import BadgeKey
from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import CheckIn
from eventsvc.core.colors import text_color_on
from eventsvc.core.errors import NotFound, PermissionDenied
from eventsvc.core.i18n import format_event_time
from eventsvc.events.models import AgendaItem, Event, Participation
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import Category, Registration, SessionSeat, invitation_sessions


def _build_decision_query():
    """Built once: the bound values (NULL where absent) select what a scan needs, or nothing."""
    session_id, registration_id = bindparam("session_id", type_=Integer), bindparam("registration_id", type_=Integer)
    key_id, gate = bindparam("key_id", type_=Integer), bindparam("gate", type_=String)
    code_event_id = bindparam("code_event_id", type_=Integer)
    seat = (select(SessionSeat.status)
            .where(SessionSeat.registration_id == Registration.id, SessionSeat.agenda_item_id == session_id)
            .scalar_subquery())
    invited = exists().where(invitation_sessions.c.invitation_id == Registration.invitation_id,
                             invitation_sessions.c.agenda_item_id == session_id)
    takes_part = exists().where(Participation.person_id == Registration.person_id,
                                Participation.agenda_item_id == session_id)
    live_first = and_(CheckIn.registration_id == Registration.id, CheckIn.gate == gate,
                      CheckIn.result == ScanResult.OK, CheckIn.direction == Direction.IN,
                      CheckIn.undone_at.is_(None))
    first_id = select(CheckIn.id).where(live_first).limit(1).scalar_subquery()
    first_at = (select(func.coalesce(CheckIn.device_time, CheckIn.scanned_at)).where(live_first)
                .limit(1).scalar_subquery())
    return (
        select(
            Event.id.label("event_id"), Event.timezone, EventRole.role,
            caller_token_check(bindparam("token_id", type_=Integer)).label("caller_is_admin"),
            AgendaItem.id.label("session_id"), AgendaItem.title.label("session_title"),
            AgendaItem.title_local.label("session_title_local"),
            AgendaItem.requires_registration, AgendaItem.is_closed,
            BadgeKey.public_key,
            Registration.id.label("registration_id"), Registration.status, Registration.badge_version,
            Person.name, Person.name_local, Person.position, Person.position_local, Person.email,
            Person.photo_path,
            Organization.name.label("org_name"), Organization.name_local.label("org_name_local"),
            Category.code.label("category_code"), Category.label.label("category"),
            Category.label_local.label("category_local"), Category.color.label("category_color"),
            Category.is_vip,
            seat.label("seat_status"), invited.label("invited"), takes_part.label("takes_part"),
            first_id.label("first_id"), first_at.label("first_at"),
        )
        .select_from(Event)
        .outerjoin(EventRole, and_(EventRole.event_id == Event.id, EventRole.user_id == bindparam("user_id")))
        .outerjoin(AgendaItem, and_(AgendaItem.event_id == Event.id, AgendaItem.id == session_id))
        .outerjoin(BadgeKey, and_(BadgeKey.event_id == code_event_id, BadgeKey.key_id == key_id))
        .outerjoin(Registration, and_(Registration.event_id == Event.id, Registration.id == registration_id))
        .outerjoin(Person, Person.id == Registration.person_id)
        .outerjoin(Organization, Organization.id == Person.organization_id)
        .outerjoin(Category, Category.id == Registration.category_id)
        .where(Event.slug == bindparam("slug"))
    )


DECISION_QUERY = _build_decision_query()


def decision_row(slug: str, user_id: int, session_id: int | None, key_id: int | None,
                registration_id: int | None, gate: str, *, code_event_id: int | None = None,
                token_id: int | None = None):
    """``code_event_id`` and ``key_id``: the event and key a badge code names (its public key
    comes with the row), None for a check-in without a code. ``token_id``: the caller's bearer
    token when it came from the process's cache, checked in this query (``caller_is_admin``)."""
    return db.session.connection().execute(DECISION_QUERY, {
        "slug": slug, "user_id": user_id, "session_id": session_id, "key_id": key_id,
        "code_event_id": code_event_id, "registration_id": registration_id, "gate": gate,
        "token_id": token_id}).first()


def authorize(row, user: User, token_id: int | None = None) -> None:
    """The caller may scan here: the event exists, a cached token is still live (401 otherwise)
    and the caller works at the event (or is an administrator, as the row says now)."""
    if row is None:
        raise NotFound("unknown_event", _("No such event."))
    check_cached_caller(token_id, row.caller_is_admin, user)
    if row.role is None and not user.is_admin:
        raise PermissionDenied("not_staff", _("You do not work at this event."))


def person_details(row, language: str) -> dict | None:
    if row is None or row.registration_id is None:
        return None
    zh = language == "zh"
    return {
        "registration_id": row.registration_id,
        "name": row.name, "name_local": row.name_local,
        "position": (row.position_local if zh and row.position_local else row.position),
        "organization": row.org_name, "organization_local": row.org_name_local,
        "category": row.category, "category_local": row.category_local,
        "category_code": row.category_code, "category_color": row.category_color,
        "category_text_color": text_color_on(row.category_color) if row.category_color else None,
        "is_vip": bool(row.is_vip), "photo": None,
    }


def display_name(row, language: str) -> str:
    if row is None or row.registration_id is None:
        return ""
    return row.name_local if language == "zh" and row.name_local else row.name


# --- deciding ------------------------------------------------------------------------------

@dataclass
class Decision:
    result: ScanResult
    reason: str | None
    registration_id: int | None
    badge_version: int | None


def decide(row, direction: Direction, payload, code_error: str | None) -> Decision:
    version = payload.badge_version if payload else None
    if code_error:
        return Decision(ScanResult.WRONG_EVENT if code_error == "wrong_event" else ScanResult.INVALID,
                         code_error, None, version)
    if row.registration_id is None:
        return Decision(ScanResult.INVALID, "unknown_registration", None, version)
    reg = row.registration_id
    if version is not None and version != row.badge_version:
        return Decision(ScanResult.REVOKED, "replaced", reg, version)
    if row.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        return Decision(ScanResult.CANCELLED, row.status.value, reg, version)
    if row.status != RegistrationStatus.CONFIRMED:
        return Decision(ScanResult.NOT_ADMITTED, "not_confirmed", reg, version)
    if row.session_id is not None:
        if row.requires_registration and row.seat_status != SeatStatus.CONFIRMED and not row.takes_part:
            return Decision(ScanResult.NOT_ADMITTED, "no_seat", reg, version)
        if row.is_closed and not (row.invited or row.takes_part):
            return Decision(ScanResult.NOT_ADMITTED, "not_invited", reg, version)
    if direction == Direction.OUT:
        return Decision(ScanResult.OK, "exit", reg, version)
    if row.first_id is not None:
        return Decision(ScanResult.ALREADY_CHECKED_IN, None, reg, version)
    return Decision(ScanResult.OK, None, reg, version)


@dataclass
class Code:
    payload: object = None
    signed: bytes = b""
    signature: bytes = b""
    error: str | None = None


def parse_code(code: str | None) -> Code:
    """Split the code (no database); ``error`` says why it was refused before any lookup."""
    if code is None:
        return Code()
    try:
        return Code(*parse_badge_code(code))
    except BadgeCodeError as error:
        return Code(error=error.code)


def check_signature(code: Code, row) -> str | None:
    """Why the code is refused, or None: the signature first (with the key of the event the code
    names), then whether that event is the door's."""
    if code.payload is None:
        return None
    if row.public_key is None:
        return "unknown_key"
    try:
        Ed25519PublicKey.from_public_bytes(bytes(row.public_key)).verify(code.signature, code.signed)
    except InvalidSignature:
        return "bad_signature"
    if code.payload.event_id != row.event_id:
        return "wrong_event"
    return None


def message_for(result: ScanResult, reason: str | None, row, language: str, *, first_at=None,
                gate_name: str = "") -> str:
    name = display_name(row, language)
    if result == ScanResult.OK:
        if reason == "exit":
            return _("Goodbye, %(name)s: exit recorded.", name=name)
        return _("Welcome, %(name)s.", name=name)
    if result == ScanResult.ALREADY_CHECKED_IN:
        when = format_event_time(first_at, row.timezone, "short", language) if first_at else "?"
        return _("%(name)s already checked in at %(time)s (%(gate)s).", name=name, time=when, gate=gate_name)
    if result == ScanResult.NOT_ADMITTED:
        if reason == "no_seat":
            return _("%(name)s has no seat in this session.", name=name)
        if reason == "not_invited":
            return _("%(name)s is not invited to this closed session.", name=name)
        return _("%(name)s's registration is not confirmed.", name=name)
    if result == ScanResult.ROOM_FULL:
        return _("The room is full: %(name)s can come in when someone leaves.", name=name)
    if result == ScanResult.CANCELLED:
        return _("%(name)s's registration was cancelled.", name=name)
    if result == ScanResult.REVOKED:
        return _("This badge of %(name)s was replaced by a newer one: ask for the new badge.", name=name)
    if result == ScanResult.WRONG_EVENT:
        return _("This badge belongs to another event.")
    if reason == "bad_signature":
        return _("This badge's signature is not valid: it was forged or altered.")
    if reason == "unknown_registration":
        return _("This badge matches no registration of this event.")
    return _("This is not a badge of this event.")
