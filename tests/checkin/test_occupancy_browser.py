"""In Chromium: the scanner of a session door shows the room's occupancy with each answer and says
"room full" at a door set to refuse; the dashboard's rooms and the attendance report, in both
languages and widths (screenshots in /tmp/shots-occupancy)."""

import uuid
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.checkin.test_occupancy import _more_guests, _room_session

SHOTS = Path("/tmp/shots-occupancy")
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _signed_in(browser, live_server, language, size):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN" if language == "zh" else "en-US")
    context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server.url + "/login")
    page.locator("input[name=email]").fill(loader.ORGANIZER_EMAIL)
    page.locator("input[name=password]").fill(loader.ORGANIZER_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    return context, page


def _plenary_day(app, staff_api, guests):
    """Guests at the plenary's door during its time (uploaded from an offline scanner): some left."""
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        plenary = db.session.get(AgendaItem, int(guests["plenary_gate"].split("-")[1]))
        start = plenary.starts_at
    scans = []
    for index, registration_id in enumerate(guests["confirmed"][:24]):
        scans.append((registration_id, "in", start + timedelta(minutes=index % 12)))
        if index % 3:
            scans.append((registration_id, "out", start + timedelta(minutes=40 + 2 * index)))
    response = staff_api.post("/scans/batch", json={"scans": [
        {"gate": guests["plenary_gate"], "registration_id": r, "direction": d, "device_time": at.isoformat(),
         "nonce": uuid.uuid4().hex} for r, d, at in scans]})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_scanner_of_a_session_door_shows_the_room_and_refuses_when_full(browser, live_server, app, demo,
                                                                           guests, badge, staff_api):
    item = _room_session(app, demo, capacity=3, refuse=True)
    gate = f"session-{item}"
    first, second, third, fourth = _more_guests(app, demo, 4)
    for guest in (first, second):
        assert staff_api.scan(gate=gate, registration_id=guest).get_json()["result"] == "ok"
    _plenary_day(app, staff_api, guests)
    SHOTS.mkdir(exist_ok=True)
    for language in ("en", "zh"):
        for size in SIZES:
            context, page = _signed_in(browser, live_server, language, size)
            try:
                page.goto(f"{live_server.url}/checkin/e/{demo}")
                page.select_option("#gate", gate)
                expect(page.locator("#occupancy")).to_be_visible()
                expect(page.locator("#occupancy-figure")).to_have_text(
                    "3 / 3" if (language, size) != ("en", "desktop") else "2 / 3")
                if (language, size) == ("en", "desktop"):
                    page.locator("#code-input").fill(badge(third))
                    page.locator("#code-input").press("Enter")
                    expect(page.locator("#answer-title")).to_have_text("Welcome")
                    expect(page.locator("#occupancy-figure")).to_have_text("3 / 3")
                page.locator("#code-input").fill(badge(fourth))
                page.locator("#code-input").press("Enter")
                expect(page.locator("#answer-title")).to_have_text("Room full" if language == "en" else "会场已满")
                expect(page.locator("#answer-occupancy")).to_have_text("Hall 3 3 / 3" if language == "en" else "三号厅 3 / 3")
                expect(page.locator("#occupancy-room")).to_have_text("Hall 3" if language == "en" else "三号厅")
                expect(page.locator("#occupancy")).to_have_class("occupancy occupancy-full")
                page.screenshot(path=str(SHOTS / f"scanner-room-full-{language}-{size}.png"), full_page=True)

                page.goto(f"{live_server.url}/manage/e/{demo}/arrivals")
                expect(page.locator("#rooms li").first).to_be_visible()
                hall = page.locator("#rooms li", has_text="Hall 3" if language == "en" else "三号厅")
                expect(hall.locator(".room-figure")).to_contain_text("3 / 3")
                page.screenshot(path=str(SHOTS / f"dashboard-{language}-{size}.png"), full_page=True)

                hall_main = page.locator("#rooms li", has_text="Main Hall" if language == "en" else "主会场").first
                hall_main.get_by_role("link").click()
                expect(page.locator("table.attendance-table tbody tr")).to_have_count(24)
                page.screenshot(path=str(SHOTS / f"report-{language}-{size}.png"), full_page=True)
            finally:
                context.close()
    with app.app_context():
        from eventsvc.checkin.occupancy import inside_by_session
        from eventsvc.events.models import Event

        assert inside_by_session(db.session.scalar(select(Event.id).where(Event.slug == demo)))[item] == 3
