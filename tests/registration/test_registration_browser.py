"""In Chromium: guests follow the link in their e-mail (invited, or registered on the public form)."""

from pathlib import Path

import pytest

from tests.registration.conftest import link_token
from tests.registration.helpers import invite, registrations

SHOTS = Path("/tmp/registration-shots")

pytestmark = pytest.mark.browser


def test_an_invited_guest_goes_from_the_email_to_a_confirmed_registration_with_a_seminar(
        app, open_event, live_server, smtp_server, send_outbox, page):
    SHOTS.mkdir(exist_ok=True)
    app.config["PUBLIC_BASE_URL"], saved = live_server.url, app.config["PUBLIC_BASE_URL"]
    try:
        slug = open_event()
        invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳", language="zh")
        send_outbox()
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    [mail] = smtp_server.inbox.to("wang@example.cn")
    html = smtp_server.inbox.html(mail)
    link = html.split('href="')[1].split('"')[0]
    assert link.startswith(live_server.url + "/g/") and link_token(smtp_server.inbox.text(mail))

    page.goto(link)
    assert "王芳" in page.inner_text("h1 + p, .portal-head")
    page.screenshot(path=str(SHOTS / "portal-invited-1280.png"), full_page=True)
    page.get_by_label("电池研讨会", exact=False).check()
    page.locator("button.accept-button").click()
    page.wait_for_selector(".reg-confirmed")
    status = page.inner_text("#status")
    assert "已确认" in status or "confirmed" in status.lower()
    assert page.locator("#seminars input[type=checkbox]:checked").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "portal-confirmed-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "portal-confirmed-1280.png"), full_page=True)
    assert registrations(app, slug) == [("wang@example.cn", "confirmed")]
    send_outbox()
    confirmation = [m for m in smtp_server.inbox.to("wang@example.cn") if m is not mail]
    assert len(confirmation) == 1 and "开放日" in confirmation[0]["Subject"]


def test_a_guest_registers_in_the_browser_is_told_to_check_their_email_and_opens_the_link_from_it(
        app, open_event, live_server, smtp_server, send_outbox, page):
    SHOTS.mkdir(exist_ok=True)
    slug = open_event()
    page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/e/{slug}/register")
    page.get_by_label("Name (Latin script)").fill("Zhou Min")
    page.get_by_label("E-mail").fill("zhou.min@example.cn")
    page.get_by_label("Organization").fill("CATARC")
    page.get_by_label("Battery Seminar", exact=False).check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("h1:has-text('Check your e-mail')")
    assert page.url == f"{live_server.url}/e/{slug}/register"  # no redirect to a portal
    body = page.inner_text("body")
    assert "zhou.min@example.cn" in body and "Battery Seminar" in body
    assert page.locator("a[href*='/g/']").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "check-mail-390.png"), full_page=True)

    send_outbox()
    [mail] = smtp_server.inbox.to("zhou.min@example.cn")
    page.goto(f"{live_server.url}/g/{link_token(smtp_server.inbox.text(mail))}")
    assert "Zhou Min" in page.inner_text("h1 + p, .portal-head")
    assert page.locator("#seminars input[type=checkbox]:checked").count() == 1
    assert registrations(app, slug) == [("zhou.min@example.cn", "confirmed")]
