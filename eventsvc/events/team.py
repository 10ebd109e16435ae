"""An event's team: organizers and staff invited by e-mail, their roles changed, removed.

Every change of who works at an event goes through here (the team page calls it; the
``flask users grant`` command predates it). Each change is audited. An event always keeps
one organizer at least: the last one can be neither demoted nor removed. Changes to one
event's team are serialized on the event's row, so two organizers demoting each other at
the same instant cannot leave the event without one.

Inviting a new address creates an account without a usable password and e-mails a
one-time link to set one (``accounts.password_links``); an existing account is added and
told by e-mail.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventsvc.accounts import password_links
from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.accounts.service import create_user, has_usable_password, normalize_email
from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.service import public_url, queue_message

ORGANIZER, STAFF = EventRoleKind.ORGANIZER, EventRoleKind.STAFF


class TeamError(ServiceError):
    """Codes: ``bad_role``, ``bad_email``, ``already_member``, ``account_disabled``,
    ``unknown_member``, ``last_organizer``, ``not_pending``."""


@dataclass
class Invited:
    member: EventRole
    #: a new account was made for the address (it sets its password through the e-mailed link)
    new_account: bool


def members(event: Event) -> list[EventRole]:
    """Organizers first, then staff, each by e-mail, with their accounts."""
    roles = db.session.scalars(select(EventRole).where(EventRole.event_id == event.id)
                               .options(joinedload(EventRole.user))).all()
    return sorted(roles, key=lambda r: (r.role != ORGANIZER, r.user.email))


def is_pending(member: EventRole) -> bool:
    """Invited to a new account that has not set its password yet."""
    return is_pending_account(member.user)


def is_pending_account(user: User) -> bool:
    return not has_usable_password(user)


def invite(event: Event, *, email: str, role: EventRoleKind | str, invited_by: User | None,
           name: str = "", language: str = "en") -> Invited:
    """Add the account of ``email`` to the team in ``role``, creating it if needed, and e-mail them."""
    role = _role(role)
    email = normalize_email(email or "")
    if "@" not in email or len(email) > 254:
        raise TeamError("bad_email", _("Enter a valid e-mail address."), field="email")
    _lock(event)
    user = db.session.scalar(select(User).where(User.email == email))
    new_account = user is None
    if new_account:
        user = _new_account(email, name.strip(), language)
    elif not user.active:
        raise TeamError("account_disabled", _("The account of %(email)s is disabled; an administrator can "
                                              "enable it.", email=email), field="email")
    if db.session.scalar(select(EventRole.id).where(EventRole.event_id == event.id, EventRole.user_id == user.id)):
        raise TeamError("already_member", _("%(email)s is already on this event's team; change their role "
                                            "in the list instead.", email=email), field="email", status=409)
    member = EventRole(user=user, event_id=event.id, role=role)
    db.session.add(member)
    db.session.flush()
    _tell(event, member, invited_by, language=user.language or language)
    record("team.member_invited", event_id=event.id, obj=member, email=email, role=role.value,
           new_account=new_account)
    return Invited(member, new_account)


def send_new_link(event: Event, member_id: int, *, invited_by: User | None, language: str = "en") -> EventRole:
    """A fresh set-password link for a member who has not set a password yet (the old link stops working)."""
    member = member_of(event, member_id)
    if not is_pending(member):
        raise TeamError("not_pending", _("%(email)s has already set a password.", email=member.user.email),
                        status=409)
    _tell(event, member, invited_by, language=member.user.language or language)
    record("team.link_resent", event_id=event.id, obj=member, email=member.user.email)
    return member


def change_role(event: Event, member_id: int, role: EventRoleKind | str) -> EventRole:
    role = _role(role)
    _lock(event)
    member = member_of(event, member_id)
    if member.role == role:
        return member
    if member.role == ORGANIZER:
        _keep_an_organizer(event, _("%(email)s is the event's last organizer: make someone else organizer "
                                    "before changing their role.", email=member.user.email))
    record("team.role_changed", event_id=event.id, obj=member, email=member.user.email,
           before=member.role.value, after=role.value)
    member.role = role
    return member


def remove(event: Event, member_id: int) -> None:
    _lock(event)
    member = member_of(event, member_id)
    if member.role == ORGANIZER:
        _keep_an_organizer(event, _("%(email)s is the event's last organizer and cannot be removed: make "
                                    "someone else organizer first.", email=member.user.email))
    record("team.member_removed", event_id=event.id, obj=member, email=member.user.email,
           role=member.role.value)
    user = member.user
    db.session.delete(member)
    db.session.flush()
    if is_pending_account(user) and not db.session.scalar(select(EventRole.id).where(EventRole.user_id == user.id)):
        # invited here only, and removed before choosing a password: the e-mailed link dies too
        password_links.revoke_password_links(user)


# ---- helpers ----

def _role(value) -> EventRoleKind:
    try:
        return EventRoleKind(value)
    except ValueError:
        raise TeamError("bad_role", _("Choose organizer or staff."), field="role") from None


def _lock(event: Event) -> None:
    # PostgreSQL: one team change per event at a time. SQLite: write requests begin IMMEDIATE.
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def member_of(event: Event, member_id: int) -> EventRole:
    member = db.session.scalar(select(EventRole).where(EventRole.id == member_id, EventRole.event_id == event.id)
                               .options(joinedload(EventRole.user)))
    if member is None:
        raise NotFound("unknown_member", _("This person is not on this event's team."))
    return member


def _keep_an_organizer(event: Event, message: str) -> None:
    organizers = db.session.scalar(select(func.count()).select_from(EventRole).where(
        EventRole.event_id == event.id, EventRole.role == ORGANIZER))
    if organizers <= 1:
        raise Conflict("last_organizer", message)


def _new_account(email: str, name: str, language: str) -> User:
    """An account that cannot sign in until its owner sets a password through the e-mailed link."""
    try:
        with db.session.begin_nested():
            return create_user(email, None, name=name, language=language)
    except IntegrityError:  # made by another request at the same instant: use it
        return db.session.scalar(select(User).where(User.email == email))


def _tell(event: Event, member: EventRole, invited_by: User | None, *, language: str) -> None:
    user = member.user
    inviter = (invited_by.name or invited_by.email) if invited_by is not None else None
    if has_usable_password(user):
        template, link = "team_added", public_url("/login")
    else:
        template = "team_welcome"
        link = public_url(password_links.password_link_path(password_links.issue_password_link(user)))
    queue_message(kind=template, to_address=user.email, to_name=user.name or None, template=template,
                  language=language, event_id=event.id, event=event, role=member.role.value,
                  inviter=inviter, link=link, email=user.email,
                  hours=current_app.config["PASSWORD_LINK_TTL_HOURS"])
