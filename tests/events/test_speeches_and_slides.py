"""Speech records through the organizer's form: theme, summary afterwards, slides as a PDF."""

import io

from tests.support.web import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _speech_form(demo_ids, **extra):
    return {"speaker_id": demo_ids["people"]["Zhang Hua"], "title": "Policy outlook", "language": "zh",
            "status": "delivered", "summary": "He outlined the policy outlook.", **extra}


def test_a_delivered_speech_with_slides_appears_in_the_proceedings(organizer_client, client, demo, demo_ids):
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}/speeches/new"
    data = _speech_form(demo_ids, csrf_token=csrf_token(organizer_client, path),
                        slides=(io.BytesIO(PDF), "outlook.pdf"))
    response = organizer_client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/e/{demo}/proceedings").get_data(as_text=True)
    assert "Policy outlook" in page and "He outlined the policy outlook." in page
    slides_url = next(part.split('"')[0] for part in page.split('href="') if "/slides/" in part)
    slides = client.get(slides_url)
    assert slides.status_code == 200 and slides.mimetype == "application/pdf" and slides.data == PDF


def test_slides_that_are_not_pdf_or_too_large_are_refused_and_nothing_is_saved(organizer_client, demo, demo_ids, app):
    from eventsvc.events.models import SpeechRecord
    from eventsvc.extensions import db

    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}/speeches/new"
    not_pdf = organizer_client.post(path, data=_speech_form(
        demo_ids, csrf_token=csrf_token(organizer_client, path), slides=(io.BytesIO(b"MZ\x90\x00"), "evil.pdf")),
        content_type="multipart/form-data")
    assert "The slides must be a PDF file." in not_pdf.get_data(as_text=True)
    app.config["SLIDES_MAX_BYTES"] = 1024
    try:
        big = organizer_client.post(path, data=_speech_form(
            demo_ids, csrf_token=csrf_token(organizer_client, path),
            slides=(io.BytesIO(PDF + b"0" * 2048), "big.pdf")), content_type="multipart/form-data")
    finally:
        app.config["SLIDES_MAX_BYTES"] = 20 * 1024 * 1024
    assert "The slides may be at most" in big.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(SpeechRecord).filter_by(title="Policy outlook").count() == 0


def test_slides_of_a_draft_event_are_not_served(organizer_client, client, demo, demo_ids, app):
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.models import SpeechRecord
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}/speeches/new"
    organizer_client.post(path, data=_speech_form(
        demo_ids, csrf_token=csrf_token(organizer_client, path), slides=(io.BytesIO(PDF), "outlook.pdf")),
        content_type="multipart/form-data")
    with app.app_context():
        speech_id = db.session.query(SpeechRecord).filter_by(title="Policy outlook").one().id
        event_by_slug(demo).status = EventStatus.DRAFT
        db.session.commit()
    assert client.get(f"/e/{demo}/slides/{speech_id}.pdf").status_code == 404
    assert organizer_client.get(f"/e/{demo}/slides/{speech_id}.pdf").status_code == 200


def test_a_speech_needs_a_speaker_and_ordered_times(organizer_client, demo, demo_ids):
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}/speeches/new"
    no_speaker = organizer_client.post(path, data={**_speech_form(demo_ids), "speaker_id": "",
                                                   "csrf_token": csrf_token(organizer_client, path)})
    assert "Choose a person from the list, or create one." in no_speaker.get_data(as_text=True)
    backwards = organizer_client.post(path, data={
        **_speech_form(demo_ids), "planned_start": "2023-03-31T14:00", "planned_end": "2023-03-31T13:50",
        "csrf_token": csrf_token(organizer_client, path)})
    assert "The end must come after the start." in backwards.get_data(as_text=True)
