"""Self check-in kiosks over HTTP: the check-in code, its limits, and the lock that keeps a kiosk a kiosk."""

import re
import uuid

from sqlalchemy import func, select

from eventsvc.checkin.models import CheckIn
from eventsvc.extensions import db
from tests.support.web import csrf_token, post_form


def _guest(app, registration_id):
    from eventsvc.checkin.kiosk import checkin_code
    from eventsvc.registration.models import Registration

    with app.app_context():
        r = db.session.get(Registration, registration_id)
        code = checkin_code(r.event_id, r.id, r.badge_version)
        db.session.commit()
        return {"email": r.person.email, "code": code, "name": r.person.name}


def _start(client, slug, gate="entrance", pin="2468"):
    return post_form(client, f"/checkin/e/{slug}/kiosk/start", {"gate": gate, "pin": pin, "pin_again": pin})


def _post(client, slug, path, body, token_from=None):
    token = csrf_token(client, f"/checkin/e/{token_from or slug}/kiosk")
    return client.post(f"/api/v1/events/{slug}{path}", json=body,
                       headers={"X-CSRFToken": token, "Accept-Language": "en"})


def _code_checkin(client, slug, email, code, gate="entrance"):
    return _post(client, slug, "/kiosk/checkin", {"email": email, "code": code, "gate": gate,
                                                  "nonce": uuid.uuid4().hex})


def _checkins(app, **where):
    with app.app_context():
        db.session.remove()
        return db.session.scalar(select(func.count()).select_from(CheckIn).filter_by(**where))


def test_the_guest_portal_shows_the_check_in_code_and_it_checks_the_guest_in(app, demo, guests, staff_client):
    from eventsvc.registration.models import Registration

    guest = _guest(app, guests["confirmed"][0])
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", guest["code"])
    from eventsvc.core.tokens import hash_token

    with app.app_context():  # the guest's portal shows the code
        db.session.get(Registration, guests["confirmed"][0]).access_token_hash = hash_token("kiosk-guest-" + "k" * 30)
        db.session.commit()
    portal = staff_client.get("/g/kiosk-guest-" + "k" * 30).get_data(as_text=True)
    assert guest["code"] in portal and "Your check-in code" in portal
    assert _start(staff_client, demo).status_code == 302
    # typed as a guest would: lower case, without the dash, O for 0
    typed = guest["code"].lower().replace("-", " ")
    answer = _code_checkin(staff_client, demo, guest["email"].upper(), typed)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["result"] == "ok" and body["person"]["name"] == guest["name"]
    again = _code_checkin(staff_client, demo, guest["email"], guest["code"]).get_json()
    assert again["result"] == "already_checked_in"
    assert _checkins(app, result="ok", gate="entrance") == 1
    with app.app_context():
        assert db.session.get(Registration, guests["confirmed"][0]).id == body["person"]["registration_id"]


def test_a_wrong_code_and_an_unknown_address_get_the_same_refusal(app, demo, guests, staff_client):
    guest, other = _guest(app, guests["confirmed"][0]), _guest(app, guests["confirmed"][1])
    _start(staff_client, demo)
    wrong = _code_checkin(staff_client, demo, guest["email"], other["code"])
    unknown = _code_checkin(staff_client, demo, "nobody-" + guest["email"], guest["code"])
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["code"] == "wrong_code"
    assert guest["name"] not in wrong.get_data(as_text=True) and other["name"] not in wrong.get_data(as_text=True)
    assert _checkins(app) == 0
    # malformed input is a clear 4xx too, and records nothing
    assert _code_checkin(staff_client, demo, "not-an-address", guest["code"]).status_code == 422
    assert _code_checkin(staff_client, demo, guest["email"], "ABC").status_code == 422
    assert _code_checkin(staff_client, demo, guest["email"], guest["code"], gate="backstage").status_code == 422
    assert _checkins(app) == 0


