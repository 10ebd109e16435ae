"""Places at an event and seats in a session, taken and released atomically by the database.

One conditional UPDATE takes a place only while one is free: PostgreSQL locks
the row and re-checks the condition after any concurrent writer commits; SQLite
serializes writers (write requests begin IMMEDIATE). A CHECK constraint on the
counter makes over-booking impossible even for a caller that skips this module.
Callers run these inside their own transaction and commit with the rest of the change.
"""

from sqlalchemy import bindparam, or_, select, true, update

from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db

_EVENTS = Event.__table__
#: built once, on the table (a Core UPDATE: no ORM bulk-update step; updated_at is set all the
#: same, by the column's onupdate): every registration runs it
_TAKE_EVENT_PLACE = (update(_EVENTS)
                     .where(_EVENTS.c.id == bindparam("event_id"),
                            or_(_EVENTS.c.capacity.is_(None), _EVENTS.c.confirmed_count < _EVENTS.c.capacity))
                     .values(confirmed_count=_EVENTS.c.confirmed_count + 1))


def take_event_place(event_id: int) -> bool:
    """Count one more confirmed guest if the event has room; False when full."""
    return db.session.execute(_TAKE_EVENT_PLACE, {"event_id": event_id}).rowcount == 1


def release_event_place(event_id: int) -> None:
    db.session.execute(
        update(Event).where(Event.id == event_id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1)
        .execution_options(synchronize_session=False))


def take_session_seat(agenda_item_id: int) -> bool:
    """Count one more seat in a seat-limited session if one is free; False when full."""
    result = db.session.execute(
        update(AgendaItem)
        .where(AgendaItem.id == agenda_item_id,
               or_(AgendaItem.capacity.is_(None), AgendaItem.seats_taken < AgendaItem.capacity))
        .values(seats_taken=AgendaItem.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_session_seat(agenda_item_id: int) -> None:
    db.session.execute(
        update(AgendaItem).where(AgendaItem.id == agenda_item_id, AgendaItem.seats_taken > 0)
        .values(seats_taken=AgendaItem.seats_taken - 1)
        .execution_options(synchronize_session=False))


def change_limit(row, counter: str, new_capacity: int | None) -> int | None:
    """Set an event's or a session's capacity in one conditional UPDATE that never goes below
    its counter (places confirmed, seats taken). Returns None when done, else the counter's
    value that refused it. The row's capacity and counter are expired for a fresh read."""
    model = type(row)
    taken = getattr(model, counter)
    result = db.session.execute(
        update(model).where(model.id == row.id, true() if new_capacity is None else taken <= new_capacity)
        .values(capacity=new_capacity).execution_options(synchronize_session=False))
    refused = None if result.rowcount == 1 else db.session.scalar(select(taken).where(model.id == row.id))
    db.session.expire(row, ["capacity", counter])
    return refused
