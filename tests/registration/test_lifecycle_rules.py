"""The lifecycle table decides: forbidden transitions are refused clearly and change nothing,
pages show exactly the allowed buttons, and the documentation says what the table says."""

import re

from sqlalchemy import func, select

from eventsvc import PROJECT_ROOT
from eventsvc.audit.models import AuditEvent
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.transitions import REGISTRATION, Actor, allowed_actions, render_markdown
from tests.registration.helpers import guest_post, invite, registrations
from tests.support.web import csrf_token, post_form

FORM = {"name": "Zhou Min", "email": "zhou.min@example.cn", "language": "en"}


def _mail_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutgoingMessage))


def _set_status(app, email, status):
    with app.app_context():
        registration = db.session.scalars(select(Registration).join(Registration.person)
                                          .where(Registration.person.has(email=email))).one()
        registration.status = status
        db.session.commit()


def test_the_lifecycle_document_says_what_the_table_says():
    text = (PROJECT_ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert text == render_markdown() + "\n", "run: flask --app eventsvc registration lifecycle-doc"


def test_an_invitee_the_organizer_rejected_cannot_accept_again(app, client, organizer):
    org, slug = organizer
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "accept")
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    for action in ("waitlist", "reject"):  # a confirmed guest is rejected from the waitlist
        post_form(org, f"/manage/e/{slug}/registrations/{registration_id}/{action}", {},
                  from_path=f"/manage/e/{slug}/registrations")
    assert registrations(app, slug) == [("li@example.org", "rejected")]
    mails = _mail_count(app)
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Accept the invitation" not in page  # no button for what is not allowed
    answer = guest_post(client, token, "accept")
    assert answer.status_code == 302
    assert "could not accept" in client.get(f"/g/{token}").get_data(as_text=True)
    assert registrations(app, slug) == [("li@example.org", "rejected")] and _mail_count(app) == mails


def test_a_revoked_invitee_at_the_public_form_gets_no_500_and_nothing_changes(app, client, open_event):
    from tests.registration.test_guest_portal import organizer_revoke

    slug = open_event()
    token = invite(app, slug, "zhou.min@example.cn")
    guest_post(client, token, "accept")
    organizer_revoke(app, slug, "zhou.min@example.cn")
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled")]
    mails = _mail_count(app)
    response = post_form(app.test_client(), f"/e/{slug}/register", FORM)
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled")]
    assert _mail_count(app) == mails  # a withdrawn invitation is not sent again
    with app.app_context():
        assert db.session.scalar(select(Invitation.status)).value == "revoked"


def test_a_repeated_organizer_action_changes_nothing_and_a_forbidden_one_is_refused(app, organizer):
    org, slug = organizer
    with app.app_context():
        event_by_slug(slug).registration_mode = RegistrationMode.APPROVAL
        db.session.commit()
    post_form(app.test_client(), f"/e/{slug}/register", FORM)
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    url = f"/manage/e/{slug}/registrations/{registration_id}"
    post_form(org, f"{url}/approve", {}, from_path=f"/manage/e/{slug}/registrations")
    mails, audits = _mail_count(app), _audit_count(app)
    again = post_form(org, f"{url}/approve", {}, from_path=f"/manage/e/{slug}/registrations")
    assert again.status_code == 302
    assert "already confirmed: nothing changed" in org.get(again.location).get_data(as_text=True)
    assert (_mail_count(app), _audit_count(app)) == (mails, audits)
    post_form(org, f"{url}/cancel", {}, from_path=f"/manage/e/{slug}/registrations")
    refused = post_form(org, f"{url}/waitlist", {}, from_path=f"/manage/e/{slug}/registrations")
    assert refused.status_code == 302
    assert "the registration is cancelled" in org.get(refused.location).get_data(as_text=True)
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled")]


def _audit_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_organizers_list_offers_exactly_the_actions_the_table_allows(app, organizer):
    org, slug = organizer
    emails = []
    for i, status in enumerate(RegistrationStatus):
        email = f"guest{i}@example.org"
        post_form(app.test_client(), f"/e/{slug}/register", {**FORM, "email": email})
        _set_status(app, email, status)
        emails.append((email, status))
    page = org.get(f"/manage/e/{slug}/registrations").get_data(as_text=True)
    with app.app_context():
        ids = dict(db.session.execute(select(Registration.person_id, Registration.id)).all())
        by_status = {status: db.session.scalars(select(Registration.id).join(Registration.person).where(
            Registration.person.has(email=email))).one() for email, status in emails}
    assert ids
    for status, registration_id in by_status.items():
        shown = re.findall(rf"/registrations/{registration_id}/(\w+)\"", page)
        assert shown == allowed_actions(REGISTRATION, status, Actor.ORGANIZER), status
    assert csrf_token(org, f"/manage/e/{slug}/registrations")


def test_more_seminar_seats_promote_the_line_and_fewer_than_taken_are_refused(
        app, client, open_event, make_user, api_token):
    from tests.registration.helpers import seminar_id

    slug = open_event(capacity=10, seminar_seats=1)
    seminar = seminar_id(app, slug)
    token = api_token(make_user("seats@example.org", "organizer-password-1", event_slug=slug, role="organizer"))
    auth = {"Authorization": f"Bearer {token}"}
    for i in range(3):
        client.post(f"/api/v1/events/{slug}/registrations", headers=auth, json={
            "name": f"G{i}", "email": f"g{i}@example.org", "session_ids": [seminar], "notify": False})
    session_url = f"/api/v1/events/{slug}/sessions/{seminar}"
    lower = client.patch(session_url, headers=auth, json={"capacity": 0})
    assert lower.status_code == 422 and lower.json["code"] == "capacity_below_seats"
    assert client.patch(session_url, headers=auth, json={"capacity": 2}).status_code == 200
    regs = client.get(f"/api/v1/events/{slug}/registrations", headers=auth).json
    seat_states = {r["person"]["email"]: r["seats"][0]["status"] for r in regs}
    assert seat_states == {"g0@example.org": "confirmed", "g1@example.org": "confirmed",
                           "g2@example.org": "waitlisted"}
    with app.app_context():
        mails = db.session.scalars(select(OutgoingMessage.to_address).where(OutgoingMessage.kind == "seat_promoted"))
        assert list(mails) == ["g1@example.org"]


def test_more_places_on_the_event_form_promote_the_waitlist_and_fewer_than_confirmed_are_refused(app, organizer):
    org, slug = organizer  # 3 places
    for i in range(4):
        post_form(app.test_client(), f"/e/{slug}/register", {**FORM, "email": f"p{i}@example.org"})
    settings = f"/manage/e/{slug}/registration-settings"
    fields = {"registration_mode": "open", "opens_at": "", "closes_at": ""}
    refused = post_form(org, settings, {**fields, "capacity": "2"})
    assert refused.status_code == 422 and "3 guests are already confirmed" in refused.get_data(as_text=True)
    assert post_form(org, settings, {**fields, "capacity": "4"}).status_code == 302
    assert [s for _, s in registrations(app, slug)] == ["confirmed"] * 4
