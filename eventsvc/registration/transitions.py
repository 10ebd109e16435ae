"""The lifecycles of registrations, invitations and seminar seats, written once as tables.

Each row says: from which states an action may be taken, the state it leads to, who may
take it, what it takes or releases, which e-mail and audit entry follow, and in which
states repeating it is a harmless no-op (a double click answers with the current state).
``lifecycle.py`` and ``seats.py`` apply these rows; pages and the API ask
``allowed_actions()`` which buttons to show; ``docs/lifecycle.md`` is rendered from here
and a test keeps the two in step (``flask registration lifecycle-doc`` rewrites it).
"""

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from eventsvc.core.errors import Conflict
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus, SeatStatus


class ActionRefused(Conflict):
    """The current state does not allow the action (HTTP 409, code ``action_not_allowed``)."""


class Actor(enum.StrEnum):
    """Who asks for a change. Organizers act on pages and the API; guests through their link;
    door staff at the walk-in desk; the system when a freed place promotes someone."""

    ORGANIZER = "organizer"
    GUEST = "guest"
    STAFF = "staff"
    SYSTEM = "system"


#: the next state is decided by the event's free places: confirmed while one is free, else waitlisted
PLACED = "confirmed or waitlisted"
#: pending when the event needs approval (self-registered guests), else placed
PLACED_OR_PENDING = "pending, or confirmed or waitlisted"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    actors: tuple[Actor, ...]
    #: states in which the action has already happened: asking again changes nothing
    done: tuple[str, ...] = ()
    effects: str = ""
    mail: str = ""
    audit: str = ""
    #: the button's words on pages (None: never a button, e.g. system actions)
    label: object = None


R = RegistrationStatus
ACTIVE = (R.PENDING, R.CONFIRMED, R.WAITLISTED)

REGISTRATION: dict[str, Transition] = {t.action: t for t in (
    Transition("register", ("new",), PLACED_OR_PENDING, (Actor.ORGANIZER, Actor.GUEST, Actor.STAFF),
               effects="takes a place when confirmed; seminar choices take seats; the same person again is "
                       "refused (409 already_registered)",
               mail="registration_<status>", audit="registration.created"),
    Transition("approve", (R.PENDING,), PLACED, (Actor.ORGANIZER,), done=(R.CONFIRMED, R.WAITLISTED),
               effects="takes a place when one is free", mail="registration_<status>",
               audit="registration.approved", label=_l("Approve")),
    Transition("confirm", (R.PENDING, R.WAITLISTED), R.CONFIRMED, (Actor.ORGANIZER,), done=(R.CONFIRMED,),
               effects="takes a place out of turn; refused when the event is full",
               mail="registration_confirmed", audit="registration.confirmed", label=_l("Confirm now")),
    Transition("waitlist", (R.CONFIRMED,), R.WAITLISTED, (Actor.ORGANIZER,), done=(R.WAITLISTED,),
               effects="releases the place (nobody is promoted); joins the end of the line",
               mail="registration_waitlisted", audit="registration.waitlisted", label=_l("To waitlist")),
    Transition("reject", (R.PENDING, R.WAITLISTED), R.REJECTED, (Actor.ORGANIZER,), done=(R.REJECTED,),
               effects="releases seminar seats", mail="registration_rejected", audit="registration.rejected",
               label=_l("Reject")),
    Transition("cancel", ACTIVE, R.CANCELLED, (Actor.ORGANIZER, Actor.GUEST), done=(R.CANCELLED,),
               effects="releases the place and seminar seats; the first in line is promoted",
               mail="registration_cancelled (when the organizer cancels)", audit="registration.cancelled",
               label=_l("Cancel")),
    Transition("rejoin", (R.CANCELLED,), PLACED_OR_PENDING, (Actor.GUEST,), done=ACTIVE,
               effects="back at the end of the line; approval again where the event needs it",
               mail="registration_<status>", audit="registration.renewed", label=_l("Register again")),
    Transition("promote", (R.WAITLISTED,), R.CONFIRMED, (Actor.SYSTEM,), done=(R.CONFIRMED,),
               effects="takes a freed place, first in line first", mail="registration_promoted",
               audit="registration.promoted"),
)}

Inv = InvitationStatus
UNANSWERED = (Inv.DRAFT, Inv.SENT, Inv.OPENED)

INVITATION: dict[str, Transition] = {t.action: t for t in (
    Transition("send", (Inv.DRAFT, Inv.SENT, Inv.OPENED, Inv.EXPIRED, Inv.ACCEPTED, Inv.DECLINED), "sent (others keep theirs)",
               (Actor.ORGANIZER,), effects="a new link; the invitation's older links stop working",
               mail="invitation", audit="invitation.sent", label=_l("Send")),
    Transition("remind", (Inv.SENT, Inv.OPENED), "unchanged", (Actor.ORGANIZER,),
               effects="a new link; the older ones keep working", mail="invitation_reminder", audit="invitation.reminded"),
    Transition("open", (Inv.SENT,), Inv.OPENED, (Actor.GUEST,), done=(Inv.OPENED, Inv.ACCEPTED, Inv.DECLINED),
               effects="records when the link was first opened"),
    Transition("accept", (Inv.DRAFT, Inv.SENT, Inv.OPENED, Inv.DECLINED), Inv.ACCEPTED, (Actor.GUEST,),
               done=(Inv.ACCEPTED,),
               effects="registers the guest (invited guests skip approval) or brings a cancelled "
                       "registration back; refused when the organizer rejected it",
               mail="registration_<status>", audit="invitation.accepted", label=_l("Accept the invitation")),
    Transition("decline", (Inv.DRAFT, Inv.SENT, Inv.OPENED, Inv.ACCEPTED), Inv.DECLINED, (Actor.GUEST,), done=(Inv.DECLINED,),
               effects="cancels an active registration, releasing its place", audit="invitation.declined",
               label=_l("Decline the invitation")),
    Transition("revoke", (Inv.DRAFT, Inv.SENT, Inv.OPENED, Inv.ACCEPTED, Inv.DECLINED, Inv.EXPIRED), Inv.REVOKED,
               (Actor.ORGANIZER,), done=(Inv.REVOKED,),
               effects="the guest's links stop working; an active registration is cancelled",
               mail="registration_cancelled (when a registration was active)", audit="invitation.revoked",
               label=_l("Revoke")),
    Transition("expire", (Inv.SENT, Inv.OPENED), Inv.EXPIRED, (Actor.SYSTEM,), done=(Inv.EXPIRED,),
               effects="the link has passed its expiry; sending again revives it"),
)}

