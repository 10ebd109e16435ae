"""The organizer's webhook pages and API: the secret shown once, "Send test", the delivery log,
and nobody else's reach."""

import re

import pytest
from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.support.web import post_form

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{40,}")


def _create(client, slug, url, kinds=("checkin.recorded", "registration.changed")):
    return post_form(client, f"/manage/e/{slug}/webhooks/new",
                     {"url": url, "description": "Our CRM", "kinds": list(kinds)})


def test_the_secret_is_shown_once_when_the_endpoint_is_created(app, demo, organizer_client, receiver):
    from eventsvc.webhooks.signing import open_secret

    created = _create(organizer_client, demo, receiver.url)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    [secret] = SECRET.findall(created.get_data(as_text=True))
    with app.app_context():
        stored = db.session.scalar(select(WebhookEndpoint))
        assert secret.encode() not in stored.secret_sealed  # sealed at rest...
        assert open_secret(stored.secret_sealed) == secret  # ...and the server can still sign with it
        endpoint_id = stored.id
    for path in (f"/manage/e/{demo}/webhooks", f"/manage/e/{demo}/webhooks/{endpoint_id}"):
        page = organizer_client.get(path).get_data(as_text=True)
        assert receiver.url in page and secret not in page and secret[-4:] in page
        assert not SECRET.search(page)


def test_an_address_that_may_not_be_called_is_refused_on_the_form(app, demo, organizer_client):
    refused = _create(organizer_client, demo, "http://hooks.example.org/in")
    assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    assert _create(organizer_client, demo, "https://10.0.0.1/in").status_code == 422  # a private address
    # a name is resolved before each delivery, not here (test_delivery.py)
    assert _create(organizer_client, demo, "https://hooks.example.org/in").status_code == 201
    nothing = post_form(organizer_client, f"/manage/e/{demo}/webhooks/new", {"url": "https://ok.example.org/in"})
    assert nothing.status_code == 422  # no kind chosen
    with app.app_context():
        assert [e.url for e in db.session.scalars(select(WebhookEndpoint))] == ["https://hooks.example.org/in"]


def test_send_test_delivers_and_the_log_shows_status_and_response_code(app, demo, organizer_client, receiver):
    _create(organizer_client, demo, receiver.url)
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    log = f"/manage/e/{demo}/webhooks/{endpoint_id}"
    assert "Nothing has been sent" in organizer_client.get(log).get_data(as_text=True)

    receiver.answers = [500]
    sent = post_form(organizer_client, f"{log}/test", {}, from_path=log)
    assert sent.status_code == 302
    page = organizer_client.get(log).get_data(as_text=True)
    assert "Pending" in page and ">500<" in page and "HTTP 500" in page  # retried later, said so

    post_form(organizer_client, f"{log}/test", {}, from_path=log)
    page = organizer_client.get(log).get_data(as_text=True)
    assert "Delivered" in page and ">200<" in page
    assert [r["headers"]["Eventsvc-Event"] for r in receiver.requests] == ["webhook.test", "webhook.test"]


def test_another_events_organizer_can_neither_see_nor_change_the_endpoints(
        app, demo, organizer_client, other_organizer_client, receiver):
    _create(organizer_client, demo, receiver.url)
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    base = f"/manage/e/{demo}/webhooks"
    for path in (base, f"{base}/new", f"{base}/{endpoint_id}"):
        assert other_organizer_client.get(path).status_code in (403, 404)
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      other_organizer_client.get("/manage").get_data(as_text=True)).group(1)
    for action in ("test", "delete"):
        answer = other_organizer_client.post(f"{base}/{endpoint_id}/{action}", data={"csrf_token": token})
        assert answer.status_code in (403, 404)
    with app.app_context():
        assert db.session.scalar(select(WebhookEndpoint.id)) == endpoint_id
        assert db.session.scalar(select(WebhookDelivery.id)) is None
    assert receiver.requests == []


def test_delete_removes_the_endpoint_and_its_log(app, demo, organizer_client, receiver):
    _create(organizer_client, demo, receiver.url)
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    log = f"/manage/e/{demo}/webhooks/{endpoint_id}"
    post_form(organizer_client, f"{log}/test", {}, from_path=log)
    assert post_form(organizer_client, f"{log}/delete", {}, from_path=log).status_code == 302
    assert organizer_client.get(log).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(WebhookDelivery.id)) is None


def test_the_api_creates_lists_and_deletes_endpoints_with_the_secret_once(
        app, client, demo, organizer_api, staff_api, receiver):
    base = f"/api/v1/events/{demo}/webhooks"
    created = client.post(base, headers=organizer_api, json={"url": receiver.url, "kinds": ["checkin.recorded"]})
    assert created.status_code == 201
    body = created.get_json()
    assert SECRET.fullmatch(body["secret"]) and body["kinds"] == ["checkin.recorded"]
    listed = client.get(base, headers=organizer_api)
    assert [e["id"] for e in listed.get_json()] == [body["id"]] and body["secret"] not in listed.get_data(as_text=True)
    assert client.get(base, headers=staff_api).status_code == 403

    refused = client.post(base, headers=organizer_api, json={"url": "ftp://x.example.org", "kinds": ["checkin.recorded"]})
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "unsafe_url" and "url" in refused.get_json()["errors"]
    bad_kind = client.post(base, headers=organizer_api, json={"url": receiver.url, "kinds": ["everything"]})
    assert bad_kind.status_code == 422 and "kinds.0" in bad_kind.get_json()["errors"]

    assert client.delete(f"{base}/{body['id']}", headers=organizer_api).status_code == 204
    assert client.get(f"{base}/{body['id']}", headers=organizer_api).status_code == 404


def test_rotating_the_key_encryption_secret_keeps_the_signing_secrets_readable(app, demo, organizer_client,
                                                                              monkeypatch, receiver):
    from eventsvc.webhooks.signing import SecretUnreadable, open_secret, reseal_secrets

    [secret] = SECRET.findall(_create(organizer_client, demo, receiver.url).get_data(as_text=True))
    old = app.config.get("BADGE_KEY_ENCRYPTION_KEY") or app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "BADGE_KEY_ENCRYPTION_KEY", "a-brand-new-key-encryption-secret")
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        with pytest.raises(SecretUnreadable):  # a new key-encryption secret does not open the old seal
            open_secret(endpoint.secret_sealed)
        assert reseal_secrets(old) == {"reencrypted": 1, "current": 0, "unreadable": 0}
        db.session.commit()
        assert open_secret(db.session.scalar(select(WebhookEndpoint)).secret_sealed) == secret
