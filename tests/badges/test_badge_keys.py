"""Badge signing keys at rest: they survive a SECRET_KEY rotation, say clearly when they cannot be
read, and `flask badges rotate-kek` moves them from one secret to another. And a code whose
event id was altered is forged, not another event's."""

import base64
import logging
from datetime import date

import pytest
from sqlalchemy import select

from eventsvc.badges.codes import (
    BadgeCodeError,
    BadgeKeyUnreadable,
    sign_badge_code,
    verify_badge_code,
)
from eventsvc.badges.models import BadgeKey
from eventsvc.events.models import Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.badges.reading import registration_of

OLD_SECRET = "old-secret-key-Jq8vN2xL5tR7wZ3mK9pB4cF6hD1sG0aY"
NEW_SECRET = "new-secret-key-Vb7nM3qW8eR2tY6uI1oP5aS9dF4gH0jK"
KEK = "key-encryption-key-Xc4vB8nM2qW6eR0tY3uI7oP1aS5dF9gH"


@pytest.fixture
def settings(app, monkeypatch):
    """Changes the app's secrets for one test, as an operator would between two restarts."""
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_SECRET)
    monkeypatch.setitem(app.config, "BADGE_KEY_ENCRYPTION_KEY", None)

    def change(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return change


def _sign(app, slug, registration_id=1, version=1):
    with app.app_context():
        code = sign_badge_code(event_by_slug(slug).id, registration_id, version)
        db.session.commit()
        return code


def _cli(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["badges", *args], **kwargs)


def test_with_a_key_encryption_key_the_same_badges_are_signed_after_secret_key_rotation(app, demo, settings):
    settings(BADGE_KEY_ENCRYPTION_KEY=KEK)
    before = _sign(app, demo)
    settings(SECRET_KEY=NEW_SECRET)
    assert _sign(app, demo) == before  # the same key signs the same badge (Ed25519 is deterministic)


def test_an_unreadable_key_is_said_clearly_and_nothing_is_signed_with_another(
        app, demo, settings, client, organizer_api, caplog):
    before = _sign(app, demo)
    settings(SECRET_KEY=NEW_SECRET)  # rotated without a key-encryption key: the old way
    with app.app_context(), pytest.raises(BadgeKeyUnreadable) as refused:
        sign_badge_code(event_by_slug(demo).id, 1, 1)
    assert "cannot be read" in refused.value.message and "rotate-kek" in refused.value.message
    with app.app_context():
        registration_id = registration_of("Xie Zhaoxu").id
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/api/v1/events/{demo}/registrations/{registration_id}/badge", headers=organizer_api)
    assert response.status_code == 503
    assert response.json["code"] == "badge_key_unreadable" and "rotate-kek" in response.json["message"]
    assert any("cannot be decrypted" in r.getMessage() and "rotate-kek" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert len(db.session.scalars(select(BadgeKey)).all()) == 1  # no new key was made behind our back

    checked = _cli(app, "check-keys")
    assert checked.exit_code == 1 and "unreadable 1" in checked.output
    rotated = _cli(app, "rotate-kek", "--old-secret", OLD_SECRET)
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 1, already current 0, unreadable 0" in rotated.output
    assert _sign(app, demo) == before
    assert _cli(app, "check-keys").exit_code == 0
    again = _cli(app, "rotate-kek", input=OLD_SECRET + "\n")  # asked for, not echoed; nothing left to do
    assert "re-encrypted 0, already current 1" in again.output


def test_an_installation_moves_its_keys_to_a_key_encryption_key_and_then_rotates_secret_key(app, demo, settings):
    before = _sign(app, demo)
    settings(BADGE_KEY_ENCRYPTION_KEY=KEK)
    assert _cli(app, "check-keys").exit_code == 1
    assert "re-encrypted 1" in _cli(app, "rotate-kek", "--old-secret", OLD_SECRET).output
    settings(SECRET_KEY=NEW_SECRET)
    assert _sign(app, demo) == before
    wrong = _cli(app, "rotate-kek", "--old-secret", "not the secret")  # nothing to do, nothing broken
    assert wrong.exit_code == 0 and "already current 1" in wrong.output
    settings(BADGE_KEY_ENCRYPTION_KEY="a-third-secret-nobody-knows-Zx9Cv8Bn7Mq6We5Rt")
    lost = _cli(app, "rotate-kek", "--old-secret", "not the secret either")
    assert lost.exit_code == 1 and "unreadable 1" in lost.output


def test_a_code_with_its_event_id_altered_is_forged_not_another_events(app_ctx, demo):
    event_id = event_by_slug(demo).id
    next_event = Event(slug="next-edition", title="Next", start_date=date(2024, 1, 1), end_date=date(2024, 1, 1))
    db.session.add(next_event)
    db.session.flush()
    code = sign_badge_code(event_id, 42, 3)
    other = sign_badge_code(next_event.id, 42, 3)  # a real badge of the next event, with its own key
    db.session.commit()
    with pytest.raises(BadgeCodeError) as foreign:
        verify_badge_code(other, event_id=event_id)
    assert foreign.value.code == "wrong_event"
    # the event-id part altered to name the next event, whose key 1 exists
    raw = bytearray(base64.b32decode(code + "=" * (-len(code) % 8)))
    raw[2:6] = next_event.id.to_bytes(4, "big")
    altered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(BadgeCodeError) as forged:
        verify_badge_code(altered, event_id=event_id)
    assert forged.value.code == "bad_signature"
    raw[2:6] = (2**32 - 1).to_bytes(4, "big")  # beyond any id the database has
    with pytest.raises(BadgeCodeError) as huge:
        verify_badge_code(base64.b32encode(bytes(raw)).decode().rstrip("="), event_id=event_id)
    assert huge.value.code == "bad_signature"
