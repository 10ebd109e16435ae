"""Badges printed on demand at check-in: print stations, first prints, confirmed reprints, re-issue."""

import threading

import pytest
import requests
from sqlalchemy import select

from eventsvc.audit.models import AuditEvent
from eventsvc.badges.codes import verify_badge_code
from eventsvc.badges.layout import CARD_CR80, LABEL_100X75
from eventsvc.badges.models import PrintStation
from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.badges.reading import PrintedPdf
from tests.support.web import login


def make_station(app, slug, name="Desk 1", layout=LABEL_100X75, *, cups_queue: str | None = None):
    """A print station of the event; with ``cups_queue``, one the server prints from, to that queue."""
    from eventsvc.badges.stations import save_station
    from eventsvc.events.models import Event

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        station = save_station(event, name=name, layout=layout, printer_name=cups_queue or "label-1")
        station.print_on_server = cups_queue is not None
        db.session.commit()
        return station.id


def station_row(app, station_id):
    with app.app_context():
        db.session.remove()
        s = db.session.get(PrintStation, station_id)
        return s.print_count, s.reprint_count, s.last_print_at


def test_a_guest_checked_in_at_a_station_prints_once_and_a_reprint_needs_confirmation(
        app, demo, guests, badge, staff_api, tmp_path):
    station = make_station(app, demo)
    guest = guests["confirmed"][0]
    assert staff_api.scan(badge(guest)).json["result"] == "ok"

    first = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": guest})
    assert first.status_code == 201, first.json
    assert first.json["kind"] == "first"
    assert (first.json["print_count"], first.json["reprint_count"]) == (1, 0)
    # the label in the station's layout carries the guest's badge code
    client = app.test_client()
    login(client, loader.STAFF_EMAIL, loader.STAFF_PASSWORD)
    pdf = client.get(first.json["label_pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    printed = PrintedPdf(pdf.data, tmp_path)
    assert printed.info()["Page size"].startswith("283.465 x 212.598")  # 100 × 75 mm
    [code] = printed.qr_codes()
    with app.app_context():
        assert verify_badge_code(code).registration_id == guest
    html = client.get(first.json["label_url"])
    assert html.status_code == 200 and code in html.text
    # printed from a hidden frame of the site's own scanner page, and only of its own pages
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in html.headers["Content-Security-Policy"]
    css = client.get(f"/manage/e/{demo}/print-stations/labels.css")
    assert "@page label-100x75 { size: 100mm 75mm" in css.text

    # a second print of the same badge, anywhere, is refused without the staff's confirmation
    again = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": guest})
    assert again.status_code == 409
    assert again.json["code"] == "reprint_needs_confirmation"
    assert station_row(app, station)[:2] == (1, 0)
    confirmed = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": guest, "confirm": True})
    assert confirmed.status_code == 201 and confirmed.json["kind"] == "reprint"
    prints, reprints, last = station_row(app, station)
    assert (prints, reprints) == (2, 1) and last is not None
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("badge.%print%"))
                                     .order_by(AuditEvent.id)).all()
        assert actions == ["badge.printed", "badge.reprinted"]


def test_reissuing_at_the_desk_revokes_the_old_code_and_prints_the_new_badge(app, demo, guests, badge, staff_api):
    station = make_station(app, demo, layout=CARD_CR80)
    guest = guests["confirmed"][1]
    old = badge(guest)
    assert staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": guest}).status_code == 201
    refused = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": guest, "reissue": True})
    assert refused.status_code == 409 and refused.json["code"] == "reissue_needs_confirmation"
    answer = staff_api.post(f"/print-stations/{station}/prints",
                            json={"registration_id": guest, "reissue": True, "confirm": True})
    assert answer.status_code == 201
    assert answer.json["kind"] == "reprint" and answer.json["reissued"] and answer.json["badge_version"] == 2
    assert staff_api.scan(old).json["result"] == "revoked"
    assert staff_api.scan(badge(guest)).json["result"] == "ok"
    assert station_row(app, station)[:2] == (2, 1)


