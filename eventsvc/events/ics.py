"""iCalendar (RFC 5545) for an event's agenda and for one session, built with ``icalendar``.

Times go out with the event's TZID and its VTIMEZONE, so calendar apps show the venue's
wall-clock time. Each session keeps its UID across edits and carries its SEQUENCE, so an
edit updates the entry instead of adding a second one; DTSTAMP is the row's last change.

Serializing a VEVENT is the expensive part (about 0.4 ms each in ``icalendar``), and feeds
are polled far more often than sessions change, so each serialized VEVENT is kept in a
bounded per-process cache keyed by everything it shows: a change to the session, its room,
its people or the event gives a new key.
"""

from collections import OrderedDict
from datetime import UTC, date
from functools import lru_cache

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from eventsvc.events.enums import SessionStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.service import zone_of

PRODID = "-//eventsvc//agenda//EN"
CACHE_SIZE = 20_000
_cache: OrderedDict = OrderedDict()


def uid_of(item: AgendaItem) -> str:
    return f"{item.ical_uid}@eventsvc"


def _key(event: Event, item: AgendaItem, url: str | None) -> tuple:
    room = item.room
    return (item.id, item.ical_sequence, item.updated_at, item.status,
            (room.id, room.updated_at) if room is not None else None,
            tuple((p.person_id, p.person.name, p.position) for p in item.participations),
            event.timezone, event.venue, url)


def _vevent(event: Event, item: AgendaItem, url: str | None) -> bytes:
    tz = zone_of(event) if event.timezone != "UTC" else UTC
    entry = VEvent()
    entry.add("uid", uid_of(item))
    entry.add("dtstamp", item.updated_at.astimezone(UTC).replace(microsecond=0))
    entry.add("sequence", item.ical_sequence)
    entry.add("dtstart", item.starts_at.astimezone(tz))
    entry.add("dtend", item.ends_at.astimezone(tz))
    entry.add("summary", item.title if not item.title_local else f"{item.title} / {item.title_local}")
    if item.room is not None:
        room = item.room.name if not item.room.name_local else f"{item.room.name} / {item.room.name_local}"
        entry.add("location", f"{room}, {event.venue}" if event.venue else room)
    elif event.venue:
        entry.add("location", event.venue)
    lines = [item.description] if item.description else []
    if item.participations:
        lines.append(", ".join(p.person.name for p in item.participations))
    if lines:
        entry.add("description", "\n".join(lines))
    entry.add("categories", [item.kind.value])
    entry.add("status", "CANCELLED" if item.status == SessionStatus.CANCELLED else "CONFIRMED")
    if url:
        entry.add("url", url)
    return entry.to_ical()


def _cached_vevent(event: Event, item: AgendaItem, url: str | None) -> bytes:
    key = _key(event, item, url)
    body = _cache.get(key)
    if body is None:
        body = _cache[key] = _vevent(event, item, url)
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return body


def calendar_for(event: Event, items: list[AgendaItem], url_for_item=None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", event.title)
    cal.add("x-wr-timezone", event.timezone)
    head, end = cal.to_ical().rsplit(b"END:VCALENDAR", 1)
    timezone = b"" if event.timezone == "UTC" else _vtimezone(event.timezone, event.start_date.year,
                                                               event.end_date.year)
    events = b"".join(_cached_vevent(event, item, url_for_item(item) if url_for_item else None) for item in items)
    return head + timezone + events + b"END:VCALENDAR" + end


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The zone's rules from a year before the event to a year after it."""
    return Timezone.from_tzid(tzid, first_date=date(first_year - 1, 1, 1),
                              last_date=date(last_year + 1, 12, 31)).to_ical()
