"""Printing at check-in in a real Chromium: a guest's QR shown to the scanner's camera prints their
badge on a real CUPS queue (Debian's PDF printer); the printed PDF is read back and its QR decoded."""

import pytest

from eventsvc.badges.codes import verify_badge_code
from eventsvc.badges.layout import LABEL_100X75
from tests.checkin.test_print_stations import make_station, station_row
from tests.support.readiness import wait_until

pytestmark = pytest.mark.browser



def _choose(page, station_id):
    page.select_option("#print-station-select", str(station_id))
    page.select_option("#gate", "entrance")


def test_a_guest_shown_to_the_camera_gets_their_badge_printed_once(
        camera_page, live_server, demo, guests, badge, app, cups, tmp_path):
    station = make_station(app, demo, "Desk 1", LABEL_100X75, cups_queue=cups.queue)
    guest = guests["confirmed"][0]
    code = badge(guest)
    page, _context = camera_page(live_server, code)
    page.goto(f"{live_server.url}/checkin/e/{demo}")
    page.wait_for_selector("#scanner[data-ready='1']")
    _choose(page, station)
    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    page.wait_for_selector("#print-station[data-printed='1']")

    wait_until(lambda: cups.printed(), what="the printed badge in the CUPS queue's folder", timeout=60)
    wait_until(lambda: cups.only_printed_codes(tmp_path), what="a readable QR on the printed label", timeout=20)
    [read] = cups.only_printed_codes(tmp_path)
    with app.app_context():
        assert verify_badge_code(read).registration_id == guest
    assert station_row(app, station)[:2] == (1, 0)

    # the same QR again (typed, as a hand scanner would): already checked in, nothing printed
    page.locator("#answer-next").click()
    page.fill("#code-input", code)
    page.locator("#code-form button[type=submit]").click()
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    assert station_row(app, station)[:2] == (1, 0)

    # a reprint without the staff's confirmation is refused; the dialog asks for it
    page.locator("#answer-next").click()
    page.locator("#print-again").click()
    page.wait_for_selector("#print-station[data-last-kind='refused']")
    assert page.locator("#reprint-dialog").is_visible()
    page.locator("#reprint-cancel").click()
    assert station_row(app, station)[:2] == (1, 0)
    assert len(cups.printed()) == 1


def test_a_station_printing_from_its_browser_loads_the_label_into_the_print_frame(
        page, live_server, demo, guests, app):
    from eventsvc.demo import loader

    station = make_station(app, demo, "Desk 2", LABEL_100X75)
    guest = guests["confirmed"][1]
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill(loader.STAFF_EMAIL)
    page.get_by_label("Password").fill(loader.STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/checkin/e/*")
    page.goto(f"{live_server.url}/checkin/e/{demo}")
    page.wait_for_selector("#print-station-select")
    _choose(page, station)
    page.evaluate("id => document.dispatchEvent(new CustomEvent('eventsvc:scan-accepted', {detail: "
                  "{result: 'ok', direction: 'in', person: {registration_id: id, name: 'x'}}}))", guest)
    page.wait_for_selector("#print-station[data-printed='1']")
    frame = page.frame_locator("#print-frame")
    assert frame.locator("main.label").get_attribute("class") == "label label-label-100x75"
    # the choice is kept on this device
    page.reload()
    assert page.locator("#print-station-select").input_value() == str(station)
    assert station_row(app, station)[:2] == (1, 0)
