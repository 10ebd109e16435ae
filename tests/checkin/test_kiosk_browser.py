"""The self check-in kiosk and the sign-out wipe in a real Chromium (a fake camera shows a real badge)."""

import pytest
from sqlalchemy import func, select

from eventsvc.checkin.models import CheckIn
from eventsvc.demo import loader
from eventsvc.extensions import db

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots-kiosk"

#: every accepted entry the page announces to the print station (static/js/print-station.js listens the same way)
COUNT_ACCEPTED = """
window.__accepted = [];
document.addEventListener("eventsvc:scan-accepted", function (event) { window.__accepted.push(event.detail); });
"""

#: what this origin keeps of the scanners: IndexedDB databases, localStorage keys, caches
DEVICE_STORAGE = """async () => ({
  databases: (await indexedDB.databases()).map(d => d.name).filter(n => n.startsWith("eventsvc-checkin-")),
  local: Object.keys(localStorage).filter(k => k.startsWith("eventsvc-")),
  caches: (await caches.keys()).filter(n => n.startsWith("eventsvc-scanner-")),
})"""


def _checkins(app, **where):
    with app.app_context():
        db.session.remove()
        return db.session.scalar(select(func.count()).select_from(CheckIn).filter_by(**where))


def _people(app, registration_ids):
    from eventsvc.registration.models import Registration

    with app.app_context():
        return [(r.person.name, r.person.email) for r in
                (db.session.get(Registration, i) for i in registration_ids)]


def _code(app, registration_id):
    from eventsvc.checkin.kiosk import checkin_code
    from eventsvc.registration.models import Registration

    with app.app_context():
        r = db.session.get(Registration, registration_id)
        code = checkin_code(r.event_id, r.id, r.badge_version)
        db.session.commit()
        return code


