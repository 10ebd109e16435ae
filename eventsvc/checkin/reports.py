"""What scanners download for offline use, and what organizers watch and export.

Every function here runs a fixed number of queries whatever the number of guests.
"""

import base64
import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.models import User
from eventsvc.badges.codes import active_key, public_keys
from eventsvc.checkin import occupancy
from eventsvc.checkin.attendance import minutes_inside
from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import ENTRANCE_GATE, CheckIn
from eventsvc.checkin.service import SESSION_GATE_PREFIX
from eventsvc.core.i18n import format_event_time, zone_name
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem, Event, Participation, Room
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import (
    Category,
    Invitation,
    Registration,
    SessionSeat,
    invitation_sessions,
)

LIVE_ENTRY = (CheckIn.result == ScanResult.OK, CheckIn.direction == Direction.IN, CheckIn.undone_at.is_(None))


def event_public_keys(event: Event) -> dict[str, str]:
    """key id → raw Ed25519 public key, base64. Creates the signing key if the event has none yet."""
    keys = public_keys(event.id)
    if not keys:
        active_key(event.id)
        db.session.commit()
        keys = public_keys(event.id)
    return {str(k): base64.b64encode(v).decode() for k, v in keys.items()}


def roster(event: Event) -> dict:
    """Everything a scanner needs to answer without the network."""
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
        .options(selectinload(Registration.person).selectinload(Person.organization),
                 selectinload(Registration.category))
        .order_by(Registration.id)).all()
    seats = defaultdict(list)
    for registration_id, item_id in db.session.execute(
            select(SessionSeat.registration_id, SessionSeat.agenda_item_id)
            .join(Registration, Registration.id == SessionSeat.registration_id)
            .where(Registration.event_id == event.id, SessionSeat.status == SeatStatus.CONFIRMED)):
        seats[registration_id].append(item_id)
    invited = defaultdict(list)
    for invitation_id, item_id in db.session.execute(
            select(invitation_sessions.c.invitation_id, invitation_sessions.c.agenda_item_id)
            .join(Invitation, Invitation.id == invitation_sessions.c.invitation_id)
            .where(Invitation.event_id == event.id)):
        invited[invitation_id].append(item_id)
    taking_part = defaultdict(list)
    for person_id, item_id in db.session.execute(
            select(Participation.person_id, Participation.agenda_item_id)
            .join(AgendaItem, AgendaItem.id == Participation.agenda_item_id)
            .where(AgendaItem.event_id == event.id)):
        taking_part[person_id].append(item_id)
    entries = defaultdict(dict)
    for registration_id, gate, at in db.session.execute(
            select(CheckIn.registration_id, CheckIn.gate, func.coalesce(CheckIn.device_time, CheckIn.scanned_at))
            .where(CheckIn.event_id == event.id, *LIVE_ENTRY)):
        entries[registration_id][gate] = at.isoformat() if hasattr(at, "isoformat") else str(at)
    sessions = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)).all()
    guests = []
    for r in registrations:
        person, org, cat = r.person, r.person.organization, r.category
        guests.append({
            "id": r.id, "status": r.status.value, "badge_version": r.badge_version,
            "name": person.name, "name_local": person.name_local,
            # The roster lives on staff phones: e-mails travel only as a hash, enough to
            # find a guest offline by their exact address without carrying everyone's address.
            "email_sha256": hashlib.sha256(person.email.encode()).hexdigest() if person.email else None,
            "position": person.position, "position_local": person.position_local,
            "organization": org.name if org else None, "organization_local": org.name_local if org else None,
            "organization_short": org.short_name if org else None,
            "category": cat.label if cat else None, "category_local": cat.label_local if cat else None,
            "category_color": cat.color if cat else None,
            "category_text_color": cat.text_color if cat else None, "is_vip": bool(cat and cat.is_vip),
            "seats": seats.get(r.id, []),
            "invited_sessions": invited.get(r.invitation_id, []) if r.invitation_id else [],
            "takes_part_in": taking_part.get(r.person_id, []),
            "checked_in": entries.get(r.id, {}),
        })
    return {
        "event_id": event.id, "slug": event.slug, "timezone": event.timezone,
        "generated_at": utcnow().isoformat(), "public_keys": event_public_keys(event),
        "sessions": [{"id": s.id, "gate": f"{SESSION_GATE_PREFIX}{s.id}",
                      "requires_registration": s.requires_registration, "is_closed": s.is_closed}
                     for s in sessions],
        "registrations": guests,
    }


