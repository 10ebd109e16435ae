"""In Chromium: the guest's badge on a phone scans from the screen; the organizer watches a
batch's progress bar fill and downloads the PDF."""

from pathlib import Path

import pytest

from eventsvc.demo import loader
from eventsvc.events.permissions import event_by_slug
from tests.badges.reading import decode_image, registration_of

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/badges-shots")


def test_the_guests_badge_on_a_phone_scans_from_the_screen(app, demo, browser, live_server, guest_link):
    from eventsvc.badges.service import verify_registration_badge

    SHOTS.mkdir(exist_ok=True)
    token = guest_link("Zhang Hua")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/g/{token}/badge")
        qr = page.locator("img.portal-badge-qr")
        qr.wait_for()
        page.wait_for_function("() => document.querySelector('img.portal-badge-qr').naturalWidth > 0")
        box = qr.bounding_box()
        assert box["width"] >= 300  # big on a phone: nearly the screen's width
        assert page.get_by_role("button", name="Download badge (PDF)").is_visible()
        page.screenshot(path=str(SHOTS / "portal-390.png"), full_page=True)
        [code] = decode_image(SHOTS / "portal-390.png")
        with app.app_context():
            assert verify_registration_badge(code, event_by_slug(demo))[0].id == registration_of("Zhang Hua").id
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "portal-1280.png"), full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=str(SHOTS / "portal-print.png"), full_page=True)
        assert not page.get_by_role("button", name="Download badge (PDF)").is_visible()
    finally:
        context.close()


def test_the_organizer_watches_the_batch_progress_and_downloads_the_pdf(demo, page, live_server):
    SHOTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill(loader.ORGANIZER_EMAIL)
    page.get_by_label("Password").fill(loader.ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage")
    page.goto(f"{live_server.url}/manage/e/{demo}/badges")
    page.screenshot(path=str(SHOTS / "list-1280.png"))
    page.get_by_label("A6, one badge a page").check()
    page.get_by_role("button", name="Make the PDF").click()
    page.wait_for_url("**/badges/jobs/*")
    download_link = page.get_by_role("button", name="Download the PDF")
    download_link.wait_for(state="visible", timeout=60_000)
    assert page.locator("#job-progress").get_attribute("value") in ("100", "100.0") or \
        page.eval_on_selector("#job-progress", "e => e.value") == 100
    assert "badges are ready" in page.locator("#job-message").inner_text()
    page.screenshot(path=str(SHOTS / "job-1280.png"))
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/manage/e/{demo}/badges")
    page.screenshot(path=str(SHOTS / "list-390.png"), full_page=False)
    page.get_by_role("link", name="简体中文").click()
    assert page.get_by_role("heading", name="胸卡", exact=True).is_visible()
    page.screenshot(path=str(SHOTS / "list-390-zh.png"), full_page=True)


def test_the_badge_section_of_the_guest_portal_scans_on_a_phone(app, demo, browser, live_server, guest_link):
    from eventsvc.badges.service import verify_registration_badge

    SHOTS.mkdir(exist_ok=True)
    token = guest_link("Zhang Hua")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/g/{token}")
        section = page.locator("article#badge")
        section.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('img.portal-badge-qr').naturalWidth > 0")
        assert page.get_by_role("heading", name="您的胸卡").is_visible()  # the portal speaks the guest's language
        section.screenshot(path=str(SHOTS / "portal-section-390.png"))
        [code] = decode_image(SHOTS / "portal-section-390.png")
        with app.app_context():
            assert verify_registration_badge(code, event_by_slug(demo))[0].id == registration_of("Zhang Hua").id
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "portal-home-1280.png"), full_page=True)
    finally:
        context.close()
