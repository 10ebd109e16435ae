"""The scan API answers every scan with one result of SPEC rule 6 and records it."""

import base64

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventsvc.checkin.models import CheckIn
from eventsvc.extensions import db
from tests.checkin.conftest import new_nonce


def _count(app, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CheckIn).filter_by(**where))


def test_first_scan_welcomes_the_guest_with_their_details(staff_api, guests, badge, app):
    response = staff_api.scan(badge(guests["confirmed"][0]), device="door-1")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["result"] == "ok"
    assert answer["message"].startswith("Welcome, ")
    person = answer["person"]
    assert person["name"] and person["name_local"] and person["organization"] and person["category"] == "VIP"
    assert _count(app, result="ok", device="door-1") == 1


def test_second_scan_of_a_badge_says_already_checked_in_with_when_and_where(staff_api, guests, badge):
    code = badge(guests["confirmed"][3])
    first = staff_api.scan(code).get_json()
    second = staff_api.scan(code).get_json()
    assert second["result"] == "already_checked_in"
    assert second["first_scan"]["gate"] == "entrance"
    assert second["first_scan"]["at"][:19] == first["scanned_at"][:19]
    assert "already checked in at" in second["message"] and "Entrance" in second["message"]


def test_same_nonce_twice_gives_the_recorded_answer_and_counts_once(staff_api, guests, badge, app):
    code = badge(guests["confirmed"][1])
    first = staff_api.scan(code, nonce="n-1").get_json()
    again = staff_api.scan(code, nonce="n-1").get_json()
    assert first["result"] == again["result"] == "ok"
    assert again["replayed"] is True and again["checkin_id"] == first["checkin_id"]
    assert _count(app, nonce="n-1") == 1


def test_refused_badges_get_their_own_answer_and_are_recorded(staff_api, guests, badge, app):
    assert staff_api.scan(badge(guests["cancelled"][0])).get_json()["result"] == "cancelled"
    old = badge(guests["confirmed"][2], version=1)
    with app.app_context():
        from eventsvc.registration.models import Registration
        db.session.get(Registration, guests["confirmed"][2]).badge_version = 2
        db.session.commit()
    revoked = staff_api.scan(old).get_json()
    assert revoked["result"] == "revoked" and revoked["person"]["registration_id"] == guests["confirmed"][2]
    assert staff_api.scan("HELLO WORLD").get_json()["result"] == "invalid"
    # one altered character of a real code: the signature no longer matches
    code = badge(guests["confirmed"][4])
    raw = bytearray(base64.b32decode(code + "=" * (-len(code) % 8)))
    raw[8] ^= 1  # another registration id
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")
    answer = staff_api.scan(forged).get_json()
    assert answer["result"] == "invalid" and answer["reason"] == "bad_signature" and answer["person"] is None
    assert _count(app) == 4 and _count(app, result="ok") == 0


def test_a_badge_of_another_event_is_wrong_event(staff_api, guests, app):
    from datetime import date

    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.events.models import Event

    with app.app_context():
        other = Event(slug="other-2024", title="Other", start_date=date(2024, 1, 1), end_date=date(2024, 1, 1))
        db.session.add(other)
        db.session.flush()
        code = sign_badge_code(other.id, 1, 1)
        db.session.commit()
    answer = staff_api.scan(code).get_json()
    assert answer["result"] == "wrong_event"
    assert answer["message"] == "This badge belongs to another event."


def _one_character_changes_of_the_event_id(code: str) -> dict[int, str]:
    """{event id it names: the code with one character altered} for every single-character
    change that touches only the event-id part (bytes 2 to 5) of the code."""
    def decode(text):
        return base64.b32decode(text + "=" * (-len(text) % 8))

    raw, found = decode(code), {}
    for position in range(len(code)):
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567":
            altered = code[:position] + letter + code[position + 1:]
            changed = [i for i, (a, b) in enumerate(zip(raw, decode(altered), strict=True)) if a != b]
            if changed and all(2 <= i <= 5 for i in changed):
                found.setdefault(int.from_bytes(decode(altered)[2:6], "big"), altered)
    return found


