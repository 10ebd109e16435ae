"""How long each guest was inside a session's room: the one owner of attendance time.

Certificates of attendance, the per-session attendance report and anything else that asks
"how many minutes was this guest there" call :func:`minutes_inside`; nothing else counts.

The rule:

* Only scans at the session's door (gate ``session-<id>``) count, entries and exits, whether
  answered ``ok`` or ``already_checked_in`` (a guest coming back after an exit is admitted at the
  door with "already checked in": the badge's first entry there is kept), never refused or undone
  scans.
* **The time of a scan is when it was made**: the device's clock (``device_time``) when the
  scanner sent one — an offline scan uploaded an hour later still counts at the moment the guest
  walked through the door — else the server's time of recording (``scanned_at``).
* An entry opens a stay, the next exit closes it; an entry while already inside changes nothing,
  an exit without an entry is ignored, a stay without an exit lasts until the session's end.
  Several stays add up.
* Every stay is clipped to the session's scheduled start and end; the seconds are summed and
  cut to whole minutes.
"""

from datetime import datetime

from sqlalchemy import func, select

from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import CheckIn
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db

SESSION_GATE_PREFIX = "session-"

#: answers that let the guest through the door
ADMITTED = (ScanResult.OK, ScanResult.ALREADY_CHECKED_IN)


def session_gate(agenda_item_id: int) -> str:
    return f"{SESSION_GATE_PREFIX}{agenda_item_id}"


def scan_time():
    """When a scan was made (see the module's rule): the device's clock, else the server's."""
    return func.coalesce(CheckIn.device_time, CheckIn.scanned_at)


def door_scans(agenda_item: AgendaItem):
    """The scans that count at the session's door, in the order they were made (one query)."""
    at = scan_time().label("at")
    return db.session.execute(
        select(CheckIn.registration_id, CheckIn.direction, at)
        .where(CheckIn.event_id == agenda_item.event_id, CheckIn.gate == session_gate(agenda_item.id),
               CheckIn.registration_id.is_not(None), CheckIn.undone_at.is_(None),
               CheckIn.result.in_(ADMITTED))
        .order_by(CheckIn.registration_id, at, CheckIn.id)).all()


def _seconds(start: datetime, end: datetime, lo: datetime, hi: datetime) -> float:
    return max(0.0, (min(end, hi) - max(start, lo)).total_seconds())


def minutes_inside(agenda_item: AgendaItem) -> dict[int, int]:
    """Registration id → whole minutes inside the session's room during its scheduled time.

    Every guest with at least one admitted scan at the door is in the answer (0 when their stays
    fall outside the session's time). One query, whatever the number of guests.
    """
    lo, hi = agenda_item.starts_at, agenda_item.ends_at
    totals: dict[int, float] = {}
    current, entered = None, None
    for registration_id, direction, at in door_scans(agenda_item):
        if registration_id != current:
            if current is not None and entered is not None:
                totals[current] += _seconds(entered, hi, lo, hi)
            current, entered = registration_id, None
            totals.setdefault(current, 0.0)
        if direction == Direction.IN:
            if entered is None:
                entered = at
        elif entered is not None:
            totals[current] += _seconds(entered, at, lo, hi)
            entered = None
    if current is not None and entered is not None:
        totals[current] += _seconds(entered, hi, lo, hi)
    return {registration_id: int(seconds // 60) for registration_id, seconds in totals.items()}
