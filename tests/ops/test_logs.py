"""Logs as JSON lines, each with the id of its request; the proxy's X-Request-ID is kept when it is sane."""

import json
import logging
import sys

from flask import current_app

from eventsvc import create_app
from eventsvc.core.logs import JsonFormatter, configure_logging


def test_the_proxys_request_id_is_echoed_and_a_missing_or_odd_one_is_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "f3a9-01.b_c"}).headers["X-Request-ID"] == "f3a9-01.b_c"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    for odd in ("has space", "x" * 65, "quote\"d", "line\\nbreak", "中文"):
        echoed = client.get("/healthz", headers={"X-Request-ID": odd}).headers["X-Request-ID"]
        assert echoed != odd and len(echoed) == 32


def test_a_log_line_is_one_json_object_with_the_requests_id(database_url, capsys):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json"})

    @app.get("/_test/log-something")
    def log_something():
        current_app.logger.warning("the printer is out of %s", "paper", extra={"gate": "entrance"})
        return "ok"

    try:
        app.test_client().get("/_test/log-something", headers={"X-Request-ID": "req-42"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        line = next(entry for entry in lines if entry["message"] == "the printer is out of paper")
        assert line["request_id"] == "req-42" and line["level"] == "WARNING" and line["gate"] == "entrance"
        assert line["logger"] == app.name and line["time"].endswith("+00:00")
    finally:
        configure_logging("text", "INFO")


def test_production_logs_one_line_per_request(database_url, capsys):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json",
                                 "LOG_REQUESTS": True})
    try:
        client = app.test_client()
        client.get("/", headers={"X-Request-ID": "req-43"})
        client.get("/healthz", headers={"X-Request-ID": "req-44"})  # a probe that succeeds: no line
        client.get("/no-such-page", headers={"X-Request-ID": "req-45"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        requests = {entry["request_id"]: entry for entry in lines if entry["logger"] == "eventsvc.request"}
        assert set(requests) == {"req-43", "req-45"}
        line = requests["req-43"]
        assert line["status"] == 200 and line["path"] == "/" and line["method"] == "GET"
        assert line["endpoint"] == "web.home" and line["duration_ms"] >= 0
        assert requests["req-45"]["status"] == 404
    finally:
        configure_logging("text", "INFO")


def test_an_exception_is_kept_inside_its_json_line():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = formatter.format(record)
    assert "\n" not in text and "ValueError" in json.loads(text)["exception"]
    assert json.loads(text)["request_id"] == "-"


def test_production_logs_json_and_development_text(monkeypatch):
    monkeypatch.setenv("EVENTSVC_SECRET_KEY", "k" * 16 + "Q7-x!" + "z9W#" * 8)
    monkeypatch.setenv("EVENTSVC_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("EVENTSVC_PUBLIC_BASE_URL", "https://forum.example.org")
    try:
        assert create_app("production").config["LOG_FORMAT"] == "json"
        assert create_app("development").config["LOG_FORMAT"] == "text"
    finally:
        configure_logging("text", "INFO")