def test_a_badge_with_one_character_of_its_event_id_altered_is_invalid_not_another_events(
        staff_api, guests, badge, app):
    from datetime import date

    from eventsvc.badges.codes import active_key
    from eventsvc.events.models import Event

    code = badge(guests["confirmed"][6])
    altered = _one_character_changes_of_the_event_id(code)
    # one of them names a real event with a signing key of the same number: the worst case
    target = min(i for i in altered if guests["event_id"] < i < 2**31 and i != guests["event_id"])
    with app.app_context():
        db.session.add(Event(id=target, slug="elsewhere", title="Elsewhere", start_date=date(2024, 1, 1),
                             end_date=date(2024, 1, 1)))
        db.session.flush()
        active_key(target)
        db.session.commit()
    named_other = staff_api.scan(altered[target]).get_json()
    assert (named_other["result"], named_other["reason"]) == ("invalid", "bad_signature")
    assert "forged or altered" in named_other["message"] and named_other["person"] is None
    nobody = next(i for i in altered if i < 2**31 and i not in (target, guests["event_id"]))
    assert staff_api.scan(altered[nobody]).get_json()["result"] == "invalid"  # an event with no such key
    huge = next(i for i in altered if i >= 2**31)  # beyond the database's integers: no server error
    answer = staff_api.scan(altered[huge])
    assert answer.status_code == 200 and answer.get_json()["reason"] == "bad_signature"
    assert _count(app, result="wrong_event") == 0 and _count(app, result="invalid") == 3


def test_session_doors_admit_only_seat_holders_and_invited_guests(staff_api, guests, badge):
    assert staff_api.scan(badge(guests["seated"][0]), gate=guests["seminar_gate"]).get_json()["result"] == "ok"
    refused = staff_api.scan(badge(guests["unseated"][0]), gate=guests["seminar_gate"]).get_json()
    assert refused["result"] == "not_admitted" and "no seat" in refused["message"]
    assert staff_api.scan(badge(guests["council_invited"][0]), gate=guests["council_gate"]).get_json()["result"] == "ok"
    outsider = [r for r in guests["unseated"] if r not in guests["council_invited"]][0]
    closed = staff_api.scan(badge(outsider), gate=guests["council_gate"]).get_json()
    assert closed["result"] == "not_admitted" and "not invited" in closed["message"]
    assert staff_api.scan(badge(outsider), gate=guests["plenary_gate"]).get_json()["result"] == "ok"


def test_answers_speak_the_staff_members_language(staff_api, guests, badge):
    staff_api.headers = {**staff_api.headers, "Accept-Language": "zh-CN"}
    answer = staff_api.scan(badge(guests["cancelled"][0])).get_json()
    assert answer["result"] == "cancelled"
    assert "取消" in answer["message"]


def test_bad_requests_get_field_errors_and_record_nothing(staff_api, app):
    response = staff_api.scan("X", gate="roof", nonce="a")
    assert response.status_code == 422 and "gate" in response.get_json()["errors"]
    response = staff_api.post("/scans", json={"gate": "entrance"})
    assert response.status_code == 422 and "nonce" in response.get_json()["errors"]
    response = staff_api.scan("X", nonce="b", device_time="2023-03-31T09:00:00")
    assert response.status_code == 422
    response = staff_api.scan(gate="session-999999", code="X", nonce="c")
    assert response.status_code == 422 and "gate" in response.get_json()["errors"]
    assert _count(app) == 0


def test_undo_lets_the_badge_check_in_again(staff_api, guests, badge):
    code = badge(guests["confirmed"][5])
    first = staff_api.scan(code).get_json()
    undone = staff_api.post(f"/scans/{first['checkin_id']}/undo").get_json()
    assert undone["count"] == 0
    assert staff_api.scan(code).get_json()["result"] == "ok"
    assert staff_api.get("/checkin/count?gate=entrance").get_json()["count"] == 1


def test_manual_check_in_by_registration_after_search(staff_api, guests):
    found = staff_api.get("/checkin/search", query_string={"q": "guest010@guests"}).get_json()
    assert len(found) == 1
    answer = staff_api.scan(registration_id=found[0]["registration_id"]).get_json()
    assert answer["result"] == "ok"
    again = staff_api.get("/checkin/search", query_string={"q": found[0]["name_local"]}).get_json()
    assert any("entrance" in row["checked_in"] for row in again)


def test_offline_batch_keeps_the_earliest_scan_as_the_check_in(staff_api, guests, badge, app):
    code = badge(guests["confirmed"][6])
    online = staff_api.scan(code).get_json()
    assert online["result"] == "ok"
    batch = staff_api.post("/scans/batch", json={"scans": [
        {"code": code, "gate": "entrance", "nonce": "late", "device_time": "2099-01-01T10:00:00Z"},
        {"code": code, "gate": "entrance", "nonce": "early", "device_time": "2000-01-01T08:00:00Z"},
    ]}).get_json()["answers"]
    by_nonce = {a["nonce"]: a for a in batch}
    assert by_nonce["early"]["result"] == "ok"
    assert by_nonce["late"]["result"] == "already_checked_in" and by_nonce["late"]["is_duplicate"]
    assert _count(app, result="ok") == 1
    # uploading the same batch again changes nothing
    staff_api.post("/scans/batch", json={"scans": [
        {"code": code, "gate": "entrance", "nonce": "early", "device_time": "2000-01-01T08:00:00Z"}]})
    assert _count(app) == 3 and _count(app, result="ok") == 1
    assert staff_api.get("/checkin/count?gate=entrance").get_json()["count"] == 1


