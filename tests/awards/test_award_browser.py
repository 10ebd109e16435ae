"""On a phone during the ceremony: the stage manager taps "Mark presented" on the run sheet."""

import pytest

from eventsvc.demo import loader

pytestmark = pytest.mark.browser


def test_the_stage_manager_marks_awards_presented_from_a_phone(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("E-mail").fill(loader.STAFF_EMAIL)
        page.get_by_label("Password").fill(loader.STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/checkin/e/*")  # door staff land on their scanner
        page.goto(f"{live_server.url}/manage/e/{demo}/awards/run-sheet")
        first = page.locator(".run-item").first
        assert "京华充电科技有限公司" in first.inner_text()
        button = first.get_by_role("button", name="Mark presented")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300  # thumb-sized on a phone
        button.tap()
        page.wait_for_url("**/run-sheet#award-*")
        assert page.get_by_text("1 of 5 presented").is_visible()
        first = page.locator(".run-item").first
        assert "run-presented" in first.get_attribute("class")
        assert first.get_by_role("button", name="Undo").is_visible()
        assert page.locator(".run-item").nth(1).get_by_role("button", name="Mark presented").is_visible()
    finally:
        context.close()
