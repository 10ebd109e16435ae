"""People and organizations: search as you type, inline creation, API CRUD, who may do it."""


from eventsvc.demo import loader
from tests.support.web import csrf_token


def test_search_finds_people_by_latin_name_local_name_and_organization(client, organizer_api):
    by_name = client.get("/api/v1/people?q=xie", headers=organizer_api).json
    assert [p["name"] for p in by_name] == ["Xie Zhaoxu"]
    by_local = client.get("/api/v1/people?q=林晓雨", headers=organizer_api).json
    assert [p["name"] for p in by_local] == ["Lin Xiaoyu"]
    by_org = client.get("/api/v1/people?q=CQC", headers=organizer_api).json
    assert {"Xie Zhaoxu", "Zhang Hua"} <= {p["name"] for p in by_org}
    guests = client.get("/api/v1/people?q=guests.example", headers=organizer_api).json
    assert guests == []  # e-mail addresses are neither searched nor shown
    some = client.get("/api/v1/people?q=Lin", headers=organizer_api).json
    assert some and all("email" not in p and "phone" not in p for p in some)
    assert client.get("/api/v1/people?q=", headers=organizer_api).json == []
    assert len(client.get("/api/v1/people?q=e", headers=organizer_api).json) == 10


def test_a_person_is_created_with_an_organization_found_or_created_by_name(client, organizer_api):
    made = client.post("/api/v1/people", json={"name": "Wang Lei", "name_local": "王磊",
                                               "organization_name": "cqc"}, headers=organizer_api)
    assert made.status_code == 201
    assert made.json["organization"]["short_name"] == "CQC"  # found by short name, not duplicated
    fresh = client.post("/api/v1/people", json={"name": "Ada Li", "organization_name": "New Institute"},
                        headers=organizer_api)
    assert fresh.json["organization"]["name"] == "New Institute"
    bad = client.post("/api/v1/people", json={"name": "", "email": "not-an-address"}, headers=organizer_api)
    assert bad.status_code == 422 and {"name", "email"} <= set(bad.json["errors"]["json"])
    dup = client.post("/api/v1/people", json={"name": "Other", "email": "guest001@guests.example"},
                      headers=organizer_api)
    assert dup.status_code == 422 and dup.json["errors"] == {"email": ["Another person has this e-mail address."]}


def test_people_are_edited_and_deleted_but_not_while_they_spoke(client, organizer_api, demo_ids):
    made = client.post("/api/v1/people", json={"name": "Temp Person"}, headers=organizer_api).json
    patched = client.patch(f"/api/v1/people/{made['id']}", json={"position": "Engineer"}, headers=organizer_api)
    assert patched.json["position"] == "Engineer"
    assert client.delete(f"/api/v1/people/{made['id']}", headers=organizer_api).status_code == 204
    speaker = client.delete(f"/api/v1/people/{demo_ids['people']['Xie Zhaoxu']}", headers=organizer_api)
    assert speaker.status_code == 409 and speaker.json["code"] == "person_in_use"
    assert client.get(f"/api/v1/people/{demo_ids['people']['Xie Zhaoxu']}", headers=organizer_api).status_code == 200


def test_organizations_crud(client, organizer_api):
    made = client.post("/api/v1/organizations", json={"name": "Battery Alliance", "kind": "association"},
                       headers=organizer_api)
    assert made.status_code == 201
    assert client.get("/api/v1/organizations?q=battery", headers=organizer_api).json[0]["name"] == "Battery Alliance"
    dup = client.post("/api/v1/organizations", json={"name": "battery alliance"}, headers=organizer_api)
    assert dup.status_code == 422 and "name" in dup.json["errors"]
    bad_kind = client.post("/api/v1/organizations", json={"name": "X", "kind": "club"}, headers=organizer_api)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json["errors"]["json"]
    assert client.patch(f"/api/v1/organizations/{made.json['id']}", json={"short_name": "BA"},
                        headers=organizer_api).json["short_name"] == "BA"
    assert client.delete(f"/api/v1/organizations/{made.json['id']}", headers=organizer_api).status_code == 204


def test_staff_and_plain_users_cannot_search_or_create_people(client, demo, make_user, api_token, app):
    from eventsvc.accounts.service import user_by_email

    with app.app_context():
        staff_id = user_by_email(loader.STAFF_EMAIL).id
    for user_id in (staff_id, make_user("plain@example.org")):
        headers = {"Authorization": f"Bearer {api_token(user_id)}"}
        assert client.get("/api/v1/people?q=xie", headers=headers).status_code == 403
        assert client.post("/api/v1/people", json={"name": "X"}, headers=headers).status_code == 403


def test_the_signed_in_browser_creates_a_person_inline_with_its_csrf_token(organizer_client, demo):
    token = csrf_token(organizer_client, f"/manage/e/{demo}")
    refused = organizer_client.post("/api/v1/people", json={"name": "Inline Person"})
    assert refused.status_code == 400
    made = organizer_client.post("/api/v1/people", json={"name": "Inline Person"}, headers={"X-CSRFToken": token})
    assert made.status_code == 201


def _email_errors(response) -> list[str]:
    """The e-mail field's messages, whether the schema (errors.json) or the service (errors) refused it."""
    errors = response.json.get("errors", {})
    return errors.get("json", errors).get("email", [])


def test_an_address_registration_refuses_is_refused_by_the_people_api_with_the_field_error(
        client, organizer_api, demo):
    for address in ("a@b", "someone@localhost", "x@example.invalid"):
        person = client.post("/api/v1/people", json={"name": "Ada Li", "email": address}, headers=organizer_api)
        guest = client.post(f"/api/v1/events/{demo}/registrations", headers=organizer_api,
                            json={"name": "Ada Li", "email": address, "notify": False})
        assert person.status_code == guest.status_code == 422, address
        assert _email_errors(guest)
        assert _email_errors(person) == [f"“{address}” is not a valid e-mail address."]
    made = client.post("/api/v1/people", json={"name": "Ada Li", "email": " Ada.Li@Example.ORG "},
                       headers=organizer_api)
    assert made.status_code == 201
    again = client.post("/api/v1/people", json={"name": "Ada Li", "email": "ada.li@example.org"},
                        headers=organizer_api)
    assert again.status_code == 422 and again.json["code"] == "email_taken"  # stored lower-cased
    patched = client.patch(f"/api/v1/people/{made.json['id']}", json={"email": "a@b"}, headers=organizer_api)
    assert patched.status_code == 422 and _email_errors(patched)


def test_an_organization_named_in_another_case_or_by_its_chinese_name_is_found_not_duplicated(
        client, organizer_api, app):
    from sqlalchemy import func, select

    from eventsvc.extensions import db
    from eventsvc.people.models import Organization

    def organizations():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Organization))

    before = organizations()
    cqc = {client.post("/api/v1/people", json={"name": f"Staff {i}", "organization_name": name},
                       headers=organizer_api).json["organization"]["id"]
           for i, name in enumerate(["CHINA QUALITY CERTIFICATION CENTRE", "china quality certification centre",
                                     "中国质量认证中心", "Cqc"])}
    assert len(cqc) == 1 and organizations() == before
    for twin in ({"name": "china quality certification centre"}, {"name": "中国质量认证中心"},
                 {"name": "Another Centre", "name_local": "中国质量认证中心"}):
        refused = client.post("/api/v1/organizations", json=twin, headers=organizer_api)
        assert refused.status_code == 422 and refused.json["code"] == "organization_exists", twin
    assert organizations() == before
