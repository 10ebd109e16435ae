"""On SQLite a registration reads its caller, event and questions before it takes the write lock
(``core.db_setup.reads_before_locking``): another worker's write no longer stops those reads, and
the lock is still taken before the first write, so that places stay exact. Other write requests
keep taking the lock first. (SQLite's own lock: the PostgreSQL run deselects these.)"""

import threading

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text

from eventsvc.extensions import db
from eventsvc.registration.models import Registration
from tests.support.database import is_postgres_run

pytestmark = [pytest.mark.sqlite_run,
              pytest.mark.skipif(is_postgres_run(), reason="SQLite's write lock (deselected on PostgreSQL)")]


def _organizer_token(make_user, api_token, slug):
    return api_token(make_user("lock-org@example.org", "organizer-password-1", event_slug=slug, role="organizer"))


def _post_while_another_worker_writes(app, url, headers, body, meanwhile):
    """POST ``body`` to ``url`` in a thread while another connection holds SQLite's write lock;
    ``meanwhile(seen, request)`` runs with the lock held, then the other connection commits.
    Returns (the answer, every statement the app ran as (first word, text, lock still held?))."""
    seen, held = [], threading.Event()

    def note(conn, cursor, statement, *args):
        seen.append((statement.split()[0].upper(), statement, held.is_set()))

    with app.app_context():
        engine = db.engine
        other = engine.raw_connection()
    sa_event.listen(engine, "before_cursor_execute", note)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE events SET updated_at = updated_at")
    held.set()
    answers = []
    request = threading.Thread(target=lambda: answers.append(app.test_client().post(url, headers=headers,
                                                                                      json=body)))
    try:
        request.start()
        meanwhile(seen, request)
    finally:
        held.clear()
        other.execute("COMMIT")
        other.close()
        request.join(60)
        sa_event.remove(engine, "before_cursor_execute", note)
    assert answers, "the request did not finish"
    return answers[0], seen


def test_a_registration_reads_while_another_worker_writes_and_waits_only_to_write(
        app, client, open_event, make_user, api_token):
    slug = open_event(capacity=1)
    headers = {"Authorization": f"Bearer {_organizer_token(make_user, api_token, slug)}"}
    url = f"/api/v1/events/{slug}/registrations"
    assert client.post(url, headers=headers, json={"name": "Warm", "email": "warm@example.org"}).status_code == 201

    def meanwhile(seen, request):
        # the request reads its event and questions while the other connection holds the lock...
        for _ in range(600):
            if any("registration_questions" in statement for _, statement, _ in seen):
                break
            request.join(0.05)
        request.join(0.5)
        reads = [statement for kind, statement, during in seen if kind == "SELECT" and during]
        assert any("FROM events" in s for s in reads) and any("registration_questions" in s for s in reads), seen
        assert request.is_alive()  # ...and waits at its first write

    answer, seen = _post_while_another_worker_writes(app, url, headers, {"name": "Late", "email": "late@example.org"},
                                                     meanwhile)
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "waitlisted"  # the one place was taken: counted under the lock
    assert not any(during for kind, _, during in seen if kind in ("INSERT", "UPDATE", "DELETE"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


def test_other_write_requests_still_take_the_lock_before_their_first_read(app, client, open_event, make_user,
                                                                          api_token):
    """A route not declared ``reads_before_locking`` (an invitation) reads nothing while another
    worker writes, even on the connection a registration used just before."""
    slug = open_event()
    headers = {"Authorization": f"Bearer {_organizer_token(make_user, api_token, slug)}"}
    assert client.post(f"/api/v1/events/{slug}/registrations", headers=headers,
                       json={"name": "First", "email": "first@example.org"}).status_code == 201

    def meanwhile(seen, request):
        request.join(1.0)
        assert request.is_alive()
        assert not [statement for kind, statement, during in seen if during and kind != "BEGIN"], seen

    answer, _ = _post_while_another_worker_writes(
        app, f"/api/v1/events/{slug}/invitations", headers,
        {"name": "Invited", "email": "invited@example.org", "send": False}, meanwhile)
    assert answer.status_code == 201, answer.json
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM invitations")).scalar() == 1