def test_bad_print_requests_change_nothing(app, demo, guests, staff_api):
    station = make_station(app, demo)
    assert staff_api.post(f"/print-stations/{station + 99}/prints",
                          json={"registration_id": guests["confirmed"][0]}).status_code == 404
    assert staff_api.post(f"/print-stations/{station}/prints",
                          json={"registration_id": guests["cancelled"][0]}).status_code == 404
    bad = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": "x"})
    assert bad.status_code == 422
    assert station_row(app, station)[:2] == (0, 0)


def test_organizers_add_edit_and_delete_stations(app, demo, client):
    login(client, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
    page = client.get(f"/manage/e/{demo}/print-stations")
    assert page.status_code == 200 and "No print station yet" in page.text
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    made = client.post(f"/manage/e/{demo}/print-stations", data={
        "csrf_token": token, "name": "Hall A desk", "layout": CARD_CR80, "printer_name": "Zebra-1"})
    assert made.status_code == 302
    same = client.post(f"/manage/e/{demo}/print-stations", data={
        "csrf_token": token, "name": "hall a DESK", "layout": LABEL_100X75})
    assert same.status_code == 422 and "Another station" in same.text
    wrong = client.post(f"/manage/e/{demo}/print-stations", data={
        "csrf_token": token, "name": "X", "layout": "poster"})
    assert wrong.status_code == 422
    with app.app_context():
        station = db.session.scalar(select(PrintStation))
        assert (station.name, station.layout, station.printer_name) == ("Hall A desk", CARD_CR80, "Zebra-1")
    listing = client.get(f"/manage/e/{demo}/print-stations")
    assert "Hall A desk" in listing.text and "Zebra-1" in listing.text and "Nothing printed yet" in listing.text
    edited = client.post(f"/manage/e/{demo}/print-stations/{station.id}", data={
        "csrf_token": token, "name": "Hall B desk", "layout": LABEL_100X75})
    assert edited.status_code == 302
    assert client.post(f"/manage/e/{demo}/print-stations/{station.id}/delete",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(PrintStation)) is None
        assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("print_station.%"))
                                  .order_by(AuditEvent.id)).all() == [
            "print_station.created", "print_station.updated", "print_station.deleted"]


@pytest.mark.postgres_only
def test_two_stations_printing_one_guest_at_once_give_one_first_print_and_one_refused_reprint(
        live_server, app, demo, guests, api_token):
    from eventsvc.accounts.models import User

    one, two = make_station(app, demo, "Desk 1"), make_station(app, demo, "Desk 2")
    with app.app_context():
        token = api_token(db.session.scalar(select(User.id).where(User.email == loader.STAFF_EMAIL)))
    guest = guests["confirmed"][2]
    barrier, answers = threading.Barrier(2), [None, None]

    def run(i, station):
        barrier.wait()
        answers[i] = requests.post(f"{live_server.url}/api/v1/events/{demo}/print-stations/{station}/prints",
                                   json={"registration_id": guest}, headers={"Authorization": f"Bearer {token}"},
                                   timeout=60)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert [a.json()["kind"] for a in answers if a.status_code == 201] == ["first"]
    counts = [station_row(app, s)[:2] for s in (one, two)]
    assert sorted(counts) == [(0, 0), (1, 0)]


def test_the_walk_in_desk_prints_the_new_guests_badge_at_the_devices_station(staff_client, staff_api, demo, app):
    from tests.support.web import post_form

    station = make_station(app, demo, "Walk-in desk")
    response = post_form(staff_client, f"/checkin/e/{demo}/walk-in",
                         {"name": "Zhao Min", "name_local": "赵敏", "category_id": ""})
    assert response.status_code == 302
    badge_page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    registration_id = int(badge_page.split('data-registration-id="')[1].split('"')[0])
    assert f'<option value="{station}">Walk-in desk</option>' in badge_page
    assert "js/print-station.js" in badge_page
    # what the page's script asks: a first print, then only a confirmed reprint
    first = staff_api.post(f"/print-stations/{station}/prints", json={"registration_id": registration_id})
    assert first.status_code == 201 and first.json["kind"] == "first"
    assert staff_api.post(f"/print-stations/{station}/prints",
                          json={"registration_id": registration_id}).status_code == 409
