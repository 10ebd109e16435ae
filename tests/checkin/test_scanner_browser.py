"""The staff scanner in a real Chromium: a fake camera shows a real badge, online and offline."""

import flask
import pytest
from sqlalchemy import func, select

from eventsvc.checkin.models import CheckIn
from eventsvc.extensions import db

pytestmark = pytest.mark.browser


def _checkins(app, **where):
    with app.app_context():
        db.session.remove()
        return db.session.scalar(select(func.count()).select_from(CheckIn).filter_by(**where))


def test_scanner_page_checks_a_guest_in_from_the_camera(camera_page, live_server, demo, guests, badge, app, tmp_path):
    code = badge(guests["confirmed"][0])
    page, _context = camera_page(live_server, code)
    page.goto(f"{live_server.url}/checkin/e/{demo}")
    page.wait_for_selector("#scanner[data-ready='1']")
    page.select_option("#gate", "entrance")
    answer = page.locator("#answer[data-result='ok']")
    answer.wait_for(state="visible")
    assert page.locator("#answer-title").text_content() == "Welcome"
    with app.app_context():
        from eventsvc.registration.models import Registration
        person = db.session.get(Registration, guests["confirmed"][0]).person
        assert person.name in page.locator("#answer-name").inner_text()
        assert person.name_local in page.locator("#answer-name-local").inner_text()
    page.screenshot(path="/tmp/checkin-shots/scanner-ok-390.png")
    # the answer goes away by itself; the same badge still in view is not scanned again
    answer.wait_for(state="hidden")
    page.wait_for_function("() => document.getElementById('gate-count').textContent === '1'")
    page.wait_for_timeout(1000)
    assert _checkins(app) == 1 and _checkins(app, result="ok") == 1
    # a mistaken check-in is taken back after the answer has gone
    page.locator("#undo-last").click()
    page.wait_for_function("() => document.getElementById('gate-count').textContent === '0'")
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(CheckIn.undone_at)) is not None


def test_scanner_works_offline_and_uploads_its_queue_when_back(camera_page, live_server, demo, guests, badge, app):
    camera_code, typed_code = badge(guests["confirmed"][1]), badge(guests["confirmed"][2])
    page, context = camera_page(live_server, camera_code)
    page.goto(f"{live_server.url}/checkin/e/{demo}")
    page.wait_for_selector("#scanner[data-ready='1'][data-decoder='ready'][data-cached='1']")
    context.set_offline(True)
    page.wait_for_selector("#net.net-offline")
    page.select_option("#gate", "entrance")
    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    assert "offline" in page.locator("#answer-message").inner_text()
    page.evaluate("document.getElementById('answer-next').click()")
    # a second badge typed in (a hand scanner types and presses Enter), then the same again
    page.fill("#code-input", typed_code)
    page.press("#code-input", "Enter")
    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    page.evaluate("document.getElementById('answer-next').click()")
    # taken back by mistake, then scanned in again: recorded as undone, the second one counts
    page.locator("#undo-last").click()
    page.wait_for_function("() => document.getElementById('gate-count').textContent === '1'")
    page.fill("#code-input", typed_code)
    page.press("#code-input", "Enter")
    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    page.evaluate("document.getElementById('answer-next').click()")
    page.fill("#code-input", typed_code)
    page.press("#code-input", "Enter")
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    page.evaluate("document.getElementById('answer-next').click()")
    # a forged code is refused offline too: the signature is checked in the browser
    forged = typed_code[:-4] + ("AAAA" if not typed_code.endswith("AAAA") else "BBBB")
    page.fill("#code-input", forged)
    page.press("#code-input", "Enter")
    page.locator("#answer[data-result='invalid']").wait_for(state="visible")
    page.evaluate("document.getElementById('answer-next').click()")
    # the count on screen follows the browser's store, which answers after the answer is shown
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '5'")
    assert _checkins(app) == 0
    # offline lookup: by name as typed; by e-mail only as the whole address (the roster holds hashes)
    with app.app_context():
        from eventsvc.registration.models import Registration

        person = db.session.get(Registration, guests["confirmed"][3]).person
        email, name = person.email, person.name
    page.locator("#search-toggle").click()
    page.fill("#search-input", email)
    page.locator("#search-results li").first.wait_for()
    assert name in page.locator("#search-results").inner_text()
    page.fill("#search-input", email.split("@")[0])
    page.wait_for_selector("#search-empty:not([hidden])")
    page.fill("#search-input", "")
    page.locator("#search-toggle").click()
    # the page reloads without network (service worker cache) and keeps its queue
    served = []

    def record(sender, **extra):
        served.append(flask.request.path)

    flask.request_started.connect(record, app)
    try:
        page.reload()
        page.wait_for_selector("#scanner[data-ready='1']")
    finally:
        flask.request_started.disconnect(record, app)
    assert served == [], "the offline reload reached the server"
    assert page.locator("#net").inner_text() == "Offline"
    # the gate is remembered: the camera is back at work at once, and still shows the first
    # badge, scanned again after the reload: already checked in
    assert page.locator("#gate").input_value() == "entrance"
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '6'")
    page.evaluate("document.getElementById('answer-next').click()")
    page.fill("#code-input", typed_code)
    page.press("#code-input", "Enter")
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    page.evaluate("document.getElementById('answer-next').click()")
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '7'")
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-length').textContent === '0'", timeout=20_000)
    assert page.locator("#net").inner_text() == "Online"
    assert _checkins(app) == 7
    assert _checkins(app, result="ok") == 3  # one of them undone
    assert _checkins(app, result="already_checked_in", is_duplicate=True) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_not(None))) == 1
    page.wait_for_function("() => document.getElementById('gate-count').textContent === '2'", timeout=10_000)
