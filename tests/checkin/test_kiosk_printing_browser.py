"""Issue 16's "done when" at the kiosk: a guest's portal QR shown to an unattended kiosk (Chromium,
fake camera) checks them in and prints their badge on a real CUPS queue (Debian's PDF printer, the
print path docs/door.md documents for stations that print from the server); the printed PDF is
rasterised and its QR decoded back to the guest. Shown again: already checked in, nothing printed.
A reprint from the kiosk is refused: without the staff's confirmation by the print rule, and with a
confirmation by the kiosk's lock (a guest cannot confirm for the staff)."""

import pytest

from eventsvc.badges.codes import verify_badge_code
from eventsvc.badges.layout import LABEL_100X75
from tests.checkin.test_print_stations import make_station, station_row
from tests.support.readiness import wait_until

pytestmark = pytest.mark.browser

POST_PRINT = """async ([url, body]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const r = await fetch(url, {method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf}});
  return [r.status, await r.json()];
}"""



def test_a_portal_qr_shown_to_the_kiosk_checks_in_and_prints_the_badge_once(
        camera_page, live_server, demo, guests, badge, app, cups, tmp_path):
    station = make_station(app, demo, "Kiosk printer", LABEL_100X75, cups_queue=cups.queue)
    guest = guests["confirmed"][0]
    page, _context = camera_page(live_server, badge(guest), viewport=(1024, 768))

    # staff start the kiosk at the entrance, printing at the station, then leave it to the guests
    page.goto(f"{live_server.url}/checkin/e/{demo}/kiosk/start")
    page.select_option("#gate", "entrance")
    page.select_option("#station", str(station))
    page.fill("#pin", "8642")
    page.fill("#pin_again", "8642")
    page.locator("#kiosk-start-form button[type=submit]").click()
    page.wait_for_url(f"**/checkin/e/{demo}/kiosk")
    assert page.locator("#print-station-select").is_hidden()  # guests choose nothing

    page.locator("#answer[data-result='ok']").wait_for(state="visible")
    page.wait_for_selector("#print-station[data-printed='1']")
    wait_until(lambda: cups.printed(), what="the printed badge in the CUPS queue's folder", timeout=60)
    wait_until(lambda: cups.only_printed_codes(tmp_path), what="a readable QR on the printed label", timeout=20)
    [read] = cups.only_printed_codes(tmp_path)
    with app.app_context():
        assert verify_badge_code(read).registration_id == guest
    assert station_row(app, station)[:2] == (1, 0)

    # the same QR shown again (after a reload, still a kiosk): already checked in, nothing printed
    page.reload()
    page.locator("#answer[data-result='already_checked_in']").wait_for(state="visible")
    page.wait_for_timeout(1500)
    assert len(cups.printed()) == 1 and station_row(app, station)[:2] == (1, 0)

    # a reprint asked from the kiosk: refused without confirmation, and a confirmation is not the kiosk's to give
    url = f"{live_server.url}/api/v1/events/{demo}/print-stations/{station}/prints"
    status, body = page.evaluate(POST_PRINT, [url, {"registration_id": guest}])
    assert status == 409 and body["code"] == "reprint_needs_confirmation", body
    status, body = page.evaluate(POST_PRINT, [url, {"registration_id": guest, "confirm": True}])
    assert status == 403 and body["code"] == "kiosk_locked", body
    other = make_station(app, demo, "Desk 9", LABEL_100X75)
    status, body = page.evaluate(POST_PRINT, [url.replace(f"/{station}/", f"/{other}/"),
                                              {"registration_id": guests["confirmed"][1]}])
    assert status == 403 and body["code"] == "kiosk_locked", body  # only its own station
    assert len(cups.printed()) == 1 and station_row(app, station)[:2] == (1, 0)
