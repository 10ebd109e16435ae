"""The API's door: every route under /api/v1 needs a caller, except the OpenAPI document.

Who the caller is (bearer token or signed-in browser) is accounts' business
(``accounts.api_auth``); which role they hold at an event is events' (``events.permissions``),
declared on each route and checked before its input is read. This module only wires the
caller's identification in front of the API.
"""

from flask import Flask, request

from eventsvc.accounts.api_auth import identify_caller
from eventsvc.extensions import api, csrf

API_PREFIX = "/api/v1"
PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json"}

#: OpenAPI security scheme, declared once on the document
BEARER_SCHEME = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def _authenticate():
    if not request.path.startswith(API_PREFIX + "/") or request.path in PUBLIC_PATHS:
        return None
    identify_caller()
    return None


def init_api_auth(app: Flask) -> None:
    api.spec.components.security_scheme("bearerAuth", BEARER_SCHEME["bearerAuth"])
    api.spec.options["security"] = [{"bearerAuth": []}]
    for name in list(app.blueprints):
        if app.blueprints[name].url_prefix and app.blueprints[name].url_prefix.startswith(API_PREFIX):
            csrf.exempt(app.blueprints[name])
    app.before_request(_authenticate)
