"""The organizer's page of one award program: the event's tabs, and one numbering for the program."""

import re

from sqlalchemy import select

from eventsvc.awards import service
from eventsvc.awards.models import AwardProgram
from eventsvc.demo import loader
from eventsvc.events.enums import SessionKind
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db
from eventsvc.people.identity import find_or_create_organization


def _awards_at_an_earlier_ceremony_added_later(app, program_id):
    """Two more awards of the demo program, handed over at a ceremony added after the launching
    ceremony but held before it (08:00), numbered 1 and 2 in that ceremony's order."""
    with app.app_context():
        program = db.session.get(AwardProgram, program_id)
        launch = db.session.scalar(select(AgendaItem).where(AgendaItem.kind == SessionKind.LAUNCHING_CEREMONY))
        morning = AgendaItem(event_id=program.event_id, kind=SessionKind.LAUNCHING_CEREMONY, room_id=launch.room_id,
                             title="Morning Ceremony", starts_at=loader.at(8), ends_at=loader.at(8, 45))
        db.session.add(morning)
        db.session.flush()
        for name in ("Morning Winner One", "Morning Winner Two"):
            organization = find_or_create_organization(program.event, name)
            service.create_award(program, service.AwardData(
                recipient_organization_id=organization.id, agenda_item_id=morning.id, issue_date=loader.DAY))
        db.session.commit()


def test_the_program_numbers_its_awards_once_in_stage_order_across_its_ceremonies(
        app, organizer_client, demo, demo_program_id):
    _awards_at_an_earlier_ceremony_added_later(app, demo_program_id)
    html = organizer_client.get(f"/manage/e/{demo}/awards/programs/{demo_program_id}").get_data(as_text=True)
    assert re.findall(r'<td class="num award-number">(\d+)</td>', html) == ["1", "2", "3", "4", "5", "6", "7"]
    # in the run sheet's order: the morning ceremony's two (numbered last), then the launching ceremony's five
    expected = ["SH100-2023-0006", "SH100-2023-0007"] + [f"SH100-2023-{n:04d}" for n in range(1, 6)]
    assert re.findall(r"<code>(SH100-\d{4}-\d{4})</code>", html) == expected
    run_sheet = organizer_client.get(f"/manage/e/{demo}/awards/run-sheet").get_data(as_text=True)
    assert re.findall(r"<code>(SH100-\d{4}-\d{4})</code>", run_sheet) == expected


def test_the_program_page_has_the_events_tabs_with_awards_current(organizer_client, demo, demo_program_id):
    html = organizer_client.get(f"/manage/e/{demo}/awards/programs/{demo_program_id}").get_data(as_text=True)
    tabs = re.search(r'<nav class="manage-tabs".*?</nav>', html, re.S).group(0)
    assert re.search(rf'href="/manage/e/{demo}/awards" aria-current="page">Awards</a>', tabs)
    assert f'href="/manage/e/{demo}/agenda"' in tabs and f'href="/manage/e/{demo}/registrations"' in tabs
    # and its breadcrumb: your events › the forum › awards › the program
    crumbs = re.search(r'<nav aria-label="breadcrumb">.*?</nav>', html, re.S).group(0)
    assert [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<li>(.*?)</li>", crumbs, re.S)][-1] \
        == "High Quality Charging Action — Shining 100 Stations Plan"
    assert "Your events" in crumbs and f'href="/manage/e/{demo}/awards">Awards</a>' in crumbs
