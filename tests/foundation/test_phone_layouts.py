"""Every organizer page on a phone (390 × 844), in English and in Chinese: the page itself never
scrolls sideways (issue 15). Tables become cards, the agenda grid scrolls room by room inside
its own box with the times standing still, and the tab bar shows that it scrolls."""

import pytest

from eventsvc.demo import loader
from tests.support.manage_pages import demo_manage_urls

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: the page's <html lang> in each language of the app
HTML_LANG = {"en": "en", "zh": "zh-CN"}

WIDTHS = """() => ({page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
                    window: window.innerWidth, lang: document.documentElement.lang})"""


def _signed_in_phone(browser, live_server, language):
    """One browser context per language, the organizer signed in. Not is_mobile: Chromium's mobile
    emulation widens the layout viewport to fit a page that is too wide, hiding the very fault."""
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server.url + "/login")
    page.locator("input[name=email]").fill(loader.ORGANIZER_EMAIL)
    page.locator("input[name=password]").fill(loader.ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/manage")
    return context, page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_organizer_page_scrolls_sideways_on_a_phone(app, browser, live_server, demo, language):
    urls = demo_manage_urls(app)
    assert len(urls) > 40  # every manage page of the forum, not a handful
    context, page = _signed_in_phone(browser, live_server, language)
    too_wide = []
    try:
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{url} answered {response.status}"
            widths = page.evaluate(WIDTHS)
            assert widths["lang"] == HTML_LANG[language], f"{url} is not in {language}"
            assert widths["window"] == PHONE["width"]
            if widths["page"] > widths["window"] or widths["body"] > widths["window"]:
                too_wide.append(f"{url}: page {widths['page']} px, body {widths['body']} px")
    finally:
        context.close()
    assert not too_wide, f"wider than the {PHONE['width']} px phone in {language}:\n" + "\n".join(too_wide)


def test_the_events_table_is_a_card_per_event_with_its_labels_in_chinese(browser, live_server, demo):
    context, page = _signed_in_phone(browser, live_server, "zh")
    try:
        row = page.locator("table.stack-table tbody tr").first
        title = row.locator("td").first
        # the title on one line across the card, not one character per line
        assert title.inner_text().strip() == "中国电动汽车百人会论坛（2023）"
        assert title.bounding_box()["height"] < 40 and title.bounding_box()["width"] > 300
        dates = row.locator("td[data-label='日期']")
        assert dates.is_visible() and "2023年3月31日" in dates.inner_text()
        # the last columns are on screen too
        for cell in (row.locator("td[data-label='报名']"), row.get_by_role("link", name="颁奖流程单")):
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()


def test_the_agenda_grid_scrolls_to_the_third_room_with_the_times_standing_still(browser, live_server, demo):
    context, page = _signed_in_phone(browser, live_server, "en")
    try:
        page.goto(f"{live_server.url}/manage/e/{demo}/agenda")
        grid = page.locator(".agenda-scroll").first
        third_room = grid.get_by_role("columnheader", name="Council Room")
        time = grid.get_by_role("rowheader", name="16:00")
        assert not _on_screen(third_room)
        time_x = time.bounding_box()["x"]
        grid.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
        page.wait_for_function("() => document.querySelector('.agenda-scroll').scrollLeft > 0")
        assert _on_screen(third_room)
        assert grid.get_by_role("link", name="Council Meeting of the Forum").is_visible()
        assert time.bounding_box()["x"] == pytest.approx(time_x, abs=1)  # the time column stayed
        # the room's sessions are not hidden under the time column
        assert third_room.bounding_box()["x"] >= time_x + time.bounding_box()["width"] - 1
    finally:
        context.close()


def test_the_tab_bar_shows_the_current_tab_and_fades_where_more_tabs_are(browser, live_server, demo):
    context, page = _signed_in_phone(browser, live_server, "zh")
    try:
        page.goto(f"{live_server.url}/manage/e/{demo}/awards")
        bar = page.locator("nav.manage-tabs")
        current = bar.locator("[aria-current=page]")
        assert current.inner_text() == "颁奖"
        page.wait_for_function("() => document.querySelector('.manage-tabs').scrollLeft > 0")
        assert _on_screen(current)
        assert bar.evaluate("el => el.scrollWidth > el.clientWidth")  # it does scroll
        assert "more-before" in bar.get_attribute("class") and "more-after" in bar.get_attribute("class")
        bar.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        page.wait_for_function("() => !document.querySelector('.manage-tabs').classList.contains('more-after')")
        assert "more-before" in bar.get_attribute("class")
    finally:
        context.close()


def _on_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
