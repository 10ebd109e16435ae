"""One input layer: what no request may carry gets a clear 4xx naming the field, and changes nothing.

Found by an API fuzzer (issue 12): ids and numbers beyond 64 bits, unknown enum values, dates
that overflow in UTC, time zones naming a folder, NUL bytes (PostgreSQL refuses them) and
100,000 nested brackets all answered 500. Under /api every error is JSON in the one shape the
OpenAPI document gives (``Error``).
"""

import pytest
from openapi_schema_validator import OAS30Validator
from sqlalchemy import func, select

from eventsvc.core.input import INT_MAX, MAX_POSITION
from eventsvc.extensions import db
from tests.support.web import post_form

HUGE = 28983125305658448281851658240


@pytest.fixture
def error_schema(client):
    document = client.get("/api/v1/openapi.json").json
    return OAS30Validator({**document["components"]["schemas"]["Error"],
                           "components": document["components"]})


def assert_error(response, status: int, error_schema, *, code: str | None = None, field: str | None = None):
    """The one error shape: JSON, a string code, the HTTP status, a message, field errors."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json, response.get_data(as_text=True)[:300]
    error_schema.validate(response.json)
    assert response.json["status"] == status and isinstance(response.json["code"], str)
    if code:
        assert response.json["code"] == code
    if field:
        assert field in response.json["errors"], response.json
    return response.json


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _first_session(client, demo, headers) -> int:
    return client.get(f"/api/v1/events/{demo}/sessions", headers=headers).json[0]["id"]


# --- ids and numbers --------------------------------------------------------------------------

def test_an_id_beyond_any_column_in_a_path_is_404_on_api_and_pages(client, demo, organizer_api,
                                                                     organizer_client, error_schema):
    answer = client.get(f"/api/v1/events/{demo}/registrations/{HUGE}/badge", headers=organizer_api)
    assert_error(answer, 404, error_schema, code="not_found")
    assert client.get(f"/api/v1/events/{demo}/sessions/{INT_MAX + 1}", headers=organizer_api).status_code == 404
    assert organizer_client.get(f"/manage/e/{demo}/rooms/{HUGE}").status_code == 404


def test_numbers_beyond_a_column_in_queries_and_bodies_are_field_errors(app, client, demo, organizer_api,
                                                                         error_schema):
    from eventsvc.events.models import SpeechRecord

    answer = client.get(f"/api/v1/events/{demo}/registrations?page={10**20}", headers=organizer_api)
    assert_error(answer, 422, error_schema, code="validation_error", field="page")
    item = _first_session(client, demo, organizer_api)
    speeches = _count(app, SpeechRecord)
    speaker = client.get(f"/api/v1/events/{demo}/people", headers=organizer_api).json[0]["id"]
    answer = client.post(f"/api/v1/events/{demo}/sessions/{item}/speeches", headers=organizer_api,
                         json={"speaker_id": speaker, "title": "Batteries", "position": 10**20})
    assert_error(answer, 422, error_schema, field="position")
    answer = client.post(f"/api/v1/events/{demo}/sessions/{item}/speeches", headers=organizer_api,
                         json={"speaker_id": HUGE, "title": "Batteries"})
    assert_error(answer, 422, error_schema, field="speaker_id")
    answer = client.post(f"/api/v1/events/{demo}/sessions/{item}/participations", headers=organizer_api,
                         json={"person_id": speaker, "role": "moderator", "position": MAX_POSITION + 1})
    assert_error(answer, 422, error_schema, field="position")
    assert _count(app, SpeechRecord) == speeches


def test_an_optional_email_sent_empty_is_cleared_not_a_crash(client, demo, organizer_api):
    answer = client.post(f"/api/v1/events/{demo}/people", headers=organizer_api,
                         json={"name": "Zhao Lei", "email": ""})
    assert answer.status_code == 201, answer.json


def test_page_filters_and_forms_with_huge_numbers_answer_without_a_500(app, demo, organizer_client, client):
    from eventsvc.events.models import Room

    listing = organizer_client.get(f"/manage/e/{demo}/registrations?page={10**20}&category={10**20}")
    assert listing.status_code == 200
    assert client.get(f"/e/{demo}/agenda?room={HUGE}").status_code == 200
    rooms = _count(app, Room)
    answer = post_form(organizer_client, f"/manage/e/{demo}/rooms", {"name": "Annex", "capacity": str(10**20)})
    assert answer.status_code == 200 and "Give a number up to" in answer.get_data(as_text=True)
    assert _count(app, Room) == rooms


# --- enums, dates, time zones ------------------------------------------------------------------

def test_an_unknown_status_filter_names_the_allowed_values(client, demo, organizer_api, error_schema):
    answer = client.get("/api/v1/events?status=null", headers=organizer_api)
    error = assert_error(answer, 422, error_schema, code="validation_error", field="status")
    assert "published" in error["errors"]["status"][0]
    answer = client.get(f"/api/v1/events/{demo}/registrations?status=null", headers=organizer_api)
    error = assert_error(answer, 422, error_schema, field="status")
    assert "confirmed" in error["errors"]["status"][0] and "waitlisted" in error["errors"]["status"][0]
    assert client.get(f"/api/v1/events/{demo}/registrations?status=confirmed", headers=organizer_api).status_code == 200


def test_times_that_overflow_in_utc_are_field_errors(app, client, demo, organizer_api, staff_api, error_schema):
    from eventsvc.checkin.models import CheckIn
    from eventsvc.events.models import AgendaItem

    sessions = _count(app, AgendaItem)
    answer = client.post(f"/api/v1/events/{demo}/sessions", headers=organizer_api, json={
        "kind": "seminar", "title": "Late", "starts_at": "9999-12-31T23:00:00+14:00",
        "ends_at": "9999-12-31T23:30:00+14:00"})
    error = assert_error(answer, 422, error_schema, field="starts_at")
    assert "ends_at" in error["errors"]
    assert _count(app, AgendaItem) == sessions
    answer = client.post(f"/api/v1/events/{demo}/scans", headers=staff_api, json={
        "code": "X", "gate": "entrance", "nonce": "early-1", "device_time": "0001-01-01T00:00:00+14:00"})
    assert_error(answer, 422, error_schema, field="device_time")
    assert _count(app, CheckIn) == 0


@pytest.mark.parametrize("zone", ["America", "Etc", "../etc/passwd", "Asia/Nowhere"])
def test_a_time_zone_that_names_a_folder_is_a_form_error(app, demo, organizer_client, zone):
    from eventsvc.events.permissions import event_by_slug

    answer = post_form(organizer_client, f"/manage/e/{demo}/edit", {
        "slug": demo, "title": "EV100 Forum", "kind": "forum", "start_date": "2023-04-01",
        "end_date": "2023-04-01", "timezone": zone, "registration_mode": "invitation"})
    assert answer.status_code == 200 and "Unknown time zone" in answer.get_data(as_text=True)
    with app.app_context():
        assert event_by_slug(demo).timezone == "Asia/Shanghai"


# --- NUL bytes and deep JSON ---------------------------------------------------------------

def test_a_nul_byte_anywhere_is_refused_and_nothing_is_stored(app, client, demo, organizer_api, organizer_client,
                                                              error_schema):
    from eventsvc.events.models import Room
    from eventsvc.registration.models import Registration

    answer = client.get(f"/api/v1/events/{demo}/registrations?q=%00", headers=organizer_api)
    assert_error(answer, 400, error_schema, code="bad_request", field="q")
    assert_error(client.get("/api/v1/events/ev%00100", headers=organizer_api), 400, error_schema)
    registrations = _count(app, Registration)
    answer = client.post(f"/api/v1/events/{demo}/registrations", headers=organizer_api,
                         json={"name": "Li\x00Na", "email": "li.na@example.org"})
    assert_error(answer, 422, error_schema, field="name")
    answer = client.post(f"/api/v1/events/{demo}/registrations", headers=organizer_api,
                         json={"name": "Li Na\ud800", "email": "li.na@example.org"})
    assert_error(answer, 422, error_schema, field="name")
    assert _count(app, Registration) == registrations
    answer = client.post(f"/api/v1/events/{demo}/organizations", headers=organizer_api,
                         json={"name": "Apple Corp", "website": "https://apple.example/a\x00b"})
    assert_error(answer, 422, error_schema, field="website")

    assert organizer_client.get(f"/manage/e/{demo}/registrations?q=%00").status_code == 400
    rooms = _count(app, Room)
    assert post_form(organizer_client, f"/manage/e/{demo}/rooms", {"name": "Hall\x00B"}).status_code == 400
    assert _count(app, Room) == rooms


def test_an_imported_file_with_a_nul_byte_imports_nothing(app, client, demo, organizer_api, error_schema):
    import io

    from eventsvc.registration.models import Invitation

    invitations = _count(app, Invitation)
    data = b"name,email\nLi\x00Na,li.na@example.org\n"
    answer = client.post(f"/api/v1/events/{demo}/invitations/import", headers=organizer_api,
                         data={"file": (io.BytesIO(data), "guests.csv")}, content_type="multipart/form-data")
    assert_error(answer, 422, error_schema, field="file")
    assert _count(app, Invitation) == invitations


def test_deeply_nested_or_unreadable_json_is_a_400_not_a_crash(client, demo, staff_api, error_schema):
    for body in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        answer = client.post(f"/api/v1/events/{demo}/scans", headers=staff_api, data=body,
                             content_type="application/json")
        assert_error(answer, 400, error_schema, code="bad_request")
    too_long = client.post(f"/api/v1/events/{demo}/scans", headers=staff_api,
                           data='{"registration_id": 1' + "0" * 5000 + "}", content_type="application/json")
    assert_error(too_long, 400, error_schema, code="bad_request")
    # brackets inside strings are text, not nesting
    answer = client.post(f"/api/v1/events/{demo}/scans", headers=staff_api,
                         json={"code": "[" * 300, "gate": "entrance", "nonce": "n-1"})
    assert answer.status_code == 200


# --- the one error shape ---------------------------------------------------------------------

def test_every_api_error_has_the_one_documented_shape(client, demo, organizer_api, staff_api, error_schema):
    assert_error(client.get("/api/v1/events"), 401, error_schema, code="unauthorized")
    assert_error(client.get("/api/v1/nowhere", headers=organizer_api), 404, error_schema, code="not_found")
    assert_error(client.post(f"/api/v1/events/{demo}/invitations", json={}, headers=staff_api), 403,
                 error_schema, code="not_organizer")
    bad = assert_error(client.post(f"/api/v1/events/{demo}/scans", json={"gate": "entrance"}, headers=staff_api),
                       422, error_schema, code="validation_error", field="nonce")
    assert all(isinstance(m, str) for m in bad["errors"]["nonce"])
    assert_error(client.post(f"/api/v1/events/{demo}/scans", data="{", content_type="application/json",
                             headers=staff_api), 400, error_schema)
    nested = client.post(f"/api/v1/events/{demo}/scans/batch", headers=staff_api,
                         json={"scans": [{"gate": "entrance", "nonce": "a"}, {"gate": "", "nonce": "b"}]})
    assert "scans.1.gate" in assert_error(nested, 422, error_schema)["errors"]


def test_a_405_says_what_is_allowed_on_api_and_pages(client, demo, organizer_api, error_schema):
    answer = client.delete("/api/v1/events", headers=organizer_api)
    assert_error(answer, 405, error_schema, code="method_not_allowed")
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    page = client.put(f"/e/{demo}")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


# --- the OpenAPI document ----------------------------------------------------------------------

def _resolve(document, node):
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = document["components"][kind][name]
    return node


def test_the_document_gives_every_error_response_the_error_schema(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json
    validate(document)
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["type"] == "string" and error["properties"]["status"]["type"] == "integer"
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            expected = ("400", "401") + (("404",) if "{" in path else ()) + (("409",) if method != "get" else ())
            for status in expected:
                if status not in responses:
                    missing.append(f"{method} {path}: no {status}")
            for status, response in responses.items():
                if status == "default" or status[0] in "45":
                    schema = _resolve(document, response)["content"]["application/json"]["schema"]
                    if schema != {"$ref": "#/components/schemas/Error"}:
                        missing.append(f"{method} {path} {status}: {schema}")
    assert missing == []


def test_the_document_marks_what_may_be_null_and_bounds_path_ids(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["components"]["schemas"]["GuestPerson"]["properties"]["email"]["nullable"] is True
    badge = document["paths"]["/api/v1/events/{slug}/registrations/{registration_id}/badge"]
    parameter = next(p for p in badge["parameters"] if p["name"] == "registration_id")
    assert parameter["schema"]["maximum"] == INT_MAX


def test_a_guest_without_an_email_matches_the_document(app, client, demo, organizer_api):
    """GuestPerson.email is null for a walk-in registered without one; the document says it may be."""
    from eventsvc.people.models import Person
    from eventsvc.registration.models import Registration

    with app.app_context():
        person = db.session.scalar(select(Person).join(Registration, Registration.person_id == Person.id)
                                   .order_by(Registration.id).limit(1))
        person.email, name = None, person.name
        db.session.commit()
    listing = client.get(f"/api/v1/events/{demo}/registrations", query_string={"q": name},
                         headers=organizer_api).json
    assert [r["person"]["email"] for r in listing if r["person"]["name"] == name] == [None]


def test_every_schema_field_is_held_to_the_input_layer():
    """Schemas take their fields from eventsvc.core.fields, so no number, text or date slips past."""
    import marshmallow
    from marshmallow import class_registry

    from eventsvc import blueprints  # noqa: F401  (imports every schema)
    from eventsvc.core import fields

    def loose(field, name):
        inner = [getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None)]
        found = [problem for sub in inner if sub is not None for problem in loose(sub, name)]
        bounded = {marshmallow.fields.Integer: fields.Integer, marshmallow.fields.DateTime: fields.AwareDateTime,
                   marshmallow.fields.Date: fields.Date}
        for base, ours in bounded.items():
            if isinstance(field, base) and not isinstance(field, ours):
                found.append(f"{name}: {type(field).__name__}")
        if isinstance(field, marshmallow.fields.String) and not isinstance(field, fields.String | fields.Url):
            found.append(f"{name}: {type(field).__name__}")
        return found

    problems = []
    for schema_name, classes in class_registry._registry.items():
        for schema in classes:
            if not schema.__module__.startswith("eventsvc.") or "." in schema_name:
                continue
            for name, field in schema._declared_fields.items():
                problems += loose(field, f"{schema.__module__}.{schema.__name__}.{name}")
    assert problems == []
