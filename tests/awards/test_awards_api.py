"""The JSON API of award programs and awards: the same rules as the pages, 4xx JSON with field errors."""

import io

from sqlalchemy import select

from eventsvc.events.models import Participation
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person


def test_organizers_create_a_program_and_bad_fields_are_named(client, organizer_api, demo):
    url = f"/api/v1/events/{demo}/award-programs"
    created = client.post(url, headers=organizer_api, json={
        "kind": "certificate", "name": "Council Membership", "name_local": "理事会成员证书",
        "number_prefix": "cm", "number_digits": 3})
    assert created.status_code == 201, created.json
    assert created.json["number_prefix"] == "CM" and created.json["next_sequence"] == 1
    taken = client.post(url, headers=organizer_api, json={"kind": "license", "name": "Other", "number_prefix": "SH100"})
    assert taken.status_code == 409 and taken.json["code"] == "prefix_taken"
    assert taken.json["errors"] == {"number_prefix": ["Another program already uses this prefix."]}
    bad = client.post(url, headers=organizer_api, json={"kind": "medal", "name": "", "number_prefix": "x"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"kind", "name", "number_prefix"}
    assert [p["name"] for p in client.get(url, headers=organizer_api).json] == [
        "High Quality Charging Action — Shining 100 Stations Plan", "Council Membership"]


def test_the_prefix_cannot_change_once_numbers_were_issued(client, organizer_api, demo, demo_program_id):
    response = client.patch(f"/api/v1/events/{demo}/award-programs/{demo_program_id}",
                            json={"number_prefix": "SHX"}, headers=organizer_api)
    assert response.status_code == 409 and response.json["code"] == "prefix_in_use"
    ok = client.patch(f"/api/v1/events/{demo}/award-programs/{demo_program_id}",
                      json={"validity_months": 24}, headers=organizer_api)
    assert ok.status_code == 200 and ok.json["validity_months"] == 24


def test_a_presenter_must_be_on_the_ceremony_stage(app, client, organizer_api, demo, demo_program_id):
    with app.app_context():
        outsider = db.session.scalar(select(Person.id).where(Person.name == "Zhang Hua"))
        on_stage = db.session.scalar(select(Participation).where(Participation.role == "presenter"))
        stage_id, session_id = on_stage.person_id, on_stage.agenda_item_id
        org_id = db.session.scalar(select(Organization.id).where(Organization.short_name == "EV100"))
    url = f"/api/v1/events/{demo}/award-programs/{demo_program_id}/awards"
    body = {"recipient_organization_id": org_id, "agenda_item_id": session_id, "issue_date": "2023-03-31"}
    refused = client.post(url, json={**body, "presenter_id": outsider}, headers=organizer_api)
    assert refused.status_code == 422 and refused.json["code"] == "presenter_not_on_stage"
    assert list(refused.json["errors"]) == ["presenter_id"]
    created = client.post(url, json={**body, "presenter_id": stage_id}, headers=organizer_api)
    assert created.status_code == 201
    assert created.json["presenter"]["name"] == "Xie Zhaoxu" and created.json["position"] == 6
    assert created.json["verification_url"].startswith("http://127.0.0.1/verify/")


def test_staff_read_and_present_but_cannot_change_and_outsiders_see_nothing(
        client, staff_api, demo, demo_program_id, make_user, api_token):
    awards = client.get(f"/api/v1/events/{demo}/awards", headers=staff_api)
    assert awards.status_code == 200 and [a["position"] for a in awards.json] == [1, 2, 3, 4, 5]
    first = awards.json[0]["id"]
    presented = client.post(f"/api/v1/events/{demo}/awards/{first}/presented", headers=staff_api)
    assert presented.status_code == 200 and presented.json["status"] == "presented"
    assert client.post(f"/api/v1/events/{demo}/awards/{first}/revoke", json={"reason": "x"},
                       headers=staff_api).status_code == 403
    outsider = {"Authorization": f"Bearer {api_token(make_user('out@example.org'))}"}
    assert client.get(f"/api/v1/events/{demo}/awards", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/events/{demo}/award-programs/{demo_program_id}", headers=outsider).status_code == 404


def test_revoking_needs_a_reason_and_happens_once(client, organizer_api, demo):
    first = client.get(f"/api/v1/events/{demo}/awards", headers=organizer_api).json[0]["id"]
    url = f"/api/v1/events/{demo}/awards/{first}/revoke"
    assert client.post(url, json={"reason": ""}, headers=organizer_api).status_code == 422
    done = client.post(url, json={"reason": "Withdrawn by the issuer."}, headers=organizer_api)
    assert done.status_code == 200 and done.json["status"] == "revoked" and done.json["revoked_at"]
    assert client.post(url, json={"reason": "Again."}, headers=organizer_api).json["code"] == "already_revoked"
    presented = client.post(f"/api/v1/events/{demo}/awards/{first}/presented", headers=organizer_api)
    assert presented.status_code == 409 and presented.json["code"] == "revoked"


def test_importing_through_the_api_reports_every_bad_row_as_json(app, client, organizer_api, demo, demo_program_id):
    url = f"/api/v1/events/{demo}/award-programs/{demo_program_id}/import"
    bad = io.BytesIO(b"organization,order\nGood Co.,1\n,2\nOther Co.,x\n")
    response = client.post(url, headers=organizer_api, content_type="multipart/form-data",
                           data={"file": (bad, "list.csv"), "issue_date": "2023-03-31"})
    assert response.status_code == 422 and response.json["code"] == "import_rejected"
    assert [(r["line"], r["field"]) for r in response.json["details"]["rows"]] == [
        (3, "organization"), (4, "order")]
    good = io.BytesIO("organization,organization_local\nGood Co.,好公司\nOther Co.,\n".encode())
    response = client.post(url, headers=organizer_api, content_type="multipart/form-data",
                           data={"file": (good, "list.csv"), "issue_date": "2023-03-31"})
    assert response.status_code == 201
    assert [(a["certificate_number"], a["recipient_organization"]["name_local"]) for a in response.json] == [
        ("SH100-2023-0006", "好公司"), ("SH100-2023-0007", None)]
    no_date = client.post(url, headers=organizer_api, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"organization\nX\n"), "list.csv")})
    assert no_date.status_code == 422 and list(no_date.json["errors"]) == ["issue_date"]
    no_file = client.post(url, headers=organizer_api, content_type="multipart/form-data",
                          data={"issue_date": "2023-03-31"})
    assert no_file.status_code == 422 and list(no_file.json["errors"]) == ["file"]


def test_organizers_export_every_award_in_run_sheet_order(organizer_client, staff_client, demo):
    from openpyxl import load_workbook

    response = organizer_client.get(f"/manage/e/{demo}/awards/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("certificate_number", "program", "status", "organization")
    assert [r[0] for r in rows[1:]] == [f"SH100-2023-{n:04d}" for n in range(1, 6)]
    assert rows[1][4] == "京华充电科技有限公司"
    csv = organizer_client.get(f"/manage/e/{demo}/awards/export.csv").get_data(as_text=True)
    assert csv.startswith("\ufeffcertificate_number,") and "SH100-2023-0005" in csv
    assert staff_client.get(f"/manage/e/{demo}/awards/export.csv").status_code == 403