S = SeatStatus

SEAT: dict[str, Transition] = {t.action: t for t in (
    Transition("take", ("new", S.CANCELLED), PLACED, (Actor.GUEST, Actor.ORGANIZER),
               done=(S.CONFIRMED, S.WAITLISTED), effects="takes a seat when one is free, else joins the "
                                                         "session's line; only while the registration is active"),
    Transition("drop", (S.CONFIRMED, S.WAITLISTED), S.CANCELLED, (Actor.GUEST, Actor.ORGANIZER, Actor.SYSTEM),
               done=(S.CANCELLED,), effects="releases the seat; the first in the session's line is promoted"),
    Transition("promote", (S.WAITLISTED,), S.CONFIRMED, (Actor.SYSTEM,), done=(S.CONFIRMED,),
               effects="takes a freed seat, first in line first", mail="seat_promoted"),
)}

TABLES = {"registration": REGISTRATION, "invitation": INVITATION, "seat": SEAT}


def allowed_actions(table: dict[str, Transition], status: str, actor: Actor) -> list[str]:
    """The actions this actor may take from this state: the buttons a page shows."""
    return [t.action for t in table.values() if status in t.sources and actor in t.actors and t.label]


def render_markdown() -> str:
    """The lifecycle tables for docs/lifecycle.md."""
    lines = ["# Lifecycles of registrations, invitations and seminar seats", "",
             "Generated from `eventsvc/registration/transitions.py` by `flask registration lifecycle-doc`;",
             "a test fails when the two differ. Every change of state goes through one function",
             "(`eventsvc/registration/lifecycle.py`, `seats.py`) that locks the row it changes",
             "(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write requests begin IMMEDIATE), checks",
             "this table and applies the effects in the same transaction. Asking for an action in a",
             "state listed under *repeat is a no-op* answers with the current state and queues no",
             "e-mail or audit entry; any other state outside *from* is refused (HTTP 409",
             "`action_not_allowed`, a clear sentence on pages).", ""]
    for name, table in TABLES.items():
        lines += [f"## {name.capitalize()}", "",
                  "| action | from | to | who | repeat is a no-op in | effects | e-mail | audit |",
                  "|---|---|---|---|---|---|---|---|"]
        for t in table.values():
            lines.append("| " + " | ".join([
                f"`{t.action}`", ", ".join(str(s) for s in t.sources), str(t.target),
                ", ".join(a.value for a in t.actors), ", ".join(str(s) for s in t.done) or "—",
                t.effects or "—", t.mail or "—", f"`{t.audit}`" if t.audit else "—"]) + " |")
        lines.append("")
    return "\n".join(lines)


def guest_actions(registration, invitation) -> set[str]:
    """What the guest portal offers this guest now (invited guests answer the invitation;
    self-registered ones cancel and register again)."""
    actions = set()
    if registration is not None:
        actions.update(allowed_actions(REGISTRATION, registration.status, Actor.GUEST))
        if registration.status in ACTIVE:
            actions.add("choose_seats")
    if invitation is not None:
        actions.discard("rejoin")  # an invited guest comes back by accepting again
        answerable = registration is None or registration.status not in (*ACTIVE, R.REJECTED)
        accept = INVITATION["accept"]
        if answerable and (invitation.status in accept.sources or invitation.status in accept.done):
            actions.add("accept")
            if invitation.status in INVITATION["decline"].sources:
                actions.add("decline")
    return actions


class GuestStanding(enum.StrEnum):
    """Where a guest stands, as the portal's first heading says it."""

    REGISTERED = "registered"  # pending, confirmed or waitlisted
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    INVITED = "invited"


def guest_standing(registration, invitation) -> GuestStanding:
    """The one reading of a guest's registration and invitation for the portal's heading.

    A registration that was cancelled says so, however it came to be: "Cancel my registration"
    (which also marks an accepted invitation declined), "I cannot attend" after accepting, or the
    organizer. "Declined" is for a guest who declined without ever registering.
    """
    if registration is not None:
        if registration.status in ACTIVE:
            return GuestStanding.REGISTERED
        if registration.status == R.REJECTED:
            return GuestStanding.REJECTED
        return GuestStanding.CANCELLED
    if invitation is not None and invitation.status == InvitationStatus.DECLINED:
        return GuestStanding.DECLINED
    return GuestStanding.INVITED
