"""Who is calling the API: a bearer token, or a signed-in browser with its CSRF token.

Every route under /api/v1 needs one of them, except the OpenAPI document.
"""

from flask import Flask, abort, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from eventsvc.accounts.models import User
from eventsvc.accounts.service import user_for_api_token
from eventsvc.extensions import csrf

API_PREFIX = "/api/v1"
PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

#: OpenAPI security scheme, declared once on the document
BEARER_SCHEME = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def api_user() -> User:
    user = g.get("api_user")
    if user is None:
        abort(401)
    return user


def _authenticate():
    if not request.path.startswith(API_PREFIX + "/") or request.path in PUBLIC_PATHS:
        return None
    _identify_caller()
    return None


def event_for_role(slug: str, role, *, hide_from_outsiders: bool = False):
    """The event of an API route, if the caller holds ``role`` there; 403 otherwise.

    ``hide_from_outsiders``: callers with no role at the event at all get 404, as if the
    data did not exist (award lists); staff lacking the organizer role still get 403.
    """
    from eventsvc.core.permissions import STAFF, can, event_by_slug

    event = event_by_slug(slug)
    user = api_user()
    if not can(user, event, role):
        abort(404 if hide_from_outsiders and not can(user, event, STAFF) else 403,
              description="You do not hold the role this needs at this event.")
    return event


def event_access_denial() -> HTTPException | None:
    """Whether the caller should have been refused before their input was even read.

    Input is validated before a view runs its own role check, so a bad request from an
    outsider would otherwise get a 422 that tells them which fields a request needs. The
    error handler asks this on 400/422 answers only, so valid requests pay nothing: a change
    (POST, PUT, PATCH, DELETE) needs a role at the event; a draft is 404 to those without one.
    """
    slug = (request.view_args or {}).get("slug")
    user = g.get("api_user")
    if slug is None or user is None:
        return None
    from eventsvc.core.permissions import STAFF, can
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.models import Event
    from eventsvc.extensions import db

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        return NotFound()
    if can(user, event, STAFF):
        return None
    if event.status == EventStatus.DRAFT:
        return NotFound()
    if request.method in UNSAFE:
        return Forbidden()
    return None


def _identify_caller():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_api_token(header[7:].strip())
        if user is None:
            abort(401, description="The bearer token is unknown or revoked.")
        g.api_user = user
        return
    if current_user.is_authenticated:
        if request.method in UNSAFE:
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except CSRFError:
                abort(400, description="A signed-in browser must send its CSRF token in X-CSRFToken.")
            except Exception:
                abort(400, description="A signed-in browser must send its CSRF token in X-CSRFToken.")
        g.api_user = current_user._get_current_object()
        return
    abort(401, description="Send an API token: Authorization: Bearer <token>.")


def init_api_auth(app: Flask) -> None:
    from eventsvc.extensions import api

    api.spec.components.security_scheme("bearerAuth", BEARER_SCHEME["bearerAuth"])
    api.spec.options["security"] = [{"bearerAuth": []}]
    for name in list(app.blueprints):
        if app.blueprints[name].url_prefix and app.blueprints[name].url_prefix.startswith(API_PREFIX):
            csrf.exempt(app.blueprints[name])
    app.before_request(_authenticate)
