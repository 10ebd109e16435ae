"""Row locks taken before a state is read and changed (see lifecycle.py for the order).

``populate_existing`` replaces what an earlier plain read of the same row put in the
session (the portal loads the guest's registration before any action), so the decision
is made on the locked, current row. SQLite ignores FOR UPDATE: its write requests begin
IMMEDIATE and hold the database's write lock for the whole transaction.
"""

from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.registration.models import Invitation, Registration, SessionSeat


def lock_registration(registration_id: int) -> Registration:
    return db.session.scalars(select(Registration).where(Registration.id == registration_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def lock_invitation(invitation_id: int) -> Invitation:
    return db.session.scalars(select(Invitation).where(Invitation.id == invitation_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def registration_of(event_id: int, person_id: int) -> Registration | None:
    """This person's registration at this event, locked, or None."""
    return db.session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.person_id == person_id)
        .with_for_update().execution_options(populate_existing=True)).one_or_none()


def lock_seats(registration_id: int) -> list[SessionSeat]:
    """A registration's seats, locked in session order (the order every request locks them in)."""
    return list(db.session.scalars(select(SessionSeat).where(SessionSeat.registration_id == registration_id)
                                   .order_by(SessionSeat.agenda_item_id).with_for_update()
                                   .execution_options(populate_existing=True)))
