"""Who is inside a session's room now, and the door that refuses entry when it is full.

The one owner of "inside now" and of the ``room_full`` answer:

* A guest is **inside** a session's room when their latest admitted scan at its door (entry or
  exit, answered ``ok`` or ``already_checked_in``, not undone; ordered by the time the scan was
  made, as in :mod:`eventsvc.checkin.attendance`) is an entry. Occupancy is counted per session
  door: a room that hosts several sessions shows the one whose door is scanned.
* The **capacity** is the room's, else the session's own seats; without either there is none.
* A door set to refuse (``AgendaItem.refuse_when_full``) answers ``room_full`` to an entry
  that would take a place — the guest is not inside already — while the people inside reach
  the capacity. The decision is taken under a row lock on the session (``FOR NO KEY UPDATE``,
  only at such doors, so other gates keep their speed; inserts referencing the session are not
  blocked), and the count is read after the lock, so two simultaneous entries for the last
  place give one ``ok`` and one ``room_full``.
* **Offline scans uploaded later are recorded as they happened, never refused**: the guest
  walked in while the scanner was offline; refusing the record would not take them out.

Cost on the scan path: nothing at the entrance; at a session door one statement (the door's
settings, the count inside and whether this guest is inside); at a door that refuses, two more
(the lock, and the count read again under it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from eventsvc.checkin.attendance import ADMITTED, scan_time, session_gate
from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import CheckIn
from eventsvc.events.models import AgendaItem, Room
from eventsvc.extensions import db


def _admitted(*where):
    return and_(*where, CheckIn.registration_id.is_not(None), CheckIn.undone_at.is_(None),
                CheckIn.result.in_(ADMITTED))


def _latest_scans(*where):
    """Each guest's latest admitted scan at each session door matching ``where`` (rank 1)."""
    return (select(CheckIn.agenda_item_id, CheckIn.registration_id, CheckIn.direction,
                     func.row_number().over(partition_by=(CheckIn.agenda_item_id, CheckIn.registration_id),
                                            order_by=(scan_time().desc(), CheckIn.id.desc())).label("rank"))
            .where(_admitted(CheckIn.agenda_item_id.is_not(None), *where)).subquery())


def inside_by_session(event_id: int) -> dict[int, int]:
    """Session id → people inside its room now, for every session of the event (one query)."""
    latest = _latest_scans(CheckIn.event_id == event_id)
    return dict(db.session.execute(
        select(latest.c.agenda_item_id, func.count())
        .where(latest.c.rank == 1, latest.c.direction == Direction.IN)
        .group_by(latest.c.agenda_item_id)).all())


def _inside_count(agenda_item_id):
    latest = _latest_scans(CheckIn.agenda_item_id == agenda_item_id,
                           CheckIn.gate == session_gate(agenda_item_id))
    return (select(func.count()).select_from(latest)
            .where(latest.c.rank == 1, latest.c.direction == Direction.IN).scalar_subquery())


def _guest_last_direction(agenda_item_id, registration_id):
    return (select(CheckIn.direction)
            .where(_admitted(CheckIn.registration_id == registration_id, CheckIn.agenda_item_id == agenda_item_id))
            .order_by(scan_time().desc(), CheckIn.id.desc()).limit(1).scalar_subquery())


@dataclass
class Door:
    """A session door's occupancy as one scan sees it."""

    session_id: int
    inside: int
    capacity: int | None
    refuses_when_full: bool
    room: str | None
    room_local: str | None
    title: str
    title_local: str | None
    #: whether the scanned guest is inside already (their latest scan there is an entry)
    guest_inside: bool = False

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.inside >= self.capacity

    def label(self, language: str) -> str:
        """The room's name ("Main Hall"), else the session's title."""
        zh = language.startswith("zh")
        if self.room:
            return self.room_local if zh and self.room_local else self.room
        return self.title_local if zh and self.title_local else self.title

    def as_answer(self, language: str) -> dict:
        return {"session_id": self.session_id, "label": self.label(language), "inside": self.inside,
                "capacity": self.capacity, "is_full": self.is_full, "refuses_when_full": self.refuses_when_full}


def door(session_id: int, registration_id: int | None = None, *, event_id: int | None = None) -> Door | None:
    """The door of session ``session_id`` now (one statement), or None when there is no such session
    (of ``event_id``, when given)."""
    guest = (_guest_last_direction(session_id, registration_id) if registration_id is not None
             else select(None).scalar_subquery())
    row = db.session.execute(
        select(AgendaItem.refuse_when_full, func.coalesce(Room.capacity, AgendaItem.capacity).label("capacity"),
               Room.name, Room.name_local, AgendaItem.title, AgendaItem.title_local,
               _inside_count(session_id).label("inside"),
               case((guest == Direction.IN, True), else_=False).label("guest_inside"))
        .outerjoin(Room, Room.id == AgendaItem.room_id)
        .where(AgendaItem.id == session_id, *([AgendaItem.event_id == event_id] if event_id is not None else []))
    ).first()
    if row is None:
        return None
    return Door(session_id=session_id, inside=row.inside or 0, capacity=row.capacity,
                refuses_when_full=bool(row.refuse_when_full), room=row.name, room_local=row.name_local,
                title=row.title, title_local=row.title_local, guest_inside=bool(row.guest_inside))


def takes_a_place(door_now: Door, direction: Direction, result: ScanResult) -> bool:
    return direction == Direction.IN and result in ADMITTED and not door_now.guest_inside


def at_door(session_id: int, registration_id: int | None, direction: Direction, result: ScanResult, *,
            offline: bool, begin: Callable[[], None] = lambda: None) -> tuple[bool, Door | None]:
    """Decide at a session door: (refused because the room is full, the door as it stands).

    Called before the scan's row is written; at a door that refuses, ``begin()`` first leaves the
    scan's autocommit (checkin.service), so that the session row stays locked until the check-in
    is committed.
    """
    now = door(session_id, registration_id)
    if now is None or offline or not now.refuses_when_full or now.capacity is None:
        return False, now
    if not takes_a_place(now, direction, result):
        return False, now
    begin()
    # key_share=True renders FOR NO KEY UPDATE: scans inserting rows that reference the session still pass
    db.session.execute(select(AgendaItem.id).where(AgendaItem.id == session_id).with_for_update(key_share=True))
    now = door(session_id, registration_id)  # read again under the lock: a new statement sees the winner's row
    return now.is_full, now


def after_scan(door_then: Door, direction: Direction, result: ScanResult, undone: bool) -> Door:
    """The door once this scan is recorded (no query)."""
    inside = door_then.inside
    if not undone and takes_a_place(door_then, direction, result):
        inside += 1
    elif direction == Direction.OUT and result == ScanResult.OK and door_then.guest_inside:
        inside -= 1
    door_then.inside = max(inside, 0)
    return door_then

