"""Certificates of attendance: the rule (checkin.certificates), issuing once per guest and rule,
/verify for them, the guest's download, and the organizer's page."""

import re
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventsvc.extensions import db
from tests.support import database

#: a 60-minute session that is over (issuing waits for the end)
START = datetime(2025, 3, 31, 9, 0, tzinfo=UTC)


def _event_id(app, demo):
    from eventsvc.events.models import Event

    with app.app_context():
        return db.session.scalar(select(Event.id).where(Event.slug == demo))


def _session(app, demo, minutes=60, start=START):
    from eventsvc.events.enums import SessionKind
    from eventsvc.events.models import AgendaItem

    with app.app_context():
        item = AgendaItem(event_id=_event_id(app, demo), kind=SessionKind.PANEL, title="Charging panel",
                          title_local="充电专题讨论", starts_at=start, ends_at=start + timedelta(minutes=minutes))
        db.session.add(item)
        db.session.commit()
        return item.id


def _scan(app, event_id, registration_id, gate, direction, minute, result="ok"):
    from eventsvc.checkin.enums import Direction, ScanResult
    from eventsvc.checkin.models import CheckIn

    with app.app_context():
        at = START + timedelta(minutes=minute)
        db.session.add(CheckIn(event_id=event_id, registration_id=registration_id, gate=gate,
                               direction=Direction(direction), result=ScanResult(result), scanned_at=at,
                               nonce=uuid.uuid4().hex))
        db.session.commit()


def _stay(app, demo, item_id, registration_id, minutes):
    event_id = _event_id(app, demo)
    _scan(app, event_id, registration_id, f"session-{item_id}", "in", 5)
    _scan(app, event_id, registration_id, f"session-{item_id}", "out", 5 + minutes)


def _rule(app, demo, item_id=None, percent=80, prefix="ATT"):
    from eventsvc.awards import attendance
    from eventsvc.events.models import Event

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        rule = attendance.create_rule(event, attendance.RuleData(item_id, percent, prefix))
        db.session.commit()
        return rule.id


def _issue(app, rule_id, now=None):
    from eventsvc.awards.models import AttendanceRule
    from eventsvc.checkin.certificates import issue_certificates

    with app.test_request_context():
        issued = issue_certificates(db.session.get(AttendanceRule, rule_id), now)
        db.session.commit()
        return {c.registration_id: (c.certificate_number, c.verification_code) for c in issued}


def _certificates(app, rule_id):
    from eventsvc.awards.models import AttendanceCertificate

    with app.app_context():
        return {c.registration_id: c.minutes_present for c in db.session.scalars(
            select(AttendanceCertificate).where(AttendanceCertificate.rule_id == rule_id))}


def test_eighty_percent_rule_fifty_of_sixty_minutes_qualify_forty_do_not(app, demo, guests):
    item = _session(app, demo)
    fifty, forty, exactly = guests["confirmed"][:3]
    _stay(app, demo, item, fifty, 50)
    _stay(app, demo, item, forty, 40)
    _stay(app, demo, item, exactly, 48)  # 80 % of 60 minutes
    rule = _rule(app, demo, item)
    issued = _issue(app, rule)
    assert set(issued) == {fifty, exactly}
    assert _certificates(app, rule) == {fifty: 50, exactly: 48}
    numbers = sorted(number for number, _ in issued.values())
    assert numbers == [f"ATT-{date.today().year}-0001", f"ATT-{date.today().year}-0002"]
    assert all(len(code) >= 40 for _, code in issued.values())


