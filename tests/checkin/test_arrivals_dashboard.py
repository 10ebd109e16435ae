"""The arrivals dashboard: what it says before anyone or any VIP is on the list, and its times in
the page's language and the event's zone."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from eventsvc.accounts.models import User
from eventsvc.demo import loader
from eventsvc.events import service
from eventsvc.extensions import db
from eventsvc.registration.models import Category


def _new_event(app) -> str:
    with app.app_context():
        organizer = db.session.scalar(select(User).where(User.email == loader.ORGANIZER_EMAIL))
        event = service.create_event({"slug": "new-forum", "title": "New Forum", "start_date": date(2024, 4, 1),
                                      "end_date": date(2024, 4, 1), "timezone": "Asia/Shanghai"},
                                     creator=organizer)
        db.session.execute(delete(Category).where(Category.event_id == event.id))
        db.session.commit()
        return event.slug


def _shown(html: str, element_id: str) -> bool:
    tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', html)
    assert tag, f"no #{element_id}"
    return " hidden" not in tag.group(0)


def test_a_new_event_says_there_is_no_vip_and_no_category_instead_of_every_vip_arrived(app, organizer_client, demo):
    slug = _new_event(app)
    html = organizer_client.get(f"/manage/e/{slug}/arrivals").get_data(as_text=True)
    assert _shown(html, "vips-none") and "No VIPs are on the guest list." in html
    assert not _shown(html, "vips-empty"), "no VIP on the list is not every VIP arrived"
    assert _shown(html, "categories-empty") and "This event has no guest categories yet." in html
    data = organizer_client.get(f"/api/v1/events/{slug}/checkin/arrivals").get_json()
    assert data["vip_state"] == "none" and data["by_category"] == []


def test_the_demo_with_missing_vips_lists_them_and_hides_the_empty_sentences(organizer_client, demo):
    html = organizer_client.get(f"/manage/e/{demo}/arrivals").get_data(as_text=True)
    assert not _shown(html, "vips-none") and not _shown(html, "vips-empty")
    assert not _shown(html, "categories-empty")


def test_arrival_times_read_24_hour_in_chinese_and_name_the_zone(organizer_client, staff_api, guests, badge, demo):
    # 09:36 UTC is 17:36 in Beijing, the demo forum's zone
    staff_api.scan(badge(guests["confirmed"][0]), device_time="2023-10-26T09:36:00+00:00")
    api = f"/api/v1/events/{demo}/checkin/arrivals"
    english = organizer_client.get(api, headers={"Cookie": "lang=en"}).get_json()
    assert [p["label"].replace("\u202f", " ") for p in english["over_time"] if p["count"]] == ["5:30 PM"]
    assert english["zone"] == "China Standard Time"

    organizer_client.set_cookie("lang", "zh")
    chinese = organizer_client.get(api).get_json()
    assert [p["label"] for p in chinese["over_time"] if p["count"]] == ["17:30"]
    assert chinese["zone"] == "中国标准时间"
    assert not re.search(r"AM|PM|上午|下午", chinese["updated"]) and re.fullmatch(r"\d\d:\d\d", chinese["updated"])
    page = organizer_client.get(f"/manage/e/{demo}/arrivals").get_data(as_text=True)
    assert '<small id="zone">中国标准时间</small>' in page


@pytest.mark.browser
def test_the_chinese_dashboard_draws_its_axis_in_24_hours(browser, live_server, staff_api, guests, badge, demo):
    staff_api.scan(badge(guests["confirmed"][0]), device_time="2023-10-26T01:36:00+00:00")  # 09:36 in Beijing
    staff_api.scan(badge(guests["confirmed"][31]), device_time="2023-10-26T09:36:00+00:00")  # 17:36
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(live_server.url + "/login")
        page.locator("input[name=email]").fill(loader.ORGANIZER_EMAIL)
        page.locator("input[name=password]").fill(loader.ORGANIZER_PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/manage/e/{demo}/arrivals")
        axis = page.locator("#chart svg text")
        expect(axis.first).to_have_text("09:30", timeout=20_000)
        labels = axis.all_text_contents()
        assert "17:30" in labels and not any(re.search(r"AM|PM|上午|下午", t) for t in labels), labels
        expect(page.locator("#updated")).to_have_text(re.compile(r"^\d\d:\d\d$"))
        expect(page.locator("#zone")).to_have_text("中国标准时间")
    finally:
        context.close()
