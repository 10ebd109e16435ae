"""iCalendar (RFC 5545) for an event's agenda and for one session, built with ``icalendar``.

Times go out with the event's TZID and a VTIMEZONE, so calendar apps show the wall-clock
time of the venue. Each session keeps its UID across edits and carries its SEQUENCE, so
an edit updates the entry instead of adding a second one.
"""

from datetime import UTC

from icalendar import Calendar, vText
from icalendar import Event as VEvent

from eventsvc.core.types import utcnow
from eventsvc.events.enums import SessionStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.service import zone_of

PRODID = "-//eventsvc//agenda//EN"


def uid_of(item: AgendaItem) -> str:
    return f"{item.ical_uid}@eventsvc"


def _vevent(event: Event, item: AgendaItem, tz, stamp, url: str | None) -> VEvent:
    entry = VEvent()
    entry.add("uid", uid_of(item))
    entry.add("dtstamp", stamp)
    entry.add("sequence", item.ical_sequence)
    entry.add("dtstart", item.starts_at.astimezone(tz))
    entry.add("dtend", item.ends_at.astimezone(tz))
    summary = item.title if not item.title_local else f"{item.title} / {item.title_local}"
    entry.add("summary", summary)
    if item.room is not None:
        room = item.room.name if not item.room.name_local else f"{item.room.name} / {item.room.name_local}"
        entry.add("location", vText(f"{room}, {event.venue}" if event.venue else room))
    elif event.venue:
        entry.add("location", event.venue)
    lines = [item.description] if item.description else []
    speakers = [p.person.name for p in item.participations]
    if speakers:
        lines.append(", ".join(speakers))
    if lines:
        entry.add("description", "\n".join(lines))
    entry.add("categories", [item.kind.value])
    entry.add("status", "CANCELLED" if item.status == SessionStatus.CANCELLED else "CONFIRMED")
    if url:
        entry.add("url", url)
    return entry


def calendar_for(event: Event, items: list[AgendaItem], url_for_item=None) -> bytes:
    tz = zone_of(event)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", event.title)
    cal.add("x-wr-timezone", event.timezone)
    stamp = utcnow().astimezone(UTC).replace(microsecond=0)
    for item in items:
        cal.add_component(_vevent(event, item, tz, stamp, url_for_item(item) if url_for_item else None))
    cal.add_missing_timezones()
    return cal.to_ical()
