"""Who is calling the API: a bearer token, or a signed-in browser with its CSRF token.

``identify_caller`` runs before every /api/v1 route (eventsvc/api wires it in) and leaves
the user in ``g.api_user``; routes of every capability ask ``api_user()``.
"""

from flask import abort, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf

from eventsvc.accounts.models import User
from eventsvc.accounts.service import user_for_api_token

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
