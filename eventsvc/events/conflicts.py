"""Agenda conflicts, named: two sessions in one room at once, one person in two sessions at once,
a session outside the event's dates.

Computed from the whole agenda in memory (the caller loads it in a constant number of
queries), so the organizer overview and every save see the same list.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from eventsvc.core.i18n import format_event_time, local
from eventsvc.events.enums import SessionStatus
from eventsvc.events.models import AgendaItem, Event

ROOM_OVERLAP = "room_overlap"
PERSON_OVERLAP = "person_overlap"
OUTSIDE_EVENT = "outside_event"
#: the two kinds a save may go ahead with once the organizer confirms
OVERLAPS = {ROOM_OVERLAP, PERSON_OVERLAP}


@dataclass
class AgendaConflict:
    code: str
    message: str
    items: list[AgendaItem] = field(default_factory=list)

    @property
    def item_ids(self) -> list[int]:
        return [item.id for item in self.items]

    def involves(self, item: AgendaItem) -> bool:
        return any(other is item for other in self.items)

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message,
                "sessions": [{"id": i.id, "title": i.title} for i in self.items]}


def _span(item: AgendaItem, event: Event) -> str:
    return f"{format_event_time(item.starts_at, event.timezone)}–{format_event_time(item.ends_at, event.timezone)}"


def _overlapping_pairs(items: list[AgendaItem]):
    """Pairs of items whose times overlap; touching end-to-start is no overlap."""
    ordered = sorted(items, key=lambda i: (i.starts_at, i.ends_at))
    active: list[AgendaItem] = []
    for item in ordered:
        active = [a for a in active if a.ends_at > item.starts_at]
        for other in active:
            yield other, item
        active.append(item)


def people_of(item: AgendaItem) -> dict[int, object]:
    """Everyone on stage in a session: its participants and its speakers."""
    people = {p.person_id: p.person for p in item.participations}
    for speech in item.speeches:
        people.setdefault(speech.speaker_id, speech.speaker)
    return people


def find_conflicts(event: Event, items: list[AgendaItem]) -> list[AgendaConflict]:
    live = [i for i in items if i.status != SessionStatus.CANCELLED]
    found: list[AgendaConflict] = []

    by_room = defaultdict(list)
    for item in live:
        if item.room is not None:
            by_room[item.room_id or id(item.room)].append(item)
    for group in by_room.values():
        for a, b in _overlapping_pairs(group):
            found.append(AgendaConflict(ROOM_OVERLAP, _(
                "“%(a)s” (%(a_time)s) and “%(b)s” (%(b_time)s) are both in %(room)s at the same time.",
                a=local(a, "title"), a_time=_span(a, event), b=local(b, "title"), b_time=_span(b, event),
                room=local(a.room, "name")), [a, b]))

    by_person, person = defaultdict(list), {}
    for item in live:
        for person_id, someone in people_of(item).items():
            by_person[person_id].append(item)
            person[person_id] = someone
    for person_id, group in by_person.items():
        for a, b in _overlapping_pairs(group):
            found.append(AgendaConflict(PERSON_OVERLAP, _(
                "%(person)s is in “%(a)s” (%(a_time)s) and in “%(b)s” (%(b_time)s) at the same time.",
                person=local(person[person_id], "name"), a=local(a, "title"), a_time=_span(a, event),
                b=local(b, "title"), b_time=_span(b, event)), [a, b]))

    for item in live:
        if outside_event(event, item):
            found.append(AgendaConflict(OUTSIDE_EVENT, _(
                "“%(title)s” lies outside the event's dates.", title=local(item, "title")), [item]))
    return found


def outside_event(event: Event, item: AgendaItem) -> bool:
    tz = ZoneInfo(event.timezone)
    first = item.starts_at.astimezone(tz).date()
    # a session ending at midnight belongs to the day before
    last = (item.ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    return first < event.start_date or last > event.end_date


def conflicts_of(item: AgendaItem, conflicts: list[AgendaConflict]) -> list[AgendaConflict]:
    return [c for c in conflicts if c.involves(item)]
