"""A real browser: the organizer signs in and sees the dashboard."""

import pytest

from eventsvc.demo import loader

pytestmark = pytest.mark.browser


def test_organizer_signs_in_through_the_browser_and_sees_the_dashboard(page, live_server, demo):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill(loader.ORGANIZER_EMAIL)
    page.get_by_label("Password").fill(loader.ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage")
    assert page.get_by_role("heading", name="Your events").is_visible()
    assert page.get_by_role("link", name="China Electric Vehicle 100 Forum 2023").is_visible()
    page.get_by_role("link", name="简体中文").click()
    assert page.get_by_role("heading", name="我的活动").is_visible()
