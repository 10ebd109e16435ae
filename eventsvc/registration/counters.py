"""The place counters checked against the rows they count.

``events.confirmed_count`` and ``agenda_items.seats_taken`` are moved by conditional
UPDATEs so that capacity holds under concurrent requests; a status change that moves
the counter twice, or not at all, leaves them wrong without any error. ``count_drift``
recounts the rows in two aggregate queries, whatever the number of events and sessions,
so the CLI and the concurrency tests can say whether every counter still matches.
"""

from sqlalchemy import func, select

from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import Registration, SessionSeat


def count_drift() -> list[str]:
    """One line per counter that differs from a recount of its rows; empty when all match."""
    confirmed = (select(Registration.event_id, func.count().label("n"))
                 .where(Registration.status == RegistrationStatus.CONFIRMED)
                 .group_by(Registration.event_id).subquery())
    events = db.session.execute(
        select(Event.slug, Event.confirmed_count, func.coalesce(confirmed.c.n, 0))
        .outerjoin(confirmed, confirmed.c.event_id == Event.id)
        .where(Event.confirmed_count != func.coalesce(confirmed.c.n, 0))
        .order_by(Event.slug)).all()

    seated = (select(SessionSeat.agenda_item_id, func.count().label("n"))
              .where(SessionSeat.status == SeatStatus.CONFIRMED)
              .group_by(SessionSeat.agenda_item_id).subquery())
    items = db.session.execute(
        select(Event.slug, AgendaItem.id, AgendaItem.title, AgendaItem.seats_taken,
               func.coalesce(seated.c.n, 0))
        .join(Event, Event.id == AgendaItem.event_id)
        .outerjoin(seated, seated.c.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.seats_taken != func.coalesce(seated.c.n, 0))
        .order_by(Event.slug, AgendaItem.id)).all()

    return ([f"event {slug}: confirmed_count is {counter}, {rows} registrations are confirmed"
             for slug, counter, rows in events]
            + [f"event {slug}, session {item_id} “{title}”: seats_taken is {counter}, "
               f"{rows} seats are confirmed" for slug, item_id, title, counter, rows in items])
