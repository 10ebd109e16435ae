"""Public verification: the certificate's QR opens a page saying valid, expired, revoked or unknown,
and never shows more than the certificate itself."""

import re
from datetime import date

import requests
from sqlalchemy import select

from eventsvc.awards.models import Award
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Organization
from tests.awards.conftest import pdf_text, qr_codes_per_page
from tests.support.web import post_form


def _state(html: str) -> str:
    return re.search(r'data-state="(\w+)"', html).group(1)


def test_demo_licenses_qr_codes_open_their_verification_page_and_revoking_one_says_revoked(
        app, live_server, organizer_client, organizer_api, demo, demo_program_id, tmp_path):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    try:
        with app.app_context():
            org = Organization(event_id=event_by_slug(demo).id, name="Fresh Charging Co.", name_local="新充电有限公司")
            db.session.add(org)
            db.session.commit()
            org_id = org.id
        # one more license issued today, so one certificate is inside its validity whatever the date
        fresh = organizer_client.post(
            f"/api/v1/events/{demo}/award-programs/{demo_program_id}/awards",
            json={"recipient_organization_id": org_id, "issue_date": date.today().isoformat()},
            headers=organizer_api)
        assert fresh.status_code == 201
        program_page = f"/manage/e/{demo}/awards/programs/{demo_program_id}"
        started = post_form(organizer_client, f"{program_page}/certificates", {}, from_path=program_page)
        assert started.status_code == 302 and "/certificate-jobs/" in started.headers["Location"]
        job_url = started.headers["Location"]
        status = organizer_client.get(job_url + "/status").get_json()
        assert status["status"] == "done" and status["done"] == status["total"] == 6
        assert "6 certificates are ready." in organizer_client.get(job_url).get_data(as_text=True)
        batch = organizer_client.get(job_url + "/certificates.pdf")
        assert batch.status_code == 200 and batch.mimetype == "application/pdf"
        pages = qr_codes_per_page(batch.data, tmp_path)
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1"

    assert len(pages) == 6 and all(len(codes) == 1 for codes in pages)
    urls = [codes[0] for codes in pages]
    assert all(url.startswith(live_server.url + "/verify/") for url in urls)
    answers = [requests.get(url, timeout=10) for url in urls]
    assert all(a.status_code == 200 for a in answers)
    text = [a.text for a in answers]
    # the demo licenses (issued 31 March 2023, valid five years) say valid, like the new one
    assert [_state(t) for t in text] == ["valid"] * 6
    assert "Jinghua Charging Technology Co., Ltd." in text[0] and "SH100-2023-0001" in text[0]
    assert "Valid certificate" in text[5] and "Fresh Charging Co." in text[5]

    with app.app_context():
        first = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0001"))
        first_id = first.id
    revoked = post_form(organizer_client, f"/manage/e/{demo}/awards/{first_id}/revoke",
                        {"revoke-reason": "The station failed its re-inspection."},
                        from_path=f"/manage/e/{demo}/awards/{first_id}/edit")
    assert revoked.status_code == 302
    again = requests.get(urls[0], timeout=10).text
    assert _state(again) == "revoked"
    assert "Revoked certificate" in again and "The station failed its re-inspection." in again
    assert f"Revoked on {date.today():%B} {date.today().day}, {date.today().year}." in again
    by_json = requests.get(urls[0] + ".json", timeout=10).json()
    assert by_json["status"] == "revoked" and by_json["revocation_reason"] == "The station failed its re-inspection."
    assert by_json["revoked_on"] == date.today().isoformat()


