"""The agenda: sessions, the people on stage and their speeches, with the rules of Rules 1 and 2.

Times arrive as aware datetimes (any zone) and are stored in UTC; ``local_to_utc`` turns
what an organizer typed in the event's zone into one. A save that makes two sessions share
a room, or a person be in two places, is refused with the conflicts named until the caller
confirms; a session outside the event's dates is always refused.
"""

from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.i18n import in_language
from eventsvc.events import capacity
from eventsvc.events import conflicts as conflict_rules
from eventsvc.events.enums import ParticipationRole, SessionKind, SessionStatus, SpeechStatus
from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
from eventsvc.events.service import room_of, zone_of
from eventsvc.events.slides import remove_slides
from eventsvc.extensions import db
from eventsvc.people.models import Person

SESSION_FIELDS = ("kind", "title", "title_local", "description", "description_local", "starts_at", "ends_at",
                  "room_id", "capacity", "requires_registration", "is_closed", "refuse_when_full", "status")
SPEECH_FIELDS = ("speaker_id", "title", "title_local", "abstract", "abstract_local", "language", "position",
                 "planned_start", "planned_end", "actual_start", "actual_end", "status", "summary", "summary_local",
                 "video_url")


def local_to_utc(event: Event, value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the event's zone, as an aware datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone_of(event))
    return value


#: the order of the agenda everywhere: by start, then room, then creation
_AGENDA_ORDER = (AgendaItem.starts_at, AgendaItem.room_id, AgendaItem.id)


def load_agenda(event: Event, *, people: bool = True, speeches: bool = True, organizations: bool = True,
                kind: str | None = None, room_id: int | None = None) -> list[AgendaItem]:
    """Sessions with rooms, people and speeches, in at most three queries at any size.

    The people and speeches are fetched by the event (a join), not by a list of session ids,
    so that 1,000 sessions cost the same statements as 10 (``selectinload`` would batch by 500).
    The public agenda reads ``public_agenda`` instead: rows, not entities.
    """
    query = select(AgendaItem).where(AgendaItem.event_id == event.id).options(joinedload(AgendaItem.room))
    if kind:
        query = query.where(AgendaItem.kind == SessionKind(kind))
    if room_id:
        query = query.where(AgendaItem.room_id == room_id)
    items = list(db.session.scalars(query.order_by(*_AGENDA_ORDER)))
    if people:
        person = joinedload(Participation.person)
        if organizations:
            person = person.joinedload(Person.organization)
        parts = _by_item(db.session.scalars(
            _of_event(select(Participation), Participation.agenda_item_id, event, kind, room_id)
            .options(person).order_by(Participation.position, Participation.id)))
        for item in items:
            set_committed_value(item, "participations", parts.get(item.id, []))
    if speeches:
        talks = _by_item(db.session.scalars(
            _of_event(select(SpeechRecord), SpeechRecord.agenda_item_id, event, kind, room_id)
            .options(joinedload(SpeechRecord.speaker)).order_by(SpeechRecord.position, SpeechRecord.id)))
        for item in items:
            set_committed_value(item, "speeches", talks.get(item.id, []))
    return items


def session_clock(tz: ZoneInfo, starts_at: datetime, ends_at: datetime) -> str:
    """A session's local start and end as the agenda shows them: ``09:00–10:30``."""
    return f"{starts_at.astimezone(tz):%H:%M}–{ends_at.astimezone(tz):%H:%M}"


class AgendaRow(NamedTuple):
    """One session as the public agenda lists it, already in the reader's language."""

    id: int
    kind: str  #: the SessionKind's value
    cancelled: bool
    title: str
    room: str | None  #: the room's name; None for a session without a room
    people: str | None  #: the names of the people on stage in their order, joined; None without any
    day: date  #: the local day it starts
    clock: str  #: see session_clock


def public_agenda(event: Event, language: str, *, kind: str | None = None,
                  room_id: int | None = None) -> list[AgendaRow]:
    """The public agenda (and the event page's): every session with its room and people, in one query.

    Plain rows rather than entities, and the reader's language picked here (``in_language``, the rule
    of ``local``) rather than once per row in the template: at 1,000 sessions, loading and rendering
    entities was most of the page's time. A session with several people comes as several rows, one
    per person; they are unpacked as tuples (a row's attribute by name costs more than the rest).
    """
    query = (select(AgendaItem.id, AgendaItem.kind, AgendaItem.status, AgendaItem.title, AgendaItem.title_local,
                    AgendaItem.starts_at, AgendaItem.ends_at, AgendaItem.room_id,
                    Room.name.label("room"), Room.name_local.label("room_local"),
                    Person.name.label("person"), Person.name_local.label("person_local"))
             .outerjoin(Room, Room.id == AgendaItem.room_id)
             .outerjoin(Participation, Participation.agenda_item_id == AgendaItem.id)
             .outerjoin(Person, Person.id == Participation.person_id)
             .where(AgendaItem.event_id == event.id)
             .order_by(*_AGENDA_ORDER, Participation.position, Participation.id))
    if kind:
        query = query.where(AgendaItem.kind == SessionKind(kind))
    if room_id:
        query = query.where(AgendaItem.room_id == room_id)
    sessions, people = {}, {}
    for item_id, *session, person, person_local in db.session.execute(query):
        if item_id not in sessions:
            sessions[item_id], people[item_id] = session, []
        if person is not None:
            people[item_id].append(in_language(language, person, person_local))
    tz, days, clocks, rows = zone_of(event), {}, {}, []
    for item_id, (kind, status, title, title_local, starts_at, ends_at, room_id, room, room_local) in sessions.items():
        # Sessions share start and end times: each distinct pair is converted once.
        if (starts_at, ends_at) not in clocks:
            clocks[starts_at, ends_at] = session_clock(tz, starts_at, ends_at)
        if starts_at not in days:
            days[starts_at] = starts_at.astimezone(tz).date()
        names = people[item_id]
        rows.append(AgendaRow(item_id, kind.value, status is SessionStatus.CANCELLED,
                              in_language(language, title, title_local),
                              in_language(language, room, room_local) if room_id else None,
                              ", ".join(names) if names else None, days[starts_at], clocks[starts_at, ends_at]))
    return rows


def _of_event(query, item_column, event: Event, kind: str | None, room_id: int | None):
    query = query.join(AgendaItem, AgendaItem.id == item_column).where(AgendaItem.event_id == event.id)
    if kind:
        query = query.where(AgendaItem.kind == SessionKind(kind))
    if room_id:
        query = query.where(AgendaItem.room_id == room_id)
    return query


def _by_item(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.agenda_item_id, []).append(row)
    return grouped


def agenda_conflicts(event: Event) -> list[conflict_rules.AgendaConflict]:
    return conflict_rules.find_conflicts(event, load_agenda(event))


def session_of(event: Event, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        raise NotFound("unknown_session", _("No such session at this event."), field="agenda_item_id")
    return item


# ---- sessions ----

def _check_times(event: Event, item: AgendaItem) -> None:
    if item.starts_at is None:
        raise ServiceError("start_required", _("Give the start time."), field="starts_at")
    if item.ends_at is None:
        raise ServiceError("end_required", _("Give the end time."), field="ends_at")
    if item.ends_at <= item.starts_at:
        raise ServiceError("ends_before_start", _("The session must end after it starts."), field="ends_at")
    if conflict_rules.outside_event(event, item):
        raise ServiceError("outside_event", _(
            "The session must lie within the event's dates (%(first)s to %(last)s).",
            first=event.start_date.isoformat(), last=event.end_date.isoformat()), field="starts_at")


def _check_session(event: Event, item: AgendaItem) -> None:
    if not (item.title or "").strip():
        raise ServiceError("title_required", _("Give the session a title."), field="title")
    if item.kind is None:
        raise ServiceError("kind_required", _("Choose the kind of session."), field="kind")
    _check_times(event, item)
    if item.capacity is not None and item.capacity < 0:
        raise ServiceError("bad_capacity", _("Capacity cannot be negative."), field="capacity")
    if item.capacity is not None and item.capacity < (item.seats_taken or 0):
        raise ServiceError("capacity_below_seats", ngettext(
            "%(n)d seat is already taken; the capacity cannot be lower.",
            "%(n)d seats are already taken; the capacity cannot be lower.", item.seats_taken, n=item.seats_taken), field="capacity")


def _overlaps_after_change(event: Event, item: AgendaItem, confirm: bool) -> list:
    """Conflicts the saved item takes part in; refuses overlaps unless confirmed."""
    db.session.flush()
    found = conflict_rules.conflicts_of(item, agenda_conflicts(event))
    overlaps = [c for c in found if c.code in conflict_rules.OVERLAPS]
    if overlaps and not confirm:
        raise Conflict("overlap_unconfirmed",
                       _("This clashes with other sessions. Check the clashes and confirm to save anyway."),
                       field="confirm_overlaps", details={"conflicts": [c.to_json() for c in overlaps]})
    return found


def _apply(item: AgendaItem, event: Event, data: dict, fields) -> bool:
    changed = False
    for key in fields:
        if key not in data:
            continue
        value = data[key]
        if key in ("starts_at", "ends_at"):
            value = local_to_utc(event, value)
        if key == "kind" and value is not None:
            value = SessionKind(value)
        if key == "status" and value is not None:
            value = SessionStatus(value)
        if isinstance(value, str):
            value = value.strip() or (None if key.endswith("_local") or key.startswith("description") else value)
        if getattr(item, key) != value:
            setattr(item, key, value)
            changed = True
    return changed


def create_session(event: Event, data: dict, *, confirm_overlaps: bool = False):
    """Returns the new session and the conflicts it takes part in (confirmed overlaps)."""
    room = room_of(event, data.get("room_id"))
    item = AgendaItem(event_id=event.id, room=room)
    _apply(item, event, data, SESSION_FIELDS)
    _check_session(event, item)
    db.session.add(item)
    found = _overlaps_after_change(event, item, confirm_overlaps)
    record("session.created", event_id=event.id, obj=item, title=item.title)
    return item, found


def update_session(item: AgendaItem, data: dict, *, confirm_overlaps: bool = False):
    """Saves changes; each change raises the iCalendar SEQUENCE so calendar apps update the entry."""
    event = item.event
    with db.session.no_autoflush:
        if "room_id" in data and data["room_id"] != item.room_id:
            item.room = room_of(event, data["room_id"])
        changed = _apply(item, event, data, [f for f in SESSION_FIELDS if f != "capacity"])
        _check_session(event, item)
    if "capacity" in data and data["capacity"] != item.capacity:
        if data["capacity"] is not None and data["capacity"] < 0:
            raise ServiceError("bad_capacity", _("Capacity cannot be negative."), field="capacity")
        capacity.change_session_capacity(item, data["capacity"])  # never below the seats taken; promotes
        changed = True
    if changed:
        item.ical_sequence += 1
    found = _overlaps_after_change(event, item, confirm_overlaps)
    if changed:
        record("session.updated", event_id=event.id, obj=item, sequence=item.ical_sequence)
    return item, found


def cancel_session(item: AgendaItem) -> AgendaItem:
    if item.status != SessionStatus.CANCELLED:
        item.status = SessionStatus.CANCELLED
        item.ical_sequence += 1
        record("session.cancelled", event_id=item.event_id, obj=item)
    return item


def restore_session(item: AgendaItem, *, confirm_overlaps: bool = False):
    """A cancelled session back on the agenda; its clashes count again."""
    return update_session(item, {"status": SessionStatus.SCHEDULED}, confirm_overlaps=confirm_overlaps)


def delete_session(item: AgendaItem) -> None:
    if item.seats_taken:
        raise Conflict("session_has_seats", _(
            "Guests hold seats in this session; cancel it instead of deleting it."))
    record("session.deleted", event_id=item.event_id, obj=item, title=item.title)
    db.session.delete(item)


# ---- people on stage ----

def _person(event: Event, person_id, field: str = "person_id") -> Person:
    """One of the event's own people; another event's person is unknown here."""
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.event_id != event.id:
        raise NotFound("unknown_person", _("Choose a person from the list, or create one."), field=field)
    return person


def add_participation(item: AgendaItem, *, person_id: int, role, position: int | None = None,
                      confirm_overlaps: bool = False):
    person = _person(item.event, person_id)
    try:
        role = ParticipationRole(role)
    except ValueError:
        raise ServiceError("bad_role", _("Choose a role."), field="role") from None
    if any(p.person_id == person.id and p.role == role for p in item.participations):
        raise ServiceError("already_in_role", _("%(name)s already has this role in this session.",
                                                name=person.name), field="person_id")
    if position is None:
        position = max((p.position for p in item.participations), default=-1) + 1
    part = Participation(agenda_item=item, person=person, role=role, position=position)
    db.session.add(part)
    found = _overlaps_after_change(item.event, item, confirm_overlaps)
    record("participation.added", event_id=item.event_id, obj=part, person=person.id, role=role.value)
    return part, found


def update_participation(part: Participation, *, role=None, position: int | None = None) -> Participation:
    if role is not None:
        try:
            part.role = ParticipationRole(role)
        except ValueError:
            raise ServiceError("bad_role", _("Choose a role."), field="role") from None
    if position is not None:
        part.position = position
    record("participation.updated", event_id=part.agenda_item.event_id, obj=part)
    return part


def remove_participation(part: Participation) -> None:
    record("participation.removed", event_id=part.agenda_item.event_id, obj=part, person=part.person_id)
    db.session.delete(part)


# ---- speeches ----

def _check_speech(event: Event, speech: SpeechRecord) -> None:
    if not (speech.title or "").strip():
        raise ServiceError("title_required", _("Give the theme of the speech."), field="title")
    if speech.speaker is None:
        _person(event, speech.speaker_id, "speaker_id")
    for start, end, name in (("planned_start", "planned_end", "planned_end"),
                             ("actual_start", "actual_end", "actual_end")):
        a, b = getattr(speech, start), getattr(speech, end)
        if a and b and b <= a:
            raise ServiceError("ends_before_start", _("The end must come after the start."), field=name)
    if speech.video_url and not speech.video_url.startswith(("https://", "http://")):
        raise ServiceError("bad_url", _("Give a web address starting with https://"), field="video_url")
    if not speech.language or len(speech.language) > 8:
        raise ServiceError("bad_language", _("Give a language code such as zh or en."), field="language")


def _apply_speech(speech: SpeechRecord, event: Event, data: dict) -> None:
    for key in SPEECH_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("planned_start", "planned_end", "actual_start", "actual_end"):
            value = local_to_utc(event, value)
        if key == "status" and value is not None:
            value = SpeechStatus(value)
        if key == "speaker_id":
            speech.speaker = _person(event, value, "speaker_id")
        if isinstance(value, str):
            value = value.strip() or None
        setattr(speech, key, value)


def add_speech(item: AgendaItem, data: dict, *, confirm_overlaps: bool = False):
    # No autoflush while the new speech is half-built (it joins item.speeches before the session).
    with db.session.no_autoflush:
        speech = SpeechRecord(agenda_item=item, language="zh", status=SpeechStatus.PLANNED)
        _apply_speech(speech, item.event, _position_or_last(data, item, speech, always=True))
        _check_speech(item.event, speech)
    db.session.add(speech)
    found = _overlaps_after_change(item.event, item, confirm_overlaps)
    record("speech.added", event_id=item.event_id, obj=speech, title=speech.title)
    return speech, found


def _position_or_last(data: dict, item: AgendaItem, speech: SpeechRecord, *, always: bool) -> dict:
    """A speech without a position (a new one, or one given ``position: null``) goes last."""
    if data.get("position") is None and (always or "position" in data):
        data = {**data, "position": max((s.position for s in item.speeches if s is not speech), default=-1) + 1}
    return data


def update_speech(speech: SpeechRecord, data: dict) -> SpeechRecord:
    with db.session.no_autoflush:
        data = _position_or_last(data, speech.agenda_item, speech, always=False)
        _apply_speech(speech, speech.agenda_item.event, data)
        _check_speech(speech.agenda_item.event, speech)
    record("speech.updated", event_id=speech.agenda_item.event_id, obj=speech)
    return speech


def delete_speech(speech: SpeechRecord) -> None:
    remove_slides(speech)
    record("speech.deleted", event_id=speech.agenda_item.event_id, obj=speech, title=speech.title)
    db.session.delete(speech)


def speech_of(event: Event, speech_id: int) -> SpeechRecord:
    speech = db.session.get(SpeechRecord, speech_id)
    if speech is None or speech.agenda_item.event_id != event.id:
        raise NotFound("unknown_speech", _("No such speech at this event."))
    return speech
