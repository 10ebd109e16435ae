"""Events created and changed through the API, with the rules of the settings pages (issue 14, item 1)."""

from datetime import UTC, datetime

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from eventsvc.events.models import Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db

NEW_FORUM = {
    "slug": "charging-forum-2024", "title": "Charging Forum 2024", "title_local": "充电论坛2024",
    "kind": "forum", "start_date": "2024-06-12", "end_date": "2024-06-13", "timezone": "Asia/Shanghai",
    "venue": "China National Convention Center", "city": "Beijing", "city_local": "北京",
    "registration_mode": "approval", "capacity": 1500,
    "registration_opens_at": "2024-05-01T09:00:00+08:00", "registration_closes_at": "2024-06-10T18:00:00+08:00",
    "allow_walk_ins": True,
}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def creator_token(make_user, api_token):
    return api_token(make_user("secretariat@forum.example", "secretariat-password", creator=True))


def _event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event))


def test_an_event_creator_creates_an_event_with_walk_ins_and_then_organizes_it(app, client, creator_token):
    created = client.post("/api/v1/events", json=NEW_FORUM, headers=_bearer(creator_token))
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "draft" and body["allow_walk_ins"] is True and body["capacity"] == 1500
    assert body["registration_mode"] == "approval" and body["confirmed_count"] == 0
    assert body["registration_opens_at"] == "2024-05-01T01:00:00+00:00", "stored in UTC"
    with app.app_context():
        event = event_by_slug("charging-forum-2024")
        assert event.allow_walk_ins and event.registration_closes_at == datetime(2024, 6, 10, 10, tzinfo=UTC)
    # the creator is its organizer: they may change it, and publish it
    url = "/api/v1/events/charging-forum-2024"
    patched = client.patch(url, json={"allow_walk_ins": False, "status": "published", "capacity": 1200},
                           headers=_bearer(creator_token))
    assert patched.status_code == 200, patched.json
    assert patched.json["allow_walk_ins"] is False and patched.json["status"] == "published"
    assert patched.json["capacity"] == 1200 and patched.json["title"] == "Charging Forum 2024"
    assert client.get("/e/charging-forum-2024").status_code == 200, "published: its public page opens"


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"slug": "Not A Slug!"}, 422, "bad_slug", "slug"),
    ({"slug": "ev100-2023"}, 422, "slug_taken", "slug"),
    ({"end_date": "2024-06-11"}, 422, "end_before_start", "end_date"),
    ({"timezone": "America"}, 422, "unknown_timezone", "timezone"),
    ({"registration_closes_at": "2024-04-30T09:00:00+08:00"}, 422, "window_order", "registration_closes_at"),
    ({"capacity": -1}, 422, None, "capacity"),
    ({"registration_mode": "lottery"}, 422, None, "registration_mode"),
    ({"title": ""}, 422, None, "title"),
])
def test_bad_settings_are_refused_naming_the_field_and_create_nothing(app, client, demo, creator_token,
                                                                      change, status, code, field):
    before = _event_count(app)
    refused = client.post("/api/v1/events", json={**NEW_FORUM, **change}, headers=_bearer(creator_token))
    assert refused.status_code == status, refused.json
    assert refused.json["status"] == status and field in refused.json["errors"]
    if code:
        assert refused.json["code"] == code
    assert _event_count(app) == before


def test_a_change_touches_only_the_fields_sent_and_a_refused_one_changes_nothing(app, client, demo, organizer_api):
    url = f"/api/v1/events/{demo}"
    with app.app_context():
        confirmed = event_by_slug(demo).confirmed_count
    assert confirmed > 10
    too_small = client.patch(url, json={"title": "Renamed", "capacity": 10, "allow_walk_ins": False},
                             headers=organizer_api)
    assert too_small.status_code == 422 and too_small.json["code"] == "below_confirmed"
    assert too_small.json["errors"] == {"capacity": [too_small.json["message"]]}
    assert f"{confirmed} guests are already confirmed" in too_small.json["message"]
    backwards = client.patch(url, json={"title": "Renamed", "end_date": "2023-03-01"}, headers=organizer_api)
    assert backwards.status_code == 422 and backwards.json["code"] == "end_before_start"
    with app.app_context():
        event = event_by_slug(demo)
        assert (event.title, event.capacity, event.allow_walk_ins) == (
            "China Electric Vehicle 100 Forum 2023", 600, True)
    changed = client.patch(url, json={"venue_local": "钓鱼台国宾馆芳华苑", "capacity": confirmed,
                                      "registration_closes_at": "2023-03-30T12:00:00+08:00"}, headers=organizer_api)
    assert changed.status_code == 200, changed.json
    assert changed.json["capacity"] == confirmed and changed.json["venue_local"] == "钓鱼台国宾馆芳华苑"
    assert changed.json["title"] == "China Electric Vehicle 100 Forum 2023"
    assert changed.json["registration_closes_at"] == "2023-03-30T04:00:00+00:00"