def _sign_in(page, live_server):
    page.goto(live_server.url + "/login")
    page.locator("input[name=email]").fill(loader.STAFF_EMAIL)
    page.locator("input[name=password]").fill(loader.STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/checkin/e/*")


def _start_kiosk(page, live_server, demo, pin="2468", gate="entrance"):
    page.goto(f"{live_server.url}/checkin/e/{demo}/kiosk/start")
    page.select_option("#gate", gate)
    page.fill("#pin", pin)
    page.fill("#pin_again", pin)
    page.locator("#kiosk-start-form button[type=submit]").click()
    page.wait_for_url(f"**/checkin/e/{demo}/kiosk")
    page.wait_for_selector("#scanner[data-ready='1']")


def test_a_badge_shown_to_the_kiosk_checks_in_once_and_announces_one_print(
        camera_page, live_server, demo, guests, badge, app):
    shown = guests["confirmed"][0]
    page, _context = camera_page(live_server, badge(shown), viewport=(1024, 768))
    page.add_init_script(COUNT_ACCEPTED)
    _start_kiosk(page, live_server, demo)
    answer = page.locator("#answer[data-result='ok']")
    answer.wait_for(state="visible")
    (name, _email), = _people(app, [shown])
    assert name in page.locator("#answer-name").inner_text()
    assert page.locator("#answer-title").inner_text().upper() == "WELCOME · 欢迎"
    accepted = page.evaluate("window.__accepted")
    assert len(accepted) == 1
    assert accepted[0]["result"] == "ok" and accepted[0]["person"]["registration_id"] == shown
    assert accepted[0]["checkin_id"] and accepted[0]["gate"] == "entrance"
    page.screenshot(path=f"{SHOTS}/kiosk-welcome-en-1024.png")
    # held there, the badge is one scan; the kiosk reloads (still a kiosk) and the badge is shown
    # again: already checked in, nothing announced
    answer.wait_for(state="hidden")
    page.wait_for_timeout(1000)
    assert len(page.evaluate("window.__accepted")) == 1 and _checkins(app) == 1
    page.reload()
    page.wait_for_selector("#scanner[data-kiosk='1'][data-ready='1']")
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    assert name in page.locator("#answer-name").inner_text()
    assert page.evaluate("window.__accepted") == []
    assert _checkins(app, result="ok") == 1 and _checkins(app, result="already_checked_in") >= 1
    # nothing of the other guests is on the page, though the offline roster holds them all
    others = _people(app, guests["confirmed"][1:40])
    html = page.content()
    assert not [n for n, e in others if n in html or e in html]
    assert page.evaluate("() => window.EventsvcScanner.store.roster.registrations.length") > 40
    assert page.locator("#search-input").count() == 0
    assert page.locator("a[href]:not([href^='#'])").count() == 0  # no link leaves the kiosk


def test_the_kiosk_survives_a_reload_and_leaves_only_with_the_pin(browser, live_server, demo, guests, app):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server)
        _start_kiosk(page, live_server, demo, pin="975310")
        page.reload()
        page.wait_for_selector("#scanner[data-kiosk='1'][data-ready='1']")
        # typed addresses lead back to the kiosk; the back button stays on it
        page.goto(f"{live_server.url}/manage/e/{demo}/arrivals")
        page.wait_for_url(f"**/checkin/e/{demo}/kiosk")
        page.goto(f"{live_server.url}/checkin/e/{demo}")
        page.wait_for_url(f"**/checkin/e/{demo}/kiosk")
        page.go_back()
        page.wait_for_selector("#scanner[data-kiosk='1']")
        assert page.url.endswith(f"/checkin/e/{demo}/kiosk")
        # a wrong PIN: refused, still the kiosk
        page.locator("#kiosk-exit-open").click()
        page.fill("#kiosk-pin", "111111")
        page.locator("#kiosk-exit-form button[type=submit]").click()
        page.wait_for_selector("#kiosk-pin-error:not([hidden])")
        assert "Wrong PIN" in page.locator("#kiosk-pin-error").inner_text()
        page.fill("#kiosk-pin", "975310")
        page.locator("#kiosk-exit-form button[type=submit]").click()
        page.wait_for_url(f"**/checkin/e/{demo}")
        page.wait_for_selector("#search-toggle")  # the staff scanner again
        page.wait_for_selector("#scanner[data-ready='1'][data-cached='1']")  # its roster and files loaded
        page.wait_for_load_state("networkidle")
    finally:
        context.close()


@pytest.mark.parametrize("language, width, height", [("en", 390, 844), ("zh", 1024, 768)])
def test_a_guest_checks_in_with_e_mail_and_code_and_a_wrong_code_reveals_nothing(
        browser, live_server, demo, guests, app, language, width, height):
    """No camera here: the guest types. A wrong code and an unknown address read the same."""
    guest, other = guests["confirmed"][5], guests["confirmed"][6]
    (name, email), (other_name, other_email) = _people(app, [guest, other])
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(COUNT_ACCEPTED)
    try:
        _sign_in(page, live_server)
        context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
        _start_kiosk(page, live_server, demo)
        # the instructions are in both languages, whatever the page's language
        steps = page.locator(".kiosk-steps").inner_text()
        assert "Hold the QR code" in steps and "二维码" in steps
        page.screenshot(path=f"{SHOTS}/kiosk-{language}-{width}.png", full_page=True)
        # a wrong code for a registered address, then an address nobody registered: the same words
        page.fill("#kiosk-email", email)
        page.fill("#kiosk-code", _code(app, other))
        page.locator("#kiosk-code-form button[type=submit]").click()
        page.wait_for_selector("#kiosk-code-error:not([hidden])")
        wrong = page.locator("#kiosk-code-error").inner_text()
        page.screenshot(path=f"{SHOTS}/kiosk-wrong-code-{language}-{width}.png", full_page=True)
        page.fill("#kiosk-email", "nobody@example.org")
        page.fill("#kiosk-code", "ABCD-EFGH")
        page.locator("#kiosk-code-form button[type=submit]").click()
        page.wait_for_function("() => !document.getElementById('kiosk-code').value")
        page.wait_for_selector("#kiosk-code-error:not([hidden])")
        assert page.locator("#kiosk-code-error").inner_text() == wrong
        assert page.evaluate("window.__accepted.length") == 0 and _checkins(app) == 0
        # the right code: checked in, one print announced
        page.fill("#kiosk-email", email.upper())
        page.fill("#kiosk-code", _code(app, guest).lower())
        page.locator("#kiosk-code-form button[type=submit]").click()
        page.locator("#answer[data-result='ok']").wait_for(state="visible")
        assert name in page.locator("#answer-name").inner_text()
        page.screenshot(path=f"{SHOTS}/kiosk-welcome-{language}-{width}.png")
        assert page.evaluate("window.__accepted.length") == 1
        assert _checkins(app, result="ok", registration_id=guest) == 1
        html = page.content()
        assert other_name not in html and other_email not in html
    finally:
        context.close()


