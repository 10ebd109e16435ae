"""The per-session attendance report (page and exports) and the rooms on the arrivals dashboard."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eventsvc.extensions import db
from tests.support.spreadsheets import read_csv_rows, read_xlsx_cells

START = datetime(2030, 3, 31, 9, 0, tzinfo=UTC)


def _panel(app, demo):
    """A 60-minute panel in the Main Hall (600 places), 09:00–10:00 UTC."""
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem, Event, Room

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        hall = db.session.scalar(select(Room).where(Room.event_id == event.id, Room.name == "Main Hall"))
        item = AgendaItem(event_id=event.id, kind=SessionKind.PANEL, title="Charging panel", title_local="充电论坛",
                          starts_at=START, ends_at=START + timedelta(hours=1), room=hall)
        db.session.add(item)
        db.session.commit()
        return item.id


def _scan(app, item_id, registration_id, direction, minute, result="ok"):
    from eventsvc.checkin.enums import Direction, ScanResult
    from eventsvc.checkin.models import CheckIn
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        db.session.add(CheckIn(
            event_id=item.event_id, registration_id=registration_id, gate=f"session-{item_id}",
            agenda_item_id=item_id, direction=Direction(direction), result=ScanResult(result),
            scanned_at=START + timedelta(minutes=minute), nonce=uuid.uuid4().hex))
        db.session.commit()


def _names(app, *registration_ids):
    from eventsvc.registration.models import Registration

    with app.app_context():
        return [db.session.get(Registration, r).person.name for r in registration_ids]


def test_the_report_gives_each_guests_minutes_inside_on_the_page_and_in_the_exports(
        app, demo, guests, organizer_client):
    item = _panel(app, demo)
    fifty, forty, inside = guests["confirmed"][:3]
    _scan(app, item, fifty, "in", 0)
    _scan(app, item, fifty, "out", 50)
    _scan(app, item, forty, "in", 5)
    _scan(app, item, forty, "out", 15)
    _scan(app, item, forty, "in", 30, "already_checked_in")  # back after an exit
    _scan(app, item, forty, "out", 60)
    _scan(app, item, inside, "in", 45)   # no exit: until the end, 15 minutes; inside now
    name50, name40, name15 = _names(app, fifty, forty, inside)

    page = organizer_client.get(f"/manage/e/{demo}/sessions/{item}/attendance")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Charging panel" in html and "Main Hall" in html
    assert html.index(name50) < html.index(name40) < html.index(name15), "longest stay first"
    assert "50 <small" in html and "(83 %)" in html and "40 <small" in html and "15 <small" in html

    rows = read_csv_rows(organizer_client.get(f"/manage/e/{demo}/sessions/{item}/attendance.csv")
                         .get_data(as_text=True))
    assert rows[0][:6] == ["Name", "Name (Chinese)", "Organization", "E-mail", "Category", "Minutes inside"]
    assert [(r[0], r[5], r[6]) for r in rows[1:]] == [(name50, "50", "83"), (name40, "40", "67"),
                                                     (name15, "15", "25")]
    assert rows[1][7] == "2030-03-31T09:00:00+00:00" and rows[1][8] == "2030-03-31T09:50:00+00:00"
    assert rows[3][8] == "", "no exit"
    cells = read_xlsx_cells(organizer_client.get(f"/manage/e/{demo}/sessions/{item}/attendance.xlsx").data)
    assert [c.value for c in cells[1]][5] == 50 and cells[1][5].data_type == "n"

    organizer_client.set_cookie("lang", "zh")
    zh = organizer_client.get(f"/manage/e/{demo}/sessions/{item}/attendance")
    assert "充电论坛" in zh.get_data(as_text=True) and "在场分钟数" in zh.get_data(as_text=True)


def test_the_report_of_another_events_session_or_a_bad_format_is_not_found(app, demo, organizer_client):
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem, Event

    with app.app_context():
        other = Event(slug="other-2030", title="Other", start_date=START.date(), end_date=START.date())
        item = AgendaItem(event=other, kind=SessionKind.PANEL, title="Elsewhere", starts_at=START,
                          ends_at=START + timedelta(hours=1))
        db.session.add_all([other, item])
        db.session.commit()
        other_item = item.id
    assert organizer_client.get(f"/manage/e/{demo}/sessions/{other_item}/attendance").status_code == 404
    assert organizer_client.get(f"/manage/e/{demo}/sessions/{other_item}/attendance.csv").status_code == 404
    mine = _panel(app, demo)
    assert organizer_client.get(f"/manage/e/{demo}/sessions/{mine}/attendance.pdf").status_code == 404
    empty = organizer_client.get(f"/manage/e/{demo}/sessions/{mine}/attendance").get_data(as_text=True)
    assert "Nobody has been scanned in at this session" in empty


def test_the_dashboard_shows_each_room_inside_against_its_capacity(app, demo, guests, organizer_client,
                                                                   organizer_api):
    item = _panel(app, demo)
    a, b, c = guests["confirmed"][:3]
    for guest in (a, b, c):
        _scan(app, item, guest, "in", 0)
    _scan(app, item, b, "out", 10)
    figures = organizer_client.get(f"/api/v1/events/{demo}/checkin/arrivals", headers=organizer_api).get_json()
    room = next(r for r in figures["rooms"] if r["session_id"] == item)
    assert room == {"session_id": item, "gate": f"session-{item}", "session": "Charging panel", "room": "Main Hall",
                    "inside": 2, "capacity": 600, "is_full": False, "refuses_when_full": False, "state": "upcoming",
                    "time": room["time"]}
    page = organizer_client.get(f"/manage/e/{demo}/arrivals").get_data(as_text=True)
    assert 'id="rooms"' in page and "/sessions/0/attendance" in page
