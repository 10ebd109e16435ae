"""An event's people and organizations: search as you type, inline creation, API CRUD, who may do it."""


from tests.support.web import csrf_token


def test_search_finds_the_events_people_by_latin_name_local_name_organization_and_address(
        client, organizer_api, demo):
    by_name = client.get(f"/api/v1/events/{demo}/people?q=xie", headers=organizer_api).json
    assert [p["name"] for p in by_name] == ["Xie Zhaoxu"]
    by_local = client.get(f"/api/v1/events/{demo}/people?q=林晓雨", headers=organizer_api).json
    assert [p["name"] for p in by_local] == ["Lin Xiaoyu"]
    by_org = client.get(f"/api/v1/events/{demo}/people?q=CQC", headers=organizer_api).json
    assert {"Xie Zhaoxu", "Zhang Hua"} <= {p["name"] for p in by_org}
    guests = client.get(f"/api/v1/events/{demo}/people?q=guest007@guests.example", headers=organizer_api).json
    assert len(guests) == 1  # the event's own guests are found by address, which is never shown
    some = client.get(f"/api/v1/events/{demo}/people?q=Lin", headers=organizer_api).json
    assert some and all("email" not in p and "phone" not in p for p in some)
    assert len(client.get(f"/api/v1/events/{demo}/people?q=", headers=organizer_api).json) == 10
    assert len(client.get(f"/api/v1/events/{demo}/people?q=e", headers=organizer_api).json) == 10
    assert len(client.get(f"/api/v1/events/{demo}/people?q=e&limit=50", headers=organizer_api).json) == 50


def test_a_person_is_created_with_an_organization_found_or_created_by_name(client, organizer_api, demo):
    made = client.post(f"/api/v1/events/{demo}/people", json={"name": "Wang Lei", "name_local": "王磊",
                                               "organization_name": "cqc"}, headers=organizer_api)
    assert made.status_code == 201
    assert made.json["organization"]["short_name"] == "CQC"  # found by short name, not duplicated
    fresh = client.post(f"/api/v1/events/{demo}/people", json={"name": "Ada Li", "organization_name": "New Institute"},
                        headers=organizer_api)
    assert fresh.json["organization"]["name"] == "New Institute"
    bad = client.post(f"/api/v1/events/{demo}/people", json={"name": "", "email": "not-an-address"}, headers=organizer_api)
    assert bad.status_code == 422 and {"name", "email"} <= set(bad.json["errors"])
    dup = client.post(f"/api/v1/events/{demo}/people", json={"name": "Other", "email": "guest001@guests.example"},
                      headers=organizer_api)
    assert dup.status_code == 422 and dup.json["errors"] == {"email": ["Another person has this e-mail address."]}


def test_people_are_edited_and_deleted_but_not_while_they_spoke(client, organizer_api, demo, demo_ids):
    made = client.post(f"/api/v1/events/{demo}/people", json={"name": "Temp Person"}, headers=organizer_api).json
    patched = client.patch(f"/api/v1/events/{demo}/people/{made['id']}", json={"position": "Engineer"}, headers=organizer_api)
    assert patched.json["position"] == "Engineer"
    assert client.delete(f"/api/v1/events/{demo}/people/{made['id']}", headers=organizer_api).status_code == 204
    speaker = client.delete(f"/api/v1/events/{demo}/people/{demo_ids['people']['Xie Zhaoxu']}", headers=organizer_api)
    assert speaker.status_code == 409 and speaker.json["code"] == "person_in_use"
    assert client.get(f"/api/v1/events/{demo}/people/{demo_ids['people']['Xie Zhaoxu']}", headers=organizer_api).status_code == 200


def test_organizations_crud(client, organizer_api, demo):
    made = client.post(f"/api/v1/events/{demo}/organizations", json={"name": "Battery Alliance", "kind": "association"},
                       headers=organizer_api)
    assert made.status_code == 201
    assert client.get(f"/api/v1/events/{demo}/organizations?q=battery", headers=organizer_api).json[0]["name"] == "Battery Alliance"
    dup = client.post(f"/api/v1/events/{demo}/organizations", json={"name": "battery alliance"}, headers=organizer_api)
    assert dup.status_code == 422 and "name" in dup.json["errors"]
    bad_kind = client.post(f"/api/v1/events/{demo}/organizations", json={"name": "X", "kind": "club"}, headers=organizer_api)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json["errors"]
    assert client.patch(f"/api/v1/events/{demo}/organizations/{made.json['id']}", json={"short_name": "BA"},
                        headers=organizer_api).json["short_name"] == "BA"
    assert client.delete(f"/api/v1/events/{demo}/organizations/{made.json['id']}", headers=organizer_api).status_code == 204


def test_staff_read_the_events_people_and_plain_users_find_nothing(client, demo, make_user, api_token, app,
                                                                  staff_api):
    assert client.get(f"/api/v1/events/{demo}/people?q=xie", headers=staff_api).status_code == 200
    assert client.get(f"/api/v1/events/{demo}/organizations?q=cqc", headers=staff_api).status_code == 200
    assert client.post(f"/api/v1/events/{demo}/people", json={"name": "X"}, headers=staff_api).status_code == 403
    assert client.post(f"/api/v1/events/{demo}/people", json={}, headers=staff_api).status_code == 403  # before input
    plain = {"Authorization": f"Bearer {api_token(make_user('plain@example.org'))}"}
    assert client.get(f"/api/v1/events/{demo}/people?q=xie", headers=plain).status_code == 404
    assert client.post(f"/api/v1/events/{demo}/people", json={"name": "X"}, headers=plain).status_code == 404
    assert client.get("/api/v1/events/no-such-event/people", headers=plain).status_code == 404


