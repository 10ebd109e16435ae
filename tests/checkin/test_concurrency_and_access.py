"""Double scans against a real server, and staff of one event kept out of another."""

import threading
import uuid
from datetime import date

import requests
from sqlalchemy import func, select

from eventsvc.checkin.models import CheckIn
from eventsvc.extensions import db


def _parallel(n, call):
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        barrier.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _token_for_staff(app, api_token):
    from eventsvc.accounts.models import User
    from eventsvc.demo import loader

    with app.app_context():
        return api_token(db.session.scalar(select(User.id).where(User.email == loader.STAFF_EMAIL)))


def test_simultaneous_scans_of_one_badge_at_one_gate_give_exactly_one_ok(live_server, demo, guests, badge, app,
                                                                          api_token):
    token = _token_for_staff(app, api_token)
    url = f"{live_server.url}/api/v1/events/{demo}/scans"
    code = badge(guests["confirmed"][0])
    headers = {"Authorization": f"Bearer {token}"}

    def scan(i):
        return requests.post(url, json={"code": code, "gate": "entrance", "nonce": uuid.uuid4().hex},
                             headers=headers, timeout=60)

    responses = _parallel(12, scan)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    results = sorted(r.json()["result"] for r in responses)
    assert results == ["already_checked_in"] * 11 + ["ok"]
    # the same nonce sent at once from several retries is recorded once
    nonce = uuid.uuid4().hex
    code2 = badge(guests["confirmed"][1])
    again = _parallel(6, lambda i: requests.post(url, json={"code": code2, "gate": "entrance", "nonce": nonce},
                                                 headers=headers, timeout=60))
    assert {r.json()["checkin_id"] for r in again} and len({r.json()["checkin_id"] for r in again}) == 1
    assert {r.json()["result"] for r in again} == {"ok"}
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 13
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.result == "ok")) == 2


def test_staff_of_one_event_cannot_scan_or_read_at_another(client, demo, guests, badge, app, make_user, api_token):
    from eventsvc.accounts.models import EventRoleKind
    from eventsvc.events.models import Event
    from tests.support.web import login

    with app.app_context():
        db.session.add(Event(slug="other-2024", title="Another Forum", start_date=date(2024, 5, 1),
                             end_date=date(2024, 5, 1), allow_walk_ins=True))
        db.session.commit()
    outsider = make_user("door@other.example", "other-staff-pass", event_slug="other-2024", role=EventRoleKind.STAFF)
    headers = {"Authorization": f"Bearer {api_token(outsider)}"}
    base = f"/api/v1/events/{demo}"
    scan = client.post(f"{base}/scans", json={"code": badge(guests["confirmed"][0]), "gate": "entrance",
                                              "nonce": "x1"}, headers=headers)
    assert scan.status_code == 403
    batch = client.post(f"{base}/scans/batch", json={"scans": [{"code": "A", "gate": "entrance", "nonce": "x2"}]},
                        headers=headers)
    assert batch.status_code == 403
    for path in ("/checkin/roster", "/checkin/keys", "/checkin/count?gate=entrance", "/checkin/search?q=Li",
                 "/checkin/arrivals"):
        assert client.get(base + path, headers=headers).status_code == 403, path
    assert client.post(f"{base}/scans/1/undo", headers=headers).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    # nor through the pages
    assert login(client, "door@other.example", "other-staff-pass").status_code == 302
    for path in (f"/checkin/e/{demo}", f"/checkin/e/{demo}/walk-in", f"/manage/e/{demo}/arrivals",
                 f"/manage/e/{demo}/checkins.csv"):
        assert client.get(path).status_code == 403, path
    # and without any login the API asks for a token
    assert client.application.test_client().get(base + "/checkin/roster").status_code == 401


def test_door_staff_do_not_see_the_organizers_dashboard_or_exports(staff_client, staff_api, demo):
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 200
    assert staff_client.get(f"/manage/e/{demo}/arrivals").status_code == 403
    assert staff_client.get(f"/manage/e/{demo}/attendance.csv").status_code == 403
    assert staff_api.get("/checkin/arrivals").status_code == 403
