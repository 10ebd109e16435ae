"""Every change of a registration's or an invitation's state, applied from one table.

Each function locks the row it changes before it reads its state (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite's write requests already hold the database's write lock), asks the
table in ``transitions.py`` whether the action is allowed, and does the effects in the
same transaction: the place taken or released, the first in line promoted, the e-mail
queued, the audit entry written. An action whose result already holds changes nothing
and queues nothing. Locks are always taken in one order: invitation, registration,
event counter, session counters (by id), so two requests never wait on each other in a circle.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from eventsvc.audit.service import record, rows_for
from eventsvc.core.appends import Rows, every_column, insert_together, inserted
from eventsvc.core.errors import Conflict, PermissionDenied, ServiceError
from eventsvc.core.metrics import registration_changed
from eventsvc.core.types import utcnow
from eventsvc.events import capacity as event_capacity
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.service import GuestMessage, outbox_rows
from eventsvc.people.models import Person
from eventsvc.registration import capacity, seats
from eventsvc.registration.enums import InvitationStatus, RegistrationSource, RegistrationStatus
from eventsvc.registration.links import (
    drop_expired_links,
    had_a_link,
    has_live_link,
    new_link,
    portal_url,
)
from eventsvc.registration.locking import lock_invitation, lock_registration, registration_of
from eventsvc.registration.mail_values import guest_values
from eventsvc.registration.models import Category, Invitation, Registration
from eventsvc.registration.transitions import (
    ACTIVE,
    INVITATION,
    REGISTRATION,
    ActionRefused,
    Actor,
    Transition,
)
from eventsvc.webhooks.enums import WebhookKind
from eventsvc.webhooks.service import emit

R = RegistrationStatus


@dataclass
class Outcome:
    registration: Registration
    #: False when the action had already happened: nothing was changed, mailed or recorded
    changed: bool
    promoted: list[Registration] = field(default_factory=list)


# --- the table's verdict ---------------------------------------------------------------------

_STATE_NAMES = {  # lazy: translated when shown, in the reader's language
    "pending": _l("pending approval"), "confirmed": _l("confirmed"), "waitlisted": _l("on the waitlist"),
    "cancelled": _l("cancelled"), "rejected": _l("rejected"), "draft": _l("not sent yet"), "sent": _l("sent"),
    "opened": _l("opened"), "accepted": _l("accepted"), "declined": _l("declined"), "expired": _l("expired"),
    "revoked": _l("revoked"),
}


def state_name(status) -> str:
    return str(_STATE_NAMES.get(str(status), str(status)))


def decide(transition: Transition, status, actor: Actor) -> bool:
    """True: do it. False: it has already happened. Raises when this actor or this state may not."""
    if actor not in transition.actors:
        raise PermissionDenied("not_permitted", _("You may not do this."))
    if status in transition.sources:
        return True
    if status in transition.done:
        return False
    raise ActionRefused("action_not_allowed",
                        _("This cannot be done now: the registration is %(state)s.", state=state_name(status))
                        if transition in REGISTRATION.values() else
                        _("This cannot be done now: the invitation is %(state)s.", state=state_name(status)),
                        details={"action": transition.action, "status": str(status)})


# --- effects -----------------------------------------------------------------------------------

def tell(registration: Registration, kind: str, *, new: bool = False) -> None:
    """Queue the status e-mail with a new portal link (the guest's older links keep working).
    ``new``: the registration was created in this transaction (it has no links to tidy)."""
    insert_together(*_telling(registration, kind, new=new))


def _telling(registration: Registration, kind: str, *, new: bool) -> tuple[Rows, ...]:
    """``tell``'s rows, the link's and the e-mail's, for the caller to write (none without an address)."""
    person = registration.person
    if not person.email:
        return ()
    if not new:
        drop_expired_links(registration)
    token, link = new_link(registration)
    return link, outbox_rows([GuestMessage(kind=kind, to_address=person.email, to_name=person.name,
                                           language=registration.language, event_id=registration.event_id,
                                           values=guest_values(registration.event, person, registration.language,
                                                               portal_url(token)))])


def announce(registration: Registration, kind: WebhookKind, previous=None) -> None:
    """The webhook of a registration's change (eventsvc.webhooks), in the change's transaction."""
    emit(registration.event_id, kind, lambda: {
        "registration_id": registration.id, "status": registration.status.value,
        "previous_status": previous.value if previous is not None else None,
        "source": registration.source.value, "person": {
            "id": registration.person_id, "name": registration.person.name,
            "name_local": registration.person.name_local, "email": registration.person.email}})


def _place(registration: Registration) -> RegistrationStatus:
    """Confirmed if the event has a free place, otherwise at the end of the waitlist."""
    now = utcnow()
    if capacity.take_event_place(registration.event_id):
        registration.status, registration.confirmed_at, registration.waitlisted_at = R.CONFIRMED, now, None
    else:
        registration.status, registration.waitlisted_at = R.WAITLISTED, now
    return registration.status


def _needs_approval(registration: Registration) -> bool:
    return registration.invitation is None and registration.source == RegistrationSource.SELF \
        and registration.event.registration_mode == RegistrationMode.APPROVAL


def _end(registration: Registration, status: RegistrationStatus) -> bool:
    """Cancelled or rejected: release the place and every seat. True when a place was freed."""
    freed = registration.status == R.CONFIRMED
    if freed:
        capacity.release_event_place(registration.event_id)
    registration.status, registration.waitlisted_at = status, None
    if status == R.CANCELLED:
        registration.cancelled_at = utcnow()
    seats.drop_all(registration)
    return freed


def act(registration: Registration, action: str, *, actor: Actor, notify: bool = True) -> Outcome:
    """Apply one of the registration table's actions to an existing registration."""
    transition = REGISTRATION[action]
    registration = lock_registration(registration.id)
    if not decide(transition, registration.status, actor):
        return Outcome(registration, changed=False)
    outcome = Outcome(registration, changed=True)
    previous = registration.status
    if action == "approve":
        kind = f"registration_{_place(registration).value}"
    elif action == "confirm":
        if not capacity.take_event_place(registration.event_id):
            raise Conflict("event_full", _("The event is full: free a place first or raise the capacity."))
        registration.status, registration.confirmed_at, registration.waitlisted_at = R.CONFIRMED, utcnow(), None
        kind = "registration_confirmed"
    elif action == "waitlist":
        capacity.release_event_place(registration.event_id)
        registration.status, registration.waitlisted_at, registration.confirmed_at = R.WAITLISTED, utcnow(), None
        kind = "registration_waitlisted"
    elif action == "reject":
        _end(registration, R.REJECTED)
        kind = "registration_rejected"
    elif action == "cancel":
        if _end(registration, R.CANCELLED):
            outcome.promoted = promote_from_waitlist(registration.event_id)
        kind = "registration_cancelled" if actor != Actor.GUEST else None
    elif action == "rejoin":
        registration.cancelled_at = None
        if _needs_approval(registration):
            registration.status = R.PENDING
        else:
            _place(registration)
        kind = f"registration_{registration.status.value}"
    else:
        raise ValueError(f"{action} is not applied with act()")
    record(transition.audit, event_id=registration.event_id, obj=registration, actor=actor.value,
           previous=previous.value, status=registration.status.value)
    registration_changed(previous.value, registration.status.value)
    announce(registration, WebhookKind.REGISTRATION_CHANGED, previous)
    if kind and notify:
        tell(registration, kind)
    return outcome


def promote_from_waitlist(event_id: int) -> list[Registration]:
    """Fill free places from the head of the waitlist, telling each promoted guest by e-mail.

    SKIP LOCKED passes over a waitlisted guest whose own request holds their row (they are
    cancelling or being confirmed at this moment) instead of waiting for it.
    """
    promoted = []
    while True:
        candidate = db.session.scalars(
            select(Registration).where(Registration.event_id == event_id, Registration.status == R.WAITLISTED)
            .order_by(Registration.waitlisted_at, Registration.id).limit(1)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True)).first()
        if candidate is None or not capacity.take_event_place(event_id):
            return promoted
        candidate.status, candidate.confirmed_at = R.CONFIRMED, utcnow()  # waitlisted_at stays: their turn
        record(REGISTRATION["promote"].audit, event_id=event_id, obj=candidate, actor=Actor.SYSTEM.value)
        registration_changed(R.WAITLISTED.value, R.CONFIRMED.value)
        announce(candidate, WebhookKind.REGISTRATION_CHANGED, R.WAITLISTED)
        tell(candidate, "registration_promoted")
        promoted.append(candidate)


