"""Badge codes of the demo forum's guests, API clients of its staff, and a browser with a fake camera."""

import uuid

import pytest
from sqlalchemy import select

from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.checkin.fake_camera import badge_video
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def guests(app, demo):
    """Demo registrations by kind: confirmed, cancelled, with a seminar seat, invited to the council."""
    from eventsvc.events.models import AgendaItem
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    with app.app_context():
        regs = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        items = {i.kind.value: i for i in db.session.scalars(select(AgendaItem))}
        seminar, council = items["seminar"], items["council_meeting"]
        confirmed = [r for r in regs if r.status == RegistrationStatus.CONFIRMED]
        return {
            "event_id": regs[0].event_id,
            "confirmed": [r.id for r in confirmed],
            "cancelled": [r.id for r in regs if r.status == RegistrationStatus.CANCELLED],
            "seated": [r.id for r in confirmed if any(s.agenda_item_id == seminar.id for s in r.seats)],
            "unseated": [r.id for r in confirmed if not r.seats],
            "council_invited": [r.id for r in confirmed if r.invitation and council in r.invitation.sessions],
            "seminar_gate": f"session-{seminar.id}",
            "council_gate": f"session-{council.id}",
            "plenary_gate": f"session-{items['plenary'].id}",
        }


@pytest.fixture
def badge(app):
    """The signed code printed on a registration's badge."""
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.registration.models import Registration

    def make(registration_id: int, version: int | None = None) -> str:
        with app.app_context():
            r = db.session.get(Registration, registration_id)
            code = sign_badge_code(r.event_id, r.id, version or r.badge_version)
            db.session.commit()
            return code

    return make


@pytest.fixture
def staff_api(app, demo, api_token):
    """A test client speaking to the API as the demo's door staff, in English."""
    from eventsvc.accounts.models import User
    from eventsvc.demo import loader

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == loader.STAFF_EMAIL))
    token = api_token(user_id)
    client = app.test_client()

    class Api:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

        def scan(self, code=None, gate="entrance", nonce=None, **extra):
            body = {"gate": gate, "nonce": nonce or uuid.uuid4().hex, **extra}
            if code is not None:
                body["code"] = code
            return client.post(f"/api/v1/events/{demo}/scans", json=body, headers=self.headers)

        def get(self, path, **kw):
            return client.get(f"/api/v1/events/{demo}{path}", headers=self.headers, **kw)

        def post(self, path, **kw):
            return client.post(f"/api/v1/events/{demo}{path}", headers=self.headers, **kw)

    return Api()


def new_nonce() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def camera_page(browser, tmp_path):
    """A signed-in staff page whose camera shows the given badge code.

    The camera flags are per browser process: a second Chromium is launched through the
    session's Playwright (two sync Playwright instances cannot live in one process).
    """
    opened = []

    def open_page(live_server, code: str, viewport=(390, 844)):
        video = badge_video(code, tmp_path / "badge.y4m")
        camera_browser = browser.browser_type.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"])
        opened.append(camera_browser)
        context = camera_browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/login")
        page.get_by_label("E-mail").fill(loader.STAFF_EMAIL)
        page.get_by_label("Password").fill(loader.STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/checkin/e/*")  # door staff land on their scanner
        return page, context

    yield open_page
    for camera_browser in opened:
        camera_browser.close()


@pytest.fixture
def cups(monkeypatch):
    """A real CUPS queue (Debian's PDF printer) standing in for a station's label printer."""
    from tests.support.cups import start_cups

    printer, stop = start_cups()
    monkeypatch.setenv("CUPS_SERVER", printer.server)  # the live server's lp prints there
    yield printer
    stop()
