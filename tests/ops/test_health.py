"""/healthz says the process answers; /readyz says whether this host can serve, naming what cannot."""

from datetime import timedelta

import pytest

from eventsvc import create_app
from eventsvc.core import health
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


@pytest.fixture
def extra_check():
    added = []

    def add(name, check):
        added.append(name)
        health.add_readiness_check(name, check)

    yield add
    for name in added:
        health.READINESS_CHECKS.pop(name, None)


def test_healthz_says_alive_even_when_the_database_is_not(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": UNREACHABLE})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "alive"}


def test_readyz_is_ready_when_every_part_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json == {"status": "ready"}
    assert {"database", "outbox"} <= set(health.READINESS_CHECKS)


def test_readyz_names_the_database_when_it_is_unreachable():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": UNREACHABLE})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "unready"
    assert "database" in response.json["failing"] and response.json["failing"]["database"]


def test_readyz_names_each_failing_part_with_a_short_reason(client, extra_check):
    def broker():
        raise ConnectionRefusedError("connection refused\nat some long place")

    extra_check("broker", broker)
    extra_check("heartbeat", lambda: "no worker seen for 75 s")
    extra_check("fine", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unready", "failing": {"broker": "connection refused",
                                                              "heartbeat": "no worker seen for 75 s"}}


def test_readyz_says_so_when_a_due_message_has_waited_too_long(app, client):
    with app.app_context():
        message = OutgoingMessage(kind="test", to_address="a@example.org", subject="s", body_text="b",
                                  message_id="<stuck@example.org>", next_attempt_at=utcnow() - timedelta(minutes=30))
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    response = client.get("/readyz")
    assert response.status_code == 503 and list(response.json["failing"]) == ["outbox"]
    assert "due 18" in response.json["failing"]["outbox"]
    with app.app_context():  # waiting for its retry after a refusal: not stuck
        db.session.get(OutgoingMessage, message_id).next_attempt_at = utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.session.get(OutgoingMessage, message_id).status = MessageStatus.SENT
        db.session.get(OutgoingMessage, message_id).next_attempt_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    assert client.get("/readyz").status_code == 200


def test_health_answers_need_no_account_set_no_cookie_and_are_never_cached(client, organizer_client):
    for browser in (client, organizer_client):
        for path in ("/healthz", "/readyz"):
            response = browser.get(path)
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"
