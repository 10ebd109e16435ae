"""The API scanners and integrations use: the event's public keys, a badge's code, re-issue."""

import base64

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from eventsvc.badges.codes import parse_badge_code
from eventsvc.events.models import Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.badges.reading import registration_of


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff_token(app, demo, api_token):
    from eventsvc.accounts.models import User
    from eventsvc.demo import loader

    with app.app_context():
        user_id = db.session.query(User.id).filter_by(email=loader.STAFF_EMAIL).scalar()
    return api_token(user_id)


@pytest.fixture
def organizer_token(app, demo, api_token):
    from eventsvc.accounts.models import User
    from eventsvc.demo import loader

    with app.app_context():
        user_id = db.session.query(User.id).filter_by(email=loader.ORGANIZER_EMAIL).scalar()
    return api_token(user_id)


def test_a_scanner_verifies_a_badge_offline_with_the_served_public_key(app, demo, client, staff_token,
                                                                      organizer_token):
    keys = client.get(f"/api/v1/events/{demo}/badge-keys", headers=_bearer(staff_token))
    assert keys.status_code == 200
    body = keys.get_json()
    assert body["algorithm"] == "Ed25519" and body["event_slug"] == demo
    [key] = body["keys"]
    assert key["active"] is True and key["key_id"] == 1
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    badge = client.get(f"/api/v1/events/{demo}/registrations/{registration_id}/badge",
                       headers=_bearer(organizer_token)).get_json()
    assert badge["badge_version"] == 1 and badge["printed_at"] is None

    # offline: only the public key and the code, no server secret
    payload, signed, signature = parse_badge_code(badge["code"])
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(signature, signed)
    assert (payload.registration_id, payload.key_id) == (registration_id, key["key_id"])
    with pytest.raises(InvalidSignature):
        public.verify(signature, signed[:-1] + bytes([signed[-1] ^ 1]))


def test_public_keys_are_for_the_events_staff_only(app, demo, client, make_user, api_token):
    assert client.get(f"/api/v1/events/{demo}/badge-keys").status_code == 401
    with app.app_context():
        forum = event_by_slug(demo)
        db.session.add(Event(slug="other-2024", title="Other", start_date=forum.start_date,
                             end_date=forum.end_date))
        db.session.commit()
    outsider = api_token(make_user("door@other.example", "door-password-1", event_slug="other-2024", role="staff"))
    response = client.get(f"/api/v1/events/{demo}/badge-keys", headers=_bearer(outsider))
    assert response.status_code == 403 and response.is_json
    assert client.get("/api/v1/events/nope/badge-keys", headers=_bearer(outsider)).status_code == 404


def test_reissue_through_the_api_revokes_the_old_code(app, demo, client, organizer_token, staff_token):
    from eventsvc.badges.codes import BadgeCodeError
    from eventsvc.badges.service import verify_registration_badge

    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    url = f"/api/v1/events/{demo}/registrations/{registration_id}"
    old = client.get(f"{url}/badge", headers=_bearer(organizer_token)).get_json()["code"]

    assert client.post(f"{url}/badge/reissue", json={"reason": "x"}, headers=_bearer(staff_token)).status_code == 403
    too_long = client.post(f"{url}/badge/reissue", json={"reason": "x" * 301}, headers=_bearer(organizer_token))
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["errors"]
    response = client.post(f"{url}/badge/reissue", json={"reason": "lost"}, headers=_bearer(organizer_token))
    assert response.status_code == 200
    new = response.get_json()
    assert new["badge_version"] == 2 and new["code"] != old
    with app.app_context():
        with pytest.raises(BadgeCodeError) as error:
            verify_registration_badge(old, event_by_slug(demo))
        assert error.value.code == "revoked"
    missing = client.get(f"/api/v1/events/{demo}/registrations/999999/badge", headers=_bearer(organizer_token))
    assert missing.status_code == 404 and missing.get_json()["code"] == "no_badge"