def set_capacity(event: Event, new_capacity: int | None) -> list[Registration]:
    """Change the event's places in one conditional UPDATE (never below those confirmed), then promote."""
    confirmed = capacity.change_limit(event, "confirmed_count", new_capacity)
    if confirmed is not None:
        raise ServiceError("below_confirmed", ngettext(
            "%(count)d guest is already confirmed: the capacity cannot be lower.",
            "%(count)d guests are already confirmed: the capacity cannot be lower.", confirmed, count=confirmed), field="capacity")
    return promote_from_waitlist(event.id)


event_capacity.HANDLERS["event"] = set_capacity


# --- a new registration --------------------------------------------------------------------------

def register(event: Event, person: Person, *, source: RegistrationSource, actor: Actor,
             category: Category | None = None, invitation: Invitation | None = None, language: str = "en",
             needs_approval: bool = False, session_ids=(), notify: bool = True,
             refuse_when_full: bool = False) -> Registration:
    """A new registration, placed (or pending approval), with its seminar choices.

    The place is taken first and the row inserted with its final status (one statement less
    than inserting, then placing): the status decides the audit entry, the webhook and the
    e-mail, all written right after as single inserts. Two requests registering the same
    person at once meet at the unique (event, person) constraint: the second gives its place
    back and gets ``already_registered`` (409), never a 500.
    """
    decide(REGISTRATION["register"], "new", actor)
    now = utcnow()
    placed = False
    if needs_approval:
        status = R.PENDING
    elif capacity.take_event_place(event.id):
        status, placed = R.CONFIRMED, True
    elif refuse_when_full:
        if registration_of(event.id, person.id) is not None:  # the older answer wins
            raise Conflict("already_registered", _("This person is already registered for this event."))
        raise Conflict("event_full", _("The event is full: no walk-in can be registered."))
    else:
        status = R.WAITLISTED
    registration = _insert_registration(
        event, person, source=source, category=category, invitation=invitation,
        language=language if language in ("en", "zh") else "en", status=status,
        confirmed_at=now if placed else None, waitlisted_at=now if status == R.WAITLISTED else None)
    if registration is None:
        if placed:
            capacity.release_event_place(event.id)
        raise Conflict("already_registered", _("This person is already registered for this event."))
    if session_ids:
        seats.choose(registration, session_ids, actor=actor, invitation=invitation)
    audit = rows_for(REGISTRATION["register"].audit, [registration], event_id=event.id, actor=actor.value,
                     status=registration.status.value, source=source.value)
    registration_changed(None, registration.status.value)
    announce(registration, WebhookKind.REGISTRATION_CREATED)
    # the audit row, the link and the e-mail: one statement on PostgreSQL (core.appends)
    insert_together(audit, *(_telling(registration, f"registration_{registration.status.value}", new=True)
                             if notify else ()))
    return registration


