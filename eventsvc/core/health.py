"""Liveness and readiness, for the proxy, the orchestrator and the person on call.

``/healthz`` says the process answers (no database, nothing else): a 200 means "do not restart me".
``/readyz`` says whether this host can serve now: every readiness check runs and a failing one is
named with a short reason, e.g. ``{"status": "unready", "failing": {"broker": "connection refused"}}``
with 503, so the proxy stops sending it requests and the person on call sees which part to look at.

The checks are a registry that the parts fill: the database's is here; the task queue adds the
broker's and the workers' heartbeat, mail the age of the oldest undelivered message. A check is a
function that returns None when its part is fine, or raises / returns a short reason.

Both routes are public (a load balancer has no account), read no session and set no cookie, are
not under CSRF (they are GETs) and do the least they can: they run on every health probe.
"""

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from eventsvc.extensions import db

#: name → check; filled at import time by the parts that own what is checked
READINESS_CHECKS: dict[str, Callable[[], str | None]] = {}

#: the longest reason shown; a driver's message can run to several lines
REASON_LENGTH = 120

bp = Blueprint("health", __name__)


def add_readiness_check(name: str, check: Callable[[], str | None]) -> None:
    """Register ``check`` under ``name``; registering a name again replaces its check."""
    READINESS_CHECKS[name] = check


def database_check() -> str | None:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()  # end the read transaction: a probe holds nothing open
    return None


add_readiness_check("database", database_check)


def failing_parts() -> dict[str, str]:
    """Run every check; the ones that fail, with their reasons (empty when all is well)."""
    failing = {}
    for name, check in READINESS_CHECKS.items():
        try:
            reason = check()
        except Exception as error:  # noqa: BLE001 - whatever breaks, the part is not ready
            current_app.logger.warning("readiness check %s failed: %r", name, error)
            db.session.rollback()
            reason = _short(error)
        if reason:
            failing[name] = str(reason)[:REASON_LENGTH]
    return failing


def _short(error: Exception) -> str:
    """The first line of the error's message (or its class name): enough to know where to look."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    return message[0][:REASON_LENGTH] if message else type(error).__name__


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="alive"))


@bp.get("/readyz")
def readyz():
    failing = failing_parts()
    if failing:
        return _no_store(jsonify(status="unready", failing=failing)), 503
    return _no_store(jsonify(status="ready"))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
