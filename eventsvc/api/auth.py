"""The API's door: every route under /api/v1 needs a caller, except the OpenAPI document.

Who the caller is (bearer token or signed-in browser) is accounts' business
(``accounts.api_auth``); which role they hold at an event is events' (``events.permissions``).
This module only wires them in front of the API and into its error answers.
"""

from flask import Flask, g, request
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from eventsvc.accounts.api_auth import UNSAFE, identify_caller
from eventsvc.core.errors_http import INPUT_ERROR_GUARDS
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import Event
from eventsvc.events.permissions import STAFF, can
from eventsvc.extensions import api, csrf, db

API_PREFIX = "/api/v1"
PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json"}

#: OpenAPI security scheme, declared once on the document
BEARER_SCHEME = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def _authenticate():
    if not request.path.startswith(API_PREFIX + "/") or request.path in PUBLIC_PATHS:
        return None
    identify_caller()
    return None


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


INPUT_ERROR_GUARDS.append(event_access_denial)


def init_api_auth(app: Flask) -> None:
    api.spec.components.security_scheme("bearerAuth", BEARER_SCHEME["bearerAuth"])
    api.spec.options["security"] = [{"bearerAuth": []}]
    for name in list(app.blueprints):
        if app.blueprints[name].url_prefix and app.blueprints[name].url_prefix.startswith(API_PREFIX):
            csrf.exempt(app.blueprints[name])
    app.before_request(_authenticate)
