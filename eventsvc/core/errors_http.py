"""HTTP errors: JSON under /api, friendly pages elsewhere; a 500 never shows a stack trace."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db, login_manager


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, name: str, message: str | None = None, errors: dict | None = None, code=None):
    body = {"code": code or status, "status": name}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def handle_http_exception(exc: HTTPException):
    if wants_json():
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") or data.get("errors")
        message = data.get("message") or exc.description
        response, status = _json_error(exc.code or 500, exc.name, message, errors)
        if exc.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="eventsvc"'
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response, status
    if exc.code == 401:
        return login_manager.unauthorized()
    return render_template("errors/error.html", status=exc.code), exc.code


def handle_service_error(exc: ServiceError):
    db.session.rollback()
    if wants_json():
        return jsonify(exc.to_json()), exc.status
    return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status


def handle_csrf_error(exc: CSRFError):
    if wants_json():
        return _json_error(400, "Bad Request", exc.description)
    return render_template("errors/error.html", status=400, message=exc.description), 400


def handle_unexpected(exc: Exception):
    db.session.rollback()
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return _json_error(500, "Internal Server Error", "The server could not complete the request.")
    return render_template("errors/error.html", status=500), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected)
