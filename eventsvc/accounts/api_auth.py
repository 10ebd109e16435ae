"""Who is calling the API: a bearer token, or a signed-in browser with its CSRF token.

``identify_caller`` runs before every /api/v1 route (eventsvc/api wires it in) and leaves
the user in ``g.api_user``; routes of every capability ask ``api_user()``. Each API method
declares who may call it, checked before its input is read: ``api_site_permission`` here for
site-wide routes, ``events.permissions.api_event_role`` for an event's.
"""

import random
import time
from collections.abc import Callable
from functools import wraps

from flask import abort, after_this_request, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import CSRFError, validate_csrf

from eventsvc.accounts.models import User
from eventsvc.accounts.service import (
    cached_api_caller,
    has_pending_token_uses,
    user_for_api_token,
    write_pending_token_uses,
)
from eventsvc.core.errors import PermissionDenied
from eventsvc.extensions import db

#: methods that change something: a browser must prove them with its CSRF token
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_user() -> User:
    user = g.get("api_user")
    if user is None:
        abort(401)
    return user


def identify_caller() -> None:
    """Set ``g.api_user`` from the bearer token or the browser's session; 401/400 otherwise."""
    header = request.headers.get("Authorization", "")
    g.api_token_to_check = None
    if header.startswith("Bearer "):
        secret = header[7:].strip()
        cached = cached_api_caller(secret) if _route_rechecks_caller() else None
        if cached is not None:
            (g.api_token_to_check, g.api_token_digest), g.api_user = cached
            return
        user = user_for_api_token(secret, writing=request.method in UNSAFE)
        if has_pending_token_uses():
            after_this_request(_write_token_uses)
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


def rechecks_caller(view):
    """Declares on an API method that a query of its request checks the bearer token again
    (with ``accounts.service.caller_token_check``, then ``check_cached_caller``): the event's
    query of ``events.permissions.api_event_role`` does, for every route of an event, and the
    scan's decision query. The caller may then come from the tokens this process verified
    lately, without a query of its own, as a detached copy of the account: only for a method
    that reads the caller's columns and never hands the object to the session. Put it above
    every other decorator."""
    view.rechecks_caller = True
    return view


def api_token_to_check() -> int | None:
    """The id of the cached bearer token the route's own query must check, or None."""
    return g.get("api_token_to_check")


def cached_token_digest() -> str | None:
    """The digest of that cached bearer token: it names the token for ever, where its row id
    may be handed out again (SQLite reuses the highest id once its row is gone)."""
    return g.get("api_token_digest") if g.get("api_token_to_check") is not None else None


def _route_rechecks_caller() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    return bool(getattr(method, "rechecks_caller", False))


def _write_token_uses(response):
    """Write the token uses read requests noted (accounts.service): one try that never waits,
    then, when another connection was writing, a few more after the answer has been sent."""
    engine = db.engine
    if not write_pending_token_uses(engine):
        response.call_on_close(lambda: _retry_token_uses(engine))
    return response


def _retry_token_uses(engine, tries: int = 5) -> None:
    # the client has its answer: only this worker's next request waits, a few tenths of a second at most
    for _attempt in range(tries):
        time.sleep(random.uniform(0.01, 0.08))
        if write_pending_token_uses(engine):
            return


# --- who may call a site-wide route ----------------------------------------------------------

def any_account(user: User) -> bool:
    """Any account."""
    return True


def administrator(user: User) -> bool:
    """Administrators only."""
    return user.is_admin


def api_site_permission(check: Callable[[User], bool]):
    """Declares on a site-wide API method (no event in its path) who may call it: 403 unless
    ``check(caller)`` (``any_account``, ``administrator``…), before the input is read.

    Put it above flask-smorest's decorators, as ``events.permissions.api_event_role``.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not check(api_user()):
                raise PermissionDenied("not_permitted", _("Your account may not do this."))
            return view(*args, **kwargs)

        wrapper.api_access = check.__name__
        if check is any_account:
            return wrapper
        return documented_refusals(wrapper, {"403": f"{check.__doc__} (code not_permitted)"})

    return decorator


def documented_refusals(view, refusals: dict[str, str]):
    """``view`` with these refusals ({status: description}) among its answers in the OpenAPI document."""
    return Blueprint.doc(responses={status: {"description": text} for status, text in refusals.items()})(view)
