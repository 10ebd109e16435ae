"""The certificates of attendance through the JSON API (checkin.certificate_api): rules, issuing,
the issued certificates and their revocation, organizers only, one event's data never another's."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from eventsvc.extensions import db
from tests.checkin.test_attendance_certificates import _session, _stay

RULES = "/api/v1/events/{slug}/attendance-rules"


def _rule_count(app) -> int:
    from eventsvc.awards.models import AttendanceRule

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AttendanceRule))


def test_an_organizer_adds_a_rule_issues_lists_and_revokes_through_the_api(app, client, demo, guests, organizer_api):
    item = _session(app, demo)  # 60 minutes, over
    stayed, left_early = guests["confirmed"][:2]
    _stay(app, demo, item, stayed, 55)
    _stay(app, demo, item, left_early, 20)
    rules = RULES.format(slug=demo)

    created = client.post(rules, json={"agenda_item_id": item, "min_percent": 80, "number_prefix": "PANEL"},
                          headers=organizer_api)
    assert created.status_code == 201, created.json
    rule = created.json
    assert (rule["agenda_item_id"], rule["min_percent"], rule["required_minutes"]) == (item, 80, 48)
    assert rule["has_ended"] is True and rule["issued"] == 0
    assert [r["id"] for r in client.get(rules, headers=organizer_api).json] == [rule["id"]]

    issued = client.post(f"{rules}/{rule['id']}/issue", headers=organizer_api)
    assert issued.status_code == 200, issued.json
    [certificate] = issued.json["issued"]
    assert certificate["registration_id"] == stayed and certificate["minutes_present"] == 55
    assert certificate["certificate_number"] == f"PANEL-{datetime.now(UTC).year}-0001"
    assert certificate["person"]["name"] and "/verify/" in certificate["verification_url"]
    # again: nobody new qualifies, nothing more issued
    assert client.post(f"{rules}/{rule['id']}/issue", headers=organizer_api).json == {"issued": []}
    assert client.get(f"{rules}/{rule['id']}", headers=organizer_api).json["issued"] == 1

    # the public verification page vouches for it until it is revoked
    verify = urlsplit(certificate["verification_url"]).path
    page = client.get(verify)
    assert page.status_code == 200 and certificate["certificate_number"] in page.get_data(as_text=True)
    assert "revoked" not in page.get_data(as_text=True).lower()
    revoke = f"{rules}/{rule['id']}/certificates/{certificate['id']}/revoke"
    assert client.post(revoke, json={"reason": ""}, headers=organizer_api).status_code == 422
    revoked = client.post(revoke, json={"reason": "scanned by mistake"}, headers=organizer_api)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert "revoked" in client.get(verify).get_data(as_text=True).lower()
    listed = client.get(f"{rules}/{rule['id']}/certificates", headers=organizer_api).json
    assert [(c["id"], c["revocation_reason"]) for c in listed] == [(certificate["id"], "scanned by mistake")]

    # a rule that issued something stays (its numbers must keep verifying)
    in_use = client.delete(f"{rules}/{rule['id']}", headers=organizer_api)
    assert in_use.status_code == 409 and in_use.json["code"] == "rule_in_use"


def test_bad_rules_are_refused_naming_the_field_and_nothing_is_saved(app, client, demo, organizer_api):
    item = _session(app, demo)
    rules = RULES.format(slug=demo)
    before = _rule_count(app)
    for body, field, code in [
        ({"agenda_item_id": item, "min_percent": 0, "number_prefix": "PANEL"}, "min_percent", None),
        ({"agenda_item_id": item, "min_percent": 101, "number_prefix": "PANEL"}, "min_percent", None),
        ({"agenda_item_id": 2**31, "min_percent": 50, "number_prefix": "PANEL"}, "agenda_item_id", None),
        ({"agenda_item_id": None, "number_prefix": "P" * 13}, "number_prefix", None),
        ({"agenda_item_id": None, "number_prefix": "P"}, "number_prefix", None),
        ({"agenda_item_id": item, "number_prefix": "PANEL"}, "min_percent", "bad_percent"),
        ({"agenda_item_id": item + 999, "min_percent": 50, "number_prefix": "PANEL"}, "agenda_item_id",
         "unknown_session"),
        ({"agenda_item_id": None, "number_prefix": "bad prefix"}, "number_prefix", "bad_prefix"),
        ({"agenda_item_id": None}, "number_prefix", None),
    ]:
        refused = client.post(rules, json=body, headers=organizer_api)
        assert refused.status_code == 422, (body, refused.json)
        assert field in refused.json["errors"], refused.json
        if code:
            assert refused.json["code"] == code
    assert _rule_count(app) == before
    assert client.post(rules, json={"number_prefix": "FORUM"}, headers=organizer_api).status_code == 201
    twice = client.post(rules, json={"number_prefix": "FORUM2"}, headers=organizer_api)
    assert twice.status_code == 409 and twice.json["code"] == "rule_exists"


def test_issuing_before_the_end_is_refused_and_an_unused_rule_can_be_deleted(app, client, demo, organizer_api):
    item = _session(app, demo, start=datetime.now(UTC) + timedelta(days=1))
    rules = RULES.format(slug=demo)
    rule = client.post(rules, json={"agenda_item_id": item, "min_percent": 50, "number_prefix": "LATER"},
                       headers=organizer_api).json
    assert rule["has_ended"] is False
    early = client.post(f"{rules}/{rule['id']}/issue", headers=organizer_api)
    assert early.status_code == 409 and early.json["code"] == "not_ended"
    assert client.delete(f"{rules}/{rule['id']}", headers=organizer_api).status_code == 204
    assert client.get(f"{rules}/{rule['id']}", headers=organizer_api).status_code == 404


def test_staff_and_other_events_organizers_get_nothing(app, client, demo, organizer_api, staff_api, make_user,
                                                       api_token):
    from eventsvc.accounts.models import User
    from eventsvc.events import service

    rules = RULES.format(slug=demo)
    rule = client.post(rules, json={"number_prefix": "FORUM"}, headers=organizer_api).json
    other_id = make_user("other@example.org", "other-password-123")
    with app.app_context():
        other = service.create_event({"slug": "other-forum", "title": "Other forum", "start_date": date(2026, 5, 1),
                                      "end_date": date(2026, 5, 1), "timezone": "Asia/Shanghai"},
                                     creator=db.session.get(User, other_id))
        db.session.commit()
        assert other.slug == "other-forum"
    outsider = {"Authorization": f"Bearer {api_token(other_id)}"}
    # another event's organizer: our rules are not found, and their own event does not reach ours
    for method, path in [("get", rules), ("get", f"{rules}/{rule['id']}"), ("post", f"{rules}/{rule['id']}/issue"),
                         ("delete", f"{rules}/{rule['id']}"),
                         ("get", f"/api/v1/events/other-forum/attendance-rules/{rule['id']}"),
                         ("delete", f"/api/v1/events/other-forum/attendance-rules/{rule['id']}")]:
        answer = getattr(client, method)(path, headers=outsider)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert answer.is_json and answer.json["status"] == 404
    # the door staff work at our event but do not manage its certificates
    assert staff_api.get("/attendance-rules").status_code == 403
    assert staff_api.post("/attendance-rules", json={"number_prefix": "STAFF"}).status_code == 403
    assert client.get(rules).status_code == 401
    assert [r["id"] for r in client.get(rules, headers=organizer_api).json] == [rule["id"]]
    assert _rule_count(app) == 1