def test_five_wrong_codes_lock_the_address_for_a_while_and_a_right_one_gives_its_try_back(
        app, demo, guests, staff_client):
    guest, other = _guest(app, guests["confirmed"][0]), _guest(app, guests["confirmed"][1])
    third = _guest(app, guests["confirmed"][2])
    _start(staff_client, demo)
    # right codes do not use up the address's tries
    for _ in range(6):
        assert _code_checkin(staff_client, demo, other["email"], other["code"]).status_code == 200
    for _ in range(5):
        assert _code_checkin(staff_client, demo, guest["email"], "ZZZZ-ZZZZ").status_code == 403
    locked = _code_checkin(staff_client, demo, guest["email"], guest["code"])
    assert locked.status_code == 429 and locked.get_json()["code"] == "rate_limited"
    assert int(locked.headers.get("Retry-After") or locked.get_json()["details"]["retry_after"]) > 0
    assert _checkins(app, registration_id=guests["confirmed"][0]) == 0
    # other guests are not held up
    assert _code_checkin(staff_client, demo, third["email"], third["code"]).status_code == 200


def test_a_code_of_another_event_does_not_check_in_here(app, demo, guests, staff_client):
    """The code is derived from the event's own key: the same guest's code of event A fails at event B."""
    from datetime import date

    from eventsvc.checkin.kiosk import checkin_code
    from eventsvc.events.models import Event
    from eventsvc.registration.models import Registration

    guest = _guest(app, guests["confirmed"][0])
    with app.app_context():
        other = Event(slug="summit-2024", title="Summit 2024", start_date=date(2024, 5, 1),
                      end_date=date(2024, 5, 1), timezone="Asia/Shanghai")
        db.session.add(other)
        db.session.flush()
        r = db.session.get(Registration, guests["confirmed"][0])
        foreign = checkin_code(other.id, r.id, r.badge_version)  # what event B's kiosk code would be
        db.session.commit()
    assert foreign != guest["code"]
    _start(staff_client, demo)
    assert _code_checkin(staff_client, demo, guest["email"], foreign).status_code == 403
    # and another event's slug is another event's business: this staff member has no role there
    assert _post(staff_client, "summit-2024", "/kiosk/checkin",
                 {"email": guest["email"], "code": guest["code"], "gate": "entrance",
                  "nonce": uuid.uuid4().hex}, token_from=demo).status_code == 403
    assert _checkins(app) == 0


def test_a_reissued_badge_replaces_the_check_in_code(app, demo, guests, staff_client):
    from eventsvc.registration.models import Registration

    old = _guest(app, guests["confirmed"][0])
    with app.app_context():
        db.session.get(Registration, guests["confirmed"][0]).badge_version += 1
        db.session.commit()
    new = _guest(app, guests["confirmed"][0])
    assert new["code"] != old["code"]
    _start(staff_client, demo)
    assert _code_checkin(staff_client, demo, old["email"], old["code"]).status_code == 403
    assert _code_checkin(staff_client, demo, new["email"], new["code"]).status_code == 200


def test_a_kiosk_reaches_only_its_own_page_and_routes_until_the_pin_is_given(app, demo, guests, staff_client):
    guest = _guest(app, guests["confirmed"][0])
    assert staff_client.get(f"/checkin/e/{demo}/kiosk").headers["Location"].endswith(f"/checkin/e/{demo}/kiosk/start")
    start = _start(staff_client, demo, gate=guests["plenary_gate"], pin="135790")
    assert start.headers["Location"].endswith(f"/checkin/e/{demo}/kiosk")
    page = staff_client.get(f"/checkin/e/{demo}/kiosk")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # both languages at once, no search, no site navigation, no sign-out
    assert "Self check-in" in html and "自助签到" in html
    assert 'id="search-input"' not in html and "sign-out-form" not in html and "/manage" not in html
    assert guest["name"] not in html
    # everything else leads back to the kiosk; the API answers 403 kiosk_locked
    for path in ("/", f"/checkin/e/{demo}", f"/manage/e/{demo}/arrivals", "/dashboard", f"/checkin/e/{demo}/walk-in"):
        response = staff_client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/checkin/e/{demo}/kiosk"), path
    search = staff_client.get(f"/api/v1/events/{demo}/checkin/search?q=a")
    assert search.status_code == 403 and search.get_json()["code"] == "kiosk_locked"
    assert staff_client.get(f"/api/v1/events/{demo}/checkin/roster").status_code == 200  # for offline answers
    # signing out is refused too: the POST leads back to the kiosk
    token = csrf_token(staff_client, f"/checkin/e/{demo}/kiosk")
    assert staff_client.post("/logout", data={"csrf_token": token}).headers["Location"].endswith("/kiosk")
    # a wrong PIN keeps the lock; 5 wrong ones in a row lock even the right one out for a while
    wrong = _post(staff_client, demo, "/kiosk/exit", {"pin": "000000"})
    assert wrong.status_code == 403 and wrong.get_json()["code"] == "wrong_pin"
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 302
    right = _post(staff_client, demo, "/kiosk/exit", {"pin": "135790"})
    assert right.status_code == 200 and right.get_json() == {"left": True}
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 200
    assert staff_client.get(f"/checkin/e/{demo}/kiosk").status_code == 302  # not a kiosk any more