def test_verification_json_shows_only_what_the_certificate_shows(
        app, client, organizer_client, demo, tmp_path):
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0002"))
        code, award_id = award.verification_code, award.id
        others = [a.verification_code for a in db.session.scalars(select(Award).where(Award.id != award_id))]
        director = award.presenter
        private = [director.position, director.position_local, director.bio, "Launching Ceremony"]
    certificate = organizer_client.get(f"/manage/e/{demo}/awards/{award_id}/certificate.pdf").data
    printed = re.sub(r"\s+", " ", pdf_text(certificate, tmp_path))

    answer = client.get(f"/verify/{code}.json")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert set(body) == {
        "status", "certificate_number", "program", "program_local", "issuer", "issuer_local", "issue_date",
        "valid_until", "recipient_organization", "recipient_organization_local", "recipient_person",
        "recipient_person_local", "presenter", "presenter_local", "citation", "citation_local"}
    for key, value in body.items():
        if value is None or key == "status":
            continue
        if key in ("issue_date", "valid_until"):
            day = date.fromisoformat(value)
            value = f"{day.year}年{day.month}月{day.day}日"
        assert value in printed, f"{key}={value!r} is not on the certificate"
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    for secret in [*others, *private, "guest", "@", "+86"]:
        assert secret not in answer.get_data(as_text=True)
        assert secret not in page.split("<main", 1)[1]


def test_a_number_alone_says_whether_it_exists_but_not_who_holds_it(client, demo):
    answer = client.get("/verify.json?number=sh100-2023-0003")
    assert answer.status_code == 200
    assert answer.json["certificate_number"] == "SH100-2023-0003"
    assert not {k for k in answer.json if k.startswith(("recipient", "presenter", "citation"))}
    page = client.get("/verify?number=SH100-2023-0003").get_data(as_text=True)
    assert "Lingnan" not in page and "岭南" not in page and "Xie Zhaoxu" not in page
    assert "To see whom it was awarded to, scan the QR code on the certificate." in page


def test_unknown_numbers_and_codes_say_unknown(client, demo):
    assert client.get("/verify.json?number=SH100-2023-9999").json == {"status": "unknown"}
    made_up = client.get("/verify/" + "A" * 43)
    assert made_up.status_code == 404 and 'data-state="unknown"' in made_up.get_data(as_text=True)
    assert client.get("/verify/" + "A" * 43 + ".json").json == {"status": "unknown"}
    empty = client.get("/verify.json?number=")
    assert empty.status_code == 422 and empty.json["errors"] == {
        "number": ["Give the certificate number (at most 60 characters)."]}


def test_lookups_are_limited_per_client_across_server_processes(app, database_url, demo):
    """Two app instances stand for two gunicorn workers: the count lives in the shared database."""
    from eventsvc import create_app

    other_worker = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    app.config["AWARDS_VERIFY_LIMIT"] = other_worker.config["AWARDS_VERIFY_LIMIT"] = 4
    app.config["AWARDS_VERIFY_CODE_LIMIT"] = 1
    try:
        first, second = app.test_client(), other_worker.test_client()
        answers = [c.get("/verify.json?number=SH100-2023-0001").status_code
                   for c in (first, second, first, second, first, second)]
        assert answers == [200, 200, 200, 200, 429, 429]
        refused = second.get("/verify?number=SH100-2023-0001")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "Too many verifications from your address." in refused.get_data(as_text=True)
        elsewhere = first.get("/verify.json?number=SH100-2023-0001", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert elsewhere.status_code == 200
        # scanning QR codes (unguessable) has a limit of its own
        with app.app_context():
            code = db.session.scalar(select(Award.verification_code))
        assert first.get(f"/verify/{code}.json").status_code == 200
        assert first.get(f"/verify/{code}.json").status_code == 429
    finally:
        app.config.pop("AWARDS_VERIFY_LIMIT")
        app.config.pop("AWARDS_VERIFY_CODE_LIMIT")
        with other_worker.app_context():
            db.engine.dispose()


def test_a_certificate_past_its_validity_says_expired_with_the_date(app, client, demo):
    from datetime import timedelta

    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0002"))
        award.valid_until = date.today() - timedelta(days=1)
        code, ended = award.verification_code, award.valid_until
        db.session.commit()
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert _state(page) == "expired"
    assert f"Its validity ended on {ended:%B} {ended.day}, {ended.year}." in page
    assert client.get(f"/verify/{code}.json").json["status"] == "expired"
