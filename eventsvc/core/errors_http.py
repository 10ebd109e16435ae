"""HTTP errors: JSON under /api, friendly pages elsewhere; a 500 never shows a stack trace.

Every error under /api has one shape, which the OpenAPI document gives as ``Error``::

    {"code": "not_found", "status": 404, "message": "…", "errors": {"field": ["…"]}}

``code`` is a stable string (a service error's own code, else one per HTTP status below),
``status`` the HTTP status, ``errors`` the field errors (empty when there are none), a nested
field named with dots (``scans.1.gate``). A service error may add ``details``.
"""

from http import HTTPStatus

from apispec import BasePlugin
from flask import Flask, current_app, jsonify, render_template, request
from flask_smorest import Api
from flask_wtf.csrf import CSRFError
from marshmallow import Schema
from werkzeug.exceptions import HTTPException

from eventsvc.core import fields
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db, login_manager

#: the code of an error that carries none of its own, by HTTP status
STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited", 500: "server_error",
}


class ErrorSchema(Schema):
    """What every error under /api answers."""

    code = fields.Str(required=True, metadata={
        "description": "stable and machine-readable: not_found, validation_error, not_organizer…"})
    status = fields.Int(required=True, metadata={"description": "the HTTP status"})
    message = fields.Str(required=True, metadata={"description": "a sentence for people, in their language"})
    errors = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()), required=True, metadata={
        "description": "messages by field (a nested one named with dots: scans.1.gate); empty when none"})
    details = fields.Dict(metadata={"description": "facts particular to the error (conflicts, bad rows…)"})


def error_body(status: int, message: str, *, code: str | None = None, errors: dict | None = None,
               details: dict | None = None) -> dict:
    body = {"code": code or STATUS_CODES.get(status) or f"http_{status}", "status": status,
            "message": str(message), "errors": flatten_errors(errors or {})}
    if details:
        body["details"] = details
    return body


def flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """webargs' ``{"json": {"scans": {1: {"gate": [...]}}}}`` as ``{"scans.1.gate": [...]}``.

    The request's location (json, query, form, files) is dropped: the field's name is enough.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            located = not prefix and key in _LOCATIONS and isinstance(value, dict)
            name = "" if located else (f"{prefix}.{key}" if prefix else str(key))
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    for message in errors if isinstance(errors, list | tuple) else [errors]:
        if isinstance(message, dict):
            for field, messages in flatten_errors(message, prefix).items():
                flat.setdefault(field, []).extend(messages)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(message))
    return flat


_LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "cookies", "path", "view_args",
              "json_or_form"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str, *, code: str | None = None, errors: dict | None = None,
                details: dict | None = None, headers=()):
    response = jsonify(error_body(status, message, code=code, errors=errors, details=details))
    response.status_code = status
    for key, value in headers:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    headers = list(exc.get_headers())  # Allow on a 405, Retry-After…
    if wants_json():
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") or data.get("errors")
        message = data.get("message") or exc.description or exc.name
        headers += list((data.get("headers") or {}).items())
        if status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="eventsvc"'))
        return _json_error(status, message, errors=errors, headers=headers)
    if status == 401:
        return login_manager.unauthorized()
    response = current_app.make_response((render_template("errors/error.html", status=status), status))
    for key, value in headers:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def handle_service_error(exc: ServiceError):
    db.session.rollback()
    if wants_json():
        return jsonify(exc.to_json()), exc.status
    return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status


def handle_csrf_error(exc: CSRFError):
    if wants_json():
        return _json_error(400, exc.description, code="csrf_failed")
    return render_template("errors/error.html", status=400, message=exc.description), 400


def handle_unexpected(exc: Exception):
    db.session.rollback()
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return _json_error(500, "The server could not complete the request.")
    return render_template("errors/error.html", status=500), 500


class ErrorResponsesPlugin(BasePlugin):
    """Documents on every API operation the errors any of them can answer, in the one shape.

    400 (a NUL byte in the query, unreadable or too-deep JSON), 401 (no caller), 404 where the
    path names something, 409 on a change, 413 where a body is sent; and every error response a
    route declares itself (403…) gets the ``Error`` schema.
    """

    def init_spec(self, spec):
        super().init_spec(spec)
        spec.components.schema("Error", schema=ErrorSchema)

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            declared = {str(status) for status in responses}
            wanted = [400, 401] + ([404] if "{" in (path or "") else []) \
                + ([409] if method in _WRITES else []) + ([413] if "requestBody" in operation else [])
            for status in wanted:
                if str(status) not in declared:
                    responses[str(status)] = HTTPStatus(status).name
            for status, response in responses.items():
                if (str(status).startswith(("4", "5")) and isinstance(response, dict)
                        and "content" not in response and "$ref" not in response):
                    response["content"] = {"application/json": {"schema": "Error"}}


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
#: a change can meet a state that refuses it (a duplicate, a record in use, a lifecycle step)
_WRITES = {"put", "post", "delete", "patch"}


def configure_api(api: Api) -> dict:
    """Before ``api.init_app``: the error responses of the OpenAPI document use ``ErrorSchema``.

    Returns the ``spec_kwargs`` to initialise the API with.
    """
    api.ERROR_SCHEMA = ErrorSchema
    return {"extra_plugins": [ErrorResponsesPlugin()]}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected)
