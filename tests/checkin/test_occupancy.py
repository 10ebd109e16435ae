"""Who is inside a session's room now, and a door that refuses entry when the room is full."""

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select, text

from eventsvc.extensions import db
from tests.support import database
from tests.support.readiness import wait_until

START = datetime(2023, 3, 31, 10, 0, tzinfo=UTC)  # 18:00 in Beijing, on the demo forum's day


def _room_session(app, demo, *, capacity, refuse, room_name="Hall 3", room_local="三号厅"):
    """A session in a room of ``capacity`` places; its door refuses entry when full if ``refuse``."""
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem, Event, Room

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        room = Room(event_id=event.id, name=room_name, name_local=room_local, capacity=capacity)
        item = AgendaItem(event_id=event.id, kind=SessionKind.PANEL, title="Battery recycling panel",
                          title_local="电池回收论坛", starts_at=START, ends_at=START + timedelta(hours=1), room=room,
                          refuse_when_full=refuse)
        db.session.add_all([room, item])
        db.session.commit()
        return item.id


def _more_guests(app, demo, n):
    """``n`` confirmed registrations of the demo forum."""
    from eventsvc.events.models import Event
    from eventsvc.people.models import Person
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        regs = [Registration(event_id=event.id, status=RegistrationStatus.CONFIRMED,
                             person=Person(event_id=event.id, name=f"Guest {i:03d}"))
                for i in range(n)]
        db.session.add_all(regs)
        db.session.commit()
        return [r.id for r in regs]


def _inside(app, demo):
    from eventsvc.checkin.occupancy import inside_by_session
    from eventsvc.events.models import Event

    with app.app_context():
        return inside_by_session(db.session.scalar(select(Event.id).where(Event.slug == demo)))


def _at(staff_api, gate, registration_id, direction="in"):
    response = staff_api.scan(gate=gate, registration_id=registration_id, direction=direction)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_hundred_in_thirty_out_leaves_seventy_inside(app, demo, staff_api):
    item = _room_session(app, demo, capacity=400, refuse=False, room_name="Exhibition Hall", room_local="展览厅")
    gate = f"session-{item}"
    guests = _more_guests(app, demo, 100)
    for registration_id in guests:
        _at(staff_api, gate, registration_id)
    for registration_id in guests[:30]:
        answer = _at(staff_api, gate, registration_id, "out")
    assert answer["result"] == "ok"
    assert answer["occupancy"] == {"session_id": item, "label": "Exhibition Hall", "inside": 70, "capacity": 400,
                                   "is_full": False, "refuses_when_full": False}
    assert _inside(app, demo)[item] == 70
    # a second exit of someone outside, and a second entry of someone inside, change nothing
    assert _at(staff_api, gate, guests[0], "out")["occupancy"]["inside"] == 70
    again = _at(staff_api, gate, guests[50])
    assert again["result"] == "already_checked_in" and again["occupancy"]["inside"] == 70
    # coming back after the exit: inside again
    back = _at(staff_api, gate, guests[1])
    assert back["result"] == "already_checked_in" and back["occupancy"]["inside"] == 71
    assert _inside(app, demo)[item] == 71
    # the entrance says nothing about rooms
    assert _at(staff_api, "entrance", guests[2])["occupancy"] is None


def test_a_door_set_to_refuse_says_room_full_and_lets_in_when_someone_leaves(app, demo, staff_api):
    item = _room_session(app, demo, capacity=3, refuse=True)
    gate = f"session-{item}"
    a, b, c, d = _more_guests(app, demo, 4)
    for guest in (a, b, c):
        assert _at(staff_api, gate, guest)["result"] == "ok"
    refused = _at(staff_api, gate, d)
    assert refused["result"] == "room_full"
    assert refused["message"] == "The room is full: Guest 003 can come in when someone leaves."
    assert refused["occupancy"]["inside"] == 3 and refused["occupancy"]["is_full"] is True
    assert refused["person"]["registration_id"] == d
    # a guest inside scanned again is not refused: they take no new place
    assert _at(staff_api, gate, a)["result"] == "already_checked_in"
    assert _at(staff_api, gate, a, "out")["occupancy"]["inside"] == 2
    assert _at(staff_api, gate, d)["result"] == "ok"
    # the guest who left comes back to a full room: refused
    assert _at(staff_api, gate, a)["result"] == "room_full"
    # in Chinese
    staff_api.headers = {**staff_api.headers, "Accept-Language": "zh"}
    zh = _at(staff_api, gate, a)
    assert zh["result"] == "room_full" and zh["occupancy"]["label"] == "三号厅"
    assert "已满" in zh["message"]
    assert _inside(app, demo)[item] == 3


