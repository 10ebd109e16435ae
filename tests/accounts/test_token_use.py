"""Read requests never write: an API token's last use is recorded without a read taking the
write lock (accounts.service.note_token_use), and still shows for its owner."""

import time

from sqlalchemy import select, text

from eventsvc.accounts.models import ApiToken, User
from eventsvc.accounts.service import (
    create_api_token,
    create_user,
    grant_role,
    has_pending_token_uses,
    note_token_use,
    write_pending_token_uses,
)
from eventsvc.core.types import utcnow
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.accounts.conftest import TIMEOUT, at_once
from tests.support.database import is_postgres_run
from tests.support.live_server import gunicorn


def _door_staff_tokens(app, slug, count) -> list[str]:
    with app.app_context():
        event = event_by_slug(slug)
        secrets = []
        for n in range(count):
            user = create_user(f"door{n}@example.org", None, name=f"Door {n}")
            grant_role(user, event, "staff")
            secrets.append(create_api_token(user, f"scanner {n}")[1])
        db.session.commit()
        return secrets


def _last_uses(app) -> dict[str, str]:
    """What the owners see: ``flask tokens list``, one line per token."""
    output = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    return {line.split()[2]: line.split("last used: ")[1] for line in output.splitlines()}


def test_twelve_scanners_starting_at_once_all_get_their_answer(app, demo):
    """Twelve tokens used for the first time at the same instant, through gunicorn's 4 workers:
    twelve answers 200 (on SQLite a read that wrote failed with "database is locked"), and
    every token's last use shows to its owner soon after."""
    secrets = _door_staff_tokens(app, demo, 13)
    with gunicorn(app) as server:
        # the event's signing key is made on the first roster (a write of its own): not part of the race
        first = at_once(server, [("GET", f"/api/v1/events/{demo}/checkin/roster",
                                  {"Authorization": f"Bearer {secrets.pop()}"}, None)])
        assert first[0].status == 200, first[0].text
        paths = [f"/api/v1/events/{demo}/checkin/roster", f"/api/v1/events/{demo}/checkin/keys"]
        answers = at_once(server, [("GET", paths[n % 2], {"Authorization": f"Bearer {secret}"}, None)
                                   for n, secret in enumerate(secrets)])
        assert [a.status for a in answers] == [200] * 12, [a.text[:200] for a in answers if a.status != 200]
        assert "database is locked" not in server.log_tail()

        deadline = time.monotonic() + TIMEOUT
        while "never" in (uses := _last_uses(app)).values() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(uses) == 13 and "never" not in uses.values(), uses


def test_a_read_answers_while_another_connection_holds_the_lock_and_its_use_is_written_after(
        app, client, make_user, api_token):
    user_id = make_user("owner@example.org", "owner-password-1")
    secret = api_token(user_id)
    headers = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user_id))
        with db.engine.connect() as writer:
            # another writer holds the lock: SQLite's write lock, PostgreSQL's lock on the token's row
            if is_postgres_run():
                writer.execute(text("SELECT id FROM api_tokens WHERE id = :id FOR UPDATE"), {"id": token_id})
            else:
                writer.execute(text("UPDATE users SET name = name WHERE id = :id"), {"id": user_id})
            assert client.get("/api/v1/events", headers=headers).status_code == 200
            writer.rollback()
        assert db.session.get(ApiToken, token_id).last_used_at is None  # not written yet, not waited for
        db.session.rollback()

    assert client.get("/api/v1/events", headers=headers).status_code == 200  # the next request writes it
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        assert token.last_used_at is not None
        assert db.session.get(User, user_id).email in _last_uses(app)


def test_the_use_of_a_token_deleted_since_is_dropped_not_retried_forever(app):
    with app.app_context():
        note_token_use(ApiToken(id=987654), utcnow(), writing=False)
        assert has_pending_token_uses()
        assert write_pending_token_uses(db.engine)
        assert not has_pending_token_uses()
