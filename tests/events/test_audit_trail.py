"""The organizer's audit trail: who did what to whom and when, filterable, exportable, private."""

import csv
import io
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

import eventsvc
from eventsvc.events import audit_trail
from eventsvc.extensions import db
from eventsvc.registration import transitions
from tests.events.test_query_counts import counting
from tests.support.web import csrf_token, login


@pytest.fixture
def history(app, demo, organizer_client, api_token):
    """The organizer cancels one guest's registration; door staff check another in and undo it."""
    from eventsvc.accounts.models import User
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.demo import loader
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    with app.app_context():
        confirmed = db.session.scalars(select(Registration).where(Registration.status == RegistrationStatus.CONFIRMED)
                                       .order_by(Registration.id)).all()
        cancelled, scanned = confirmed[0], confirmed[1]
        ids = {"cancelled": cancelled.id, "cancelled_person": cancelled.person_id,
               "cancelled_email": cancelled.person.email, "scanned": scanned.id,
               "scanned_person": scanned.person_id, "scanned_email": scanned.person.email}
        code = sign_badge_code(scanned.event_id, scanned.id, scanned.badge_version)
        staff_id = db.session.scalar(select(User.id).where(User.email == loader.STAFF_EMAIL))
        db.session.commit()
    page = f"/manage/e/{demo}/registrations"
    response = organizer_client.post(f"{page}/{ids['cancelled']}/cancel",
                                     data={"csrf_token": csrf_token(organizer_client, page)})
    assert response.status_code == 302
    headers = {"Authorization": f"Bearer {api_token(staff_id)}"}
    client = app.test_client()
    scan = client.post(f"/api/v1/events/{demo}/scans", json={"gate": "entrance", "code": code,
                                                              "nonce": uuid.uuid4().hex}, headers=headers).get_json()
    assert scan["result"] == "ok"
    assert client.post(f"/api/v1/events/{demo}/scans/{scan['checkin_id']}/undo", headers=headers).status_code == 200
    return {**ids, "staff_email": loader.STAFF_EMAIL, "checkin_id": scan["checkin_id"]}


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return body.split("<tr>")[1:]


def test_the_trail_lists_a_registration_change_and_a_check_in_undo_with_who_and_whom(organizer_client, demo, history,
                                                                                       app):
    from eventsvc.people.models import Person

    page = organizer_client.get(f"/manage/e/{demo}/audit").get_data(as_text=True)
    rows = _rows(page)
    cancelled = next(r for r in rows if "Registration cancelled" in r)
    undone = next(r for r in rows if "Check-in undone" in r)
    with app.app_context():
        assert db.session.get(Person, history["cancelled_person"]).name in cancelled
        assert db.session.get(Person, history["scanned_person"]).name in undone
    assert "Door Staff" in undone and "Door Staff" not in cancelled
    assert "(China Standard Time)" in page  # the zone, named in the page's language
    assert rows.index(undone) < rows.index(cancelled)  # newest first


def test_the_trail_filters_by_kind_and_by_person(organizer_client, demo, history):
    checkins = organizer_client.get(f"/manage/e/{demo}/audit?kind=checkin").get_data(as_text=True)
    assert "Check-in undone" in checkins and "Registration cancelled" not in checkins
    registrations = organizer_client.get(f"/manage/e/{demo}/audit?kind=registration").get_data(as_text=True)
    assert "Registration cancelled" in registrations and "Check-in undone" not in registrations
    # whom it was about: the cancelled guest, by e-mail or by the link on their name
    about_guest = organizer_client.get(f"/manage/e/{demo}/audit?who={history['cancelled_email']}").get_data(as_text=True)
    assert "Registration cancelled" in about_guest and "Check-in undone" not in about_guest
    by_link = organizer_client.get(f"/manage/e/{demo}/audit?person={history['scanned_person']}").get_data(as_text=True)
    assert "Check-in undone" in by_link and "Registration cancelled" not in by_link
    # who acted: the door staff
    by_staff = organizer_client.get(f"/manage/e/{demo}/audit?who={history['staff_email']}").get_data(as_text=True)
    assert "Check-in undone" in by_staff and "Registration cancelled" not in by_staff
    nobody = organizer_client.get(f"/manage/e/{demo}/audit?who=nobody-at-all").get_data(as_text=True)
    assert "Nothing recorded matches." in nobody


def test_the_export_is_readable_with_times_in_the_events_zone(organizer_client, demo, history, app):
    from eventsvc.audit.models import AuditEvent

    response = organizer_client.get(f"/manage/e/{demo}/audit.csv?kind=checkin")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Time (Asia/Shanghai)"
    undone = next(r for r in rows[1:] if r[2] == "checkin.undone")
    with app.app_context():
        at = db.session.scalar(select(AuditEvent.at).where(AuditEvent.action == "checkin.undone"))
    assert undone[0] == at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert all(r[2].startswith("checkin.") for r in rows[1:])
    workbook = openpyxl.load_workbook(io.BytesIO(organizer_client.get(f"/manage/e/{demo}/audit.xlsx").data))
    values = [[c for c in row] for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][1] == "What" and any(row[1] == "Registration cancelled" for row in values[1:])


def test_another_events_organizer_cannot_read_the_trail(app, demo, blank_event):
    client = app.test_client()
    assert login(client, "planner@example.org", "planner-password").status_code == 302
    assert client.get(f"/manage/e/{demo}/audit").status_code == 403
    assert client.get(f"/manage/e/{demo}/audit.csv").status_code == 403
    assert client.get(f"/manage/e/{blank_event['slug']}/audit").status_code == 200


def test_door_staff_cannot_read_the_trail(staff_client, demo):
    assert staff_client.get(f"/manage/e/{demo}/audit").status_code == 403


def test_a_long_trail_costs_the_same_queries_as_a_short_one(organizer_client, demo, history, app):
    from eventsvc.audit.service import record
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.registration.models import Registration

    with counting(app) as statements:
        organizer_client.get(f"/manage/e/{demo}/audit?kind=registration")
    short = len(statements)
    with app.app_context():
        event = event_by_slug(demo)
        for registration in db.session.scalars(select(Registration).limit(60)):
            record("registration.confirmed", event_id=event.id, obj=registration, actor="guest")
        db.session.commit()
    with counting(app) as statements:
        page = organizer_client.get(f"/manage/e/{demo}/audit?kind=registration").get_data(as_text=True)
    assert len(_rows(page)) > 60
    assert len(statements) == short


def test_every_action_the_code_records_reads_as_a_sentence_not_a_code():
    """The trail names each action in words (in both languages): every action written by
    ``record("…")`` anywhere in eventsvc, and every transition's, has its label and kind label."""
    sources = (Path(eventsvc.__file__).parent).rglob("*.py")
    literal = {m for path in sources for m in re.findall(r'record\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text())}
    from_tables = {t.audit for table in (transitions.REGISTRATION, transitions.INVITATION)
                   for t in table.values() if t.audit}
    actions = literal | from_tables
    assert len(actions) > 40  # the search finds what the code records
    assert sorted(a for a in actions if a not in audit_trail.ACTION_LABELS) == []
    assert sorted({a.split(".")[0] for a in actions} - set(audit_trail.KIND_LABELS)) == []