def test_issuing_again_gives_only_the_newly_qualifying_and_never_twice(app, demo, guests):
    item = _session(app, demo)
    first, late = guests["confirmed"][:2]
    _stay(app, demo, item, first, 55)
    rule = _rule(app, demo, item)
    assert set(_issue(app, rule)) == {first}
    assert _issue(app, rule) == {}  # nothing new: nothing issued
    _stay(app, demo, item, late, 50)  # an offline scanner's upload arrives late
    assert set(_issue(app, rule)) == {late}
    assert set(_certificates(app, rule)) == {first, late}
    # each guest got one e-mail with the link to their certificate, however often it ran
    from eventsvc.mail.models import OutgoingMessage
    from eventsvc.registration.models import Registration

    with app.app_context():
        mails = db.session.scalars(select(OutgoingMessage).where(
            OutgoingMessage.kind == "certificate_available")).all()
        addresses = {db.session.get(Registration, r).person.email for r in (first, late)}
        assert sorted(m.to_address for m in mails) == sorted(addresses)
        assert all("/attendance-certificates/" in m.body_text for m in mails)


def test_cancelled_guests_do_not_qualify(app, demo, guests):
    item = _session(app, demo)
    cancelled = guests["cancelled"][0]
    _stay(app, demo, item, cancelled, 60)
    assert _issue(app, _rule(app, demo, item)) == {}


def test_entrance_rule_certifies_everyone_checked_in_at_the_entrance(app, demo, guests):
    event_id = _event_id(app, demo)
    came, refused, never = guests["confirmed"][:3]
    _scan(app, event_id, came, "entrance", "in", 0)
    _scan(app, event_id, refused, "entrance", "in", 0, result="not_admitted")
    rule = _rule(app, demo, None, None, prefix="FORUM")
    from eventsvc.awards.models import AttendanceRule
    from eventsvc.checkin.certificates import ends_at

    with app.app_context():
        after = ends_at(db.session.get(AttendanceRule, rule)) + timedelta(minutes=1)
    issued = _issue(app, rule, now=after)
    assert set(issued) == {came} and _certificates(app, rule) == {came: None}
    assert never not in issued


def test_not_before_the_session_has_ended(app, demo, guests):
    from eventsvc.core.errors import Conflict

    item = _session(app, demo, start=datetime.now(UTC) - timedelta(minutes=30))
    rule = _rule(app, demo, item)
    with pytest.raises(Conflict) as refused:
        _issue(app, rule)
    assert refused.value.code == "not_ended"
    assert _certificates(app, rule) == {}


def test_rules_one_per_session_and_prefixes_unique_with_award_programs(app, demo):
    from eventsvc.awards import attendance
    from eventsvc.awards.models import AwardProgram
    from eventsvc.core.errors import ServiceError
    from eventsvc.events.models import Event

    item = _session(app, demo)
    _rule(app, demo, item)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        award_prefix = db.session.scalar(select(AwardProgram.number_prefix).limit(1))
        for data, code in [(attendance.RuleData(item, 50, "OTHER"), "rule_exists"),
                           (attendance.RuleData(item + 999, 50, "OTHER"), "unknown_session"),
                           (attendance.RuleData(item, 0, "OTHER"), "bad_percent"),
                           (attendance.RuleData(item, 101, "OTHER"), "bad_percent"),
                           (attendance.RuleData(None, None, "ATT"), "prefix_taken"),
                           (attendance.RuleData(None, None, award_prefix), "prefix_taken"),
                           (attendance.RuleData(None, None, "a b"), "bad_prefix")]:
            with pytest.raises(ServiceError) as refused:
                attendance.create_rule(event, data)
            assert refused.value.code == code, data
            db.session.rollback()


# --- /verify ------------------------------------------------------------------------------------

def test_verify_valid_unknown_and_revoked_with_the_award_privacy_rules(app, demo, guests, client):
    from eventsvc.awards import attendance
    from eventsvc.awards.models import AttendanceCertificate
    from eventsvc.registration.models import Registration

    item = _session(app, demo)
    guest = guests["confirmed"][0]
    _stay(app, demo, item, guest, 60)
    number, code = _issue(app, _rule(app, demo, item))[guest]
    with app.app_context():
        person = db.session.get(Registration, guest).person
        name = person.name

    by_code = client.get(f"/verify/{code}.json")
    assert by_code.status_code == 200 and by_code.json["status"] == "valid"
    assert by_code.json["kind"] == "attendance" and by_code.json["recipient_person"] == name
    assert by_code.json["session"] == "Charging panel" and by_code.json["certificate_number"] == number
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Certificate of attendance" in page and name in page and "Charging panel" in page

    by_number = client.get(f"/verify.json?number={number.lower()}")
    assert by_number.json["status"] == "valid" and by_number.json["kind"] == "attendance"
    assert "recipient_person" not in by_number.json
    page = client.get(f"/verify?number={number}").get_data(as_text=True)
    assert name not in page.split("<main", 1)[1] and "Certificate of attendance" in page

    unknown = client.get("/verify/" + "B" * 43 + ".json")
    assert unknown.status_code == 404 and unknown.json == {"status": "unknown"}

    with app.app_context():
        certificate = db.session.scalar(select(AttendanceCertificate).where(
            AttendanceCertificate.verification_code == code))
        attendance.revoke(certificate, "Scanned in by mistake")
        db.session.commit()
    revoked = client.get(f"/verify/{code}.json").json
    assert revoked["status"] == "revoked" and revoked["revoked_on"] == date.today().isoformat()
    assert "Scanned in by mistake" not in client.get(f"/verify/{code}").get_data(as_text=True)


# --- the guest portal ---------------------------------------------------------------------------

def _portal_token(app, registration_id):
    from eventsvc.registration.links import issue_link
    from eventsvc.registration.models import Registration

    with app.app_context():
        token = issue_link(db.session.get(Registration, registration_id))
        db.session.commit()
        return token


def test_the_guest_downloads_their_own_bilingual_pdf_and_nobody_else_can(app, demo, guests, client, tmp_path,
                                                                          organizer_client):
    from tests.awards.conftest import pdf_text

    item = _session(app, demo)
    owner, other = guests["confirmed"][:2]
    _stay(app, demo, item, owner, 60)
    _stay(app, demo, item, other, 60)
    issued = _issue(app, _rule(app, demo, item))
    with app.app_context():
        from eventsvc.awards.models import AttendanceCertificate
        ids = {c.registration_id: c.id for c in db.session.scalars(select(AttendanceCertificate))}
    token = _portal_token(app, owner)
    portal = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Certificate of attendance" in portal and issued[owner][0] in portal
    pdf = client.get(f"/g/{token}/attendance-certificates/{ids[owner]}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = re.sub(r"\s+", " ", pdf_text(pdf.data, tmp_path))
    assert "CERTIFICATE OF ATTENDANCE" in text and "出席证书" in text and issued[owner][0] in text
    assert "充电专题讨论" in text and "Charging panel" in text
    # another guest's certificate through this guest's link, and an organizer without the link
    assert client.get(f"/g/{token}/attendance-certificates/{ids[other]}.pdf").status_code == 404
    assert organizer_client.get(f"/g/nope{token[4:]}/attendance-certificates/{ids[owner]}.pdf").status_code == 404


# --- concurrency --------------------------------------------------------------------------------

@pytest.mark.postgres_only
@pytest.mark.skipif(not database.is_postgres_run(), reason="row locks are PostgreSQL's")
def test_two_issue_runs_at_the_same_instant_give_one_certificate_per_guest(app, demo, guests):
    from eventsvc.awards.models import AttendanceCertificate

    item = _session(app, demo)
    qualified = guests["confirmed"][:5]
    for registration_id in qualified:
        _stay(app, demo, item, registration_id, 55)
    rule = _rule(app, demo, item)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(_issue(app, rule))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 5]
    with app.app_context():
        rows = db.session.execute(select(AttendanceCertificate.registration_id, func.count())
                                  .where(AttendanceCertificate.rule_id == rule)
                                  .group_by(AttendanceCertificate.registration_id)).all()
        numbers = db.session.scalars(select(AttendanceCertificate.certificate_number)).all()
    assert dict(rows) == dict.fromkeys(qualified, 1)
    assert len(set(numbers)) == 5 and max(numbers).endswith("-0005")


# --- the organizer's pages ----------------------------------------------------------------------

def test_the_organizer_sets_a_rule_issues_revokes_and_bad_input_changes_nothing(app, demo, guests,
                                                                                 organizer_client):
    from eventsvc.awards.models import AttendanceCertificate, AttendanceRule
    from tests.support.web import post_form

    item = _session(app, demo)
    guest = guests["confirmed"][0]
    _stay(app, demo, item, guest, 50)
    base = f"/manage/e/{demo}/attendance-certificates"
    for bad in ({"agenda_item_id": str(item), "min_percent": "0", "number_prefix": "ATT"},
                {"agenda_item_id": str(item), "min_percent": "80", "number_prefix": "a b"},
                {"agenda_item_id": "999999", "min_percent": "80", "number_prefix": "ATT"}):
        assert post_form(organizer_client, base, bad).status_code == 422, bad
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AttendanceRule)) == 0
    made = post_form(organizer_client, base, {"agenda_item_id": str(item), "min_percent": "80",
                                              "number_prefix": "att"})
    assert made.status_code == 302
    rule_path = made.headers["Location"]
    again = post_form(organizer_client, base, {"agenda_item_id": str(item), "min_percent": "50",
                                               "number_prefix": "ATT2"})
    assert again.status_code == 422 and "There is already a rule for this session." in again.get_data(as_text=True)

    issued = post_form(organizer_client, f"{rule_path}/issue", {}, from_path=rule_path)
    assert issued.status_code == 303
    page = organizer_client.get(rule_path).get_data(as_text=True)
    assert "1 certificate issued" in page and f"ATT-{date.today().year}-0001" in page
    with app.app_context():
        certificate_id = db.session.scalar(select(AttendanceCertificate.id))
    revoke = f"{rule_path}/certificates/{certificate_id}/revoke"
    assert post_form(organizer_client, revoke, {"revoke-reason": ""}, from_path=rule_path).status_code == 422
    assert post_form(organizer_client, revoke, {"revoke-reason": "Badge lent to a colleague"},
                     from_path=rule_path).status_code == 303
    with app.app_context():
        assert db.session.get(AttendanceCertificate, certificate_id).revoked_at is not None
    # issued numbers must keep verifying: the rule stays
    refused = post_form(organizer_client, f"{rule_path}/delete", {}, from_path=rule_path)
    assert refused.status_code == 409
    assert "Certificates were issued under this rule" in refused.get_data(as_text=True)


def test_issuing_before_the_end_is_refused_on_the_page(app, demo, organizer_client):
    from tests.support.web import post_form

    item = _session(app, demo, start=datetime.now(UTC) - timedelta(minutes=30))
    rule_path = f"/manage/e/{demo}/attendance-certificates/{_rule(app, demo, item)}"
    page = organizer_client.get(rule_path).get_data(as_text=True)
    assert "Can be issued after the end" in page and "Issue certificates</button>" not in page
    refused = post_form(organizer_client, f"{rule_path}/issue", {}, from_path=rule_path)
    assert refused.status_code == 409
    assert "Certificates can be issued once the session has ended." in refused.get_data(as_text=True)


@pytest.mark.postgres_only
@pytest.mark.skipif(not database.is_postgres_run(), reason="row locks are PostgreSQL's")
def test_a_double_click_on_add_rule_saves_one_rule_and_refuses_the_twin(app, demo):
    from eventsvc.awards import attendance
    from eventsvc.awards.models import AttendanceRule
    from eventsvc.core.errors import Conflict
    from eventsvc.events.models import Event

    item = _session(app, demo)
    barrier, answers = threading.Barrier(2), []

    def add(prefix):
        with app.app_context():
            event = db.session.scalar(select(Event).where(Event.slug == demo))
            barrier.wait()
            try:
                attendance.create_rule(event, attendance.RuleData(item, 80, prefix))
                db.session.commit()
                answers.append("saved")
            except Conflict as refused:
                db.session.rollback()
                answers.append(refused.code)

    threads = [threading.Thread(target=add, args=(prefix,)) for prefix in ("TWINA", "TWINB")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["rule_exists", "saved"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AttendanceRule)) == 1
