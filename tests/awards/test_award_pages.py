"""The organizer's award pages, the public list of recipients and the guest's certificates."""

from datetime import timedelta

from sqlalchemy import select

from eventsvc.awards.models import Award, AwardProgram
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Invitation
from tests.support.web import csrf_token, post_form


def test_a_new_program_with_a_taken_prefix_shows_the_field_error_and_saves_nothing(app, organizer_client, demo):
    path = f"/manage/e/{demo}/awards/programs/new"
    response = post_form(organizer_client, path, {"kind": "license", "name": "Second Plan",
                                                  "number_prefix": "SH100", "number_digits": "4"})
    assert response.status_code == 422
    assert "Another program already uses this prefix." in response.get_data(as_text=True)
    created = post_form(organizer_client, path, {"kind": "honour", "name": "Pioneer Award",
                                                 "name_local": "先锋奖", "number_prefix": "PA", "number_digits": "3"})
    assert created.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AwardProgram.number_prefix).order_by(AwardProgram.id)).all() == ["SH100", "PA"]
    listing = organizer_client.get(f"/manage/e/{demo}/awards").get_data(as_text=True)
    assert "Pioneer Award" in listing and "PA-YYYY-001" in listing


def test_revoking_from_the_page_needs_a_reason(app, organizer_client, demo):
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.certificate_number == "SH100-2023-0002"))
    edit = f"/manage/e/{demo}/awards/{award_id}/edit"
    response = post_form(organizer_client, f"/manage/e/{demo}/awards/{award_id}/revoke", {"revoke-reason": " "},
                         from_path=edit)
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Award, award_id).status == "planned"


def test_the_public_page_lists_presented_recipients_only_and_in_chinese_too(app, client, demo):
    assert "No awards have been presented yet." in client.get(f"/e/{demo}/awards").get_data(as_text=True)
    with app.app_context():
        awards = db.session.scalars(select(Award).order_by(Award.certificate_number)).all()
        awards[0].status, awards[1].status = "presented", "revoked"
        db.session.commit()
    html = client.get(f"/e/{demo}/awards").get_data(as_text=True)
    assert "京华充电科技有限公司" in html and "SH100-2023-0001" in html
    assert "SH100-2023-0002" not in html and "SH100-2023-0003" not in html
    client.set_cookie("lang", "zh")
    assert "奖项与许可" in client.get(f"/e/{demo}/awards").get_data(as_text=True)


def _guest_with_award(app, status):
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "guest001@guests.example"))
        token = new_token()
        invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == person.id))
        invitation.token_hash, invitation.token_expires_at = hash_token(token), utcnow() + timedelta(days=30)
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0001"))
        award.recipient_person_id, award.status = person.id, status
        db.session.commit()
        return token, award.id, person.id


def test_a_guest_sees_their_certificate_in_the_portal_and_downloads_it_with_their_link_only(
        app, client, demo, tmp_path):
    from tests.awards.conftest import pdf_text

    token, award_id, person_id = _guest_with_award(app, "presented")
    portal = client.get(f"/g/{token}")
    assert portal.status_code == 200
    html = portal.get_data(as_text=True)
    assert "Your certificates" in html and "SH100-2023-0001" in html
    assert f"/g/{token}/certificates/{award_id}.pdf" in html
    response = client.get(f"/g/{token}/certificates/{award_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "SH100-2023-0001" in pdf_text(response.data, tmp_path)
    assert client.get(f"/g/{new_token()}/certificates/{award_id}.pdf").status_code == 404
    with app.app_context():
        other = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0002"))
        other.status, other.recipient_person_id = "presented", None
        db.session.commit()
        other_id = other.id
    assert client.get(f"/g/{token}/certificates/{other_id}.pdf").status_code == 404  # not theirs
    assert "SH100-2023-0002" not in client.get(f"/g/{token}").get_data(as_text=True)


def test_guests_without_awards_see_no_certificate_section(app, client, demo):
    with app.app_context():
        recipients = {a.recipient_organization_id for a in db.session.scalars(select(Award))}
        invitation = db.session.scalars(select(Invitation).join(Person).where(
            Person.organization_id.not_in(recipients)).order_by(Invitation.id)).first()
        token = new_token()
        invitation.token_hash, invitation.token_expires_at = hash_token(token), utcnow() + timedelta(days=30)
        db.session.commit()
    html = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Your certificates" not in html


def test_a_planned_certificate_is_not_downloadable_yet(app, client, demo):
    token, award_id, _ = _guest_with_award(app, "planned")
    assert client.get(f"/g/{token}/certificates/{award_id}.pdf").status_code in (404, 410)


def test_the_import_form_and_award_form_render_for_the_organizer(organizer_client, demo, demo_program_id):
    html = organizer_client.get(f"/manage/e/{demo}/awards/programs/{demo_program_id}").get_data(as_text=True)
    assert html.count("<code>SH100-2023-") == 5 and "Import recipients" in html
    new = organizer_client.get(f"/manage/e/{demo}/awards/programs/{demo_program_id}/awards/new")
    assert new.status_code == 200 and "Xie Zhaoxu" in new.get_data(as_text=True)
    assert csrf_token(organizer_client, f"/manage/e/{demo}/awards/programs/{demo_program_id}/awards/new")


def test_an_unknown_program_or_award_is_a_404_page(organizer_client, demo):
    for path in (f"/manage/e/{demo}/awards/programs/999", f"/manage/e/{demo}/awards/999/edit",
                 f"/manage/e/{demo}/awards/999/certificate.pdf"):
        response = organizer_client.get(path)
        assert response.status_code == 404
        assert "No such award" in response.get_data(as_text=True)
