"""Every CSV and XLSX export writes guests' text as text: no cell becomes a formula.

The demo forum's guests, organizations and a scanner device are renamed to formulas; then
every export an organizer can download is read back with the csv module and with openpyxl.
"""

import io
import uuid
import zipfile

from sqlalchemy import select, update

from eventsvc.extensions import db
from tests.support.spreadsheets import read_csv_rows, read_xlsx_cells

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "=1+2", "+1", "-1+1", "@SUM(1)", "\t=1+2"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: every export, by its URL rule; the test below fails when an export is added and not listed here
EXPORT_RULES = {
    "/manage/e/<slug>/invitations": "/manage/e/{slug}/invitations?format={fmt}",
    "/manage/e/<slug>/registrations": "/manage/e/{slug}/registrations?format={fmt}",
    "/manage/e/<slug>/checkins.<fmt>": "/manage/e/{slug}/checkins.{fmt}",
    "/manage/e/<slug>/attendance.<fmt>": "/manage/e/{slug}/attendance.{fmt}",
    "/manage/e/<slug>/awards/export.<any(csv, xlsx):fmt>": "/manage/e/{slug}/awards/export.{fmt}",
    "/manage/e/<slug>/audit.<fmt>": "/manage/e/{slug}/audit.{fmt}",
    "/manage/e/<slug>/sessions/<int:item_id>/attendance.<fmt>": "/manage/e/{slug}/sessions/{seminar}/attendance.{fmt}",
}


def _rename_everyone_to_formulas(app):
    from eventsvc.people.models import Organization, Person

    with app.app_context():
        for index, person_id in enumerate(db.session.scalars(select(Person.id).order_by(Person.id))):
            formula = FORMULAS[index % len(FORMULAS)]
            db.session.execute(update(Person).where(Person.id == person_id).values(
                name=formula, name_local=formula, phone="+86 138 0000 0000"))
        for index, org_id in enumerate(db.session.scalars(select(Organization.id).order_by(Organization.id))):
            db.session.execute(update(Organization).where(Organization.id == org_id).values(
                name=f"{FORMULAS[index % len(FORMULAS)]} #{org_id}"))
        db.session.commit()


def _scan_a_seated_guest_at_the_seminar(app, client, demo, organizer_api):
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.events.models import AgendaItem
    from eventsvc.registration.enums import SeatStatus
    from eventsvc.registration.models import SessionSeat

    with app.app_context():
        seminar = db.session.scalar(select(AgendaItem).where(AgendaItem.kind == "seminar"))
        seat = db.session.scalar(select(SessionSeat).where(SessionSeat.agenda_item_id == seminar.id,
                                                           SessionSeat.status == SeatStatus.CONFIRMED))
        registration = seat.registration
        code = sign_badge_code(registration.event_id, registration.id, registration.badge_version)
        gate, seminar_id = f"session-{seminar.id}", seminar.id
        db.session.commit()
    for scan_gate in ("entrance", gate):
        response = client.post(f"/api/v1/events/{demo}/scans", headers=organizer_api, json={
            "code": code, "gate": scan_gate, "nonce": uuid.uuid4().hex, "device": "=1+2"})
        assert response.status_code in (200, 201), response.get_json()
    return seminar_id


def _change_a_guest_for_the_audit_trail(app, client, demo, organizer_api):
    from eventsvc.people.models import Person

    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.name == "=1+2").limit(1))
    response = client.patch(f"/api/v1/events/{demo}/people/{person_id}", headers=organizer_api,
                            json={"position": "Chief Engineer"})
    assert response.status_code == 200, response.get_json()


#: routes with a format that are not spreadsheets: a print station's label, HTML or PDF
NOT_SPREADSHEETS = {"/manage/e/<slug>/print-stations/<int:station_id>/labels/<int:registration_id>.<any(html, pdf):fmt>"}


def test_every_export_is_listed_here(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if "fmt" in rule.arguments or rule.endpoint.endswith((".invitations", ".registrations"))}
    assert rules == set(EXPORT_RULES) | NOT_SPREADSHEETS


def test_formulas_in_names_come_back_as_text_from_every_csv_and_xlsx_export(
        app, client, demo, organizer_client, organizer_api):
    _rename_everyone_to_formulas(app)
    seminar = _scan_a_seated_guest_at_the_seminar(app, client, demo, organizer_api)
    _change_a_guest_for_the_audit_trail(app, client, demo, organizer_api)
    for rule, url in EXPORT_RULES.items():
        csv_response = organizer_client.get(url.format(slug=demo, fmt="csv", seminar=seminar))
        assert csv_response.status_code == 200, rule
        assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8", rule  # one charset, not two
        cells = [cell for row in read_csv_rows(csv_response.get_data(as_text=True)) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], rule
        assert {"'=1+2", "'+1", "'-1+1", "'@SUM(1)"} & set(c.split(" #")[0] for c in cells), rule

        xlsx_response = organizer_client.get(url.format(slug=demo, fmt="xlsx", seminar=seminar))
        assert xlsx_response.status_code == 200, rule
        xlsx_cells = [cell for row in read_xlsx_cells(xlsx_response.data) for cell in row]
        formulas = [c for c in xlsx_cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
        assert formulas, rule
        assert all(c.data_type == "s" and c.quotePrefix for c in formulas), rule
        assert not [c for c in xlsx_cells if c.data_type == "f"], rule
        with zipfile.ZipFile(io.BytesIO(xlsx_response.data)) as archive:
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml"), rule

    registrations = organizer_client.get(f"/manage/e/{demo}/registrations?format=csv").get_data(as_text=True)
    rows = read_csv_rows(registrations)
    assert {row[0] for row in rows[1:]} == {"'" + f for f in FORMULAS}
    assert {row[3] for row in rows[1:]} == {"'+86 138 0000 0000"}
    hyperlink = next(c for row in read_xlsx_cells(organizer_client.get(
        f"/manage/e/{demo}/registrations?format=xlsx").data) for c in row if c.value == FORMULAS[0])
    assert hyperlink.data_type == "s" and hyperlink.hyperlink is None


def test_numbers_in_exports_stay_numbers(app, client, demo, organizer_client, organizer_api):
    _scan_a_seated_guest_at_the_seminar(app, client, demo, organizer_api)
    checkins = read_xlsx_cells(organizer_client.get(f"/manage/e/{demo}/checkins.xlsx").data)
    assert checkins[0][7].value == "Registration"
    assert all(isinstance(row[7].value, int) and row[7].data_type == "n" for row in checkins[1:])
    awards = read_xlsx_cells(organizer_client.get(f"/manage/e/{demo}/awards/export.xlsx").data)
    assert awards[0][9].value == "order"
    assert [row[9].value for row in awards[1:]] == list(range(1, len(awards)))
