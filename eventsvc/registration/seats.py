"""Seats in sessions that need separate registration: take, drop and promote, by the seat table.

The caller holds the registration's lock (lifecycle.py, or ``choose`` takes it); seats are
locked in session order and counted by ``capacity`` (conditional UPDATEs), so a seat
dropped twice at once is released once and a session never holds more than its seats.
"""

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, select

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.core.types import utcnow
from eventsvc.events import capacity as event_capacity
from eventsvc.events.enums import SessionStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.mail.service import queue_message
from eventsvc.registration import capacity
from eventsvc.registration.enums import SeatStatus
from eventsvc.registration.links import issue_link, portal_url
from eventsvc.registration.locking import lock_registration, lock_seats
from eventsvc.registration.mail_values import guest_values
from eventsvc.registration.models import Invitation, Registration, SessionSeat
from eventsvc.registration.transitions import ACTIVE, SEAT, ActionRefused, Actor

S = SeatStatus


#: built once: the public form runs it on every request
_CHOOSABLE = (select(AgendaItem).where(AgendaItem.event_id == bindparam("event_id"),
                                       AgendaItem.requires_registration.is_(True),
                                       AgendaItem.status == SessionStatus.SCHEDULED)
              .order_by(AgendaItem.starts_at, AgendaItem.id))


def choosable_sessions(event: Event, invitation: Invitation | None = None) -> list[AgendaItem]:
    """Sessions a guest picks separately: seat-limited, not cancelled; closed ones only if invited."""
    invited = {s.id for s in invitation.sessions} if invitation is not None else set()
    items = db.session.scalars(_CHOOSABLE, {"event_id": event.id}).all()
    return [i for i in items if not i.is_closed or i.id in invited]


def _wanted_ids(registration: Registration, session_ids, invitation: Invitation | None) -> set[int]:
    allowed = {i.id for i in choosable_sessions(registration.event, invitation or registration.invitation)}
    wanted = set()
    for raw in session_ids:
        try:
            item_id = int(raw)
        except (TypeError, ValueError):
            item_id = None
        if item_id not in allowed:
            raise ActionRefused("unknown_session", _("This session cannot be chosen."), field="sessions",
                                status=422)
        wanted.add(item_id)
    return wanted


def choose(registration: Registration, session_ids, *, actor: Actor, invitation: Invitation | None = None) -> bool:
    """Make the guest's seminar choices these: new ones take a seat or join that session's line,
    dropped ones free their seat for the next in line. The same choices twice change nothing.
    Returns whether anything changed."""
    registration = lock_registration(registration.id)
    if registration.status not in ACTIVE:
        raise ActionRefused("action_not_allowed", _("This registration is cancelled."),
                            details={"action": "take", "status": registration.status.value})
    wanted = _wanted_ids(registration, session_ids, invitation)
    seats = {s.agenda_item_id: s for s in lock_seats(registration.id)}
    changed = False
    for item_id in sorted(set(seats) | wanted):
        seat = seats.get(item_id)
        live = seat is not None and seat.status != S.CANCELLED
        if item_id in wanted and not live:
            _take(registration, item_id, seat, actor)
            changed = True
        elif item_id not in wanted and live:
            drop(seat)
            changed = True
    db.session.flush()
    for item_id, seat in seats.items():
        if seat.status == S.WAITLISTED:
            promote(item_id)  # a seat freed while another request skipped this guest's locked row
    return changed


def _take(registration: Registration, item_id: int, seat: SessionSeat | None, actor: Actor) -> None:
    assert actor in SEAT["take"].actors
    if seat is None:
        seat = SessionSeat(agenda_item_id=item_id, status=S.WAITLISTED)
        registration.seats.append(seat)
    if capacity.take_session_seat(item_id):
        seat.status, seat.waitlisted_at = S.CONFIRMED, None
    else:
        seat.status, seat.waitlisted_at = S.WAITLISTED, utcnow()


def drop(seat: SessionSeat) -> None:
    """Give up a (locked) seat; a confirmed one goes to the first in that session's line."""
    if seat.status not in SEAT["drop"].sources:
        return
    was_confirmed = seat.status == S.CONFIRMED
    seat.status, seat.waitlisted_at = S.CANCELLED, None
    if was_confirmed:
        capacity.release_session_seat(seat.agenda_item_id)
        db.session.flush()
        promote(seat.agenda_item_id)


def drop_all(registration: Registration) -> None:
    """Every seat of a (locked) registration that is being cancelled or rejected."""
    for seat in lock_seats(registration.id):
        drop(seat)


def promote(agenda_item_id: int) -> list[SessionSeat]:
    """Fill free seats from the head of the session's line, telling each guest by e-mail."""
    promoted = []
    while True:
        # the seat and its registration together (the e-mail carries a new link for the guest): a
        # guest whose own request holds their registration is skipped here and promotes themselves
        # (see choose)
        seat = db.session.scalars(
            select(SessionSeat).join(Registration, Registration.id == SessionSeat.registration_id)
            .where(SessionSeat.agenda_item_id == agenda_item_id, SessionSeat.status == S.WAITLISTED)
            .order_by(SessionSeat.waitlisted_at, SessionSeat.id).limit(1)
            .with_for_update(skip_locked=True, of=(SessionSeat, Registration))
            .execution_options(populate_existing=True)).first()
        if seat is None or not capacity.take_session_seat(agenda_item_id):
            return promoted
        seat.status, seat.waitlisted_at = S.CONFIRMED, None
        registration = seat.registration
        if registration.person.email:
            token = issue_link(registration)
            queue_message(kind="seat_promoted", to_address=registration.person.email,
                          to_name=registration.person.name, language=registration.language,
                          event_id=registration.event_id,
                          values=guest_values(registration.event, registration.person, registration.language,
                                              portal_url(token), session_title=local(
                                                  seat.agenda_item, "title", registration.language)))
        promoted.append(seat)


def set_session_capacity(item: AgendaItem, new_capacity: int | None) -> list[SessionSeat]:
    """Change a session's seats in one conditional UPDATE (never below those taken), then promote."""
    taken = capacity.change_limit(item, "seats_taken", new_capacity)
    if taken is not None:
        raise ServiceError("capacity_below_seats", ngettext(
            "%(n)d seat is already taken; the capacity cannot be lower.",
            "%(n)d seats are already taken; the capacity cannot be lower.", taken, n=taken), field="capacity")
    return promote(item.id)


event_capacity.HANDLERS["session"] = set_session_capacity
