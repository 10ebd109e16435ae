"""An organization's certificates reach only the guests the organizer names as its representatives.

Typing the organization's name into the public form, or belonging to it on record, is not enough.
"""

from sqlalchemy import select, update

from eventsvc.awards.models import Award
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.people.models import Person
from eventsvc.registration.links import issue_link
from eventsvc.registration.models import Invitation, Registration, organization_representatives
from tests.registration.conftest import link_token
from tests.registration.fixtures import open_event  # noqa: F401 (fixture)
from tests.registration.helpers import guest_post, invite
from tests.registration.helpers import registrations as registration_list
from tests.support.web import csrf_token, post_form

NUMBER = "SH100-2023-0003"


def _presented_award(app) -> tuple[int, str]:
    """The demo's third award (to an enterprise, no person named), presented: (award id, organization name)."""
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == NUMBER))
        award.status = "presented"
        db.session.commit()
        return award.id, award.recipient_organization.name


def _demo_guest_link(app, email="guest002@guests.example") -> tuple[str, int]:
    """A new portal link for a confirmed guest of the demo forum: (token, registration id)."""
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(Person).where(Person.email == email))
        token = issue_link(invitation)
        db.session.commit()
        registration_id = db.session.scalar(select(Registration.id).where(
            Registration.invitation_id == invitation.id))
        return token, registration_id


def test_typing_an_organizations_name_at_self_registration_shows_none_of_its_certificates(app, client, demo):
    award_id, organization = _presented_award(app)
    with app.app_context():
        db.session.execute(update(Event).values(registration_mode=RegistrationMode.OPEN))
        db.session.commit()
    stranger = app.test_client()
    response = post_form(stranger, f"/e/{demo}/register", {
        "name": "Mallory", "email": "mallory@example.org", "organization": organization, "language": "en"})
    assert response.status_code == 200 and NUMBER not in response.get_data(as_text=True)
    with app.app_context():
        mail = db.session.scalar(select(OutgoingMessage).where(OutgoingMessage.to_address == "mallory@example.org"))
        person = db.session.scalar(select(Person).where(Person.email == "mallory@example.org"))
        assert person.organization.name == organization  # on record as belonging to it: still not enough
    token = link_token(mail.body_text)
    portal = stranger.get(f"/g/{token}")
    assert portal.status_code == 200
    assert "Your certificates" not in portal.get_data(as_text=True) and NUMBER not in portal.get_data(as_text=True)
    assert stranger.get(f"/g/{token}/certificates/{award_id}.pdf").status_code == 404


def test_the_organizer_names_a_representative_who_then_sees_and_downloads_the_certificate(
        app, client, demo, organizer_client, tmp_path):
    from tests.awards.conftest import pdf_text

    award_id, organization = _presented_award(app)
    token, registration_id = _demo_guest_link(app)
    client.set_cookie("lang", "en")  # the guest reads Chinese; this test reads English
    assert NUMBER not in client.get(f"/g/{token}").get_data(as_text=True)
    assert client.get(f"/g/{token}/certificates/{award_id}.pdf").status_code == 404

    program_id = _program_id(app, award_id)
    program_page = organizer_client.get(f"/manage/e/{demo}/awards/programs/{program_id}").get_data(as_text=True)
    page_url = f"/manage/e/{demo}/awards/{award_id}/representatives"
    assert page_url in program_page and "Representatives (0)" in program_page
    page = organizer_client.get(page_url).get_data(as_text=True)
    assert f"Representatives of {organization}" in page and f'value="{registration_id}"' in page
    added = post_form(organizer_client, page_url, {"registration_id": registration_id})
    assert added.status_code == 302
    page = organizer_client.get(page_url).get_data(as_text=True)
    assert "now represents" in page and "Remove" in page

    portal = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Your certificates" in portal and NUMBER in portal and "which you represent" in portal
    response = client.get(f"/g/{token}/certificates/{award_id}.pdf")
    assert response.status_code == 200 and NUMBER in pdf_text(response.data, tmp_path)
    assert "Representatives (1)" in organizer_client.get(
        f"/manage/e/{demo}/awards/programs/{program_id}").get_data(as_text=True)
    registrations = organizer_client.get(f"/manage/e/{demo}/registrations?q=guest002").get_data(as_text=True)
    assert f"Represents {organization}" in registrations

    removed = post_form(organizer_client, f"{page_url}/{registration_id}/remove", {}, from_path=page_url)
    assert removed.status_code == 302
    assert NUMBER not in client.get(f"/g/{token}").get_data(as_text=True)
    assert client.get(f"/g/{token}/certificates/{award_id}.pdf").status_code == 404


def _program_id(app, award_id):
    with app.app_context():
        return db.session.get(Award, award_id).program_id


def test_only_the_organizer_names_representatives_and_only_guests_of_this_event(
        app, client, demo, staff_client, organizer_client, open_event):  # noqa: F811 (the fixture)
    award_id, _ = _presented_award(app)
    token, registration_id = _demo_guest_link(app)
    page_url = f"/manage/e/{demo}/awards/{award_id}/representatives"
    assert client.get(page_url).status_code in (302, 401)  # to the login page
    assert staff_client.get(page_url).status_code == 403
    staff_post = staff_client.post(page_url, data={"registration_id": registration_id,
                                                   "csrf_token": csrf_token(staff_client, "/")})
    assert staff_post.status_code == 403
    assert organizer_client.post(page_url, data={"registration_id": registration_id}).status_code == 400  # no CSRF

    other = open_event("other-event")  # a guest of another event cannot be named here
    guest_post(client, invite(app, other, "elsewhere@example.org"), "accept")
    assert registration_list(app, other) == [("elsewhere@example.org", "confirmed")]
    with app.app_context():
        outsider = db.session.scalar(select(Registration.id).join(Person).where(
            Person.email == "elsewhere@example.org"))
    refused = post_form(organizer_client, page_url, {"registration_id": outsider})
    assert refused.status_code == 422
    assert organizer_client.post(f"{page_url}/{outsider}/remove", data={
        "csrf_token": csrf_token(organizer_client, page_url)}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(organization_representatives)) == 0
    assert NUMBER not in client.get(f"/g/{token}").get_data(as_text=True)
    assert organizer_client.get(f"/manage/e/{demo}/awards/999999/representatives").status_code == 404
