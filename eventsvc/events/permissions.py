"""Who may do what at an event: the one helper every route uses, pages and API alike.

Organizers manage an event; staff work its doors; a global administrator may do
everything. Organizer implies staff. The roles are accounts' (``EventRole``); checking
them needs the event, so the checks live here, in the layer that owns events.
"""

from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from eventsvc.accounts.api_auth import api_user
from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.events.models import Event
from eventsvc.extensions import db

ORGANIZER = EventRoleKind.ORGANIZER
STAFF = EventRoleKind.STAFF

#: which held role grants which asked role
_GRANTS = {ORGANIZER: {ORGANIZER, STAFF}, STAFF: {STAFF}}


def event_role(user: User | None, event: Event) -> EventRoleKind | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(EventRole.role).where(EventRole.user_id == user.id, EventRole.event_id == event.id))


def can(user: User | None, event: Event, role: EventRoleKind) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    held = event_role(user, event)
    return held is not None and role in _GRANTS[held]


def managed_events_query(user: User):
    """Events the user may open as organizer or staff, newest first."""
    query = select(Event).order_by(Event.start_date.desc(), Event.id.desc())
    if not user.is_admin:
        query = query.join(EventRole, EventRole.event_id == Event.id).where(EventRole.user_id == user.id)
    return query


def event_by_slug(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def requires_event_role(role: EventRoleKind, *, user_loader=lambda: current_user):
    """Decorator for routes taking ``slug``: loads the event, refuses with 403, passes ``event``."""

    def decorator(view):
        @wraps(view)
        def wrapper(slug, *args, **kwargs):
            user = user_loader()
            if user is None or not user.is_authenticated:
                abort(401)
            event = event_by_slug(slug)
            if not can(user, event, role):
                abort(403)
            g.event = event
            return view(event, *args, **kwargs)

        return wrapper

    return decorator


def event_for_role(slug: str, role: EventRoleKind, *, hide_from_outsiders: bool = False) -> Event:
    """The event of an API route, if the caller holds ``role`` there; 403 otherwise.

    ``hide_from_outsiders``: callers with no role at the event at all get 404, as if the
    data did not exist (award lists); staff lacking the organizer role still get 403.
    """
    event = event_by_slug(slug)
    user = api_user()
    if not can(user, event, role):
        abort(404 if hide_from_outsiders and not can(user, event, STAFF) else 403,
              description="You do not hold the role this needs at this event.")
    return event
