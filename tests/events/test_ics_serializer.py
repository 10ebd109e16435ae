"""The .ics is written directly (eventsvc.events.ics), not through icalendar's components:
its bytes must be the library's, on awkward text too, and every request reads the rows anew
(no per-process copy that another worker would keep stale)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import select

from eventsvc.events import ics
from eventsvc.events.enums import EventStatus, ParticipationRole, SessionKind, SessionStatus
from eventsvc.events.models import AgendaItem, Event, Participation, Room
from eventsvc.extensions import db
from eventsvc.people.models import Person

AWKWARD = [
    "Plain",
    "Commas, semicolons; back\\slashes and\nnew lines\r\nand \\N too",
    "新能源汽车产业发展的政策与前景：关于动力电池、智能网联与充电基础设施的圆桌讨论（上午场）",
    "A long English title that certainly goes past seventy-five octets, with a comma at the end,",
    "x" * 72 + "\\" + "y" * 80,  # a backslash escape right at a fold
    "é" * 100,
]


def library_vevent(event, item, url):
    """The VEVENT as icalendar writes it (what ics.py wrote before it wrote them itself)."""
    tz = ZoneInfo(event.timezone) if event.timezone != "UTC" else UTC
    entry = VEvent()
    entry.add("uid", ics.uid_of(item))
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


def _build(timezone: str, venue: str | None) -> int:
    tz = ZoneInfo(timezone)
    event = Event(slug=f"ics-{timezone.replace('/', '-').lower()}", title="ICS, test; event",
                  start_date=date(2025, 3, 29), end_date=date(2025, 3, 31), timezone=timezone, venue=venue,
                  status=EventStatus.PUBLISHED)
    rooms = [Room(event=event, name="Hall, A", name_local="大厅；甲"), Room(event=event, name="B" * 60)]
    db.session.add_all([event, *rooms])
    for n, title in enumerate(AWKWARD):
        start = datetime(2025, 3, 29, 23, 30, tzinfo=tz) + timedelta(hours=13 * n)  # across a DST change
        item = AgendaItem(event=event, kind=list(SessionKind)[n % len(SessionKind)], title=title,
                          title_local=AWKWARD[-1 - n] if n % 2 else None,
                          description=AWKWARD[(n + 1) % len(AWKWARD)] if n % 3 else None,
                          room=rooms[n % 2] if n < 4 else None, starts_at=start,
                          ends_at=start + timedelta(minutes=45),
                          status=SessionStatus.CANCELLED if n == 2 else SessionStatus.SCHEDULED)
        db.session.add(item)
        if n % 2 == 0:
            person = Person(name=f"Speaker {n}, PhD; 王{n}")
            db.session.add_all([person, Participation(agenda_item=item, person=person,
                                                      role=ParticipationRole.SPEAKER)])
    db.session.commit()
    return event.id


def test_the_written_vevents_are_the_bytes_icalendar_writes(app_ctx):
    for timezone, venue in (("Europe/Berlin", "Messe, Halle 3; Eingang Süd"), ("UTC", None),
                            ("Asia/Shanghai", None)):
        event = db.session.get(Event, _build(timezone, venue))
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)
                                   .order_by(AgendaItem.id)).all()
        def url(item):
            return f"https://example.org/e/x/s/{item.id},1;2"

        body = ics.calendar_for(event, items, url)
        expected = b"".join(library_vevent(event, item, url(item)) for item in items)
        start = body.index(b"BEGIN:VEVENT")
        assert body[start:-len(b"END:VCALENDAR\r\n")] == expected, timezone
        parsed = Calendar.from_ical(body)  # the library reads it back: times in the event's zone
        vevents = parsed.walk("VEVENT")
        # line ends are written as \n (a \r\n or a literal \N in a title reads back as a new line)
        assert [str(v["summary"]).split(" / ")[0] for v in vevents] == [
            t.replace("\r\n", "\n").replace("\\N", "\n") for t in AWKWARD]
        for vevent, item in zip(vevents, items, strict=True):
            assert vevent.decoded("dtstart") == item.starts_at
            assert vevent.decoded("dtstart").utcoffset() == item.starts_at.astimezone(ZoneInfo(timezone)).utcoffset()
        assert all(len(line) <= 75 for line in body.split(b"\r\n"))
        db.session.rollback()


def test_a_change_shows_in_the_next_feed_whatever_changed(organizer_client, client, demo, demo_ids, app):
    """Nothing is kept between requests: a speaker's new name (a person, not the session) and a
    room's new name show at once, as a new title does; another worker would read the same rows."""
    from eventsvc.events.service import update_room

    before = client.get(f"/e/{demo}/agenda.ics").data
    with app.app_context():
        item = db.session.get(AgendaItem, demo_ids["items"]["plenary"])
        speaker = item.participations[0].person if item.participations else None
        update_room(item.room, name="Grand Hall")
        if speaker is not None:
            speaker.name = "Renamed Speaker"
        db.session.commit()
    after = client.get(f"/e/{demo}/agenda.ics").data
    assert b"Main Hall" in before and b"Grand Hall" in Calendar.from_ical(after).to_ical() and b"Grand Hall" in after
    if speaker is not None:
        assert b"Renamed Speaker" in after
