"""The public agenda shows every session as the entities say, in both languages, with and without filters.

The page is read as a user reads it (each row's classes, time, link, title, kind, room, cancelled
marker and people, under its day), and compared with what the sessions, rooms and people loaded as
entities say; titles and names typed with markup show as text.
"""

from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from eventsvc.core.i18n import local
from eventsvc.events import agenda as service
from eventsvc.events.labels import KIND_LABELS
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Person
from tests.events.conftest import beijing

#: the element's class that names a field of a row, and the row's field its text goes to
FIELDS = {"time": "time", "kind": "kind", "room": "room", "danger": "marker", "people": "people"}
VOID = {"br", "img", "input", "meta", "link", "hr"}


class AgendaReader(HTMLParser):
    """The day headings and the rows of an agenda page, as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.days, self.rows, self.empty, self._stack = [], [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        field = None
        if tag == "h3" and "day-heading" in classes:
            self.days.append("")
            field = "day"
        elif tag == "li" and "agenda-row" in classes:
            self.rows.append({"classes": classes, "day": self.days[-1], "href": None, "title": "", "kind": "",
                              "time": "", "room": None, "marker": None, "people": None})
            field = "row"
        elif tag == "p" and "empty-state" in classes:
            self.empty.append("")
            field = "empty"
        elif self.rows and self._in_row():
            if tag == "a":
                self.rows[-1]["href"] = attrs["href"]
            elif tag == "strong":
                field = "title"
            else:
                field = next((FIELDS[c] for c in classes if c in FIELDS), None)
                if field and self.rows[-1][field] is None:
                    self.rows[-1][field] = ""
        self._stack.append((tag, field))

    def _in_row(self):
        return any(field == "row" for _, field in self._stack)

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        field = next((f for _, f in reversed(self._stack) if f), None)
        if field == "day":
            self.days[-1] += data.strip()
        elif field == "empty":
            self.empty[-1] += data.strip()
        elif field and field != "row":
            self.rows[-1][field] += data


def read(page: str) -> AgendaReader:
    reader = AgendaReader()
    reader.feed(page)
    for row in reader.rows:
        for key in ("title", "kind", "time", "room", "marker", "people"):
            if row[key] is not None:
                row[key] = " ".join(row[key].split())
    return reader


def expected_rows(app, slug: str, language: str, kind=None, room_id=None) -> list[dict]:
    """The rows as the entities say, in ``language``."""
    with app.test_request_context(), force_locale(language):
        event = event_by_slug(slug)
        tz = ZoneInfo(event.timezone)
        rows = []
        for item in service.load_agenda(event, speeches=False, kind=kind, room_id=room_id):
            start, end = item.starts_at.astimezone(tz), item.ends_at.astimezone(tz)
            cancelled = item.status.value == "cancelled"
            rows.append({
                "classes": ["agenda-row", f"kind-{item.kind.value}"] + (["cancelled"] if cancelled else []),
                "time": f"{start:%H:%M}–{end:%H:%M}", "href": f"/e/{slug}/s/{item.id}",
                "title": local(item, "title", language), "kind": str(KIND_LABELS[item.kind.value]),
                "room": f"· {local(item.room, 'name', language)}" if item.room else None,
                "marker": ("Cancelled" if language == "en" else "已取消") if cancelled else None,
                "people": ", ".join(local(p.person, "name", language) for p in item.participations) or None,
                "start": start.date()})
        db.session.rollback()
        return rows


@pytest.fixture
def varied_demo(app, demo, demo_ids):
    """The demo forum with a cancelled session whose title holds markup, a second person on the opening
    with markup in the name, and a session without a room."""
    with app.app_context():
        event = event_by_slug(demo)
        seminar = service.session_of(event, demo_ids["items"]["seminar"])
        service.cancel_session(seminar)
        seminar.title += ' <b>"bold" & co</b>'
        guest = Person(event_id=event.id, name="Ann <i>O'Neil</i> & Co", name_local="安<script>")
        db.session.add(guest)
        db.session.flush()
        service.add_participation(service.session_of(event, demo_ids["items"]["plenary"]), person_id=guest.id,
                                  role="moderator", confirm_overlaps=True)
        service.create_session(event, {"kind": "other", "title": "Walk <to> the gate", "starts_at": beijing(18),
                                       "ends_at": beijing(18, 30)}, confirm_overlaps=True)
        db.session.commit()
    return demo


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_row_of_the_agenda_shows_what_its_session_says(app, client, varied_demo, demo_ids, language):
    council = demo_ids["rooms"]["Council Room"]
    client.set_cookie("lang", language)
    for query, kind, room_id in (("", None, None), ("?kind=seminar", "seminar", None),
                                 (f"?room={council}", None, council),
                                 (f"?kind=council_meeting&room={council}", "council_meeting", council),
                                 ("?kind=other", "other", None)):
        page = client.get(f"/e/{varied_demo}/agenda{query}").get_data(as_text=True)
        seen, expected = read(page), expected_rows(app, varied_demo, language, kind, room_id)
        assert len(expected) >= 1
        assert [{k: v for k, v in row.items() if k != "day"} for row in seen.rows] == \
            [{k: v for k, v in row.items() if k != "start"} for row in expected], query
        assert seen.days == [seen.rows[0]["day"]] and ("2023" in seen.days[0]), query
        assert not seen.empty


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_event_page_lists_the_same_rows_as_the_agenda(app, client, varied_demo, language):
    client.set_cookie("lang", language)
    rows = read(client.get(f"/e/{varied_demo}").get_data(as_text=True)).rows
    assert rows == read(client.get(f"/e/{varied_demo}/agenda").get_data(as_text=True)).rows
    assert len(rows) == len(expected_rows(app, varied_demo, language)) == 6


def test_markup_typed_in_titles_and_names_shows_as_text(client, varied_demo):
    page = client.get(f"/e/{varied_demo}/agenda").get_data(as_text=True)
    assert "<b>" not in page and "<i>" not in page and "<to>" not in page
    rows = read(page).rows
    assert rows[0]["people"] == "Lin Xiaoyu, Xie Zhaoxu, Ann <i>O'Neil</i> & Co"
    assert any(row["title"].endswith('<b>"bold" & co</b>') and row["marker"] == "Cancelled" for row in rows)
    assert rows[-1]["title"] == "Walk <to> the gate" and rows[-1]["room"] is None
    client.set_cookie("lang", "zh")
    page = client.get(f"/e/{varied_demo}/agenda").get_data(as_text=True)
    assert "安<script>" not in page and "安<script>" in read(page).rows[0]["people"]


def test_a_filter_that_matches_nothing_says_so(client, varied_demo):
    seen = read(client.get(f"/e/{varied_demo}/agenda?kind=reception").get_data(as_text=True))
    assert seen.rows == [] and seen.empty == ["No session matches this filter."]