def arrivals(event: Event, language: str, bucket_minutes: int = 15) -> dict:
    """Arrived vs expected by category and by gate, arrivals over time, VIPs still missing.

    Times come formatted here, in ``language`` and the event's zone (the page's script shows
    them as they are), so that a Chinese page reads 07:36 and an English one 7:36 AM.
    """
    confirmed = (Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    categories = db.session.scalars(select(Category).where(Category.event_id == event.id)
                                    .order_by(Category.position)).all()
    expected_by_cat = dict(db.session.execute(
        select(Registration.category_id, func.count()).where(*confirmed).group_by(Registration.category_id)).all())
    arrived_rows = db.session.execute(
        select(CheckIn.gate, Registration.category_id, func.count(func.distinct(CheckIn.registration_id)))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.event_id == event.id, *LIVE_ENTRY).group_by(CheckIn.gate, Registration.category_id)).all()
    arrived_by_cat = defaultdict(int)
    arrived_by_gate = defaultdict(int)
    for gate, category_id, count in arrived_rows:
        arrived_by_gate[gate] += count
        if gate == ENTRANCE_GATE:
            arrived_by_cat[category_id] += count
    by_category = [{"category": c.display_label(language), "color": c.color, "is_vip": c.is_vip,
                    "expected": expected_by_cat.get(c.id, 0), "arrived": arrived_by_cat.get(c.id, 0)}
                   for c in categories]
    sessions = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)
                                  .order_by(AgendaItem.starts_at, AgendaItem.id)).all()
    seat_counts = dict(db.session.execute(
        select(SessionSeat.agenda_item_id, func.count()).join(Registration)
        .where(*confirmed, SessionSeat.status == SeatStatus.CONFIRMED).group_by(SessionSeat.agenda_item_id)).all())
    total_expected = sum(expected_by_cat.values())
    by_gate = [{"gate": ENTRANCE_GATE, "label": None, "expected": total_expected,
                "arrived": arrived_by_gate.get(ENTRANCE_GATE, 0)}]
    for s in sessions:
        gate = f"{SESSION_GATE_PREFIX}{s.id}"
        expected = seat_counts.get(s.id) if s.requires_registration else (s.capacity if s.is_closed else None)
        by_gate.append({"gate": gate, "label": s.display_title(language), "expected": expected,
                        "arrived": arrived_by_gate.get(gate, 0)})
    times = db.session.scalars(
        select(func.coalesce(CheckIn.device_time, CheckIn.scanned_at))
        .where(CheckIn.event_id == event.id, CheckIn.gate == ENTRANCE_GATE, *LIVE_ENTRY)).all()
    over_time = [{"at": at.isoformat(), "label": format_event_time(at, event.timezone, "short", language),
                  "count": count} for at, count in _histogram(times, bucket_minutes)]
    arrived_ids = select(CheckIn.registration_id).where(
        CheckIn.event_id == event.id, CheckIn.gate == ENTRANCE_GATE, *LIVE_ENTRY)
    missing_vips = db.session.scalars(
        select(Registration).join(Category, Category.id == Registration.category_id)
        .where(*confirmed, Category.is_vip.is_(True), Registration.id.not_in(arrived_ids))
        .options(selectinload(Registration.person).selectinload(Person.organization))
        .order_by(Registration.id)).all()
    vips_expected = sum(c["expected"] for c in by_category if c["is_vip"])
    now = utcnow()
    rooms = room_occupancy(event, sessions, language, now)
    return {
        "rooms": rooms,
        "expected": total_expected, "arrived": arrived_by_gate.get(ENTRANCE_GATE, 0),
        "by_category": by_category, "by_gate": by_gate, "over_time": over_time,
        "vips_missing": [{"registration_id": r.id, "name": r.person.name, "name_local": r.person.name_local,
                          "organization": r.person.organization.display_name(language)
                          if r.person.organization else None} for r in missing_vips],
        "vips_expected": vips_expected,
        # What the VIP block says: "none" (no VIP on the list), "all_arrived" or "missing".
        "vip_state": "none" if not vips_expected else ("missing" if missing_vips else "all_arrived"),
        "generated_at": now.isoformat(),
        "updated": format_event_time(now, event.timezone, "short", language),
        "zone": zone_name(event.timezone, now, language),
    }


def room_occupancy(event: Event, sessions: list[AgendaItem], language: str, now: datetime) -> list[dict]:
    """Each session door: its room, who is inside now against the capacity (checkin.occupancy's
    rule), and whether the session is on now, still to come or over. Two queries."""
    inside = occupancy.inside_by_session(event.id)
    rooms = {r.id: r for r in db.session.scalars(select(Room).where(Room.event_id == event.id))}
    out = []
    for s in sessions:
        room = rooms.get(s.room_id)
        capacity = room.capacity if room and room.capacity is not None else s.capacity
        count = inside.get(s.id, 0)
        out.append({
            "session_id": s.id, "gate": f"{SESSION_GATE_PREFIX}{s.id}", "session": s.display_title(language),
            "room": room.display_name(language) if room else None, "inside": count, "capacity": capacity,
            "is_full": capacity is not None and count >= capacity, "refuses_when_full": s.refuse_when_full,
            "state": "ended" if s.ends_at <= now else ("live" if s.starts_at <= now else "upcoming"),
            "time": f"{format_event_time(s.starts_at, event.timezone, 'short', language)}–"
                    f"{format_event_time(s.ends_at, event.timezone, 'short', language)}",
        })
    return out


