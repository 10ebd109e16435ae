"""Public verification: the certificate's QR opens a page saying valid, not yet awarded, expired,
revoked or unknown, and never shows more than the certificate itself."""

import re
from datetime import date

import requests
from sqlalchemy import select

from eventsvc.awards.enums import AwardStatus
from eventsvc.awards.models import Award
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Organization
from tests.awards.conftest import pdf_text, qr_codes_per_page
from tests.support.web import post_form


def _state(html: str) -> str:
    return re.search(r'data-state="(\w+)"', html).group(1)


def _present(app, *numbers: str) -> None:
    """The ceremony happened: these awards (planned in the demo) were presented."""
    from eventsvc.awards.service import mark_presented

    with app.app_context():
        for award in db.session.scalars(select(Award).where(Award.certificate_number.in_(numbers))):
            mark_presented(award)
        db.session.commit()


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
    # planned, not yet presented at the ceremony: not valid, and nothing about the recipient
    planned = [requests.get(url, timeout=10) for url in urls]
    assert all(a.status_code == 200 for a in planned)
    assert [_state(a.text) for a in planned] == ["not_awarded"] * 6
    assert "Not yet awarded" in planned[0].text and "Valid certificate" not in planned[0].text
    assert "Jinghua" not in planned[0].text and "Fresh Charging" not in planned[5].text

    with app.app_context():
        numbers = [a.certificate_number for a in db.session.scalars(select(Award))]
    _present(app, *numbers)
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
    assert "Revoked certificate" in again
    assert f"Revoked on {date.today():%B} {date.today().day}, {date.today().year}." in again
    assert "re-inspection" not in again  # the organizer's reason is their note, not the public's
    by_json = requests.get(urls[0] + ".json", timeout=10).json()
    assert by_json["status"] == "revoked" and by_json["revoked_on"] == date.today().isoformat()
    assert "revocation_reason" not in by_json and "re-inspection" not in str(by_json)


def test_verification_json_shows_only_what_the_certificate_shows(
        app, client, organizer_client, demo, tmp_path):
    _present(app, "SH100-2023-0002")
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
        "status", "kind", "award_kind", "certificate_number", "program", "program_local", "issuer", "issuer_local", "issue_date",
        "valid_until", "recipient_organization", "recipient_organization_local", "recipient_person",
        "recipient_person_local", "presenter", "presenter_local", "citation", "citation_local"}
    for key, value in body.items():
        if value is None or key in ("status", "kind", "award_kind"):  # the kind is the certificate's title
            continue
        if key in ("issue_date", "valid_until"):
            day = date.fromisoformat(value)
            value = f"{day.year}年{day.month}月{day.day}日"
        assert value in printed, f"{key}={value!r} is not on the certificate"
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    for secret in [*others, *private, "guest", "@", "+86"]:
        assert secret not in answer.get_data(as_text=True)
        assert secret not in page.split("<main", 1)[1]


def test_a_number_alone_says_whether_it_exists_but_not_who_holds_it(app, client, demo):
    _present(app, "SH100-2023-0003")
    answer = client.get("/verify.json?number=sh100-2023-0003")
    assert answer.status_code == 200 and answer.json["status"] == "valid"
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
        award.status = AwardStatus.PRESENTED
        code, ended = award.verification_code, award.valid_until
        db.session.commit()
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert _state(page) == "expired"
    assert f"Its validity ended on {ended:%B} {ended.day}, {ended.year}." in page
    assert client.get(f"/verify/{code}.json").json["status"] == "expired"


def _looked_up(client, number: str, code: str, language: str) -> dict:
    """The four public answers for one certificate: page and JSON, by number and by QR code."""
    headers = {"Accept-Language": language}
    return {
        "number page": client.get(f"/verify?number={number}", headers=headers),
        "number json": client.get(f"/verify.json?number={number}", headers=headers),
        "qr page": client.get(f"/verify/{code}", headers=headers),
        "qr json": client.get(f"/verify/{code}.json", headers=headers),
    }


def test_a_planned_award_is_not_yet_awarded_by_number_and_by_qr_in_both_languages(app, client, demo):
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0001"))
        assert award.status == AwardStatus.PLANNED  # the demo's ceremony has not happened
        code, holder = award.verification_code, award.recipient_organization
        private = [holder.name, holder.name_local]
    for language, headline, sentence in [
            ("en", "Not yet awarded", "This certificate has not been awarded yet. It is not valid until it is presented."),
            ("zh", "尚未颁发", "该证书尚未颁发，颁发之前无效。")]:
        answers = _looked_up(client, "SH100-2023-0001", code, language)
        for how, answer in answers.items():
            assert answer.status_code == 200, how
            if how.endswith("json"):
                assert answer.json == {"status": "not_awarded"}, how
                continue
            page = answer.get_data(as_text=True)
            assert _state(page) == "not_awarded", how
            assert headline in page and sentence in page, how
            assert "Valid certificate" not in page and "证书有效" not in page, how
            for secret in private:
                assert secret not in page, (how, secret)
    # presented at the ceremony: valid; a mis-tap taken back: not yet awarded again
    _present(app, "SH100-2023-0001")
    assert client.get(f"/verify/{code}.json").json["status"] == "valid"
    assert client.get("/verify.json?number=SH100-2023-0001").json["status"] == "valid"
    with app.app_context():
        from eventsvc.awards.service import undo_presented

        undo_presented(db.session.get(Award, award.id))
        db.session.commit()
    assert client.get(f"/verify/{code}.json").json == {"status": "not_awarded"}
    assert _state(client.get("/verify?number=SH100-2023-0001").get_data(as_text=True)) == "not_awarded"


def test_a_revoked_certificate_shows_its_date_not_the_organizers_reason_in_both_languages(
        app, client, organizer_client, organizer_api, demo):
    _present(app, "SH100-2023-0002")
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0002"))
        award_id, code = award.id, award.verification_code
    reason = "Inspector Wang found forged papers; see complaint 17 from Li Ming."
    revoked = organizer_client.post(f"/api/v1/events/{demo}/awards/{award_id}/revoke", json={"reason": reason},
                                    headers=organizer_api)
    assert revoked.status_code == 200
    with app.app_context():
        day = db.session.get(Award, award_id).revoked_at.date()
    for language, headline, when in [
            ("en", "Revoked certificate", f"Revoked on {day:%B} {day.day}, {day.year}."),
            ("zh", "证书已撤销", f"已于 {day.year}年{day.month}月{day.day}日 撤销。")]:
        answers = _looked_up(client, "SH100-2023-0002", code, language)
        for how, answer in answers.items():
            assert answer.status_code == 200, how
            text = answer.get_data(as_text=True)
            assert "Inspector Wang" not in text and "complaint 17" not in text and "Li Ming" not in text, how
            if how.endswith("json"):
                assert answer.json["status"] == "revoked" and answer.json["revoked_on"] == day.isoformat(), how
                assert "revocation_reason" not in answer.json, how
                continue
            assert _state(text) == "revoked", how
            assert headline in text and when in text, how
    # the organizers still read their own note
    edit_page = organizer_client.get(f"/manage/e/{demo}/awards/{award_id}/edit").get_data(as_text=True)
    assert "Inspector Wang found forged papers" in edit_page