def test_the_staff_scanner_announces_each_accepted_entry_once(browser, live_server, demo, guests, badge, app):
    code = badge(guests["confirmed"][3])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(COUNT_ACCEPTED)
    try:
        _sign_in(page, live_server)
        page.wait_for_selector("#scanner[data-ready='1']")
        page.select_option("#gate", "entrance")
        page.fill("#code-input", code)
        page.press("#code-input", "Enter")
        page.locator("#answer[data-result='ok']").wait_for(state="visible")
        page.evaluate("document.getElementById('answer-next').click()")
        page.fill("#code-input", code)
        page.press("#code-input", "Enter")
        page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
        accepted = page.evaluate("window.__accepted")
        assert len(accepted) == 1 and accepted[0]["person"]["registration_id"] == guests["confirmed"][3]
    finally:
        context.close()


def test_signing_out_wipes_the_offline_roster_and_keys(browser, live_server, demo, guests, app):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server)
        page.wait_for_selector("#scanner[data-ready='1'][data-cached='1']")
        page.select_option("#gate", "entrance")
        kept = page.evaluate(DEVICE_STORAGE)
        assert kept["databases"] == [f"eventsvc-checkin-{demo}"] and kept["local"] and kept["caches"]
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector(".flash-info")  # "You are signed out."
        assert page.evaluate(DEVICE_STORAGE) == {"databases": [], "local": [], "caches": []}
        assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    finally:
        context.close()


def test_unsent_offline_scans_block_the_sign_out_until_they_are_uploaded(
        browser, live_server, demo, guests, badge, app):
    code = badge(guests["confirmed"][4])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server)
        page.wait_for_selector("#scanner[data-ready='1'][data-cached='1']")
        context.set_offline(True)
        page.wait_for_selector("#net.net-offline")
        page.select_option("#gate", "entrance")
        page.fill("#code-input", code)
        page.press("#code-input", "Enter")
        page.locator("#answer[data-result='ok']").wait_for(state="visible")
        page.evaluate("document.getElementById('answer-next').click()")
        page.wait_for_function("() => document.getElementById('queue-length').textContent === '1'")
        # signing out warns and keeps everything
        page.get_by_role("button", name="Sign out").click()
        dialog = page.locator("#sign-out-guard")
        dialog.wait_for(state="visible")
        assert "1 scan that is not uploaded yet" in dialog.inner_text()
        page.screenshot(path=f"{SHOTS}/sign-out-blocked-en-1280.png")
        # uploading without network fails, says so, and still keeps everything
        page.get_by_role("button", name="Upload now").click()
        page.wait_for_function("() => document.getElementById('sign-out-guard-status').textContent.includes('failed')")
        page.get_by_role("button", name="Stay signed in").click()
        assert page.evaluate(DEVICE_STORAGE)["databases"] == [f"eventsvc-checkin-{demo}"]
        assert page.url.endswith(f"/checkin/e/{demo}") and _checkins(app) == 0
        # back online, "Upload now" uploads, then the sign-out goes on and wipes the device
        context.set_offline(False)
        page.get_by_role("button", name="Sign out").click()
        if page.locator("#sign-out-guard").is_visible():  # the page's own sync may have uploaded already
            page.get_by_role("button", name="Upload now").click()
        page.wait_for_selector(".flash-info")
        assert _checkins(app, result="ok", registration_id=guests["confirmed"][4]) == 1
        assert page.evaluate(DEVICE_STORAGE) == {"databases": [], "local": [], "caches": []}
    finally:
        context.close()


