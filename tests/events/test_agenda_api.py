"""The agenda's JSON API: sessions, participations and speech records; 422 with field names; 409 clashes."""

import pytest
from openapi_spec_validator import validate


def _session(room_id, **extra):
    return {"kind": "seminar", "title": "Battery Safety", "room_id": room_id,
            "starts_at": "2023-03-31T17:00:00+08:00", "ends_at": "2023-03-31T18:00:00+08:00", **extra}


def test_sessions_are_created_read_updated_and_deleted(client, organizer_api, demo, demo_ids):
    url = f"/api/v1/events/{demo}/sessions"
    created = client.post(url, json=_session(demo_ids["rooms"]["Seminar Room A"]), headers=organizer_api)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["starts_at"] == "2023-03-31T09:00:00+00:00" and body["ical_sequence"] == 0
    one = client.get(f"{url}/{body['id']}", headers=organizer_api)
    assert one.json["title"] == "Battery Safety"
    patched = client.patch(f"{url}/{body['id']}", json={"title": "Battery Safety Standards"}, headers=organizer_api)
    assert patched.status_code == 200
    assert patched.json["title"] == "Battery Safety Standards" and patched.json["ical_sequence"] == 1
    assert patched.json["ical_uid"] == body["ical_uid"]
    assert client.delete(f"{url}/{body['id']}", headers=organizer_api).status_code == 204
    assert client.get(f"{url}/{body['id']}", headers=organizer_api).status_code == 404


def test_bad_input_answers_422_with_field_names_and_changes_nothing(client, organizer_api, demo, demo_ids):
    url = f"/api/v1/events/{demo}/sessions"
    missing = client.post(url, json={"kind": "banquet", "starts_at": "yesterday"}, headers=organizer_api)
    assert missing.status_code == 422
    fields = missing.json["errors"]
    assert {"kind", "title", "starts_at", "ends_at"} <= set(fields)
    backwards = client.post(url, json=_session(None, ends_at="2023-03-31T16:00:00+08:00"), headers=organizer_api)
    assert backwards.status_code == 422 and backwards.json["code"] == "ends_before_start"
    assert "ends_at" in backwards.json["errors"]
    outside = client.post(url, json=_session(None, starts_at="2023-04-02T09:00:00+08:00",
                                             ends_at="2023-04-02T10:00:00+08:00"), headers=organizer_api)
    assert outside.status_code == 422 and outside.json["code"] == "outside_event"
    foreign_room = client.post(url, json=_session(99999), headers=organizer_api)
    assert foreign_room.status_code == 404 and foreign_room.json["code"] == "unknown_room"
    assert len(client.get(url, headers=organizer_api).json) == 5


def test_an_overlap_answers_409_naming_the_clash_until_confirmed(client, organizer_api, demo, demo_ids):
    url = f"/api/v1/events/{demo}/sessions"
    clash = _session(demo_ids["rooms"]["Council Room"], starts_at="2023-03-31T17:00:00+08:00")
    refused = client.post(url, json=clash, headers=organizer_api)
    assert refused.status_code == 409 and refused.json["code"] == "overlap_unconfirmed"
    conflict = refused.json["details"]["conflicts"][0]
    assert conflict["code"] == "room_overlap"
    assert {s["title"] for s in conflict["sessions"]} == {"Council Meeting of the Forum", "Battery Safety"}
    saved = client.post(url, json={**clash, "confirm_overlaps": True}, headers=organizer_api)
    assert saved.status_code == 201 and saved.headers["X-Agenda-Conflicts"] == "1"


def test_participations_and_speeches_through_the_api(client, organizer_api, demo, demo_ids):
    seminar = demo_ids["items"]["seminar"]
    base = f"/api/v1/events/{demo}"
    part = client.post(f"{base}/sessions/{seminar}/participations",
                       json={"person_id": demo_ids["people"]["Lin Xiaoyu"], "role": "moderator"}, headers=organizer_api)
    assert part.status_code == 201 and part.json["person"]["name"] == "Lin Xiaoyu"
    bad_role = client.post(f"{base}/sessions/{seminar}/participations",
                           json={"person_id": demo_ids["people"]["Lin Xiaoyu"], "role": "juggler"},
                           headers=organizer_api)
    assert bad_role.status_code == 422 and "role" in bad_role.json["errors"]
    moved = client.patch(f"{base}/participations/{part.json['id']}", json={"position": 5}, headers=organizer_api)
    assert moved.json["position"] == 5
    speech = client.post(f"{base}/sessions/{seminar}/speeches", json={
        "speaker_id": demo_ids["people"]["Zhang Hua"], "title": "Scenario 2030", "language": "zh",
        "video_url": "ftp://nope"}, headers=organizer_api)
    assert speech.status_code == 422 and "video_url" in speech.json["errors"]
    speech = client.post(f"{base}/sessions/{seminar}/speeches", json={
        "speaker_id": demo_ids["people"]["Zhang Hua"], "title": "Scenario 2030", "language": "zh"},
        headers=organizer_api)
    assert speech.status_code == 201
    done = client.patch(f"{base}/speeches/{speech.json['id']}", json={
        "status": "delivered", "summary": "Three scenarios."}, headers=organizer_api)
    assert done.json["status"] == "delivered"
    assert "Three scenarios." in client.get(f"/e/{demo}/proceedings").get_data(as_text=True)
    assert client.delete(f"{base}/speeches/{speech.json['id']}", headers=organizer_api).status_code == 204
    assert client.delete(f"{base}/participations/{part.json['id']}", headers=organizer_api).status_code == 204


