"""In Chromium: the organizer writes a bilingual question; a guest answers it on the public form
in Chinese (screenshots of both pages in English and Chinese, desktop and phone)."""

from pathlib import Path

import pytest
from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.registration.questions.models import Answer
from tests.registration.helpers import invite

SHOTS = Path("/tmp/shots-questions")

pytestmark = pytest.mark.browser


def _shoot(page, name):
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _language(page, base, code):
    page.context.add_cookies([{"name": "lang", "value": code, "url": base}])


def test_the_organizer_writes_a_bilingual_question_and_a_guest_answers_it_in_chinese(
        app, open_event, make_user, live_server, page):
    SHOTS.mkdir(exist_ok=True)
    slug = open_event()
    make_user("org@example.org", "organizer-password-1", event_slug=slug, role="organizer")
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("org@example.org")
    page.get_by_label("Password").fill("organizer-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage**")

    page.goto(f"{base}/manage/e/{slug}/questions")
    page.locator("#label").fill("Dietary needs")
    page.locator("#label_local").fill("饮食需求")
    page.locator("#kind").select_option("single_choice")
    page.locator("#help").fill("We tell the caterer.")
    page.locator("#help_local").fill("我们会告知餐饮方。")
    page.locator("#new_choices").fill("Vegetarian | 素食\nHalal | 清真\nNo restriction | 无特殊要求")
    page.get_by_label("An answer is required").check()
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_selector("text=Question “Dietary needs” added.")
    page.locator("#label").fill("Passport number (for the venue's security list)")
    page.locator("#label_local").fill("护照号码（用于会场安保名单）")
    page.get_by_label("VIP").check()
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_selector("text=Question “Passport number (for the venue's security list)” added.")
    page.locator("#label").fill("I agree that my name appears on the attendee list")
    page.locator("#label_local").fill("我同意在参会名单中列出我的姓名")
    page.locator("#kind").select_option("checkbox")
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_selector("text=every guest")
    _shoot(page, "editor-en")
    page.get_by_role("button", name="Move up").last.click()
    page.wait_for_load_state()
    rows = page.locator(".question-row strong").all_inner_texts()
    assert rows[1].startswith("I agree") and rows[2].startswith("Passport")
    page.get_by_role("button", name="Edit").first.click()
    page.wait_for_selector("input[name=choice-c2-label]")
    _shoot(page, "editor-edit-en")
    _language(page, base, "zh")
    page.goto(f"{base}/manage/e/{slug}/questions")
    _shoot(page, "editor-zh")

    guest = page.context.browser.new_context()
    guest_page = guest.new_page()
    try:
        guest_page.goto(f"{base}/e/{slug}/register")
        assert "Dietary needs" in guest_page.content() and "Passport" not in guest_page.content()
        _shoot(guest_page, "register-en")
        _language(guest_page, base, "zh")
        guest_page.goto(f"{base}/e/{slug}/register")
        assert "饮食需求" in guest_page.content() and "清真" in guest_page.content()
        guest_page.locator("#name").fill("Zhou Min")
        guest_page.locator("#email").fill("zhou@example.cn")
        guest_page.locator("button[type=submit]").last.click()
        guest_page.wait_for_selector(".field-error")
        assert "请回答此问题。" in guest_page.content()
        _shoot(guest_page, "register-error-zh")
        guest_page.get_by_label("清真").check()
        guest_page.locator("button[type=submit]").last.click()
        guest_page.wait_for_load_state()
        assert "饮食需求" not in guest_page.content()
    finally:
        guest.close()
    with app.app_context():
        [answer] = db.session.scalars(select(Answer)).all()
        assert [c.label_local for c in answer.choices] == ["清真"]

    token = invite(app, slug, "vip@example.cn", name="Wang Fang", name_local="王芳", language="zh", category="vip")
    vip = page.context.browser.new_context()
    vip_page = vip.new_page()
    try:
        vip_page.goto(f"{base}/g/{token}")
        assert "护照号码" in vip_page.content()
        _shoot(vip_page, "portal-invited-zh")
        vip_page.get_by_label("素食").check()
        vip_page.get_by_label("护照号码", exact=False).fill("E12345678")
        vip_page.locator("button.accept-button").click()
        vip_page.wait_for_selector("#answers")
        _shoot(vip_page, "portal-answers-zh")
        _language(vip_page, base, "en")
        vip_page.goto(f"{base}/g/{token}")
        _shoot(vip_page, "portal-answers-en")
    finally:
        vip.close()
    _language(page, base, "en")
    page.goto(f"{base}/manage/e/{slug}/registrations")
    _shoot(page, "registrations-en")