def test_a_door_not_set_to_refuse_lets_everyone_in_and_says_the_room_is_over(app, demo, staff_api):
    item = _room_session(app, demo, capacity=2, refuse=False)
    gate = f"session-{item}"
    guests = _more_guests(app, demo, 3)
    answers = [_at(staff_api, gate, guest) for guest in guests]
    assert [a["result"] for a in answers] == ["ok", "ok", "ok"]
    assert answers[-1]["occupancy"] == {"session_id": item, "label": "Hall 3", "inside": 3, "capacity": 2,
                                        "is_full": True, "refuses_when_full": False}


def test_offline_scans_uploaded_later_are_recorded_even_when_the_room_is_full(app, demo, staff_api, badge):
    item = _room_session(app, demo, capacity=1, refuse=True)
    gate = f"session-{item}"
    first, second = _more_guests(app, demo, 2)
    assert _at(staff_api, gate, first)["result"] == "ok"
    upload = staff_api.post("/scans/batch", json={"scans": [
        {"gate": gate, "registration_id": second, "nonce": uuid.uuid4().hex,
         "device_time": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}]})
    assert upload.status_code == 200, upload.get_data(as_text=True)
    assert upload.get_json()["answers"][0]["result"] == "ok"
    assert _inside(app, demo)[item] == 2


@pytest.mark.postgres_only
@pytest.mark.skipif(not database.is_postgres_run(), reason="row locks are PostgreSQL's")
def test_two_simultaneous_entries_for_the_last_place_give_one_ok_and_one_room_full(app, demo, live_server,
                                                                                  staff_api, api_token):
    from eventsvc.accounts.models import User
    from eventsvc.checkin.models import CheckIn
    from eventsvc.demo import loader

    item = _room_session(app, demo, capacity=5, refuse=True)
    gate = f"session-{item}"
    guests = _more_guests(app, demo, 6)
    for guest in guests[:4]:
        assert _at(staff_api, gate, guest)["result"] == "ok"
    with app.app_context():
        staff = db.session.scalar(select(User.id).where(User.email == loader.STAFF_EMAIL))
    tokens = [api_token(staff), api_token(staff)]  # two scanners at the door, each with its own token
    url = f"{live_server.url}/api/v1/events/{demo}/scans"
    answers = [None, None]
    # each scanner has scanned before (twice: the first use records it): its token is cached, so that
    # its scans run in autocommit, and the lock must be taken in a transaction of their own
    for token in tokens + tokens:
        warm = requests.post(url, json={"gate": "entrance", "registration_id": guests[0], "nonce": uuid.uuid4().hex},
                             headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert warm.status_code == 200, warm.text

    def enter(i):
        answers[i] = requests.post(url, json={"gate": gate, "registration_id": guests[4 + i],
                                              "nonce": uuid.uuid4().hex},
                                   headers={"Authorization": f"Bearer {tokens[i]}"}, timeout=60)

    # Someone else holds the session row (an organizer saving it): both entries arrive and wait
    # together, so the test does not depend on how the two requests happen to interleave.
    threads = [threading.Thread(target=enter, args=(i,)) for i in range(2)]
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND datname = current_database()")
    with (app.app_context(), db.engine.connect() as holder,
          db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher):
        holder.begin()
        holder.execute(text("SELECT id FROM agenda_items WHERE id = :id FOR UPDATE"), {"id": item})
        for t in threads:
            t.start()
        # autocommit: pg_stat_activity is read once per transaction
        wait_until(lambda: watcher.execute(waiting).scalar() == 2,
                   what="both entries waiting for the session row", timeout=30)
        holder.rollback()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert sorted(a.json()["result"] for a in answers) == ["ok", "room_full"]
    assert {a.json()["occupancy"]["inside"] for a in answers} == {5}
    assert _inside(app, demo)[item] == 5
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.gate == gate, CheckIn.result == "room_full")) == 1


def test_an_organizer_sets_a_door_to_refuse_and_the_session_form_shows_it(app, demo, client, organizer_api,
                                                                          organizer_client, staff_api):
    item = _room_session(app, demo, capacity=1, refuse=False)
    gate = f"session-{item}"
    first, second = _more_guests(app, demo, 2)
    assert _at(staff_api, gate, first)["result"] == "ok"
    patched = client.patch(f"/api/v1/events/{demo}/sessions/{item}", json={"refuse_when_full": True},
                           headers=organizer_api)
    assert patched.status_code == 200 and patched.get_json()["refuse_when_full"] is True
    assert _at(staff_api, gate, second)["result"] == "room_full"
    form = organizer_client.get(f"/manage/e/{demo}/sessions/{item}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="refuse_when_full"|name="refuse_when_full"[^>]*checked', form)
    assert client.patch(f"/api/v1/events/{demo}/sessions/{item}", json={"refuse_when_full": False},
                        headers=organizer_api).status_code == 200
    assert _at(staff_api, gate, second)["result"] == "ok"
