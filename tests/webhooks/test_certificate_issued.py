"""The "certificate.issued" webhook: sent for certificates of attendance when the organizer issues
them, and for award certificates when they are presented; signed, to a real receiver on loopback."""

import json

from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.webhooks import delivery
from tests.checkin.test_attendance_certificates import _rule, _session, _stay
from tests.support.web import post_form
from tests.webhooks.test_delivery import _first_confirmed, _verify


def _bodies(receiver) -> list[dict]:
    return [json.loads(r["body"]) for r in receiver.delivered()]


def test_issuing_attendance_certificates_announces_each_one_once(
        app, demo, demo_event_id, organizer_client, endpoint, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)  # the test is the worker
    _endpoint_id, secret = endpoint(receiver.url, kinds=("certificate.issued",))
    item = _session(app, demo)
    guest = _first_confirmed(app, demo_event_id)
    _stay(app, demo, item, guest, 55)
    rule = _rule(app, demo, item)
    path = f"/manage/e/{demo}/attendance-certificates/{rule}"
    for _ in range(2):  # the second run issues nothing, and announces nothing
        assert post_form(organizer_client, f"{path}/issue", {}, from_path=path).status_code == 303
    with app.app_context():
        assert delivery.send_due()["delivered"] == 1
    [body] = _bodies(receiver)
    assert _verify(secret, receiver.delivered()[0])
    data = body["data"]
    assert body["type"] == "certificate.issued" and data["certificate_kind"] == "attendance"
    assert data["registration_id"] == guest and data["minutes_present"] == 55 and data["rule_id"] == rule
    assert data["certificate_number"].startswith("ATT-") and data["agenda_item_id"] == item
    assert data["verification_url"].startswith("http") and "/verify/" in data["verification_url"]


def test_presenting_an_award_announces_its_certificate(
        app, demo, organizer_client, endpoint, receiver, monkeypatch):
    from eventsvc.awards.models import Award

    monkeypatch.setitem(app.config, "WEBHOOKS_DELIVER_AFTER_COMMIT", False)
    endpoint(receiver.url, kinds=("certificate.issued",))
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.status == "planned").order_by(Award.id))
        award_id, number = award.id, award.certificate_number
    run_sheet = f"/manage/e/{demo}/awards/run-sheet"
    assert post_form(organizer_client, f"/manage/e/{demo}/awards/{award_id}/presented", {},
                     from_path=run_sheet).status_code in (200, 302, 303)
    with app.app_context():
        assert delivery.send_due()["delivered"] == 1
    [body] = _bodies(receiver)
    assert body["type"] == "certificate.issued"
    assert body["data"]["certificate_kind"] == "award" and body["data"]["award_id"] == award_id
    assert body["data"]["certificate_number"] == number and "/verify/" in body["data"]["verification_url"]