def test_the_site_wide_directory_is_for_administrators_only(client, demo, make_user, api_token, organizer_api,
                                                             staff_api):
    for headers in (organizer_api, staff_api, {"Authorization": f"Bearer {api_token(make_user('plain@example.org'))}"}):
        assert client.get("/api/v1/people?q=xie", headers=headers).status_code == 403
        assert client.post("/api/v1/people", json={"name": "X"}, headers=headers).status_code == 403
        assert client.post("/api/v1/organizations", json={}, headers=headers).status_code == 403
    admin = {"Authorization": f"Bearer {api_token(make_user('admin@example.org', admin=True))}"}
    assert client.get("/api/v1/people?q=xie", headers=admin).json == []  # the forum's people are the forum's
    made = client.post("/api/v1/people", json={"name": "Xie Zhaoxu", "email": "xie@example.org",
                                               "organization_name": "CQC"}, headers=admin)
    assert made.status_code == 201
    assert [p["id"] for p in client.get("/api/v1/people?q=xie", headers=admin).json] == [made.json["id"]]
    assert client.get(f"/api/v1/events/{demo}/organizations?q=cqc", headers=admin).json[0]["id"] != \
        made.json["organization"]["id"]


def test_the_signed_in_browser_creates_a_person_inline_with_its_csrf_token(organizer_client, demo):
    token = csrf_token(organizer_client, f"/manage/e/{demo}")
    refused = organizer_client.post(f"/api/v1/events/{demo}/people", json={"name": "Inline Person"})
    assert refused.status_code == 400
    made = organizer_client.post(f"/api/v1/events/{demo}/people", json={"name": "Inline Person"}, headers={"X-CSRFToken": token})
    assert made.status_code == 201


def _email_errors(response) -> list[str]:
    """The e-mail field's messages, whether the schema (errors.json) or the service (errors) refused it."""
    errors = response.json.get("errors", {})
    return errors.get("json", errors).get("email", [])


def test_an_address_registration_refuses_is_refused_by_the_people_api_with_the_field_error(
        client, organizer_api, demo):
    for address in ("a@b", "someone@localhost", "x@example.invalid"):
        person = client.post(f"/api/v1/events/{demo}/people", json={"name": "Ada Li", "email": address}, headers=organizer_api)
        guest = client.post(f"/api/v1/events/{demo}/registrations", headers=organizer_api,
                            json={"name": "Ada Li", "email": address, "notify": False})
        assert person.status_code == guest.status_code == 422, address
        assert _email_errors(guest)
        assert _email_errors(person) == [f"“{address}” is not a valid e-mail address."]
    made = client.post(f"/api/v1/events/{demo}/people", json={"name": "Ada Li", "email": " Ada.Li@Example.ORG "},
                       headers=organizer_api)
    assert made.status_code == 201
    again = client.post(f"/api/v1/events/{demo}/people", json={"name": "Ada Li", "email": "ada.li@example.org"},
                        headers=organizer_api)
    assert again.status_code == 422 and again.json["code"] == "email_taken"  # stored lower-cased
    patched = client.patch(f"/api/v1/events/{demo}/people/{made.json['id']}", json={"email": "a@b"}, headers=organizer_api)
    assert patched.status_code == 422 and _email_errors(patched)


def test_an_organization_named_in_another_case_or_by_its_chinese_name_is_found_not_duplicated(
        client, organizer_api, app, demo):
    from sqlalchemy import func, select

    from eventsvc.extensions import db
    from eventsvc.people.models import Organization

    def organizations():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Organization))

    before = organizations()
    cqc = {client.post(f"/api/v1/events/{demo}/people", json={"name": f"Staff {i}", "organization_name": name},
                       headers=organizer_api).json["organization"]["id"]
           for i, name in enumerate(["CHINA QUALITY CERTIFICATION CENTRE", "china quality certification centre",
                                     "中国质量认证中心", "Cqc"])}
    assert len(cqc) == 1 and organizations() == before
    for twin in ({"name": "china quality certification centre"}, {"name": "中国质量认证中心"},
                 {"name": "Another Centre", "name_local": "中国质量认证中心"}):
        refused = client.post(f"/api/v1/events/{demo}/organizations", json=twin, headers=organizer_api)
        assert refused.status_code == 422 and refused.json["code"] == "organization_exists", twin
    assert organizations() == before


def test_the_people_api_stores_names_on_one_line(client, organizer_api, demo):
    org = client.post(f"/api/v1/events/{demo}/organizations", json={
        "name": "Evil\r\nCorp", "name_local": "邪\u2028恶", "short_name": "E\nC"}, headers=organizer_api)
    assert org.status_code == 201, org.json
    assert (org.json["name"], org.json["name_local"], org.json["short_name"]) == ("Evil Corp", "邪 恶", "E C")
    person = client.post(f"/api/v1/events/{demo}/people", json={
        "name": "Eve\r\nBcc: spy@evil.example", "name_local": "伊\n芙", "position": "Boss\r",
        "bio": "Line one.\nLine two.", "organization_name": "Evil\nCorp"}, headers=organizer_api)
    assert person.status_code == 201, person.json
    assert (person.json["name"], person.json["name_local"]) == ("Eve Bcc: spy@evil.example", "伊 芙")
    assert person.json["organization"]["id"] == org.json["id"]
