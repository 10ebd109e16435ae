"""Webhooks against a real receiver on loopback: signed, retried after back-off, delivered once,
never in the request that caused them, never to the server's own network."""

import hashlib
import hmac
import json
import socket
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.webhooks import delivery
from eventsvc.webhooks.addresses import WebhookUrlRefused, check_url
from eventsvc.webhooks.enums import DeliveryStatus
from eventsvc.webhooks.models import WebhookDelivery


def _first_confirmed(app, event_id):
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    with app.app_context():
        return db.session.scalar(select(Registration.id).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.id))


def _scan(client, slug, headers, registration_id):
    return client.post(f"/api/v1/events/{slug}/scans", headers=headers,
                       json={"gate": "entrance", "nonce": uuid.uuid4().hex, "registration_id": registration_id})


def _deliveries(app):
    with app.app_context():
        return [(d.kind, d.status, d.attempts, d.response_code, d.last_error)
                for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def _verify(secret: str, request: dict) -> bool:
    header = request["headers"]["Eventsvc-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_check_in_is_signed_retried_after_the_receiver_fails_and_delivered_once(
        app, client, demo, demo_event_id, staff_api, endpoint, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)  # the test is the worker
    _endpoint_id, secret = endpoint(receiver.url)
    receiver.answers = [500]
    registration_id = _first_confirmed(app, demo_event_id)

    assert _scan(client, demo, staff_api, registration_id).get_json()["result"] == "ok"
    now = utcnow()
    with app.app_context():
        assert delivery.send_due(now=now) == {"delivered": 0, "retry": 1, "failed": 0}
        assert delivery.send_due(now=now + timedelta(seconds=30)) == {"delivered": 0, "retry": 0, "failed": 0}
        assert len(receiver.requests) == 1  # the pause after a failure is not over: nobody called again
        assert delivery.send_due(now=now + timedelta(seconds=61)) == {"delivered": 1, "retry": 0, "failed": 0}
        assert delivery.send_due(now=now + timedelta(hours=7))["delivered"] == 0

    assert [r["status"] for r in receiver.requests] == [500, 200]
    assert len(receiver.delivered()) == 1
    assert all(_verify(secret, r) for r in receiver.requests)
    assert not _verify("whsec_someone-else", receiver.requests[1])
    ids = {r["headers"]["Eventsvc-Delivery"] for r in receiver.requests}
    body = json.loads(receiver.delivered()[0]["body"])
    assert ids == {body["id"]}  # the retry carries the first attempt's delivery id
    assert body["type"] == "checkin.recorded" and body["data"]["registration_id"] == registration_id
    assert body["data"]["gate"] == "entrance" and body["data"]["person"]["name"]
    assert _deliveries(app) == [("checkin.recorded", DeliveryStatus.DELIVERED, 2, 200, None)]


def test_every_scan_of_a_busy_door_is_announced(app, client, demo, demo_event_id, staff_api, endpoint, receiver,
                                                monkeypatch):
    """The later scans of a token take the fast path (the caller from the process's cache; on
    PostgreSQL no transaction for a lone scan): an event with a check-in webhook still gets its
    delivery row with each check-in, in the same commit."""
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)
    endpoint(receiver.url)
    with app.app_context():
        ids = db.session.scalars(select(Registration.id).where(
            Registration.event_id == demo_event_id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.id).limit(4)).all()
    for registration_id in ids:
        assert _scan(client, demo, staff_api, registration_id).get_json()["result"] == "ok"
    with app.app_context():
        bodies = [json.loads(body) for body in db.session.scalars(select(WebhookDelivery.body).order_by(WebhookDelivery.id))]
    assert [b["data"]["registration_id"] for b in bodies] == list(ids)
    assert {b["type"] for b in bodies} == {"checkin.recorded"}


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(
        app, client, demo, demo_event_id, staff_api, endpoint, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    endpoint(receiver.url)
    receiver.answers = [500, 502, 503]
    _scan(client, demo, staff_api, _first_confirmed(app, demo_event_id))
    now = utcnow()
    with app.app_context():
        outcomes = [delivery.send_due(now=now + timedelta(seconds=s)) for s in (0, 61, 61 + 301, 100_000)]
    assert [o["retry"] for o in outcomes] == [1, 1, 0, 0] and outcomes[2]["failed"] == 1
    assert _deliveries(app) == [("checkin.recorded", DeliveryStatus.FAILED, 3, 503, "HTTP 503")]


def test_the_scan_answers_before_the_receiver_is_called(
        app, client, demo, demo_event_id, staff_api, endpoint, receiver, monkeypatch):
    """The production path: the scan's commit queues a kick for a worker (no eager task here);
    the receiver, which blocks, is called by the worker afterwards."""
    monkeypatch.setitem(app.config, "TASKS_EAGER", False)
    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", True)
    endpoint(receiver.url)
    receiver.hold = True

    answer = _scan(client, demo, staff_api, _first_confirmed(app, demo_event_id))

    assert answer.status_code == 200 and answer.get_json()["result"] == "ok"
    assert not receiver.arrived.is_set()
    assert _deliveries(app) == [("checkin.recorded", DeliveryStatus.PENDING, 0, None, None)]

    def worker():
        with app.app_context():
            delivery.send_due()

    thread = threading.Thread(target=worker)
    thread.start()
    assert receiver.arrived.wait(15)  # the worker is inside the call; the scan was answered long ago
    receiver.release.set()
    thread.join(30)
    assert _deliveries(app) == [("checkin.recorded", DeliveryStatus.DELIVERED, 1, 200, None)]


def test_a_registration_change_is_announced_and_nothing_when_nobody_listens(
        app, client, demo, demo_event_id, organizer_api, endpoint, receiver):
    registration_id = _first_confirmed(app, demo_event_id)
    client.post(f"/api/v1/events/{demo}/registrations/{registration_id}/waitlist", headers=organizer_api)
    assert _deliveries(app) == []  # no endpoint: no row
    endpoint(receiver.url, kinds=["registration.changed"])
    assert client.post(f"/api/v1/events/{demo}/registrations/{registration_id}/confirm",
                       headers=organizer_api).status_code == 200
    # testing runs the worker's task at once, after the commit
    body = json.loads(receiver.delivered()[0]["body"])
    assert body["type"] == "registration.changed"
    assert body["data"]["status"] == "confirmed" and body["data"]["previous_status"] == "waitlisted"


# --- which addresses may be called ---------------------------------------------------------------

def _resolving_to(monkeypatch, address):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("url", [
    "http://hooks.example.org/x", "https://127.0.0.1/x", "http://localhost:8080/x", "https://[::1]/x",
    "https://10.1.2.3/x", "https://192.168.0.10/x", "https://169.254.169.254/latest/meta-data",
    "https://[::ffff:127.0.0.1]/x", "ftp://hooks.example.org/x", "https://user:pw@hooks.example.org/x",
    "https:///x",
])
def test_in_production_only_https_on_public_addresses_may_be_called(app, monkeypatch, url):
    monkeypatch.setitem(app.config, "TESTING", False)
    _resolving_to(monkeypatch, "93.184.216.34")
    with app.app_context(), pytest.raises(WebhookUrlRefused) as refused:
        check_url(url)
    assert refused.value.code == "unsafe_url"


def test_a_name_resolving_to_a_private_address_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    with app.app_context():
        _resolving_to(monkeypatch, "93.184.216.34")
        assert check_url("https://hooks.example.org/in")[2] == ["93.184.216.34"]
        _resolving_to(monkeypatch, "10.0.0.7")
        with pytest.raises(WebhookUrlRefused):
            check_url("https://hooks.example.org/in")


def test_loopback_is_allowed_only_when_testing_or_with_the_flag(app, monkeypatch):
    with app.app_context():
        assert check_url("http://127.0.0.1:8000/in")[2] == ["127.0.0.1"]
        with pytest.raises(WebhookUrlRefused):
            check_url("https://10.1.2.3/in")  # private networks stay closed even then
        monkeypatch.setitem(app.config, "TESTING", False)
        with pytest.raises(WebhookUrlRefused):
            check_url("http://127.0.0.1:8000/in")
        monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)
        assert check_url("http://localhost:8000/in")[1] == 8000


def test_a_delivery_to_an_address_no_longer_allowed_is_not_made(
        app, client, demo, demo_event_id, staff_api, endpoint, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)
    endpoint(receiver.url)  # allowed while testing...
    _scan(client, demo, staff_api, _first_confirmed(app, demo_event_id))
    monkeypatch.setitem(app.config, "TESTING", False)  # ...but not in production
    with app.app_context():
        assert delivery.send_due()["retry"] == 1
    assert receiver.requests == []
    [(_kind, status, attempts, code, error)] = _deliveries(app)
    assert (status, attempts, code) == (DeliveryStatus.PENDING, 1, None) and "https://" in error
