"""In Chromium: the organizer sets an 80 % rule for a session that is over and issues the
certificates; the guest downloads theirs in the portal; its QR opens the public /verify page.
Screenshots (en and zh, 1280 and 390 px, and the PDF rasterised) go to /tmp/shots-attcert."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.checkin.test_attendance_certificates import _portal_token, _session, _stay

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-attcert")


def _shoot(context, page, name: str, url: str) -> None:
    """The page at 1280 and 390 px, in English and in Chinese."""
    for lang in ("en", "zh"):
        context.add_cookies([{"name": "lang", "value": lang, "domain": "127.0.0.1", "path": "/"}])
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            page.goto(url)
            page.screenshot(path=str(SHOTS / f"{name}-{lang}-{width}.png"), full_page=True)
    context.add_cookies([{"name": "lang", "value": "en", "domain": "127.0.0.1", "path": "/"}])


def test_the_organizer_issues_and_the_guest_downloads_a_verifiable_certificate(
        app, demo, guests, browser, live_server, tmp_path):
    from eventsvc.awards.models import AttendanceCertificate
    from eventsvc.registration.models import Registration

    SHOTS.mkdir(exist_ok=True)
    item = _session(app, demo)
    present, absent = guests["confirmed"][:2]
    _stay(app, demo, item, present, 50)  # of 60 minutes: an 80 % rule asks for 48
    _stay(app, demo, item, absent, 40)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("E-mail").fill(loader.ORGANIZER_EMAIL)
        page.get_by_label("Password").fill(loader.ORGANIZER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/manage")
        page.goto(f"{live_server.url}/manage/e/{demo}/awards")
        page.get_by_role("button", name="Certificates of attendance").click()
        page.get_by_label("Certificate for").select_option(str(item))
        page.get_by_label("Present for at least (% of the session)").fill("80")
        page.get_by_label("Number prefix").fill("att")
        page.get_by_role("button", name="Add rule").click()
        page.get_by_role("button", name="Issue certificates").click()
        assert page.get_by_text("1 certificate issued.").is_visible()
        rule_url = page.url
        page.get_by_role("button", name="Issue certificates").click()
        assert page.get_by_text("Nobody new qualifies: no certificate issued.").is_visible()
        _shoot(context, page, "rule", rule_url)
        _shoot(context, page, "rules", f"{live_server.url}/manage/e/{demo}/attendance-certificates")

        with app.app_context():
            [certificate] = db.session.scalars(select(AttendanceCertificate)).all()
            assert certificate.registration_id == present and certificate.minutes_present == 50
            code, number = certificate.verification_code, certificate.certificate_number
            name = db.session.get(Registration, present).person.name
        token = _portal_token(app, present)
        guest = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
        portal = guest.new_page()
        try:
            _shoot(guest, portal, "portal", f"{live_server.url}/g/{token}")
            portal.set_viewport_size({"width": 390, "height": 844})
            portal.goto(f"{live_server.url}/g/{token}#certificates")
            with portal.expect_download() as download:
                portal.locator("a[href*='/attendance-certificates/']").click()  # (the portal now speaks the guest's zh)
            pdf = tmp_path / "certificate.pdf"
            download.value.save_as(pdf)
            subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(pdf), str(SHOTS / "certificate-pdf")],
                           check=True)
            _shoot(guest, portal, "verify", f"{live_server.url}/verify/{code}")
            portal.goto(f"{live_server.url}/verify/{code}")
            assert portal.locator("[data-state=valid]").is_visible()
            assert name in portal.inner_text("main") and number in portal.inner_text("main")
        finally:
            guest.close()
    finally:
        context.close()
