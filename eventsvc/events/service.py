"""Events and rooms: create, edit, publish, archive, and copy as next year's edition.

``create_event`` and ``update_event`` own every rule of an event's settings (address, dates,
time zone, registration mode and window, capacity, walk-ins, visibility): the event form, the
registration settings page and the API all call them, so each rule is checked in one place.
Sessions, people on stage and speeches live in ``agenda.py``; conflicts in ``conflicts.py``.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.audit.service import record
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.input import is_timezone
from eventsvc.core.text import clean_line
from eventsvc.events import capacity
from eventsvc.events.enums import EventKind, EventStatus, RegistrationMode
from eventsvc.events.models import AgendaItem, Event, Participation, Room
from eventsvc.extensions import db
from eventsvc.people.identity import carry_person
from eventsvc.people.models import Person

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
#: words that are paths of their own under /manage and /e
RESERVED_SLUGS = {"new", "events", "people", "search"}

EVENT_FIELDS = ("title", "title_local", "kind", "description", "description_local", "venue", "venue_local",
                "city", "city_local", "start_date", "end_date", "timezone", "registration_mode", "capacity",
                "registration_opens_at", "registration_closes_at", "allow_walk_ins")
WINDOW_FIELDS = ("registration_opens_at", "registration_closes_at")
#: fields a new event cannot leave empty
REQUIRED_TEXT = ("title",)
#: one line each: the title becomes e-mail subjects (core.text.clean_line)
ONE_LINE_FIELDS = ("title", "title_local", "venue", "venue_local", "city", "city_local")


def _one_line(data: dict) -> dict:
    return {k: clean_line(v) if k in ONE_LINE_FIELDS and isinstance(v, str) else v for k, v in data.items()}


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def check_timezone(name: str) -> str:
    """An IANA zone name (the input layer's rule: ``America`` names a folder, not a zone)."""
    if not is_timezone(name):
        raise ServiceError("unknown_timezone", _("Unknown time zone; use an IANA name such as Asia/Shanghai."),
                           field="timezone") from None
    return name


def _check_slug(slug: str, *, except_id: int | None = None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        raise ServiceError("bad_slug", _("Use 3–80 lower-case letters, digits and hyphens."), field="slug")
    taken = db.session.scalar(select(Event.id).where(Event.slug == slug))
    if taken is not None and taken != except_id:
        raise ServiceError("slug_taken", _("Another event already uses this address."), field="slug")
    return slug


def _check_dates(start: date, end: date) -> None:
    if start is None or end is None:
        raise ServiceError("dates_required", _("Give the first and the last day."), field="start_date")
    if end < start:
        raise ServiceError("end_before_start", _("The last day cannot be before the first day."), field="end_date")


def _as_enum(enum, value, code: str, message: str, field: str):
    try:
        return enum(value)
    except ValueError:
        raise ServiceError(code, message, field=field) from None


def _in_zone(value: datetime | None, zone: str) -> datetime | None:
    """A registration time: aware times keep their instant; naive ones (a form) are the event's local time."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone))


def _check_settings(data: dict, event: Event | None) -> dict:
    """The rules of an event's settings, for a new event (``event`` None) or a change; the clean values.

    Raises ServiceError on the first bad value; nothing is changed before every value passed.
    """
    data = {k: v for k, v in _one_line(data).items() if k in (*EVENT_FIELDS, "slug", "status")}
    for key in REQUIRED_TEXT:
        if (key in data or event is None) and not (data.get(key) or "").strip():
            raise ServiceError(f"{key}_required", _("Give the event a title."), field=key)
    current = (lambda key: getattr(event, key)) if event is not None else (lambda key: None)
    if event is None or data.get("slug", event.slug) != event.slug:
        data["slug"] = _check_slug(data.get("slug", ""), except_id=event.id if event else None)
    _check_dates(data.get("start_date", current("start_date")), data.get("end_date", current("end_date")))
    zone = data.get("timezone") or current("timezone") or "UTC"
    if "timezone" in data or event is None:
        data["timezone"] = check_timezone(zone)
    if data.get("kind") is not None:
        data["kind"] = _as_enum(EventKind, data["kind"], "unknown_kind", _("Choose one of the kinds listed."), "kind")
    if data.get("registration_mode") is not None:
        data["registration_mode"] = _as_enum(
            RegistrationMode, data["registration_mode"], "unknown_registration_mode",
            _("Choose invitation only, approval required or open."), "registration_mode")
    if data.get("status") is not None:
        data["status"] = _as_enum(EventStatus, data["status"], "unknown_status",
                                  _("Choose draft, published or archived."), "status")
    if data.get("capacity") is not None and (isinstance(data["capacity"], bool) or data["capacity"] < 0):
        raise ServiceError("bad_capacity", _("The capacity is a number of guests, 0 or more."), field="capacity")
    for key in ("registration_opens_at", "registration_closes_at"):
        if key in data:
            data[key] = _in_zone(data[key], zone)
    opens = data.get("registration_opens_at", current("registration_opens_at"))
    closes = data.get("registration_closes_at", current("registration_closes_at"))
    if opens and closes and closes <= opens:
        raise ServiceError("window_order", _("Registration must close after it opens."),
                           field="registration_closes_at")
    if "allow_walk_ins" in data:
        data["allow_walk_ins"] = bool(data["allow_walk_ins"])
    return data


#: What other capabilities give every new event (registration: the default guest categories):
#: each ``setup(event)`` adds rows to its own tables once the event exists. A next edition is a
#: copy instead (NEXT_EDITION_COPIERS below): it keeps what its source had. Filled when those
#: modules are imported.
NEW_EVENT_SETUPS: list[Callable[[Event], None]] = []


def sets_up_new_events(setup: Callable[[Event], None]) -> Callable[[Event], None]:
    """Decorator: ``create_event`` calls ``setup(event)`` for every new event."""
    NEW_EVENT_SETUPS.append(setup)
    return setup


def create_event(data: dict, *, creator: User) -> Event:
    """A new event (a draft unless ``status`` says otherwise); the creator becomes its organizer
    (administrators need no role). Every setting is checked first (``_check_settings``); then
    NEW_EVENT_SETUPS give it what every event starts with (the default guest categories)."""
    data = _check_settings(data, None)
    status = data.pop("status", None) or EventStatus.DRAFT
    slug = data.pop("slug")
    event = Event(slug=slug, status=EventStatus.DRAFT,
                  **{k: v for k, v in data.items() if k in EVENT_FIELDS and v is not None})
    db.session.add(event)
    db.session.flush()
    if not creator.is_admin:
        db.session.add(EventRole(user_id=creator.id, event_id=event.id, role=EventRoleKind.ORGANIZER))
    record("event.created", event_id=event.id, obj=event, slug=slug)
    set_status(event, status)
    for setup in NEW_EVENT_SETUPS:
        setup(event)
    return event


def update_event(event: Event, data: dict, *, promoted: list | None = None) -> Event:
    """Change any of the event's settings; only the keys in ``data`` change.

    A capacity goes through the registration lifecycle (events/capacity.py): never below the
    guests confirmed (``below_confirmed``), and a raise promotes from the waitlist; those
    promoted are appended to ``promoted`` when given (the settings page says how many).
    """
    data = _check_settings(data, event)
    changed = sorted(k for k in data if k in (*EVENT_FIELDS, "slug") and getattr(event, k) != data[k])
    if "capacity" in data:
        moved = capacity.change_event_capacity(event, data["capacity"])
        if promoted is not None:
            promoted.extend(moved or [])
    if "slug" in data:
        event.slug = data["slug"]
    for key in EVENT_FIELDS:
        if key in data and key != "capacity":
            setattr(event, key, data[key])
    record("event.updated", event_id=event.id, obj=event, fields=changed)
    if data.get("status") is not None:
        set_status(event, data["status"])
    return event


def set_status(event: Event, status: EventStatus) -> Event:
    if event.status != status:
        record("event.status", event_id=event.id, obj=event, before=event.status.value, after=status.value)
        event.status = status
    return event


# ---- rooms ----

def _check_room_name(event: Event, name: str, *, except_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", _("Give the room a name."), field="name")
    taken = db.session.scalar(select(Room.id).where(Room.event_id == event.id, Room.name == name))
    if taken is not None and taken != except_id:
        raise ServiceError("room_name_taken", _("This event already has a room with this name."), field="name")
    return name


def add_room(event: Event, *, name: str, name_local: str | None = None, capacity: int | None = None,
             position: int | None = None) -> Room:
    name = _check_room_name(event, name)
    if position is None:
        position = db.session.scalar(select(func.count()).select_from(Room).where(Room.event_id == event.id))
    room = Room(event_id=event.id, name=name, name_local=name_local or None, capacity=capacity, position=position)
    db.session.add(room)
    db.session.flush()
    record("room.created", event_id=event.id, obj=room, name=name)
    return room


def update_room(room: Room, **data) -> Room:
    if "name" in data:
        room.name = _check_room_name(room.event, data.pop("name"), except_id=room.id)
    for key, value in data.items():
        setattr(room, key, value)
    record("room.updated", event_id=room.event_id, obj=room)
    return room


def delete_room(room: Room) -> None:
    record("room.deleted", event_id=room.event_id, obj=room, name=room.name)
    db.session.delete(room)


def room_of(event: Event, room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound("unknown_room", _("No such room at this event."), field="room_id")
    return room


# ---- next year's edition ----

#: What other capabilities carry into the next edition (registration: categories, questions, guest
#: mail; awards: programs, attendance certificate rules): each ``copier(source, copy, sessions)``
#: adds rows to its own tables, after the rooms, sessions and roles are copied; ``sessions`` maps
#: each of the source's session ids to its copy (not flushed yet: set the relationship, not the
#: id). Filled when those modules are imported.
Copier = Callable[[Event, Event, dict[int, AgendaItem]], None]
NEXT_EDITION_COPIERS: list[Copier] = []


def copies_into_next_edition(copier: Copier) -> Copier:
    """Decorator: ``copy_event`` calls ``copier(source, copy, sessions)`` for every copy."""
    NEXT_EDITION_COPIERS.append(copier)
    return copier


def copy_event(source: Event, *, slug: str, start_date: date, title: str | None = None,
               title_local: str | None = None, creator: User) -> Event:
    """A draft copy: rooms, sessions with their people, user roles, and what NEXT_EDITION_COPIERS add.

    Dates move by whole days so that a 09:00 session stays at 09:00 local time even across
    a daylight-saving change. The people on stage come along as the new edition's own people
    (copies, with copies of their organizations: people.identity.carry_person), so that editing
    them at one edition leaves the other as it was. Guests, registrations, check-ins, awards and
    speeches stay behind.
    """
    slug = _check_slug(slug)
    if start_date is None:
        raise ServiceError("dates_required", _("Give the first day of the new edition."), field="start_date")
    shift = start_date - source.start_date
    tz = zone_of(source)
    copy = Event(slug=slug, status=EventStatus.DRAFT, copied_from_id=source.id,
                 title=title or source.title, title_local=title_local or source.title_local,
                 start_date=start_date, end_date=source.end_date + shift, confirmed_count=0,
                 **{k: getattr(source, k) for k in EVENT_FIELDS
                    if k not in ("title", "title_local", "start_date", "end_date", *WINDOW_FIELDS)})

    def moved(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        local = value.astimezone(tz)
        return datetime.combine(local.date() + shift, local.time(), tzinfo=tz).astimezone(value.tzinfo)

    for key in WINDOW_FIELDS:  # the registration window moves with the dates
        setattr(copy, key, moved(getattr(source, key)))
    db.session.add(copy)
    db.session.flush()

    rooms = {}
    for room in source.rooms:
        rooms[room.id] = Room(event_id=copy.id, name=room.name, name_local=room.name_local,
                              capacity=room.capacity, position=room.position)
    db.session.add_all(rooms.values())
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == source.id)
                               .options(selectinload(AgendaItem.participations).selectinload(Participation.person)
                                        .selectinload(Person.organization))).all()
    people: dict[int, Person] = {}
    organizations: dict = {}
    sessions: dict[int, AgendaItem] = {}
    for item in items:
        new = sessions[item.id] = AgendaItem(
            event_id=copy.id, kind=item.kind, title=item.title, title_local=item.title_local,
            description=item.description, description_local=item.description_local,
            starts_at=moved(item.starts_at), ends_at=moved(item.ends_at), room=rooms.get(item.room_id),
            capacity=item.capacity, requires_registration=item.requires_registration, is_closed=item.is_closed,
            refuse_when_full=item.refuse_when_full, status=item.status, seats_taken=0)
        for part in item.participations:
            if part.person_id not in people:
                people[part.person_id] = carry_person(copy, part.person, organizations)
        new.participations = [Participation(person=people[p.person_id], role=p.role, position=p.position)
                              for p in item.participations]
        db.session.add(new)
    for role in db.session.scalars(select(EventRole).where(EventRole.event_id == source.id)):
        db.session.add(EventRole(user_id=role.user_id, event_id=copy.id, role=role.role))
    if not creator.is_admin and not db.session.scalar(
            select(EventRole.id).where(EventRole.event_id == source.id, EventRole.user_id == creator.id)):
        db.session.add(EventRole(user_id=creator.id, event_id=copy.id, role=EventRoleKind.ORGANIZER))
    for copier in NEXT_EDITION_COPIERS:
        copier(source, copy, sessions)
    db.session.flush()
    record("event.copied", event_id=copy.id, obj=copy, source=source.slug)
    return copy


def default_copy_start(event: Event) -> date:
    """Same weekday about a year later."""
    return event.start_date + timedelta(days=364)
