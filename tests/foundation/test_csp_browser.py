"""The main pages work in Chromium under the Content-Security-Policy, with not one violation.

Every page of the walk listens for `securitypolicyviolation` events (added before any script of the
page runs) and for console messages; the pages are used, not only opened: the people pickers search,
the badge job polls until its PDF is ready, the guest's cancel form asks first, the admin's switch
submits itself, and the scanner decodes a badge from the (fake) camera with its WebAssembly decoder,
then reloads offline from its service worker.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventsvc.awards.models import AwardProgram
from eventsvc.badges.codes import sign_badge_code
from eventsvc.core.tokens import hash_token
from eventsvc.demo import loader
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration
from tests.checkin.fake_camera import badge_video
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, sign_out

pytestmark = pytest.mark.browser

LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolation({page: location.pathname, directive: e.violatedDirective, blocked: e.blockedURI,
                       source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""
GUEST_TOKEN = "csp-guest-token-" + "x" * 30


class Watch:
    """What a browser context reported: CSP violations, CSP console messages, script errors."""

    def __init__(self, context):
        self.violations, self.console, self.errors = [], [], []
        context.expose_binding("cspViolation", lambda source, v: self.violations.append(v))
        context.add_init_script(LISTEN)
        context.on("page", self.attach)

    def attach(self, page):
        page.on("console", lambda m: self.console.append(f"{page.url} [{m.type}] {m.text}")
                if "Content Security Policy" in m.text or "Permissions-Policy" in m.text else None)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))

    def assert_clean(self):
        assert self.violations == [], self.violations
        assert self.console == [], self.console
        assert self.errors == [], self.errors


def _sign_in(page, url, email, password, landing):
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(landing)


def _world(app, demo):
    """Ids the walk needs: a session with people, the award program, a guest with a portal link."""
    with app.app_context():
        session_id = db.session.scalar(select(AgendaItem.id).where(AgendaItem.kind == "plenary"))
        program_id = db.session.scalar(select(AwardProgram.id).where(AwardProgram.number_prefix == "SH100"))
        guest = db.session.scalars(select(Registration).where(
            Registration.status == RegistrationStatus.CONFIRMED).order_by(Registration.id)).first()
        guest.access_token_hash = hash_token(GUEST_TOKEN)
        badge_code = sign_badge_code(guest.event_id, guest.id, guest.badge_version)
        db.session.commit()
        return session_id, program_id, badge_code


def test_the_listener_sees_a_violation(browser, live_server, demo):
    """The walk below proves nothing unless a violation would be seen: an injected inline script is one."""
    context = browser.new_context()
    watch = Watch(context)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert [v["directive"] for v in watch.violations] == ["script-src-elem"]
    context.close()


def test_the_organizer_pages_work_under_the_policy(app, browser, live_server, demo, make_user):
    url = live_server.url
    session_id, program_id, _code = _world(app, demo)
    make_user("admin@ev100.example", "admin-password-2023", admin=True, name="Site Admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch(context)
    page = context.new_page()
    page.set_default_timeout(15_000)

    for path in ["/", f"/e/{demo}", f"/e/{demo}/agenda", "/verify", "/verify?number=SH100-2023-0001"]:
        assert page.goto(url + path).ok, path

    _sign_in(page, url, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD, "**/manage")
    page.goto(f"{url}/manage/e/{demo}")  # the organizer's overview
    expect(page.locator("main h1")).to_be_visible()
    page.goto(f"{url}/manage/e/{demo}/agenda")
    page.goto(f"{url}/manage/e/{demo}/sessions/new")
    expect(page.get_by_role("button", name="Save session")).to_be_visible()
    page.goto(f"{url}/manage/e/{demo}/sessions/{session_id}")  # the session with its people picker
    picker = page.locator("[data-people-picker]").first
    picker.locator("[data-picker-search]").fill("a")
    expect(picker.locator("[data-picker-results]").get_by_role("option").first).to_be_visible()

    page.goto(f"{url}/manage/e/{demo}/awards/programs/{program_id}/awards/new")  # the awards form
    picker = page.locator("[data-people-picker]").first
    picker.locator("[data-picker-search]").fill("a")
    expect(picker.locator("[data-picker-results]").get_by_role("option").first).to_be_visible()
    page.goto(f"{url}/manage/e/{demo}/awards")
    page.goto(f"{url}/manage/e/{demo}/awards/programs/{program_id}")

    page.goto(f"{url}/manage/e/{demo}/arrivals")  # the arrivals dashboard draws its chart
    expect(page.locator("#updated")).not_to_have_text("–")

    page.goto(f"{url}/manage/e/{demo}/badges")  # category chips take their colour from data-color
    chip = page.locator(".category-chip").first
    assert chip.evaluate("e => e.style.getPropertyValue('--color')").startswith("#")
    page.get_by_label("A6, one badge a page").check()
    page.get_by_role("button", name="Make the PDF").click()
    page.wait_for_url("**/badges/jobs/*")  # the job page polls its status until the PDF is ready
    page.get_by_role("button", name="Download the PDF").wait_for(state="visible", timeout=60_000)
    assert "badges are ready" in page.locator("#job-message").inner_text()

    for path in [f"/manage/e/{demo}/invitations", f"/manage/e/{demo}/team", f"/manage/e/{demo}/edit"]:
        assert page.goto(url + path).ok, path

    # the guest portal: seat counts refresh from a JSON block, the cancel form asks before it cancels
    guest = context.new_page()
    questions = []
    guest.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    guest.goto(f"{url}/g/{GUEST_TOKEN}")
    expect(guest.locator("article#badge")).to_be_visible()
    expect(guest.locator("script#portal-seats")).to_have_count(1)
    guest.locator("#cancel summary").click()
    guest.locator("#cancel button[type=submit]").click()  # the dialog is dismissed: nothing happens
    guest.wait_for_timeout(300)
    assert questions == ["Cancel your registration?"]
    with app.app_context():
        assert db.session.scalar(select(Registration.status).where(
            Registration.access_token_hash == hash_token(GUEST_TOKEN))) == RegistrationStatus.CONFIRMED
    guest.close()

    # the administrator's switch submits its form by itself
    sign_out(page)
    _sign_in(page, url, "admin@ev100.example", "admin-password-2023", "**/manage")
    page.goto(f"{url}/admin/accounts")
    row = page.locator(f"tr[data-email='{loader.STAFF_EMAIL}']")
    row.get_by_role("switch").check()
    expect(page.locator(".flash-success")).to_contain_text("can now create events")

    watch.assert_clean()
    context.close()


def test_the_scanner_decodes_and_works_offline_under_the_policy(app, browser, live_server, demo, tmp_path):
    url = live_server.url
    _session_id, _program_id, code = _world(app, demo)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={badge_video(code, tmp_path / 'badge.y4m')}"])
    try:
        context = camera_browser.new_context(viewport={"width": 390, "height": 844})
        watch = Watch(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, url, loader.STAFF_EMAIL, loader.STAFF_PASSWORD, "**/checkin/e/*")
        # the WebAssembly decoder loaded, the service worker cached the page and its files
        page.wait_for_selector("#scanner[data-ready='1'][data-decoder='ready'][data-cached='1']")
        page.select_option("#gate", "entrance")
        page.locator("#answer[data-result='ok']").wait_for(state="visible")
        page.evaluate("document.getElementById('answer-next').click()")
        page.goto(f"{url}/checkin/e/{demo}/walk-in")
        page.goto(f"{url}/checkin/e/{demo}")
        page.wait_for_selector("#scanner[data-ready='1']")
        # offline: the page reloads from the service worker's cache, with its policy, and still decodes
        # (already checked in, or, if the roster refresh lost the race with going offline, ok: either
        # way an answer from the camera through the WebAssembly decoder)
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#scanner[data-ready='1'][data-decoder='ready']")
        expect(page.locator("#net")).to_have_text("Offline")
        page.select_option("#gate", "entrance")
        answer = page.locator("#answer[data-result='already_checked_in'], #answer[data-result='ok']")
        answer.wait_for(state="visible")
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('queue-length').textContent === '0'", timeout=20_000)
        watch.assert_clean()
    finally:
        camera_browser.close()