def session_attendance(item: AgendaItem, language: str) -> list[dict]:
    """The per-session attendance report: each guest admitted at its door, with their minutes
    inside (checkin.attendance.minutes_inside, the one owner of that figure), first entry and last
    exit. A fixed number of queries."""
    minutes = minutes_inside(item)
    if not minutes:
        return []
    at = func.coalesce(CheckIn.device_time, CheckIn.scanned_at)
    span = {rid: (first, last_out) for rid, first, last_out in db.session.execute(
        select(CheckIn.registration_id, func.min(case((CheckIn.direction == Direction.IN, at))),
               func.max(case((CheckIn.direction == Direction.OUT, at))))
        .where(CheckIn.agenda_item_id == item.id, CheckIn.registration_id.in_(list(minutes)),
               CheckIn.result.in_((ScanResult.OK, ScanResult.ALREADY_CHECKED_IN)), CheckIn.undone_at.is_(None))
        .group_by(CheckIn.registration_id))}
    people = db.session.execute(
        select(Registration.id, Person, Category)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Category, Category.id == Registration.category_id)
        .where(Registration.id.in_(list(minutes)))
        .options(selectinload(Person.organization))).all()
    length = max(1, int((item.ends_at - item.starts_at).total_seconds() // 60))
    rows = []
    for registration_id, person, category in people:
        first, last_out = span.get(registration_id, (None, None))
        rows.append({
            "registration_id": registration_id, "name": person.name, "name_local": person.name_local,
            "organization": person.organization.display_name(language) if person.organization else None,
            "email": person.email, "category": category.display_label(language) if category else None,
            "minutes": minutes[registration_id], "percent": round(100 * minutes[registration_id] / length),
            "first_in": _as_datetime(first), "last_out": _as_datetime(last_out),
        })
    rows.sort(key=lambda r: (-r["minutes"], r["name"].casefold()))
    return rows


def _as_datetime(value):
    """A time from an aggregate (SQLite hands back text or a naive UTC value), aware in UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def session_attendance_rows(event: Event, item: AgendaItem, language: str):
    """The report as spreadsheet rows (times in UTC, as the other exports)."""
    for r in session_attendance(item, language):
        yield [r["name"], r["name_local"], r["organization"], r["email"], r["category"], r["minutes"],
               r["percent"], r["first_in"].isoformat(timespec="seconds") if r["first_in"] else "",
               r["last_out"].isoformat(timespec="seconds") if r["last_out"] else ""]


def _histogram(times, bucket_minutes: int) -> list[tuple[datetime, int]]:
    if not times:
        return []
    step = timedelta(minutes=bucket_minutes)
    counts = defaultdict(int)
    for t in times:
        start = t.replace(minute=t.minute - t.minute % bucket_minutes, second=0, microsecond=0)
        counts[start] += 1
    first, last = min(counts), max(counts)
    out, cursor = [], first
    while cursor <= last and len(out) < 500:
        out.append((cursor, counts.get(cursor, 0)))
        cursor += step
    return out


def checkin_rows(event: Event):
    """Every scan, for the export: one row per scan, refused ones too."""
    rows = db.session.execute(
        select(CheckIn, Person.name, Person.name_local, User.email)
        .outerjoin(Registration, Registration.id == CheckIn.registration_id)
        .outerjoin(Person, Person.id == Registration.person_id)
        .outerjoin(User, User.id == CheckIn.user_id)
        .where(CheckIn.event_id == event.id).order_by(CheckIn.scanned_at, CheckIn.id)).all()
    for c, name, name_local, staff in rows:
        yield [c.scanned_at.isoformat(timespec="seconds"),
               c.device_time.isoformat(timespec="seconds") if c.device_time else "",
               c.gate, c.direction.value, c.result.value, "yes" if c.is_duplicate else "",
               "yes" if c.undone_at else "", c.registration_id, name, name_local, staff, c.device, c.nonce]


def attendance_rows(event: Event, language: str):
    """One row per session and guest admitted at its door."""
    rows = db.session.execute(
        select(AgendaItem, Person, func.min(func.coalesce(CheckIn.device_time, CheckIn.scanned_at)))
        .join(CheckIn, CheckIn.agenda_item_id == AgendaItem.id)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .where(AgendaItem.event_id == event.id, *LIVE_ENTRY)
        .group_by(AgendaItem.id, Person.id)
        .order_by(AgendaItem.starts_at, AgendaItem.id, Person.name)).all()
    for item, person, at in rows:
        yield [item.display_title(language), item.starts_at.isoformat(timespec="minutes"),
               person.name, person.name_local, person.email,
               at.isoformat(timespec="seconds") if hasattr(at, "isoformat") else at]
