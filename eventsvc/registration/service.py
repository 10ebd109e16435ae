"""What the registration pages read: waitlist position, seat counts, one registration.

Changes of state are not made here: they belong to ``lifecycle.py`` and ``seats.py``.
"""

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from eventsvc.core.errors import NotFound
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import Registration, SessionSeat


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == RegistrationStatus.WAITLISTED,
        or_(Registration.waitlisted_at < registration.waitlisted_at,
            and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id))))
    return ahead + 1


# --- seminar seats ---------------------------------------------------------------------------

def seat_counts(items: list[AgendaItem]) -> dict[int, dict]:
    """Seats left and waitlist length per session, in two queries whatever the number of sessions."""
    ids = [i.id for i in items]
    fresh = dict(db.session.execute(select(AgendaItem.id, AgendaItem.seats_taken)
                                    .where(AgendaItem.id.in_(ids))).all()) if ids else {}
    waiting = dict(db.session.execute(
        select(SessionSeat.agenda_item_id, func.count()).where(
            SessionSeat.agenda_item_id.in_(ids), SessionSeat.status == SeatStatus.WAITLISTED)
        .group_by(SessionSeat.agenda_item_id)).all()) if ids else {}
    return {i.id: {"capacity": i.capacity, "taken": fresh.get(i.id, 0),
                   "left": None if i.capacity is None else max(i.capacity - fresh.get(i.id, 0), 0),
                   "waiting": waiting.get(i.id, 0)} for i in items}


# --- self-registration ---------------------------------------------------------------------

def registration_for(event: Event, registration_id: int) -> Registration:
    registration = db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id)
        .options(selectinload(Registration.person), selectinload(Registration.seats)))
    if registration is None:
        raise NotFound("not_found", _("No such registration at this event."))
    return registration
