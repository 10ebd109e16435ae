"""In Chromium: an organizer invites a co-organizer and a door-staff member from the team page; each
follows the link of the e-mail (delivered through a real SMTP server on loopback), sets a password and
signs in; the staff member lands on the scanner of a phone and cannot create events."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eventsvc.demo import loader
from tests.support.browser import sign_out

SHOTS = Path("/tmp/team-shots")
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _sign_in(page, url, email, password):
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _invite(page, email, name, role, language):
    form = page.locator("form.team-invite")
    form.get_by_role("textbox", name="E-mail").fill(email)
    form.get_by_role("textbox", name="Name").fill(name)
    form.get_by_role("combobox", name="Role").select_option(label=role)
    form.get_by_label("Language of the e-mail").select_option(label=language)
    form.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".flash-success")).to_contain_text(f"{email} is invited")


def _link_from_mail(smtp_server, address) -> tuple[object, str]:
    [mail] = smtp_server.inbox.to(address)
    links = re.findall(r'href="([^"]+/account/password/[^"]+)"', smtp_server.inbox.html(mail))
    assert links and links[0] in smtp_server.inbox.text(mail)
    return mail, links[0]


def _choose_password(page, link, password):
    page.goto(link)
    page.get_by_label("New password").fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name=re.compile("Set password and sign in|设置密码并登录")).click()


def _shots(page, url, slug, name):
    """The team page at 1280 and 390 px wide, in English and in Chinese."""
    for language in ("en", "zh"):
        page.goto(f"{url}/language/{language}?next=/manage/e/{slug}/team")
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
    page.goto(f"{url}/language/en?next=/manage/e/{slug}/team")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_organizer_builds_the_team_and_door_staff_land_on_their_scanner_on_a_phone(
        app, demo, live_server, smtp_server, send_outbox, browser, page):
    SHOTS.mkdir(exist_ok=True)
    url = live_server.url
    app.config["PUBLIC_BASE_URL"], saved = url, app.config["PUBLIC_BASE_URL"]
    try:
        _sign_in(page, url, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
        page.wait_for_url("**/manage")
        page.goto(f"{url}/manage/e/{demo}")
        page.locator(".manage-tabs").get_by_role("link", name="Team").click()
        page.wait_for_url(f"**/manage/e/{demo}/team")
        _invite(page, "chen.jing@example.cn", "Chen Jing", "Organizer", "简体中文")
        _invite(page, "door2@example.org", "Zhou Min", "Staff", "English")
        members = page.locator(".team-member")
        expect(members).to_have_count(4)
        expect(page.locator('.team-member[data-email="door2@example.org"] .team-pending')).to_be_visible()
        _shots(page, url, demo, "team-invited")
        assert "sent 2" in send_outbox()
    finally:
        app.config["PUBLIC_BASE_URL"] = saved

    # The co-organizer reads a Chinese e-mail, chooses a password and manages the event.
    mail, link = _link_from_mail(smtp_server, "chen.jing@example.cn")
    assert "团队" in mail["Subject"] and "中国电动汽车百人会论坛" in smtp_server.inbox.text(mail)
    assert link.startswith(url + "/account/password/")
    co_context = browser.new_context(viewport={"width": 1280, "height": 900})
    co = co_context.new_page()
    co.set_default_timeout(15_000)
    try:
        _choose_password(co, link, "chen-jing-password")
        co.wait_for_url("**/manage")
        expect(co.locator(".flash-success")).to_be_visible()
        assert "China Electric Vehicle 100 Forum" in co.content() or "中国电动汽车百人会论坛" in co.content()
        sign_out(co)
        _sign_in(co, url, "chen.jing@example.cn", "chen-jing-password")
        co.wait_for_url("**/manage")
        assert co.goto(f"{url}/manage/e/{demo}/team").status == 200
        assert co.goto(link).status == 410  # the link worked once
    finally:
        co_context.close()

    # The door-staff member, on a phone: from the e-mail to the scanner, and no way to create events.
    mail, link = _link_from_mail(smtp_server, "door2@example.org")
    assert mail["Subject"] == "You are invited to the team of China Electric Vehicle 100 Forum 2023"
    assert "Forum Organizer has invited you to work at China Electric Vehicle 100 Forum 2023 as a staff member." \
        in smtp_server.inbox.text(mail)
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.set_default_timeout(15_000)
    try:
        _choose_password(phone, link, "zhou-min-password")
        phone.wait_for_url(f"**/checkin/e/{demo}")
        expect(phone.locator("#gate")).to_be_visible()
        phone.screenshot(path=str(SHOTS / "staff-scanner-390.png"), full_page=True)
        assert "New event" not in phone.content()
        sign_out(phone)
        _sign_in(phone, url, "door2@example.org", "zhou-min-password")
        phone.wait_for_url(f"**/checkin/e/{demo}")
        assert "New event" not in phone.content()
        phone.goto(url + "/manage")
        phone.wait_for_url(f"**/checkin/e/{demo}")  # the dashboard is the scanner for door staff
        response = phone.goto(url + "/manage/e/new")
        assert response.status == 403
        assert phone.goto(f"{url}/manage/e/{demo}/team").status == 403
    finally:
        phone_context.close()

    # The organizer sees both on the team, no longer waiting for a password.
    page.goto(f"{url}/manage/e/{demo}/team")
    expect(page.locator(".team-pending")).to_have_count(0)
    expect(page.locator('.team-member[data-email="chen.jing@example.cn"] select')).to_have_value("organizer")
    expect(page.locator('.team-member[data-email="door2@example.org"] select')).to_have_value("staff")
    _shots(page, url, demo, "team")
