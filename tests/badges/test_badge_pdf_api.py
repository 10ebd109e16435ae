"""A badge PDF downloaded with an API token: organizers any badge of their event, door staff one to
re-print, nobody another event's (issue 14, item 7)."""

from datetime import date

import pytest

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.badges.reading import registration_of


def _url(slug: str, registration_id: int) -> str:
    return f"/api/v1/events/{slug}/registrations/{registration_id}/badge.pdf"


@pytest.fixture
def other_organizer(app, make_user, api_token):
    """Bearer headers of the organizer of another event (a draft of their own)."""
    from eventsvc.accounts.models import User
    from eventsvc.events import service

    user_id = make_user("planner@other.example", "planner-password", creator=True)
    with app.app_context():
        service.create_event({"slug": "other-forum", "title": "Other Forum", "start_date": date(2024, 4, 1),
                              "end_date": date(2024, 4, 1)}, creator=db.session.get(User, user_id))
        db.session.commit()
    return {"Authorization": f"Bearer {api_token(user_id)}"}


def test_an_organizer_downloads_a_guests_badge_with_a_token_and_it_decodes_to_that_guest(
        app, client, demo, organizer_api, printed):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    response = client.get(_url(demo, registration_id), headers=organizer_api)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pdf = printed(response.data)
    assert pdf.info()["Pages"] == "1" and "297.638 x 419.528" in pdf.info()["Page size"]  # one A6 badge
    [code] = pdf.qr_codes()
    from eventsvc.badges.service import verify_registration_badge

    with app.app_context():
        registration, _ = verify_registration_badge(code, event_by_slug(demo))
        assert registration.id == registration_id
        assert registration.badge_printed_version == registration.badge_version, "counted as printed"
    assert "张华" in pdf.text()
    sheet = client.get(_url(demo, registration_id), query_string={"layout": "sheet"}, headers=organizer_api)
    assert sheet.status_code == 200 and "595.276 x 841.89" in printed(sheet.data).info()["Page size"]  # A4
    bad = client.get(_url(demo, registration_id), query_string={"layout": "poster"}, headers=organizer_api)
    assert bad.status_code == 422 and "layout" in bad.json["errors"]


def test_door_staff_reprint_one_badge_with_their_token(app, client, demo, staff_api, printed):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    response = client.get(_url(demo, registration_id), headers=staff_api)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(printed(response.data).qr_codes()) == 1


def test_badge_pdfs_are_refused_without_a_token_to_another_events_organizer_and_for_unknown_guests(
        app, client, demo, organizer_api, other_organizer):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    anonymous = client.get(_url(demo, registration_id))
    assert anonymous.status_code == 401 and anonymous.json["status"] == 401
    foreign = client.get(_url(demo, registration_id), headers=other_organizer)
    assert foreign.status_code == 403 and foreign.json["code"] == "not_staff"
    # through their own event, the guest of the demo is not found
    assert client.get(_url("other-forum", registration_id), headers=other_organizer).status_code == 404
    assert client.get(_url(demo, 999999), headers=organizer_api).status_code == 404


def test_the_openapi_document_says_the_badge_answer_is_a_pdf(client):
    document = client.get("/api/v1/openapi.json").json
    get = document["paths"]["/api/v1/events/{slug}/registrations/{registration_id}/badge.pdf"]["get"]
    assert "application/pdf" in get["responses"]["200"]["content"]
    assert {"401", "403", "404"} <= set(get["responses"])