def test_wrong_pins_are_limited(app, demo, staff_client):
    _start(staff_client, demo, pin="4321")
    for _ in range(5):
        assert _post(staff_client, demo, "/kiosk/exit", {"pin": "1111"}).status_code == 403
    assert _post(staff_client, demo, "/kiosk/exit", {"pin": "4321"}).status_code == 429
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 302  # still a kiosk


def test_starting_a_kiosk_checks_gate_and_pin(app, demo, staff_client):
    bad = post_form(staff_client, f"/checkin/e/{demo}/kiosk/start", {"gate": "entrance", "pin": "12a4", "pin_again": "12a4"})
    assert bad.status_code == 422 and "4 to 8 digits" in bad.get_data(as_text=True)
    differ = post_form(staff_client, f"/checkin/e/{demo}/kiosk/start", {"gate": "entrance", "pin": "1234", "pin_again": "1235"})
    assert differ.status_code == 422
    gate = post_form(staff_client, f"/checkin/e/{demo}/kiosk/start", {"gate": "session-999999", "pin": "1234", "pin_again": "1234"})
    assert gate.status_code == 422
    station = post_form(staff_client, f"/checkin/e/{demo}/kiosk/start",
                        {"gate": "entrance", "station": "999999", "pin": "1234", "pin_again": "1234"})
    assert station.status_code == 422 and "Choose a print station of this event." in station.get_data(as_text=True)
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 200  # no lock was set


def test_a_kiosk_of_one_event_cannot_reach_another_events_routes(app, demo, staff_client):
    _start(staff_client, demo)
    other = staff_client.get("/api/v1/events/another-event/checkin/roster")
    assert other.status_code == 403 and other.get_json()["code"] == "kiosk_locked"


def test_simultaneous_check_ins_by_code_and_badge_give_one_ok_and_the_limit_holds(
        live_server, demo, guests, badge, app, api_token):
    """At the same instant: 5 kiosks send the right code of one guest while a door scans their badge
    (exactly one ok); then 8 wrong codes for another address (exactly 5 counted as wrong, 3 refused
    by the limit, whatever the interleaving). Every try counts while it runs (a right one gives its
    count back when done), so 5 is also the most tries of one address at one instant."""
    import requests

    from tests.checkin.test_concurrency_and_access import _parallel, _token_for_staff

    guest, other = _guest(app, guests["confirmed"][0]), _guest(app, guests["confirmed"][1])
    headers = {"Authorization": f"Bearer {_token_for_staff(app, api_token)}"}
    base = f"{live_server.url}/api/v1/events/{demo}"
    code = badge(guests["confirmed"][0])

    def check_in(i):
        if i == 5:
            return requests.post(f"{base}/scans", json={"code": code, "gate": "entrance", "nonce": uuid.uuid4().hex},
                                 headers=headers, timeout=60)
        return requests.post(f"{base}/kiosk/checkin", json={"email": guest["email"], "code": guest["code"],
                                                           "gate": "entrance", "nonce": uuid.uuid4().hex},
                             headers=headers, timeout=60)

    responses = _parallel(6, check_in)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["result"] for r in responses) == ["already_checked_in"] * 5 + ["ok"]
    assert _checkins(app, result="ok", registration_id=guests["confirmed"][0]) == 1

    wrong = _parallel(8, lambda i: requests.post(
        f"{base}/kiosk/checkin", json={"email": other["email"], "code": "ZZZZ-ZZZZ", "gate": "entrance",
                                       "nonce": uuid.uuid4().hex}, headers=headers, timeout=60))
    assert sorted(r.status_code for r in wrong) == [403] * 5 + [429] * 3
    assert _checkins(app, registration_id=guests["confirmed"][1]) == 0
