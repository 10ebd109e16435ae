"""Walk-ins registered at the desk, the arrivals dashboard and the exports."""

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from eventsvc.extensions import db
from tests.support.web import post_form


def _event(app, slug):
    from eventsvc.events.models import Event

    with app.app_context():
        return db.session.scalar(select(Event).where(Event.slug == slug))


def test_walk_in_is_registered_confirmed_and_arrived_and_its_badge_says_so_at_the_door(
        staff_client, staff_api, demo, app, page, live_server):
    import zxingcpp
    from PIL import Image

    from eventsvc.registration.models import Registration

    before = _event(app, demo).confirmed_count
    form_page = staff_client.get(f"/checkin/e/{demo}/walk-in").get_data(as_text=True)
    assert re.search(r'<option selected value="\d+">Guest</option>', form_page), "walk-ins default to Guest"
    response = post_form(staff_client, f"/checkin/e/{demo}/walk-in",
                         {"name": "Wang Lei", "name_local": "王磊", "organization": "Beijing Charging Co.",
                          "email": "Wang.Lei@walkin.example", "category_id": ""})
    assert response.status_code == 302
    badge_path = response.headers["Location"]
    with app.app_context():
        registration = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
        assert registration.person.email == "wang.lei@walkin.example"
        assert registration.status.value == "confirmed" and registration.source.value == "walk_in"
        registration_id = registration.id
    assert _event(app, demo).confirmed_count == before + 1
    badge_page = staff_client.get(badge_path).get_data(as_text=True)
    assert "王磊" in badge_page and "<svg" in badge_page
    pdf_link = re.search(r'href="([^"]+badge\.pdf)"', badge_page)
    assert pdf_link, "the walk-in badge page links to the printable badge"
    pdf = staff_client.get(pdf_link.group(1))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the QR on the page is a real badge code: decode it from pixels and scan it; the guest came in
    # through the desk, so the entrance already has them
    page.set_content(re.search(r"<svg.*?</svg>", badge_page, re.S).group(0))
    page.screenshot(path="/tmp/checkin-shots/walk-in-qr.png")
    decoded = zxingcpp.read_barcodes(Image.open("/tmp/checkin-shots/walk-in-qr.png"))
    assert decoded, "the walk-in badge QR does not decode"
    answer = staff_api.scan(decoded[0].text).get_json()
    assert answer["result"] == "already_checked_in" and answer["person"]["registration_id"] == registration_id
    # the same person again is refused with a clear message, nothing added
    again = post_form(staff_client, f"/checkin/e/{demo}/walk-in",
                      {"name": "Wang Lei", "email": "wang.lei@walkin.example", "category_id": ""})
    assert again.status_code == 200 and "already registered" in again.get_data(as_text=True)
    assert _event(app, demo).confirmed_count == before + 1


def _arrived(organizer_client, demo) -> dict:
    data = organizer_client.get(f"/api/v1/events/{demo}/checkin/arrivals").get_json()
    return {"arrived": data["arrived"], **{g["gate"]: g["arrived"] for g in data["by_gate"]}}


def test_a_walk_in_counts_as_arrived_at_once_at_the_desks_gate(staff_client, staff_api, organizer_client, guests,
                                                              demo, app):
    from eventsvc.checkin.models import CheckIn
    from eventsvc.registration.models import Registration

    plenary = guests["plenary_gate"]
    before = _arrived(organizer_client, demo)
    gate_count = staff_api.get("/checkin/count", query_string={"gate": "entrance"}).get_json()["count"]
    # the scanner's walk-in link carries its gate; the desk form starts on it
    form_page = staff_client.get(f"/checkin/e/{demo}/walk-in?gate={plenary}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{plenary}">', form_page)
    response = post_form(staff_client, f"/checkin/e/{demo}/walk-in",
                         {"name": "Zhou Min", "email": "zhou.min@walkin.example", "category_id": "", "gate": plenary})
    assert response.status_code == 302
    after = _arrived(organizer_client, demo)
    assert after["arrived"] == before["arrived"] + 1, "the arrivals dashboard counts the walk-in"
    assert after["entrance"] == before["entrance"] + 1 and after[plenary] == before[plenary] + 1
    assert staff_api.get("/checkin/count", query_string={"gate": "entrance"}).get_json()["count"] == gate_count + 1
    with app.app_context():
        registration = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
        entries = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)).all()
        assert sorted(e.gate for e in entries) == sorted(["entrance", plenary])
        assert {(e.result.value, e.direction.value, e.user_id is not None) for e in entries} == {("ok", "in", True)}


