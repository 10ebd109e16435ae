"""In a real browser, the award recipient picker searches the event's own people and tells namesakes apart."""

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventsvc.accounts.models import User
from eventsvc.awards.models import Award, AwardProgram
from eventsvc.demo import loader
from eventsvc.events import service as events_service
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.identity import PersonDetails

pytestmark = pytest.mark.browser


def test_an_organizer_picks_an_award_recipient_among_the_events_people_only(app, demo, page, live_server):
    with app.app_context():
        forum = event_by_slug(demo)
        guest = identity.find_or_create_person(forum, PersonDetails(name="Zhao Li", email="zhao.li@a.example",
                                                                    organization="Gold Star Charging"))
        other = events_service.create_event({"slug": "forum-b", "title": "B", "start_date": date(2024, 4, 1),
                                             "end_date": date(2024, 4, 1)},
                                            creator=db.session.scalar(select(User).where(User.is_admin.is_(False))))
        identity.find_or_create_person(other, PersonDetails(name="Zhao Li", email="zhao.li@b.example",
                                                            organization="Another Event's Lab"))
        program_id = db.session.scalar(select(AwardProgram.id).where(AwardProgram.event_id == forum.id))
        db.session.commit()
        guest_id = guest.id
    url = live_server.url
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(loader.ORGANIZER_EMAIL)
    page.get_by_label("Password").fill(loader.ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage")

    page.goto(f"{url}/manage/e/{demo}/awards/programs/{program_id}/awards/new")
    picker = page.locator("[data-people-picker]")
    picker.locator("[data-picker-search]").fill("Zhao Li")
    options = picker.locator("[data-picker-results]").get_by_role("option")
    expect(options).to_have_count(1)  # the namesake of the other event is not offered
    expect(options.first).to_have_text("Zhao Li — Gold Star Charging")
    options.first.click()
    expect(picker.locator("[data-picker-chosen]")).to_contain_text("Zhao Li")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("added")
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.recipient_person_id == guest_id))
        assert award is not None and award.program_id == program_id
