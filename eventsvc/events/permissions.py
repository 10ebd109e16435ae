"""Who may do what: the one place every route and template asks, pages and API alike.

- **Administrators** (``User.is_admin``) may do everything, and alone manage accounts:
  they grant the event-creator permission.
- **Event creators** (``User.can_create_events``, granted by administrators) may create
  events and copy an event they organize as its next edition. Nobody else may.
- **Organizers** of an event manage it, its team included; **staff** work its doors.
  Organizer implies staff.

The roles are accounts' (``EventRole``); checking them needs the event, so the checks
live here, in the layer that owns events. Pages declare the role they need with
``requires_event_role``, API methods with ``api_event_role`` (checked before their input is read).
"""

import time
from functools import wraps

from flask import abort, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Integer, and_, bindparam, select

from eventsvc.accounts.api_auth import (
    api_token_to_check,
    api_user,
    cached_token_digest,
    documented_refusals,
)
from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.accounts.service import caller_token_check, check_cached_caller
from eventsvc.core.errors import PermissionDenied
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


def is_admin(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_admin


def can_create_events(user: User | None) -> bool:
    """New events (the page, its form and a copy as next edition): administrators and event creators."""
    return user is not None and user.is_authenticated and (user.is_admin or user.can_create_events)


def can_manage_accounts(user: User | None) -> bool:
    """The accounts page and the event-creator toggle: administrators only."""
    return is_admin(user)


def template_permissions() -> dict:
    """What templates may ask (registered as a context processor by the events pages)."""
    return {"can_create_events": lambda: can_create_events(current_user),
            "can_manage_accounts": lambda: can_manage_accounts(current_user)}


def requires_site_permission(check):
    """Decorator for site-level routes: 401 when signed out, 403 unless ``check(user)``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def managed_events_query(user: User):
    """Events the user may open as organizer or staff, newest first."""
    query = select(Event).order_by(Event.start_date.desc(), Event.id.desc())
    if not user.is_admin:
        query = query.join(EventRole, EventRole.event_id == Event.id).where(EventRole.user_id == user.id)
    return query


#: built once: every public page of an event runs it
_EVENT_BY_SLUG = select(Event).where(Event.slug == bindparam("slug"))


def event_by_slug(slug: str) -> Event:
    event = db.session.scalar(_EVENT_BY_SLUG, {"slug": slug})
    if event is None:
        abort(404)
    return event


def requires_event_role(role: EventRoleKind, *, user_loader=lambda: current_user, also=None):
    """Decorator for routes taking ``slug``: loads the event, refuses with 403, passes ``event``.

    ``also(user)``: a site-level permission the route needs on top (copying needs an event creator).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(slug, *args, **kwargs):
            user = user_loader()
            if user is None or not user.is_authenticated:
                abort(401)
            event = event_by_slug(slug)
            if not can(user, event, role) or (also is not None and not also(user)):
                abort(403)
            g.event = event
            return view(event, *args, **kwargs)

        return wrapper

    return decorator


# --- the API: every route declares who may call it, checked before its input is read ---------

#: ``api_event_role(ANY_ACCOUNT)``: any caller, at an event they may see (published, or theirs)
ANY_ACCOUNT = "any account"

_REFUSALS = {
    ORGANIZER: ("not_organizer", lambda: _("Only the event's organizers may do this.")),
    STAFF: ("not_staff", lambda: _("You do not work at this event.")),
}


#: built once: every API route of an event runs it. It also checks a bearer token that came from
#: the process's cache (``token_id``; NULL otherwise): ``caller_is_admin`` is NULL when that token
#: is revoked or its account inactive (``accounts.service.caller_token_check``)
_EVENT_AND_ROLE = (select(Event, EventRole.role,
                          caller_token_check(bindparam("token_id", type_=Integer)).label("caller_is_admin"))
                   .outerjoin(EventRole, and_(EventRole.event_id == Event.id,
                                              EventRole.user_id == bindparam("user_id")))
                   .where(Event.slug == bindparam("slug")))
#: the same check alone, for a cached token asking for an event that does not exist
_TOKEN_ALONE = select(caller_token_check(bindparam("token_id", type_=Integer)))


def event_for_role(slug: str, role, *, hide_from_outsiders: bool = False, reads_event_itself: bool = False) -> Event:
    """The event of an API route, if the caller may act there as ``role``; refused otherwise.

    One query reads the event and the caller's role at it (the scan route counts its
    statements). A caller without a role at the event gets 404 where it is hidden from them,
    as if it did not exist: an event not published (a draft), or any event with
    ``hide_from_outsiders`` (award lists). Others lacking ``role`` get 403 (``not_organizer``,
    ``not_staff``). ``role`` may be ``ANY_ACCOUNT``. The event is kept for the rest of the
    request (``api_event()``). Routes declare this with ``api_event_role``.

    A caller taken from the tokens this process verified lately (a route declared
    ``accounts.api_auth.rechecks_caller``) is checked again by the same query: a revoked token
    or an inactive account gets 401 at once, and the account's ``is_admin`` is the one read now.
    A route that also ``reads_event_itself`` (the scan: its decision query reads the event and
    checks the caller once more) skips this query for a cached token allowed at the event lately
    (ALLOWED_CACHE_SECONDS) and gets no Event.
    """
    user = api_user()
    token_id = api_token_to_check()
    token = cached_token_digest()
    if (reads_event_itself and token is not None
            and _allowed_lately.get((token, slug, role), 0.0) > time.monotonic()):
        g.event = None  # the route rechecks the caller in its own query and reads no Event
        return None
    row = db.session.execute(_EVENT_AND_ROLE, {"slug": slug, "user_id": user.id, "token_id": token_id}).first()
    if row is None:
        if token_id is not None:
            check_cached_caller(token_id, db.session.scalar(_TOKEN_ALONE, {"token_id": token_id}), user)
        abort(404)
    event, held, caller_is_admin = row
    check_cached_caller(token_id, caller_is_admin, user)
    works_there = user.is_admin or held is not None
    if not works_there and (hide_from_outsiders or not event.is_published):
        abort(404)
    if role is not ANY_ACCOUNT and not (user.is_admin or (held is not None and role in _GRANTS[held])):
        code, message = _REFUSALS[role]
        raise PermissionDenied(code, message())
    if token is not None and reads_event_itself:
        _allowed_lately[(token, slug, role)] = time.monotonic() + ALLOWED_CACHE_SECONDS
    g.event = event
    return event


#: how long a route that rechecks its caller and ``reads_event_itself`` (the scan)
#: skips the query above for a cached token already allowed at the event: that route's own
#: query refuses a revoked token or withdrawn role at once; only the order of the answers
#: (403 before 422 for bad input) may lag by this much
ALLOWED_CACHE_SECONDS = 5.0
#: (cached token digest, slug, role) → until when (time.monotonic)
_allowed_lately: dict[tuple, float] = {}


def api_event_role(role, *, hide_from_outsiders: bool = False, reads_event_itself: bool = False):
    """Declares on an API method (a route with ``<slug>``) who may call it: ``event_for_role``.

    Put it above flask-smorest's decorators: ``@blp.arguments`` reads the input when the
    method is called, so a caller refused here never learns what the input should hold. The
    method then finds the event in ``api_event()``; the OpenAPI document lists the refusals.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            event_for_role(kwargs["slug"], role, hide_from_outsiders=hide_from_outsiders,
                           reads_event_itself=reads_event_itself)
            return view(*args, **kwargs)

        wrapper.api_access = f"{role} at the event" + (", hidden from outsiders" if hide_from_outsiders else "")
        return documented_refusals(wrapper, _refusals_doc(role, hide_from_outsiders))

    return decorator


def _refusals_doc(role, hide_from_outsiders: bool) -> dict[str, str]:
    refusals = {"404": "No such event, or one the caller does not work at and "
                       + ("that is hidden from outsiders here" if hide_from_outsiders else "that is not published")}
    if role == ORGANIZER:
        refusals["403"] = "The caller is not an organizer of the event (code not_organizer)."
    elif role == STAFF and not hide_from_outsiders:
        refusals["403"] = "The caller does not work at the event (code not_staff)."
    return refusals


def api_event() -> Event:
    """The event of this API request, as its route's ``api_event_role`` found and allowed it."""
    event = g.get("event")
    if event is None:
        raise RuntimeError("this API route declares no @api_event_role")
    return event
