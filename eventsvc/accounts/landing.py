"""Where a user lands after signing in: the one rule the sign-in page, the set-password page and
/manage ask.

- Door staff of exactly one event (and organizers of none) go straight to its scanner: at the
  door, on a phone, there is nothing else to choose.
- Staff of several events choose among their scanners (a short list of big links).
- Everyone else — organizers, administrators, event creators, a user with no role yet —
  lands on the organizer dashboard, /manage.

The roles are accounts' (``EventRole``); the events are reached through its relationship,
since events sit above accounts in the import layers.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.extensions import db


class LandingKind(StrEnum):
    DASHBOARD = "dashboard"
    SCANNER = "scanner"
    SCANNER_LIST = "scanner_list"


@dataclass(frozen=True)
class Landing:
    kind: LandingKind
    #: the events whose scanners are offered (one for SCANNER), newest first
    events: list = field(default_factory=list)

    @property
    def url(self) -> str:
        """The scanner of a one-event staff member; /manage otherwise (it shows the list itself)."""
        if self.kind == LandingKind.SCANNER:
            return url_for("checkin.scanner", slug=self.events[0].slug)
        return url_for("web.dashboard")


def landing_for(user: User) -> Landing:
    """Where ``user`` lands after signing in (see the module's docstring).

    Archived events are left out of a staff member's scanners unless they have nothing else,
    so that last year's forum does not turn this year's straight landing into a list.
    """
    if user.is_admin or user.can_create_events:
        return Landing(LandingKind.DASHBOARD)
    roles = db.session.scalars(
        select(EventRole).options(joinedload(EventRole.event)).where(EventRole.user_id == user.id)).all()
    if not roles or any(role.role != EventRoleKind.STAFF for role in roles):
        return Landing(LandingKind.DASHBOARD)
    events = sorted((role.event for role in roles), key=lambda e: (e.start_date, e.id), reverse=True)
    events = [e for e in events if not e.is_archived] or events
    return Landing(LandingKind.SCANNER if len(events) == 1 else LandingKind.SCANNER_LIST, events)
