"""Scanning badges at the doors (SPEC rules 5, 6, 9): one answer per scan, every scan recorded.

The scan path is kept lean on purpose (the target is hundreds of scans per second
on two cores): everything a decision needs — the event, the caller's role, the gate's
session, the signing key, the registration with person, organization and category,
the seat, the invitation and the first entry at this gate — comes from ONE query
(checkin/decision.py); then one INSERT. The database, not Python, guarantees that two simultaneous scans of
one badge at one gate give exactly one ``ok`` (the partial unique index on
``checkins``) and that a retried nonce is recorded once (unique ``(event_id, nonce)``).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from eventsvc.accounts.models import User
from eventsvc.audit.service import record
from eventsvc.audit.trail import subject_people
from eventsvc.checkin import occupancy
from eventsvc.checkin.decision import (
    Decision,
    authorize,
    check_signature,
    decide,
    decision_row,
    message_for,
    parse_code,
    person_details,
)
from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import ENTRANCE_GATE, CheckIn
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.i18n import format_day, format_event_time
from eventsvc.core.metrics import scan_recorded
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.identity import PersonDetails, add_person, find_or_create_person
from eventsvc.people.models import Organization, Person
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import RegistrationSource
from eventsvc.registration.models import Category, Registration
from eventsvc.registration.transitions import Actor
from eventsvc.webhooks.enums import WebhookKind
from eventsvc.webhooks.service import emit, listens

SESSION_GATE_PREFIX = "session-"


class CheckInError(ServiceError):
    """A scan request that cannot be answered at all (unknown gate, bad nonce...)."""


@dataclass
class ScanInput:
    gate: str
    nonce: str
    code: str | None = None
    #: a manual check-in from the search list instead of a badge code
    registration_id: int | None = None
    direction: Direction = Direction.IN
    device_time: datetime | None = None
    device: str | None = None
    #: an offline check-in taken back on the device before upload: recorded as undone
    undone: bool = False


@dataclass
class ScanAnswer:
    """What the scanner shows: the recorded result, a sentence and who it is."""

    checkin_id: int
    result: ScanResult
    reason: str | None
    message: str
    gate: str
    direction: Direction
    nonce: str
    scanned_at: datetime
    is_duplicate: bool = False
    person: dict | None = None
    first_scan: dict | None = None
    replayed: bool = False
    extra: dict = field(default_factory=dict)
    #: at a session door: its room's people inside against the capacity (checkin/occupancy.py)
    occupancy: dict | None = None


def session_id_of_gate(gate: str) -> int | None:
    """``entrance`` → None; ``session-12`` → 12; anything else is refused."""
    if gate == ENTRANCE_GATE:
        return None
    if gate.startswith(SESSION_GATE_PREFIX) and gate[len(SESSION_GATE_PREFIX):].isdigit():
        return int(gate[len(SESSION_GATE_PREFIX):])
    raise CheckInError("unknown_gate", _("Choose the entrance or a session's door."), field="gate")


def gate_label(gate: str, session_title: str | None) -> str:
    return _("Entrance") if gate == ENTRANCE_GATE else (session_title or gate)


# --- recording -----------------------------------------------------------------------------

#: Core statements on the session's connection: the ORM layer would cost more than the database
_INSERT_CHECKIN = insert(CheckIn.__table__).returning(CheckIn.__table__.c.id)


def _validate(scan: ScanInput) -> int | None:
    if not scan.nonce or len(scan.nonce) > 64:
        raise CheckInError("bad_nonce", _("Send a nonce of 1 to 64 characters."), field="nonce")
    if (scan.code is None) == (scan.registration_id is None):
        raise CheckInError("code_required", _("Send either a badge code or a registration."), field="code")
    return session_id_of_gate(scan.gate)


def record_scan(slug: str, user: User, scan: ScanInput, *, language: str = "en",
                from_batch: bool = False, token_id: int | None = None) -> ScanAnswer:
    """Answer one scan and record it, committing. Safe to call concurrently and to retry.

    ``token_id``: the caller's bearer token when the API took it from the process's cache
    (``accounts.api_auth.rechecks_caller``): the decision query checks it is still live."""
    session_id = _validate(scan)
    code = parse_code(scan.code)
    payload = code.payload
    for _attempt in range(3):
        transaction = _Transaction(lone=_without_transaction(from_batch))
        row = decision_row(slug, user.id, session_id, payload.key_id if payload else None,
                          payload.registration_id if payload else scan.registration_id, scan.gate,
                          code_event_id=payload.event_id if payload else None, token_id=token_id)
        authorize(row, user, token_id)
        if session_id is not None and row.session_id is None:
            raise CheckInError("unknown_gate", _("This session is not part of the event."), field="gate")
        signature_error = code.error or check_signature(code, row)
        decision = decide(row, scan.direction, payload, signature_error)
        door = None
        if session_id is not None:  # the entrance pays nothing for occupancy
            full, door = occupancy.at_door(session_id, decision.registration_id, scan.direction, decision.result,
                                           offline=from_batch, begin=transaction.begin)
            if full:
                decision = Decision(ScanResult.ROOM_FULL, "room_full", decision.registration_id,
                                    decision.badge_version)
        values = dict(
            event_id=row.event_id, registration_id=decision.registration_id, gate=scan.gate,
            agenda_item_id=session_id, direction=scan.direction, result=decision.result,
            scanned_at=utcnow(), device_time=scan.device_time, nonce=scan.nonce, user_id=user.id,
            device=(scan.device or "")[:100] or None, code=(scan.code or "")[:200] or None,
            badge_version=decision.badge_version,
            is_duplicate=from_batch and decision.result == ScanResult.ALREADY_CHECKED_IN, undone_at=None)
        if scan.undone and decision.result == ScanResult.OK and scan.direction == Direction.IN:
            values.update(undone_at=values["scanned_at"], undone_by_id=user.id)
        first_at = row.first_at
        if listens(row.event_id, WebhookKind.CHECKIN_RECORDED):
            transaction.begin()  # the check-in and its webhook rows commit together
        try:
            if (from_batch and decision.result == ScanResult.ALREADY_CHECKED_IN and scan.device_time and not scan.undone
                    and first_at and scan.device_time < first_at):
                # An offline scan made before the recorded check-in: the earliest becomes the check-in.
                db.session.execute(update(CheckIn).where(CheckIn.id == row.first_id).values(
                    result=ScanResult.ALREADY_CHECKED_IN, is_duplicate=True))
                values.update(result=ScanResult.OK, is_duplicate=False)
            checkin_id = db.session.connection().execute(_INSERT_CHECKIN, values).scalar_one()
            if values["result"] == ScanResult.OK:
                emit(row.event_id, WebhookKind.CHECKIN_RECORDED, partial(_checkin_payload, checkin_id, values, row))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            recorded = recorded_answer(row.event_id, scan.nonce, language)
            if recorded is not None:
                return recorded
            continue  # another scan of this badge at this gate won the race: decide again
        result, scanned_at, duplicate = values["result"], values["scanned_at"], values["is_duplicate"]
        scan_recorded(result)
        gate_name = gate_label(scan.gate, _session_title(row, language))
        return ScanAnswer(
            checkin_id=checkin_id, result=result, reason=decision.reason,
            message=message_for(result, decision.reason, row, language, first_at=first_at, gate_name=gate_name),
            gate=scan.gate, direction=scan.direction, nonce=scan.nonce, scanned_at=scanned_at,
            is_duplicate=duplicate,
            person=person_details(row, language) if decision.registration_id else None,
            first_scan=({"at": first_at, "gate": scan.gate, "gate_label": gate_name}
                        if result == ScanResult.ALREADY_CHECKED_IN else None),
            occupancy=(occupancy.after_scan(door, scan.direction, result, values["undone_at"] is not None)
                       .as_answer(language) if door else None))
    raise CheckInError("busy", _("Too many simultaneous scans of this badge; scan again."), status=409)


@dataclass
class _Transaction:
    """Whether this scan still runs in autocommit (see ``_without_transaction``), and the way out."""

    lone: bool

    def begin(self) -> None:
        """Leave autocommit, so that what follows is one transaction: a row lock held until the
        check-in is written (a door refusing when full), or the check-in and its webhook rows."""
        if self.lone:
            db.session.commit()
            self.lone = False


def _without_transaction(from_batch: bool) -> bool:
    """On PostgreSQL, a single scan (not an offline batch, whose earlier scan may demote a
    recorded one) sends its decision query and its INSERT each on its own, in autocommit: no
    BEGIN and COMMIT round trips. Nothing is lost by it: the decision was never a lock (the
    unique indexes on ``checkins`` settle races, and the INSERT is one statement); a scan whose
    event has a check-in webhook leaves autocommit before writing, so that its row and the
    delivery rows commit together. Only when nothing began the session's transaction yet (a
    token lookup did: then one transaction, as before)."""
    session = db.session()
    if from_batch or session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def _checkin_payload(checkin_id: int, values: dict, row) -> dict:
    """What a check-in webhook says (only built when the event has a subscriber)."""
    return {"checkin_id": checkin_id, "registration_id": values["registration_id"], "gate": values["gate"],
            "direction": values["direction"].value, "scanned_at": values["scanned_at"].isoformat(),
            "undone": values["undone_at"] is not None, "person": person_details(row, "en")}


def _session_title(row, language: str) -> str | None:
    if row.session_id is None:
        return None
    return row.session_title_local if language == "zh" and row.session_title_local else row.session_title


def recorded_answer(event_id: int, nonce: str, language: str) -> ScanAnswer | None:
    """The answer recorded for a nonce, rebuilt for a retried request (not on the fast path)."""
    entry = db.session.scalar(select(CheckIn).where(CheckIn.event_id == event_id, CheckIn.nonce == nonce))
    if entry is None:
        return None
    event_slug = db.session.scalar(select(Event.slug).where(Event.id == event_id))
    row = decision_row(event_slug, entry.user_id or 0, entry.agenda_item_id, None, entry.registration_id, entry.gate)
    first_at, first_gate = None, None
    if entry.result == ScanResult.ALREADY_CHECKED_IN and entry.registration_id:
        first = db.session.scalar(
            select(CheckIn).where(CheckIn.registration_id == entry.registration_id, CheckIn.gate == entry.gate,
                                  CheckIn.result == ScanResult.OK, CheckIn.direction == Direction.IN,
                                  CheckIn.undone_at.is_(None)))
        if first is not None:
            first_at, first_gate = first.device_time or first.scanned_at, first.gate
    reason = "exit" if entry.direction == Direction.OUT and entry.result == ScanResult.OK else None
    gate_name = gate_label(entry.gate, _session_title(row, language))
    return ScanAnswer(
        checkin_id=entry.id, result=entry.result, reason=reason,
        message=message_for(entry.result, reason, row if entry.registration_id else None, language,
                            first_at=first_at, gate_name=gate_name),
        gate=entry.gate, direction=entry.direction, nonce=entry.nonce, scanned_at=entry.scanned_at,
        is_duplicate=entry.is_duplicate,
        person=person_details(row, language) if entry.registration_id else None,
        first_scan={"at": first_at, "gate": first_gate, "gate_label": gate_name} if first_at else None,
        replayed=True, occupancy=_door_answer(entry.agenda_item_id, language))


def _door_answer(session_id: int | None, language: str) -> dict | None:
    door = occupancy.door(session_id) if session_id is not None else None
    return door.as_answer(language) if door else None


def record_batch(slug: str, user: User, scans: list[ScanInput], *, language: str = "en") -> list[ScanAnswer]:
    """Offline scans uploaded later: in device-time order, so the earliest is the check-in."""
    for index, scan in enumerate(scans):  # all or nothing for malformed uploads
        try:
            _validate(scan)
        except CheckInError as error:
            raise CheckInError(error.code, error.message, field=f"scans.{index}.{error.field}") from None
    ordered = sorted(scans, key=lambda s: (s.device_time is None, s.device_time or utcnow()))
    return [record_scan(slug, user, scan, language=language, from_batch=True) for scan in ordered]


def undo_checkin(event: Event, user: User, checkin_id: int) -> CheckIn:
    """Take back a mistaken check-in; the badge can then be scanned in again."""
    entry = db.session.get(CheckIn, checkin_id)
    if entry is None or entry.event_id != event.id:
        raise NotFound("unknown_checkin", _("No such check-in."))
    if entry.result != ScanResult.OK or entry.direction != Direction.IN:
        raise CheckInError("not_undoable", _("Only an accepted entry can be undone."))
    if entry.undone_at is None:
        entry.undone_at, entry.undone_by_id = utcnow(), user.id
        record("checkin.undone", event_id=event.id, obj=entry, user_id=user.id, gate=entry.gate,
               registration=entry.registration_id)
    return entry


@subject_people("CheckIn")
def _checkin_subjects():
    """An audit entry about a check-in is about the guest scanned."""
    return (select(CheckIn.id.label("object_id"), Registration.person_id.label("person_id"))
            .join(Registration, Registration.id == CheckIn.registration_id))


def count_at_gate(event_id: int, gate: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(
            CheckIn.event_id == event_id, CheckIn.gate == gate, CheckIn.result == ScanResult.OK,
            CheckIn.direction == Direction.IN, CheckIn.undone_at.is_(None))) or 0


def gates(event: Event, language: str) -> list[dict]:
    """The doors of ``event``: the entrance, then each session's, in order of time.

    ``text`` is what staff choose from: a session's title with its day and time in the event's
    zone ("Opening plenary · Fri, Mar 31 09:00", "开幕全体大会 · 3月31日周五 09:00"), since on a
    two-day event the same hour comes twice.
    """
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id).order_by(AgendaItem.starts_at, AgendaItem.id))
    entrance = _("Entrance")
    result = [{"gate": ENTRANCE_GATE, "label": entrance, "text": entrance, "session_id": None}]
    day_pattern = Locale.parse(language).datetime_skeletons["MMMEd"].pattern  # the language's short day
    for item in items:
        title = item.display_title(language)
        when = (f"{format_day(item.starts_at, event.timezone, day_pattern)} "
                f"{format_event_time(item.starts_at, event.timezone)}")
        result.append({"gate": f"{SESSION_GATE_PREFIX}{item.id}", "label": title, "text": f"{title} · {when}",
                       "session_id": item.id, "starts_at": item.starts_at,
                       "requires_registration": item.requires_registration, "is_closed": item.is_closed})
    return result


def search_guests(event: Event, query: str, language: str, limit: int = 20) -> list[dict]:
    """Guests whose person matches by name (Latin or Chinese), organization or e-mail, with their entries."""
    query = (query or "").strip()
    if not query:
        return []
    pattern = f"%{query.lower()}%"
    rows = db.session.execute(
        select(Registration, Person, Organization, Category)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Organization, Organization.id == Person.organization_id)
        .outerjoin(Category, Category.id == Registration.category_id)
        .where(Registration.event_id == event.id,
               or_(func.lower(Person.name).like(pattern), Person.name_local.like(f"%{query}%"),
                   func.lower(Person.email).like(pattern), func.lower(Organization.name).like(pattern),
                   Organization.name_local.like(f"%{query}%"), func.lower(Organization.short_name).like(pattern)))
        .order_by(Person.name).limit(limit)).all()
    entries: dict[int, dict] = {}
    if rows:
        for registration_id, gate, at in db.session.execute(
                select(CheckIn.registration_id, CheckIn.gate, func.coalesce(CheckIn.device_time, CheckIn.scanned_at))
                .where(CheckIn.registration_id.in_([r.id for r, *_ in rows]), CheckIn.result == ScanResult.OK,
                       CheckIn.direction == Direction.IN, CheckIn.undone_at.is_(None))):
            entries.setdefault(registration_id, {})[gate] = at
    return [{"registration_id": r.id, "status": r.status.value, "name": p.name, "name_local": p.name_local,
             "organization": o.display_name(language) if o else None, "email": p.email,
             "category": c.display_label(language) if c else None,
             "checked_in": {g: at.isoformat() for g, at in entries.get(r.id, {}).items()}}
            for r, p, o, c in rows]


# --- walk-ins ------------------------------------------------------------------------------

def desk_gates(event: Event, language: str) -> list[dict]:
    """The gates where a walk-in desk may stand (``_walk_in_gates``' rule): the entrance and open sessions."""
    return [g for g in gates(event, language) if not (g.get("requires_registration") or g.get("is_closed"))]


def _walk_in_gates(event: Event, gate: str) -> list[tuple[str, int | None]]:
    """Where a walk-in registered at the desk of ``gate`` is checked in: the entrance, and the
    desk's session door when it is one. A door that admits only seated or invited guests
    (a seminar with its own seats, a closed meeting) takes no walk-ins."""
    session_id = session_id_of_gate(gate)
    if session_id is None:
        return [(ENTRANCE_GATE, None)]
    item = db.session.get(AgendaItem, session_id)
    if item is None or item.event_id != event.id:
        raise CheckInError("unknown_gate", _("This session is not part of the event."), field="gate")
    if item.requires_registration or item.is_closed:
        raise CheckInError("walk_in_gate", _("Walk-ins are registered at the entrance or at an open session's "
                                             "door: this session admits only its seated or invited guests."),
                           field="gate")
    return [(ENTRANCE_GATE, None), (gate, session_id)]


def register_walk_in(event: Event, user: User, *, name: str, name_local: str | None = None,
                     organization: str | None = None, email: str | None = None,
                     category_id: int | None = None, gate: str = ENTRANCE_GATE,
                     device: str | None = None) -> Registration:
    """A guest registered at the desk: a confirmed registration, arrived at once, or a clear refusal.

    The registration lifecycle decides and counts the place; a full event refuses (no waitlist at
    the door). The guest stands at the desk, so the same transaction records their entry at the
    desk's gate (and the entrance): the arrivals dashboard and the gate's count include them, and
    a later scan of the new badge there answers "already checked in".
    """
    if not event.allow_walk_ins:
        raise CheckInError("walk_ins_closed", _("This event does not take walk-ins."))
    entries = _walk_in_gates(event, gate)
    if category_id is not None and db.session.scalar(
            select(Category.event_id).where(Category.id == category_id)) != event.id:
        raise CheckInError("unknown_category", _("Choose a category of this event."), field="category_id")
    details = PersonDetails(name=name, email=(email or "").strip() or None, name_local=name_local,
                            organization=(organization or "").strip() or None)
    person = find_or_create_person(event, details) if details.email else add_person(event, details)
    try:
        registration = lifecycle.register(event, person, source=RegistrationSource.WALK_IN, actor=Actor.STAFF,
                                          category=db.session.get(Category, category_id) if category_id else None,
                                          notify=False, refuse_when_full=True)
    except ServiceError as error:
        if error.code == "already_registered":
            raise CheckInError("already_registered",
                               _("This person is already registered: search for them instead."),
                               field="email") from None
        raise
    now = utcnow()
    for entry_gate, session_id in entries:
        db.session.add(CheckIn(
            event_id=event.id, registration_id=registration.id, gate=entry_gate, agenda_item_id=session_id,
            direction=Direction.IN, result=ScanResult.OK, scanned_at=now, nonce=f"walk-in-{uuid.uuid4().hex}",
            user_id=user.id, device=(device or "")[:100] or None, badge_version=registration.badge_version))
    db.session.flush()
    record("checkin.walk_in", event_id=event.id, obj=registration, user_id=user.id, gate=gate)
    return registration