def test_only_administrators_and_event_creators_create_events(app, client, demo, make_user, api_token, staff_api):
    before = _event_count(app)
    plain = api_token(make_user("reader@example.org", "reader-password"))
    for headers in (_bearer(plain), staff_api):
        refused = client.post("/api/v1/events", json=NEW_FORUM, headers=headers)
        assert refused.status_code == 403 and refused.json["code"] == "not_permitted"
    assert client.post("/api/v1/events", json=NEW_FORUM).status_code == 401
    assert _event_count(app) == before
    admin = api_token(make_user("root@example.org", "root-password", admin=True))
    assert client.post("/api/v1/events", json=NEW_FORUM, headers=_bearer(admin)).status_code == 201


def test_another_events_organizer_and_the_staff_cannot_change_an_event(app, client, demo, blank_event, api_token,
                                                                      staff_api):
    other_organizer = _bearer(api_token(blank_event["organizer_id"]))
    url = f"/api/v1/events/{demo}"
    refused = client.patch(url, json={"allow_walk_ins": False, "title": "Taken over"}, headers=other_organizer)
    assert refused.status_code == 403 and refused.json["code"] == "not_organizer"
    staff = client.patch(url, json={"allow_walk_ins": False}, headers=staff_api)
    assert staff.status_code == 403 and staff.json["code"] == "not_organizer"
    assert client.patch(url, json={"allow_walk_ins": False}).status_code == 401
    with app.app_context():
        event = event_by_slug(demo)
        assert event.allow_walk_ins and event.title == "China Electric Vehicle 100 Forum 2023"
    # and their own draft is not even visible to the demo's organizer
    assert client.patch(f"/api/v1/events/{blank_event['slug']}", json={"title": "x"},
                        headers=staff_api).status_code == 404


def test_the_openapi_document_describes_creating_and_changing_events(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    events = document["paths"]["/api/v1/events"]
    assert "post" in events and "403" in events["post"]["responses"]
    detail = document["paths"]["/api/v1/events/{slug}"]
    assert {"403", "422"} <= set(detail["patch"]["responses"])
    settings = document["components"]["schemas"]["EventIn"]["properties"]
    assert {"allow_walk_ins", "registration_mode", "registration_opens_at", "registration_closes_at",
            "capacity", "timezone", "status"} <= set(settings)
    assert set(settings["registration_mode"]["enum"]) == {"open", "approval", "invitation"}


def test_next_years_edition_takes_the_walk_ins_setting_and_a_registration_window_moved_with_the_dates(
        app, client, creator_token):
    from eventsvc.accounts.models import User
    from eventsvc.events import service

    assert client.post("/api/v1/events", json=NEW_FORUM, headers=_bearer(creator_token)).status_code == 201
    with app.app_context():
        source = event_by_slug("charging-forum-2024")
        creator = db.session.scalar(select(User).where(User.email == "secretariat@forum.example"))
        copy = service.copy_event(source, slug="charging-forum-2025", start_date=service.default_copy_start(source),
                                  creator=creator)
        db.session.commit()
        assert copy.allow_walk_ins and copy.capacity == 1500 and copy.registration_mode.value == "approval"
        # 364 days later, at the same local hour (09:00 and 18:00 in Beijing)
        assert copy.registration_opens_at == datetime(2025, 4, 30, 1, tzinfo=UTC)
        assert copy.registration_closes_at == datetime(2025, 6, 9, 10, tzinfo=UTC)