def test_roster_and_public_key_verify_a_badge_without_the_server(staff_api, guests, badge):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    code = badge(guests["confirmed"][0])
    keys = staff_api.get("/checkin/keys").get_json()
    roster_response = staff_api.get("/checkin/roster")
    roster = roster_response.get_json()
    # the roster is kept on staff phones: no e-mail address travels in it, only its hash
    assert "@" not in roster_response.get_data(as_text=True)
    assert all("email" not in r and len(r["email_sha256"]) == 64 for r in roster["registrations"] if r["email_sha256"])
    assert keys["public_keys"] == roster["public_keys"]
    raw = base64.b32decode(code + "=" * (-len(code) % 8))
    Ed25519PublicKey.from_public_bytes(base64.b64decode(keys["public_keys"]["1"])).verify(raw[12:], raw[:12])
    mine = next(r for r in roster["registrations"] if r["id"] == guests["confirmed"][0])
    assert mine["badge_version"] == 1 and mine["status"] == "confirmed" and mine["name_local"]
    seated = next(r for r in roster["registrations"] if r["id"] == guests["seated"][0])
    assert int(guests["seminar_gate"].split("-")[1]) in seated["seats"]


def test_a_scan_costs_at_most_two_sql_statements(staff_api, guests, badge, app):
    """The token's lookup (and its last use, touched at most once a minute) and the event's
    role check are paid by the first scans; then a scan is its decision query and its INSERT."""
    code, code2, code3 = (badge(guests["confirmed"][i]) for i in (7, 8, 9))
    staff_api.scan(code2)
    staff_api.scan(code3)
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert staff_api.scan(code).get_json()["result"] == "ok"
        first = len(statements)
        statements.clear()
        assert staff_api.scan(code).get_json()["result"] == "already_checked_in"
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert first <= 2 and len(statements) <= 2, statements


def _scan_status(staff_api, badge, guests, index):
    response = staff_api.scan(badge(guests["confirmed"][index]))
    return response.status_code, (response.get_json() or {}).get("code") or response.get_json().get("result")


def test_a_token_revoked_in_another_process_is_refused_at_the_next_scan(staff_api, guests, badge, app,
                                                                         monkeypatch):
    from eventsvc.accounts import service as accounts
    from eventsvc.accounts.models import ApiToken
    from eventsvc.core.tokens import hash_token

    assert _scan_status(staff_api, badge, guests, 10) == (200, "ok")
    assert _scan_status(staff_api, badge, guests, 11) == (200, "ok")  # served from this process's cache
    secret = staff_api.headers["Authorization"][7:]
    with app.app_context(), monkeypatch.context() as other_process:
        # the revocation happens in another worker: this process's cache is not told
        other_process.setattr(accounts, "forget_api_token", lambda token_id: None)
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
        accounts.revoke_api_token(token.id)
        db.session.commit()
    assert accounts.cached_api_caller(secret) is not None  # still cached here...
    assert _scan_status(staff_api, badge, guests, 12) == (401, "unauthorized")  # ...and refused at once
    assert accounts.cached_api_caller(secret) is None
    assert _scan_status(staff_api, badge, guests, 13)[0] == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.registration_id.in_([guests["confirmed"][12], guests["confirmed"][13]]))) == 0


def test_a_new_token_given_an_old_tokens_row_id_is_not_taken_for_the_old_one(staff_api, guests, badge, app,
                                                                           demo, make_user, api_token):
    """SQLite hands out the highest row id again once its row is gone: the scan route's caches
    must name a token by its digest, not by its id (a CI run once met this between tests)."""
    from sqlalchemy import delete, update

    from eventsvc.accounts.models import ApiToken
    from eventsvc.core.tokens import hash_token

    assert _scan_status(staff_api, badge, guests, 16) == (200, "ok")
    assert _scan_status(staff_api, badge, guests, 17) == (200, "ok")  # cached, allowed lately
    staff_secret = staff_api.headers["Authorization"][7:]
    outsider_secret = api_token(make_user("someone-else@example.org"))
    with app.app_context():
        old_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(staff_secret)))
        db.session.execute(delete(ApiToken).where(ApiToken.id == old_id))
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(outsider_secret))
                           .values(id=old_id))
        db.session.commit()
    outsider = {"Authorization": f"Bearer {outsider_secret}"}
    client = app.test_client()
    for body in ({}, {"gate": "entrance", "nonce": new_nonce(), "code": badge(guests["confirmed"][18])}):
        for _ in range(2):  # the second time from this process's cache of verified tokens
            refused = client.post(f"/api/v1/events/{demo}/scans", json=body, headers=outsider)
            assert refused.status_code == 403 and refused.json["code"] == "not_staff", refused.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.registration_id == guests["confirmed"][18])) == 0