#: built once per dialect, the row given as parameters (every registration runs it)
_INSERT_REGISTRATION = {name: dialect.insert(Registration.__table__).on_conflict_do_nothing()
                        .returning(*every_column(Registration))
                        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def _insert_registration(event: Event, person: Person, *, category: Category | None,
                         invitation: Invitation | None, **values) -> Registration | None:
    """The new row in one statement (INSERT … ON CONFLICT DO NOTHING RETURNING: no look-up first,
    no savepoint); None when the person is already registered (or the invitation already used),
    also when another request registered them at this instant."""
    registration = inserted(Registration, _INSERT_REGISTRATION[db.session.get_bind().dialect.name], {
        "event_id": event.id, "person_id": person.id, "category_id": category.id if category else None,
        "invitation_id": invitation.id if invitation else None, **values})
    if registration is not None:
        set_committed_value(registration, "seats", [])  # a new registration has none: no query for them
        set_committed_value(registration, "event", event)  # known: the e-mail and webhook read it
        set_committed_value(registration, "person", person)
    return registration


# --- invitations -------------------------------------------------------------------------------

def accept_invitation(invitation: Invitation, session_ids=()) -> Outcome:
    """Register the invited guest once: four accepts at once give one registration and four answers."""
    invitation = lock_invitation(invitation.id)
    registration = registration_of(invitation.event_id, invitation.person_id)
    if registration is not None and registration.status == R.REJECTED:
        raise ActionRefused("action_not_allowed", _("The organizer could not accept your registration."),
                            details={"action": "accept", "status": R.REJECTED.value})
    if not decide(INVITATION["accept"], invitation.status, Actor.GUEST) and registration is not None \
            and registration.status in ACTIVE:
        if session_ids:
            seats.choose(registration, session_ids, actor=Actor.GUEST, invitation=invitation)
        return Outcome(registration, changed=False)
    if registration is None:
        registration = register(invitation.event, invitation.person, source=RegistrationSource.INVITATION,
                                actor=Actor.GUEST, category=invitation.category, invitation=invitation,
                                language=invitation.language, session_ids=session_ids)
    else:
        registration.invitation = invitation
        if registration.status == R.CANCELLED:
            act(registration, "rejoin", actor=Actor.GUEST)
        if session_ids:
            seats.choose(registration, session_ids, actor=Actor.GUEST, invitation=invitation)
    invitation.status, invitation.responded_at, invitation.decline_reason = InvitationStatus.ACCEPTED, utcnow(), None
    record(INVITATION["accept"].audit, event_id=invitation.event_id, obj=invitation, actor=Actor.GUEST.value)
    _announce_answer(invitation, registration)
    return Outcome(registration, changed=True)


def decline_invitation(invitation: Invitation, reason: str | None) -> bool:
    """The guest cannot come: an active registration is cancelled and its place goes to the next in line."""
    invitation = lock_invitation(invitation.id)
    if not decide(INVITATION["decline"], invitation.status, Actor.GUEST):
        return False
    registration = registration_of(invitation.event_id, invitation.person_id)
    if registration is not None and registration.status in ACTIVE:
        act(registration, "cancel", actor=Actor.GUEST)
    invitation.status, invitation.responded_at = InvitationStatus.DECLINED, utcnow()
    invitation.decline_reason = (reason or "").strip()[:2000] or None
    record(INVITATION["decline"].audit, event_id=invitation.event_id, obj=invitation, actor=Actor.GUEST.value)
    _announce_answer(invitation, registration)
    return True


def _announce_answer(invitation: Invitation, registration: Registration | None) -> None:
    emit(invitation.event_id, WebhookKind.INVITATION_ANSWERED, lambda: {
        "invitation_id": invitation.id, "answer": invitation.status.value,
        "decline_reason": invitation.decline_reason,
        "registration_id": registration.id if registration is not None else None,
        "person": {"id": invitation.person_id, "name": invitation.person.name,
                   "name_local": invitation.person.name_local, "email": invitation.person.email}})


def cancel_by_guest(registration: Registration, invitation: Invitation | None) -> Outcome:
    """"Cancel my registration" in the portal; an accepted invitation becomes declined."""
    if invitation is not None:
        invitation = lock_invitation(invitation.id)
    outcome = act(registration, "cancel", actor=Actor.GUEST)
    if outcome.changed and invitation is not None and invitation.status == InvitationStatus.ACCEPTED:
        invitation.status, invitation.responded_at = InvitationStatus.DECLINED, utcnow()
    return outcome


def revoke_invitation(invitation: Invitation) -> bool:
    """The link stops working at once; an active registration is cancelled (and the guest told)."""
    invitation = lock_invitation(invitation.id)
    if not decide(INVITATION["revoke"], invitation.status, Actor.ORGANIZER):
        return False
    invitation.status, invitation.revoked_at = InvitationStatus.REVOKED, utcnow()
    registration = registration_of(invitation.event_id, invitation.person_id)
    if registration is not None and registration.status in ACTIVE:
        act(registration, "cancel", actor=Actor.ORGANIZER)
    record(INVITATION["revoke"].audit, event_id=invitation.event_id, obj=invitation, actor=Actor.ORGANIZER.value)
    return True


def mark_opened(invitation: Invitation) -> None:
    """The guest opened their link (a plain page view: recorded without a lock, at most once)."""
    if invitation.opened_at is None or invitation.status == InvitationStatus.SENT:
        db.session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                    Invitation.status == InvitationStatus.SENT)
                           .values(status=InvitationStatus.OPENED).execution_options(synchronize_session=False))
        db.session.execute(update(Invitation).where(Invitation.id == invitation.id, Invitation.opened_at.is_(None))
                           .values(opened_at=utcnow()).execution_options(synchronize_session=False))
        db.session.expire(invitation, ["status", "opened_at"])


def expire_invitations(event_id: int | None = None) -> int:
    """The table's ``expire`` action for every unanswered invitation (of one event, or all)
    whose every link has expired; a resend revives them. One conditional UPDATE: a guest
    answering at the same instant either answers first or finds the invitation expired."""
    transition = INVITATION["expire"]
    query = update(Invitation).where(Invitation.status.in_(transition.sources), had_a_link(), ~has_live_link())
    if event_id is not None:
        query = query.where(Invitation.event_id == event_id)
    result = db.session.execute(query.values(status=transition.target)
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount
