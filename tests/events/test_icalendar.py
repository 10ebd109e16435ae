"""iCalendar: valid RFC 5545, times in the event's zone, stable UIDs with rising SEQUENCE, cancellations."""

from datetime import datetime
from zoneinfo import ZoneInfo

import vobject
from icalendar import Calendar

from tests.support.web import post_form

BEIJING = ZoneInfo("Asia/Shanghai")


def _events(body: bytes):
    calendar = vobject.readOne(body.decode("utf-8"))  # an independent parser
    Calendar.from_ical(body)  # and the generating library's own, strict about structure
    return {e.summary.value.split(" / ")[0]: e for e in calendar.vevent_list}


def test_the_feed_is_valid_icalendar_with_every_session_at_the_right_time(client, demo):
    response = client.get(f"/e/{demo}/agenda.ics")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded lines
    assert b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in body
    events = _events(body)
    assert len(events) == 5
    plenary = events["Opening Plenary"]
    assert plenary.dtstart.value == datetime(2023, 3, 31, 9, 0, tzinfo=BEIJING)
    assert plenary.dtend.value == datetime(2023, 3, 31, 10, 30, tzinfo=BEIJING)
    assert b"DTSTART;TZID=Asia/Shanghai:20230331T090000" in body
    assert "Main Hall" in plenary.location.value
    council = events["Council Meeting of the Forum"]
    assert council.dtstart.value.astimezone(ZoneInfo("UTC")).hour == 8  # 16:00 in Beijing


def test_an_edit_keeps_the_uid_and_raises_the_sequence(organizer_client, client, demo, demo_ids):
    before = _events(client.get(f"/e/{demo}/agenda.ics").data)["Opening Plenary"]
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['plenary']}"
    response = post_form(organizer_client, path, {
        "kind": "plenary", "title": "Opening Plenary", "room_id": demo_ids["rooms"]["Main Hall"],
        "starts_at": "2023-03-31T08:45", "ends_at": "2023-03-31T10:30"})
    assert response.status_code == 302
    after = _events(client.get(f"/e/{demo}/agenda.ics").data)["Opening Plenary"]
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.dtstart.value == datetime(2023, 3, 31, 8, 45, tzinfo=BEIJING)
    single = _events(client.get(f"/e/{demo}/s/{demo_ids['items']['plenary']}.ics").data)["Opening Plenary"]
    assert single.uid.value == before.uid.value


def test_saving_without_a_change_keeps_the_sequence(organizer_client, client, demo, demo_ids):
    before = _events(client.get(f"/e/{demo}/agenda.ics").data)["Lunch"]
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['break']}"
    post_form(organizer_client, path, {"kind": "break", "title": "Lunch", "title_local": "午餐",
                                       "room_id": demo_ids["rooms"]["Main Hall"],
                                       "starts_at": "2023-03-31T12:00", "ends_at": "2023-03-31T13:30"})
    after = _events(client.get(f"/e/{demo}/agenda.ics").data)["Lunch"]
    assert after.sequence.value == before.sequence.value


def test_a_cancelled_session_goes_out_as_cancelled(organizer_client, client, demo, demo_ids):
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}"
    response = post_form(organizer_client, path + "/cancel", {}, from_path=path)
    assert response.status_code == 302
    events = _events(client.get(f"/e/{demo}/agenda.ics").data)
    seminar = events["Exclusive Seminar on the Scenario and Policy of China's Automobile Industry"]
    assert seminar.status.value == "CANCELLED" and int(seminar.sequence.value) == 1
    assert events["Opening Plenary"].status.value == "CONFIRMED"