def test_a_deactivated_or_demoted_caller_is_refused_at_the_next_scan(staff_api, guests, badge, app):
    from eventsvc.accounts.models import EventRole, User
    from eventsvc.demo import loader

    assert _scan_status(staff_api, badge, guests, 14) == (200, "ok")
    assert _scan_status(staff_api, badge, guests, 15) == (200, "ok")  # cached caller, role allowed lately
    with app.app_context():  # as another process would: straight in the database
        staff = db.session.scalar(select(User).where(User.email == loader.STAFF_EMAIL))
        db.session.execute(EventRole.__table__.delete().where(EventRole.user_id == staff.id))
        db.session.commit()
    assert _scan_status(staff_api, badge, guests, 16) == (403, "not_staff")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == loader.STAFF_EMAIL)).active = False
        db.session.commit()
    assert _scan_status(staff_api, badge, guests, 17)[0] == 401


def test_a_batch_with_a_malformed_scan_records_nothing(staff_api, guests, badge, app):
    response = staff_api.post("/scans/batch", json={"scans": [
        {"code": badge(guests["confirmed"][0]), "gate": "entrance", "nonce": "b1"},
        {"code": badge(guests["confirmed"][1]), "gate": "roof", "nonce": "b2"},
    ]})
    assert response.status_code == 422
    assert "scans.1.gate" in response.get_json()["errors"]
    assert _count(app) == 0


def test_exit_scans_are_recorded_without_counting_as_arrivals(staff_api, guests, badge, app):
    code = badge(guests["confirmed"][9])
    assert staff_api.scan(code).get_json()["result"] == "ok"
    exit_answer = staff_api.scan(code, direction="out").get_json()
    assert exit_answer["result"] == "ok" and exit_answer["message"].startswith("Goodbye")
    assert staff_api.scan(code, direction="sideways").status_code == 422
    assert staff_api.get("/checkin/count?gate=entrance").get_json()["count"] == 1
    assert _count(app, direction="out") == 1


def test_an_offline_check_in_undone_on_the_device_is_recorded_but_not_counted(staff_api, guests, badge, app):
    code = badge(guests["confirmed"][11])
    answers = staff_api.post("/scans/batch", json={"scans": [
        {"code": code, "gate": "entrance", "nonce": "u1", "device_time": "2023-03-31T01:00:00Z", "undone": True},
        {"code": code, "gate": "entrance", "nonce": "u2", "device_time": "2023-03-31T01:01:00Z"},
    ]}).get_json()["answers"]
    assert [a["result"] for a in answers] == ["ok", "ok"]
    assert _count(app) == 2
    assert staff_api.get("/checkin/count?gate=entrance").get_json()["count"] == 1


def test_a_device_clock_at_the_ends_of_the_calendar_is_refused_and_records_nothing(staff_api, guests, badge, app):
    """Fuzz finding: ``device_time`` 0001-01-01T00:00+14:00 is before year 1 in UTC (500), and
    9999-12-31T23:00-14:00 after year 9999; both are a field error now, online and in a batch."""
    code = badge(guests["confirmed"][7])
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00Z"):
        response = staff_api.scan(code, device_time=moment)
        assert response.status_code == 422 and "device_time" in str(response.get_json()["errors"]), moment
        batch = staff_api.post("/scans/batch", json={"scans": [
            {"code": code, "gate": "entrance", "nonce": new_nonce(), "device_time": moment}]})
        assert batch.status_code == 422, moment
    assert _count(app) == 0
    assert staff_api.scan(code, device_time="2023-03-31T09:00:00+08:00").get_json()["result"] == "ok"


def test_the_scan_answer_built_directly_is_the_documented_schema_s(staff_api, guests, badge, app):
    from eventsvc.checkin.api import scan_answer_body
    from eventsvc.checkin.schemas import ScanAnswerSchema
    from eventsvc.checkin.service import recorded_answer

    code = badge(guests["confirmed"][20])
    answers = [staff_api.scan(code, nonce="lean-1"), staff_api.scan(code, nonce="lean-2"),
               staff_api.scan(badge(guests["cancelled"][0]), nonce="lean-3"), staff_api.scan("NOT-A-BADGE", nonce="lean-4")]
    assert [a.get_json()["result"] for a in answers] == ["ok", "already_checked_in", "cancelled", "invalid"]
    with app.test_request_context():
        for nonce in ("lean-1", "lean-2", "lean-3", "lean-4"):
            answer = recorded_answer(guests["event_id"], nonce, "zh")
            assert scan_answer_body(answer) == ScanAnswerSchema().dump(answer), nonce
