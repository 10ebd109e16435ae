"""A confirmed guest opens their personal link and gets their own badge: QR and PDF."""

from sqlalchemy import select

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration
from tests.badges.reading import decode_image, registration_of


def test_a_confirmed_guest_downloads_their_own_badge(app, demo, client, guest_link, printed, tmp_path):
    from eventsvc.badges.service import verify_registration_badge

    token = guest_link("Zhang Hua")
    page = client.get(f"/g/{token}/badge")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert "张华" in html and f"/g/{token}/badge/qr.svg" in html and f"/g/{token}/badge.pdf" in html

    pdf = printed(client.get(f"/g/{token}/badge.pdf").data)
    [code] = pdf.qr_codes()
    png = client.get(f"/g/{token}/badge/qr.png")
    (tmp_path / "qr.png").write_bytes(png.data)
    assert decode_image(tmp_path / "qr.png") == [code]
    with app.app_context():
        assert verify_registration_badge(code, event_by_slug(demo))[0].id == registration_of("Zhang Hua").id
        # the guest's download is not the organizer's print run
        assert registration_of("Zhang Hua").badge_printed_at is None


def test_a_wrong_link_or_an_unconfirmed_guest_gets_no_badge(app, demo, client, guest_link):
    assert client.get("/g/not-a-real-token/badge").status_code == 404
    assert client.get("/g/not-a-real-token/badge.pdf").status_code == 404
    with app.app_context():
        cancelled = db.session.scalar(select(Registration).where(
            Registration.status == RegistrationStatus.CANCELLED).limit(1))
        name = cancelled.person.name
    token = guest_link(name, "cancelled-guest-token-" + "y" * 30)
    page = client.get(f"/g/{token}/badge")
    assert page.status_code == 200
    assert "Your badge appears here once your registration is confirmed." in page.get_data(as_text=True)
    assert client.get(f"/g/{token}/badge.pdf").status_code == 404
    assert client.get(f"/g/{token}/badge/qr.svg").status_code == 404


def test_an_invitation_link_opens_the_guests_badge_too(app, demo, client):
    from eventsvc.core.tokens import hash_token

    with app.app_context():
        registration = db.session.scalar(select(Registration).where(
            Registration.invitation_id.is_not(None), Registration.status == RegistrationStatus.CONFIRMED).limit(1))
        registration.invitation.token_hash = hash_token("invitation-token-" + "z" * 30)
        name = registration.person.name
        db.session.commit()
    page = client.get("/g/invitation-token-" + "z" * 30 + "/badge")
    assert page.status_code == 200 and name in page.get_data(as_text=True)


def test_the_guest_portal_shows_the_badge_section_with_its_qr_and_download(app, demo, client, guest_link):
    token = guest_link("Zhang Hua")
    html = client.get(f"/g/{token}").get_data(as_text=True)
    assert 'id="badge"' in html and "您的胸卡" in html  # the portal speaks the guest's language
    assert f"/g/{token}/badge/qr.svg" in html and f"/g/{token}/badge.pdf" in html
    assert client.get(f"/g/{token}/badge/qr.svg").mimetype == "image/svg+xml"


def test_a_withdrawn_invitation_link_opens_no_badge(app, demo, client):
    from eventsvc.core.tokens import hash_token
    from eventsvc.registration.enums import InvitationStatus

    with app.app_context():
        registration = db.session.scalar(select(Registration).where(
            Registration.invitation_id.is_not(None), Registration.status == RegistrationStatus.CONFIRMED).limit(1))
        registration.invitation.token_hash = hash_token("withdrawn-token-" + "w" * 30)
        registration.invitation.status = InvitationStatus.REVOKED
        db.session.commit()
    response = client.get("/g/withdrawn-token-" + "w" * 30 + "/badge.pdf")
    assert response.status_code == 410
    assert "This invitation has been withdrawn" in response.get_data(as_text=True)