def test_a_walk_in_desk_at_a_seated_sessions_door_is_refused_and_registers_nobody(staff_client, organizer_client,
                                                                                 guests, demo, app):
    before = _event(app, demo).confirmed_count
    arrived = _arrived(organizer_client, demo)["arrived"]
    response = post_form(staff_client, f"/checkin/e/{demo}/walk-in",
                         {"name": "Qian Yu", "email": "qian.yu@walkin.example", "category_id": "",
                          "gate": guests["seminar_gate"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Walk-ins are registered at the entrance" in body
    assert _event(app, demo).confirmed_count == before
    assert _arrived(organizer_client, demo)["arrived"] == arrived


def test_walk_in_form_shows_field_errors_and_changes_nothing(staff_client, demo, app):
    before = _event(app, demo).confirmed_count
    response = post_form(staff_client, f"/checkin/e/{demo}/walk-in", {"name": "", "email": "not-an-email",
                                                                       "category_id": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "field-error" in body
    assert _event(app, demo).confirmed_count == before


def test_walk_ins_are_refused_where_the_event_does_not_take_them(staff_client, demo, app):
    with app.app_context():
        from eventsvc.events.models import Event
        db.session.scalar(select(Event).where(Event.slug == demo)).allow_walk_ins = False
        db.session.commit()
    response = staff_client.get(f"/checkin/e/{demo}/walk-in", follow_redirects=True)
    assert "does not take walk-ins" in response.get_data(as_text=True)
    assert "Register a walk-in" not in staff_client.get(f"/checkin/e/{demo}").get_data(as_text=True)


def test_arrivals_dashboard_counts_by_category_and_lists_missing_vips_first(organizer_client, staff_api, guests,
                                                                          badge, demo):
    vip, guest = guests["confirmed"][0], guests["confirmed"][30]
    staff_api.scan(badge(vip))
    staff_api.scan(badge(guest))
    staff_api.scan(badge(guest))  # counted once
    staff_api.scan(badge(guests["seated"][2]), gate=guests["seminar_gate"])
    data = organizer_client.get(f"/api/v1/events/{demo}/checkin/arrivals").get_json()
    assert data["arrived"] == 2 and data["expected"] == 172
    by_cat = {c["category"]: c for c in data["by_category"]}
    assert by_cat["VIP"]["arrived"] == 1 and by_cat["VIP"]["expected"] == 17
    assert sum(c["arrived"] for c in data["by_category"]) == 2
    seminar = next(g for g in data["by_gate"] if g["gate"] == guests["seminar_gate"])
    assert seminar["arrived"] == 1 and seminar["expected"] == 40
    assert len(data["vips_missing"]) == 16 and vip not in [v["registration_id"] for v in data["vips_missing"]]
    assert sum(p["count"] for p in data["over_time"]) == 2
    page = organizer_client.get(f"/manage/e/{demo}/arrivals").get_data(as_text=True)
    assert "VIPs not yet arrived" in page and "arrivals-data" in page


def test_exports_list_every_scan_and_session_attendance(organizer_client, staff_api, guests, badge, demo):
    staff_api.scan(badge(guests["confirmed"][0]), device="door-1")
    staff_api.scan(badge(guests["cancelled"][0]))
    staff_api.scan(badge(guests["seated"][1]), gate=guests["seminar_gate"])
    response = organizer_client.get(f"/manage/e/{demo}/checkins.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Server time (UTC)", "Device time (UTC)", "Gate", "Direction", "Result"]
    assert sorted(r[4] for r in rows[1:]) == ["cancelled", "ok", "ok"]
    xlsx = organizer_client.get(f"/manage/e/{demo}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and "Seminar" in values[1][0]
    assert organizer_client.get(f"/manage/e/{demo}/checkins.pdf").status_code == 404
