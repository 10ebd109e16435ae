"""A real HTTP receiver on loopback, and the demo forum's webhook endpoints."""

import threading
import uuid
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from eventsvc.extensions import db


class Receiver:
    """Answers each POST with the next status of ``answers`` (then 200); records what it got.
    With ``hold`` set, each request waits for ``release`` before it answers."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.hold = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrived.set()
                if receiver.hold:
                    receiver.release.wait(30)
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.requests.append({"headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"receiver is down " + b"x" * 2000)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict]:
        return [r for r in self.requests if r["status"] < 300]

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _fresh_subscriber_cache():
    from eventsvc.webhooks import service

    service._subscribers.clear()
    yield
    service._subscribers.clear()


@pytest.fixture
def demo_event_id(app, demo):
    from eventsvc.events.models import Event

    with app.app_context():
        return db.session.scalar(select(Event.id).where(Event.slug == demo))


@pytest.fixture
def endpoint(app, demo_event_id):
    """Makes an endpoint of the demo forum: (id, secret)."""
    from eventsvc.webhooks import service

    def make(url: str, kinds=("checkin.recorded",)) -> tuple[int, str]:
        with app.app_context():
            made, secret = service.create_endpoint(demo_event_id, url, list(kinds))
            db.session.commit()
            return made.id, secret

    return make


@pytest.fixture
def other_organizer_client(app, make_user):
    """A client signed in as the organizer of another event."""
    from eventsvc.accounts.models import EventRoleKind
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.models import Event
    from tests.support.web import login

    with app.app_context():
        db.session.add(Event(slug=f"other-{uuid.uuid4().hex[:6]}", title="Other Forum", start_date=date(2030, 1, 1),
                             end_date=date(2030, 1, 1), timezone="UTC", status=EventStatus.PUBLISHED))
        db.session.commit()
        slug = db.session.scalar(select(Event.slug).where(Event.title == "Other Forum"))
    make_user("other-organizer@example.org", "other organizer pass 1", event_slug=slug, role=EventRoleKind.ORGANIZER)
    client = app.test_client()
    assert login(client, "other-organizer@example.org", "other organizer pass 1").status_code == 302
    return client