def test_the_kiosk_keeps_working_offline_and_does_not_admit_twice_after_a_reload(
        camera_page, live_server, demo, guests, badge, app):
    """Checked in online, then the network drops and the kiosk reloads: the page opens from the
    cache, the badge is answered from the offline roster (already checked in: the device keeps the
    entries it saw accepted, though its stored roster predates them), nothing is printed twice, and
    the scan is uploaded when the network is back."""
    shown = guests["confirmed"][7]
    page, context = camera_page(live_server, badge(shown), viewport=(1024, 768))
    page.add_init_script(COUNT_ACCEPTED)
    page.wait_for_selector("#scanner[data-cached='1']")  # the staff scanner, cached on this device
    _start_kiosk(page, live_server, demo, pin="8642")
    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    page.wait_for_selector("#scanner[data-cached='1'][data-decoder='ready']")
    assert len(page.evaluate("window.__accepted")) == 1
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#scanner[data-kiosk='1'][data-ready='1']")
    page.wait_for_selector("#net.net-offline")
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    (name, _email), = _people(app, [shown])
    assert name in page.locator("#answer-name").inner_text()
    assert page.evaluate("window.__accepted") == []
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '1'")
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="hidden")
    # offline the server cannot refuse the staff scanner: its cached copy gives way to the kiosk
    page.goto(f"{live_server.url}/checkin/e/{demo}")
    page.wait_for_url(f"**/checkin/e/{demo}/kiosk")
    page.wait_for_selector("#scanner[data-kiosk='1'][data-ready='1']")
    assert page.locator("#search-input").count() == 0
    # the code form says that only the QR code works without network
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    page.locator("#answer-next").click()
    page.fill("#kiosk-email", "someone@example.org")
    page.fill("#kiosk-code", "ABCD-EFGH")
    page.locator("#kiosk-code-form button[type=submit]").click()
    page.wait_for_selector("#kiosk-code-error:not([hidden])")
    assert "only the QR code works" in page.locator("#kiosk-code-error").inner_text()
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '0'", timeout=20_000)
    assert _checkins(app, result="ok", registration_id=shown) == 1
    assert _checkins(app, result="already_checked_in", registration_id=shown) == 2
    page.wait_for_load_state("networkidle")


@pytest.mark.sqlite_run  # the pages are the same on PostgreSQL (as the site-wide sweep)
def test_the_kiosk_pages_have_no_serious_accessibility_violation(browser, live_server, demo):
    """The site-wide sweep's check (tests/foundation/test_accessibility.py) on the kiosk's two pages,
    in English and Chinese, on a tablet and a phone (the kiosk page needs a session locked to it)."""
    from tests.foundation.test_accessibility import Sweep, _check

    sweep = Sweep()
    for language in ("en", "zh"):
        for width, height in ((1024, 768), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                _sign_in(page, live_server)
                where = f"[{language} {width}]"
                _check(page, live_server.url, f"/checkin/e/{demo}/kiosk/start", where, sweep, width < 600)
                _start_kiosk(page, live_server, demo)
                _check(page, live_server.url, f"/checkin/e/{demo}/kiosk", where, sweep, width < 600)
                page.wait_for_selector("#scanner[data-ready='1']")
                page.wait_for_load_state("networkidle")
            finally:
                context.close()
    assert not sweep.failures, "\n".join(sweep.failures)
