"""Where one lands after signing in (accounts.landing): door staff at their scanner, organizers at /manage."""

from datetime import date

import pytest
from playwright.sync_api import expect

from eventsvc.extensions import db
from tests.support.web import csrf_token, login

PASSWORD = "door-password-1"


@pytest.fixture
def events(app):
    """Three events of one installation: this year's forum, next month's summit, last year's (archived) forum."""
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.models import Event

    with app.app_context():
        for slug, title, title_local, day, status in [
                ("forum-2026", "Forum 2026", "论坛 2026", date(2026, 12, 3), EventStatus.PUBLISHED),
                ("summit-2027", "Summit 2027", "峰会 2027", date(2027, 1, 14), EventStatus.PUBLISHED),
                ("forum-2025", "Forum 2025", "论坛 2025", date(2025, 12, 4), EventStatus.ARCHIVED)]:
            db.session.add(Event(slug=slug, title=title, title_local=title_local, start_date=day, end_date=day,
                                 timezone="Asia/Shanghai", status=status))
        db.session.commit()
    return ["forum-2026", "summit-2027", "forum-2025"]


@pytest.fixture
def person(app, make_user):
    """An account holding the given roles, {slug: "staff" | "organizer"}; returns its e-mail."""
    from eventsvc.accounts.service import grant_role, user_by_email
    from eventsvc.events.permissions import event_by_slug

    def make(roles: dict[str, str], email="door@example.org", **flags) -> str:
        make_user(email, PASSWORD, **flags)
        with app.app_context():
            user = user_by_email(email)
            for slug, role in roles.items():
                grant_role(user, event_by_slug(slug), role)
            db.session.commit()
        return email

    return make


def _signs_in_to(client, email: str, query: str = "") -> str:
    response = client.post(f"/login{query}", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302
    return response.headers["Location"]


def test_staff_of_one_event_go_straight_from_sign_in_to_its_scanner(client, events, person):
    email = person({"forum-2026": "staff"})
    assert _signs_in_to(client, email) == "/checkin/e/forum-2026"
    page = client.get("/checkin/e/forum-2026").get_data(as_text=True)
    assert "Choose the gate" in page and "Welcome back" in page
    # and /manage, from a bookmark, is the same scanner
    assert client.get("/manage").headers["Location"] == "/checkin/e/forum-2026"


def test_a_next_page_still_wins_over_the_scanner_and_a_foreign_one_does_not(client, events, person):
    email = person({"forum-2026": "staff"})
    assert _signs_in_to(client, email, "?next=/checkin/e/forum-2026/walk-in") == "/checkin/e/forum-2026/walk-in"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/checkin/e/forum-2026")})
    assert _signs_in_to(client, email, "?next=//evil.example/") == "/checkin/e/forum-2026"


def test_staff_of_several_events_choose_from_a_list_of_their_scanners(client, events, person):
    email = person({"forum-2026": "staff", "summit-2027": "staff"})
    assert _signs_in_to(client, email) == "/manage"
    page = client.get("/manage").get_data(as_text=True)
    assert "Your scanners" in page and "Your events" not in page
    # newest first, one link each
    assert page.index('href="/checkin/e/summit-2027"') < page.index('href="/checkin/e/forum-2026"')
    assert page.count('class="scanner-link"') == 2


def test_last_years_archived_event_does_not_turn_the_straight_landing_into_a_list(client, events, person):
    email = person({"forum-2026": "staff", "forum-2025": "staff"})
    assert _signs_in_to(client, email) == "/checkin/e/forum-2026"
    # with nothing but archived events, their scanner is still where one lands
    other = person({"forum-2025": "staff"}, email="old@example.org")
    assert _signs_in_to(client.application.test_client(), other) == "/checkin/e/forum-2025"


def test_organizers_land_on_manage_even_where_they_are_also_door_staff(client, events, person):
    email = person({"forum-2026": "staff", "summit-2027": "organizer"})
    assert _signs_in_to(client, email) == "/manage"
    page = client.get("/manage").get_data(as_text=True)
    assert "Your events" in page and "Your scanners" not in page


@pytest.mark.parametrize("flags", [{"admin": True}, {"creator": True}])
def test_administrators_and_event_creators_land_on_manage_even_as_staff_of_one_event(client, events, person, flags):
    email = person({"forum-2026": "staff"}, **flags)
    assert _signs_in_to(client, email) == "/manage"
    assert "Your events" in client.get("/manage").get_data(as_text=True)


def test_an_account_with_no_role_yet_lands_on_manage(client, make_user):
    make_user("new@example.org", PASSWORD)
    assert login(client, "new@example.org", PASSWORD).headers["Location"] == "/manage"


@pytest.mark.browser
def test_door_staff_of_two_events_tap_their_scanner_on_a_phone(browser, live_server, events, person):
    email = person({"forum-2026": "staff", "summit-2027": "staff"})
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/manage")
        expect(page.get_by_role("heading", name="Your scanners")).to_be_visible()
        links = page.locator(".scanner-link")
        expect(links).to_have_count(2)
        for i in range(2):
            box = links.nth(i).bounding_box()
            # a thumb's target: the width of the screen (less its margins), taller than a finger
            assert box["width"] >= 320 and box["height"] >= 48, box
            assert box["y"] + box["height"] <= 844, "both scanners are on the first screen"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("link", name="Forum 2026").tap()
        page.wait_for_url("**/checkin/e/forum-2026")
        expect(page.locator("#gate")).to_be_visible()
    finally:
        context.close()