def test_staff_read_but_cannot_change_the_agenda(client, staff_api, demo, demo_ids):
    url = f"/api/v1/events/{demo}/sessions"
    assert client.get(f"{url}/{demo_ids['items']['plenary']}", headers=staff_api).status_code == 200
    refused = client.post(url, json=_session(None), headers=staff_api)
    assert refused.status_code == 403 and refused.json["code"] == "not_organizer"
    assert client.delete(f"{url}/{demo_ids['items']['plenary']}", headers=staff_api).status_code == 403


def test_the_openapi_document_describes_the_agenda_and_people(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    paths = document["paths"]
    for path in ("/api/v1/events/{slug}/sessions/{item_id}", "/api/v1/events/{slug}/sessions/{item_id}/speeches",
                 "/api/v1/events/{slug}/participations/{part_id}", "/api/v1/people/{person_id}",
                 "/api/v1/organizations"):
        assert path in paths, path
    assert {"post", "get"} <= set(paths["/api/v1/events/{slug}/sessions"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/events/{slug}/speeches/{speech_id}"])


@pytest.mark.parametrize("method,path,body", [
    ("post", "/sessions", {"kind": "seminar", "title": "x" * 301, "starts_at": "2023-03-31T09:00:00",
                           "ends_at": "2023-03-31T10:00:00"}),  # too long, and times without offset
    ("post", "/sessions", {"kind": "seminar", "title": "T", "room_id": "abc", "capacity": -1,
                           "starts_at": "2023-03-31T09:00:00+08:00", "ends_at": "2023-03-31T10:00:00+08:00"}),
    ("patch", "/sessions/{plenary}", {"ends_at": "2023-03-31T08:00:00+08:00"}),
    ("patch", "/sessions/{plenary}", {"status": "maybe"}),
    ("patch", "/sessions/999999", {"title": "Nope"}),
    ("post", "/sessions/{plenary}/participations", {"person_id": 999999, "role": "speaker"}),
    ("post", "/sessions/{plenary}/participations", {"person_id": "{xie}", "role": "speaker"}),
    ("post", "/sessions/{plenary}/speeches", {"speaker_id": 999999, "title": "Ghost"}),
    ("post", "/sessions/{plenary}/speeches", {"speaker_id": "{xie}", "title": "T", "planned_start":
                                              "2023-03-31T10:00:00+08:00", "planned_end": "2023-03-31T09:00:00+08:00"}),
    ("patch", "/speeches/999999", {"title": "Nope"}),
    ("post", "/sessions", ["not", "an", "object"]),
])
def test_bad_agenda_requests_answer_4xx_json_never_500(client, organizer_api, demo, demo_ids, method, path, body):
    ids = {"plenary": demo_ids["items"]["plenary"], "xie": demo_ids["people"]["Xie Zhaoxu"]}
    path = path.format(**ids)
    if isinstance(body, dict):
        body = {k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    response = getattr(client, method)(f"/api/v1/events/{demo}{path}", json=body, headers=organizer_api)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json and response.json.get("errors") or response.json.get("code")


def test_a_speech_moved_to_no_position_goes_last_instead_of_failing(client, organizer_api, demo, demo_ids):
    """Fuzz finding: PATCH a speech with ``"position": null`` wrote NULL into a NOT NULL column (500)."""
    seminar = demo_ids["items"]["seminar"]
    base = f"/api/v1/events/{demo}"
    made = [client.post(f"{base}/sessions/{seminar}/speeches", json={
        "speaker_id": demo_ids["people"]["Zhang Hua"], "title": title, "language": "zh"},
        headers=organizer_api).json for title in ("First", "Second")]
    moved = client.patch(f"{base}/speeches/{made[0]['id']}", json={"position": None}, headers=organizer_api)
    assert moved.status_code == 200 and moved.json["position"] > made[1]["position"]
    kept = client.patch(f"{base}/speeches/{made[1]['id']}", json={"title": "Second, renamed"}, headers=organizer_api)
    assert kept.json["position"] == made[1]["position"]
    listed = client.get(f"{base}/sessions/{seminar}/speeches", headers=organizer_api).json
    assert [s["title"] for s in listed][-2:] == ["Second, renamed", "First"]
