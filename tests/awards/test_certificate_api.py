"""An award's certificate PDF downloaded with an API token, by the event's organizers only (issue 14, item 7)."""

from datetime import date

from sqlalchemy import select

from eventsvc.awards.models import Award
from eventsvc.extensions import db
from tests.awards.conftest import pdf_text, qr_codes_per_page


def _award(app, number: str = "SH100-2023-0004") -> tuple[int, str]:
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == number))
        return award.id, award.verification_code


def test_an_organizer_downloads_a_certificate_with_a_token_and_its_qr_verifies_it(
        app, client, demo, organizer_api, tmp_path):
    award_id, code = _award(app)
    response = client.get(f"/api/v1/events/{demo}/awards/{award_id}/certificate.pdf", headers=organizer_api)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert qr_codes_per_page(response.data, tmp_path) == [[f"http://127.0.0.1/verify/{code}"]]  # one page
    text = pdf_text(response.data, tmp_path)
    assert "SH100-2023-0004" in text and "鹏城充电站有限公司" in text


def test_certificates_by_token_are_refused_to_staff_other_organizers_and_callers_without_a_token(
        app, client, demo, staff_api, make_user, api_token):
    from eventsvc.accounts.models import User
    from eventsvc.events import service

    award_id, _ = _award(app)
    url = f"/api/v1/events/{demo}/awards/{award_id}/certificate.pdf"
    assert client.get(url).status_code == 401
    staff = client.get(url, headers=staff_api)
    assert staff.status_code == 403 and staff.json["code"] == "not_organizer"
    planner = make_user("planner@other.example", "planner-password", creator=True)
    with app.app_context():
        service.create_event({"slug": "other-forum", "title": "Other Forum", "start_date": date(2024, 4, 1),
                              "end_date": date(2024, 4, 1)}, creator=db.session.get(User, planner))
        db.session.commit()
    other = {"Authorization": f"Bearer {api_token(planner)}"}
    foreign = client.get(url, headers=other)
    assert foreign.status_code == 403 and foreign.json["code"] == "not_organizer"
    assert client.get(f"/api/v1/events/other-forum/awards/{award_id}/certificate.pdf",
                      headers=other).status_code == 404
