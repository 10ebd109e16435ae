"""Minutes inside a session's room (checkin.attendance, the one owner of attendance time)."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eventsvc.extensions import db

START = datetime(2030, 3, 31, 9, 0, tzinfo=UTC)


def _session(app, demo, minutes=60):
    """A 60-minute session of the demo forum, 09:00–10:00 UTC."""
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem, Event

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        item = AgendaItem(event_id=event.id, kind=SessionKind.PANEL, title="Charging panel", starts_at=START,
                          ends_at=START + timedelta(minutes=minutes))
        db.session.add(item)
        db.session.commit()
        return item.id


def _scan(app, item_id, registration_id, direction, minute, *, result="ok", device_minute=None, undone=False):
    """A scan recorded at the door ``minute`` minutes after 09:00 (made on the device at ``device_minute``)."""
    from eventsvc.checkin.enums import Direction, ScanResult
    from eventsvc.checkin.models import CheckIn
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        at = START + timedelta(minutes=minute)
        db.session.add(CheckIn(
            event_id=item.event_id, registration_id=registration_id, gate=f"session-{item_id}",
            agenda_item_id=item_id, direction=Direction(direction), result=ScanResult(result), scanned_at=at,
            device_time=START + timedelta(minutes=device_minute) if device_minute is not None else None,
            nonce=uuid.uuid4().hex, undone_at=at if undone else None))
        db.session.commit()


def _minutes(app, item_id):
    from eventsvc.checkin.attendance import minutes_inside
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        return minutes_inside(db.session.get(AgendaItem, item_id))


def test_fifty_of_sixty_minutes_and_stays_clipped_to_the_session(app, demo, guests):
    item = _session(app, demo)
    early, late, partial = guests["confirmed"][:3]
    _scan(app, item, early, "in", -15)       # came before the start: counts from 09:00
    _scan(app, item, early, "out", 50)
    _scan(app, item, late, "in", 10)
    _scan(app, item, late, "out", 75)        # left after the end: counts until 10:00
    _scan(app, item, partial, "in", 20)
    _scan(app, item, partial, "out", 20.5)   # 30 seconds: 0 whole minutes
    assert _minutes(app, item) == {early: 50, late: 50, partial: 0}


def test_re_entry_adds_up_and_a_missing_exit_lasts_until_the_end(app, demo, guests):
    item = _session(app, demo)
    back, stays, second_in = guests["confirmed"][:3]
    _scan(app, item, back, "in", 0)
    _scan(app, item, back, "out", 20)
    _scan(app, item, back, "in", 30, result="already_checked_in")  # coming back: admitted as "already in"
    _scan(app, item, back, "out", 45)
    _scan(app, item, stays, "in", 25)        # never scanned out: until 10:00
    _scan(app, item, second_in, "in", 5)
    _scan(app, item, second_in, "in", 15, result="already_checked_in")  # inside already: changes nothing
    _scan(app, item, second_in, "out", 35)
    assert _minutes(app, item) == {back: 35, stays: 35, second_in: 30}


def test_exit_without_entry_refused_and_undone_scans_count_for_nothing(app, demo, guests):
    item = _session(app, demo)
    only_out, refused, undone = guests["confirmed"][:3]
    _scan(app, item, only_out, "out", 30)
    _scan(app, item, refused, "in", 0, result="not_admitted")
    _scan(app, item, undone, "in", 0, undone=True)
    assert _minutes(app, item) == {only_out: 0}


def test_offline_scans_count_when_they_were_made_not_when_they_arrived(app, demo, guests):
    item = _session(app, demo)
    guest = guests["confirmed"][0]
    # made offline at 09:10 and 09:40, uploaded at 10:30
    _scan(app, item, guest, "in", 90, device_minute=10)
    _scan(app, item, guest, "out", 90, device_minute=40)
    assert _minutes(app, item) == {guest: 30}


def test_scans_through_the_real_door_re_entry_and_an_offline_upload(app, demo, guests, badge, staff_api):
    """The scan API records a re-entry after an exit and offline scans; minutes come from them."""
    item = _session(app, demo)
    gate = f"session-{item}"
    guest = guests["confirmed"][0]
    code = badge(guest)
    scans = [{"code": code, "gate": gate, "nonce": uuid.uuid4().hex, "direction": direction,
              "device_time": (START + timedelta(minutes=minute)).isoformat()}
             for direction, minute in (("in", 5), ("out", 20), ("in", 30), ("out", 55))]
    answer = staff_api.post("/scans/batch", json={"scans": scans})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert [a["result"] for a in answer.get_json()["answers"]] == ["ok", "ok", "already_checked_in", "ok"]
    assert _minutes(app, item) == {guest: 40}
