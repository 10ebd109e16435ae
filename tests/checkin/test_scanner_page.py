"""The scanner page as door staff read it: gates with their day and time, a heading, named buttons."""

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from eventsvc.extensions import db


def _make_two_days(app, slug) -> tuple[int, int]:
    """The demo forum gets a second day; its council meeting moves to 01:30 on it in Beijing
    (17:30 UTC the day before: the day must be the event's, not UTC's). Returns it and the plenary."""
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem, Event

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.end_date = date(2023, 4, 1)
        council = db.session.scalar(select(AgendaItem).where(AgendaItem.event_id == event.id,
                                                             AgendaItem.kind == SessionKind.COUNCIL_MEETING))
        council.starts_at = datetime(2023, 3, 31, 17, 30, tzinfo=UTC)
        council.ends_at = datetime(2023, 3, 31, 19, 0, tzinfo=UTC)
        plenary = db.session.scalar(select(AgendaItem).where(AgendaItem.event_id == event.id,
                                                             AgendaItem.kind == SessionKind.PLENARY))
        db.session.commit()
        return council.id, plenary.id


def _options(html: str) -> dict[str, str]:
    return {value: re.sub(r"\s+", " ", text).strip()
            for value, text in re.findall(r'<option(?: selected)? value="([^"]*)"[^>]*>([^<]*)</option>', html)}


def test_on_a_two_day_event_every_gate_shows_its_day_and_time_in_the_events_zone(app, demo, staff_client):
    council, plenary = _make_two_days(app, demo)
    options = _options(staff_client.get(f"/checkin/e/{demo}").get_data(as_text=True))
    assert options["entrance"] == "Entrance"
    assert options[f"session-{plenary}"].endswith(" · Fri, Mar 31 09:00")
    assert options[f"session-{council}"].endswith(" · Sat, Apr 1 01:30")
    assert all(re.search(r" · \w{3}, \w{3} \d{1,2} \d\d:\d\d$", text)
               for gate, text in options.items() if gate.startswith("session-")), options

    staff_client.set_cookie("lang", "zh")
    options = _options(staff_client.get(f"/checkin/e/{demo}").get_data(as_text=True))
    assert options[f"session-{plenary}"].endswith(" · 3月31日周五 09:00")
    assert options[f"session-{council}"].endswith(" · 4月1日周六 01:30")


def test_the_walk_in_desk_names_its_session_doors_with_their_day_and_time_too(app, demo, staff_client):
    _council, plenary = _make_two_days(app, demo)
    options = _options(staff_client.get(f"/checkin/e/{demo}/walk-in").get_data(as_text=True))
    assert options[f"session-{plenary}"].endswith(" · Fri, Mar 31 09:00")


def test_the_scanner_has_one_heading_and_every_button_a_name(demo, staff_client):
    html = staff_client.get(f"/checkin/e/{demo}").get_data(as_text=True)
    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert len(headings) == 1 and "China Electric Vehicle 100 Forum 2023" in headings[0]
    for attributes, text in re.findall(r"<button\b([^>]*)>(.*?)</button>", html, re.S):
        # the bar's undo button is hidden until it has a name (the last guest's)
        named = re.sub(r"<[^>]+>", "", text).strip() or "aria-label=" in attributes
        assert named or " hidden" in attributes, attributes
