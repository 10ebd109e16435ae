"""Logs: one line per record, JSON in production, each carrying the id of the request it belongs to.

The request id comes from the proxy's ``X-Request-ID`` (nginx sets it, see deploy/nginx.conf) when it
is a short token (letters, digits, ``-``, ``_``, ``.``, up to 64), so one id follows a request from the
proxy's log to ours; otherwise one is made here. The answer carries it back in ``X-Request-ID``,
for the person who reports a problem to quote.

``LOG_FORMAT`` is "json" (production) or "text" (development, tests); ``LOG_LEVEL`` the root level;
``LOG_REQUESTS`` adds one line per answered request (method, path, status, milliseconds), which
production turns on instead of gunicorn's access log.
"""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask.logging import default_handler

#: the id of the request (or task) the current code works for; "-" outside of one
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

#: attributes every LogRecord has; anything else on a record was passed with ``extra=`` and is logged
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

request_log = logging.getLogger("eventsvc.request")

#: probes and scrapes that come every few seconds: logged only when they fail
QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "metrics.metrics"})


def incoming_request_id(value: str | None) -> str:
    """The proxy's id when it is a short token, else a new one (a client could send anything)."""
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, any ``extra=`` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return super().format(record)


class _StandardErrorHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (test runners swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    """One handler on the root logger in the chosen format (again: replaced, never doubled)."""
    if log_format not in ("json", "text"):
        raise RuntimeError(f"LOG_FORMAT is 'json' or 'text', not {log_format!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StandardErrorHandler)]:
        root.removeHandler(handler)
    handler = _StandardErrorHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic's fileConfig() disables every logger that exists when a migration runs in this process
    # (the tests, an upgrade before serving): ours must speak again.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("eventsvc") and isinstance(logger, logging.Logger):
            logger.disabled = False


# --- the request's id and line ----------------------------------------------------------------------

def _begin_request() -> None:
    g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_id_token = REQUEST_ID.set(g.request_id)
    g.log_started = time.perf_counter()


def _end_response(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def _log_request(response: Response) -> Response:
    endpoint = request.url_rule.endpoint if request.url_rule is not None else None
    if endpoint in QUIET_ENDPOINTS and response.status_code < 400:
        return response
    started = g.get("log_started")
    request_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
        "method": request.method, "path": request.path, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "endpoint": endpoint})
    return response


def _forget_request_id(_error=None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    logging.getLogger(app.name).removeHandler(default_handler)  # the root handler has every line once
    app.before_request(_begin_request)
    app.after_request(_end_response)
    if app.config.get("LOG_REQUESTS"):
        app.after_request(_log_request)
    app.teardown_request(_forget_request_id)
