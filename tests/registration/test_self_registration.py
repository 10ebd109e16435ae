"""Self-registration for open and approval events."""

from datetime import timedelta

from sqlalchemy import func, select, update

from eventsvc.core.types import utcnow
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.people.models import Person
from tests.registration.conftest import link_token
from tests.registration.helpers import registrations, seminar_id
from tests.support.web import csrf_token, post_form

FORM = {"name": "Zhou Min", "name_local": "周敏", "email": "Zhou.Min@Example.cn", "organization": "CATARC",
        "position": "Researcher", "phone": "+86 138 0000 0000", "language": "zh"}


def _last_link(app, email):
    with app.app_context():
        message = db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.to_address == email)
                                     .order_by(OutgoingMessage.id.desc())).first()
        return link_token(message.body_text)


def test_a_guest_registers_picks_a_seminar_and_finds_their_portal_link_in_the_email(app, client, open_event):
    slug = open_event()
    response = post_form(client, f"/e/{slug}/register", {**FORM, "sessions": [seminar_id(app, slug)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your e-mail" in page
    assert "Zhou.Min@Example.cn" in page and "Battery Seminar" in page  # what they typed and picked
    assert "/g/" not in page
    assert registrations(app, slug) == [("zhou.min@example.cn", "confirmed")]
    with app.app_context():
        [message] = db.session.scalars(select(OutgoingMessage)).all()
        assert message.language == "zh" and message.to_address == "zhou.min@example.cn"
    portal = client.get(f"/g/{link_token(message.body_text)}").get_data(as_text=True)
    assert "周敏" in portal and "电池研讨会" in portal


def test_the_seminars_are_read_only_where_the_page_shows_them_or_some_were_chosen(app, client, open_event):
    # and an event without questions reads none (the event's own query says it has none)
    from sqlalchemy import event as sa_event

    slug = open_event()
    read, questions_read = [], []

    def statement(conn, cursor, sql, *args):
        read.append("agenda_items" in sql and sql.lstrip().upper().startswith("SELECT"))
        questions_read.append(sql.lstrip().startswith("SELECT registration_questions."))

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", statement)
    try:
        assert "Battery Seminar" in client.get(f"/e/{slug}/register").get_data(as_text=True) and any(read)
        token = csrf_token(client, f"/e/{slug}/register")
        read.clear()
        answer = client.post(f"/e/{slug}/register", data={**FORM, "csrf_token": token})
        assert answer.status_code == 200 and "Check your e-mail" in answer.get_data(as_text=True) and not any(read)
        assert not any(questions_read)
        wrong = post_form(app.test_client(), f"/e/{slug}/register", {**FORM, "email": "not an address"})
        assert wrong.status_code == 422 and "Battery Seminar" in wrong.get_data(as_text=True)  # the form again
        picked = post_form(app.test_client(), f"/e/{slug}/register",
                           {**FORM, "email": "li@example.org", "sessions": [seminar_id(app, slug)]})
        assert picked.status_code == 200 and "Battery Seminar" in picked.get_data(as_text=True)
    finally:
        sa_event.remove(engine, "before_cursor_execute", statement)
    assert sorted(registrations(app, slug)) == [("li@example.org", "confirmed"), ("zhou.min@example.cn", "confirmed")]


def test_the_same_email_again_gets_a_new_link_by_mail_sees_no_data_and_the_first_link_keeps_working(
        app, client, open_event):
    slug = open_event()
    post_form(client, f"/e/{slug}/register", FORM)
    first = _last_link(app, "zhou.min@example.cn")
    other = app.test_client()
    response = post_form(other, f"/e/{slug}/register", {**FORM, "name": "Somebody Else", "name_local": "",
                                                        "organization": "Elsewhere Ltd", "phone": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your e-mail" in page and "Somebody Else" in page
    assert "周敏" not in page and "CATARC" not in page and "/g/" not in page
    assert registrations(app, slug) == [("zhou.min@example.cn", "confirmed")]
    with app.app_context():
        assert db.session.scalar(select(Person.name)) == "Zhou Min"  # not overwritten by the second form
        last = db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id.desc())).first()
        assert last.kind == "access_link" and last.to_address == "zhou.min@example.cn"
    assert link_token(last.body_text) != first
    assert other.get(f"/g/{link_token(last.body_text)}").status_code == 200
    assert client.get(f"/g/{first}").status_code == 200


def test_beyond_capacity_guests_join_the_waitlist_in_order(app, client, open_event):
    slug = open_event(capacity=1)
    for i in range(3):
        post_form(app.test_client(), f"/e/{slug}/register", {**FORM, "email": f"g{i}@example.org"})
    assert registrations(app, slug) == [("g0@example.org", "confirmed"), ("g1@example.org", "waitlisted"),
                                        ("g2@example.org", "waitlisted")]


def test_an_approval_event_keeps_registrations_pending(app, client, open_event):
    slug = open_event(mode=RegistrationMode.APPROVAL)
    post_form(client, f"/e/{slug}/register", FORM)
    assert registrations(app, slug) == [("zhou.min@example.cn", "pending")]


def test_an_invitation_only_event_refuses_self_registration(app, client, open_event):
    slug = open_event(mode=RegistrationMode.INVITATION)
    assert "by invitation only" in client.get(f"/e/{slug}/register").get_data(as_text=True)
    response = post_form(client, f"/e/{slug}/register", FORM)
    assert response.status_code == 403
    assert registrations(app, slug) == []


def test_registration_outside_the_window_is_refused(app, client, open_event):
    slug = open_event()
    with app.app_context():
        db.session.execute(update(Event).values(registration_closes_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = post_form(client, f"/e/{slug}/register", FORM)
    assert response.status_code == 403 and "Registration is closed" in response.get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Event).values(registration_closes_at=None,
                                                registration_opens_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    assert "not opened yet" in client.get(f"/e/{slug}/register").get_data(as_text=True)
    assert registrations(app, slug) == []


def test_bad_input_gets_field_errors_and_changes_nothing(app, client, open_event):
    slug = open_event()
    response = post_form(client, f"/e/{slug}/register", {**FORM, "email": "not-an-address", "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'aria-invalid="true"' in page and "field-error" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_signed_in_user_who_mistypes_the_address_gets_the_field_error_and_is_counted(
        app, client, open_event, make_user):
    # the bad address's message is in the signed-in user's language: reading their account must
    # not start the request's transaction before the form's count (SQLite: locked, then a 500)
    from eventsvc.core.rate_limits import RateLimitHit
    from tests.support.web import login

    slug = open_event()
    make_user("organizer.zh@example.org", "correct horse battery", admin=True)
    assert login(client, "organizer.zh@example.org", "correct horse battery").status_code == 302
    response = post_form(client, f"/e/{slug}/register", {**FORM, "email": "not-an-address"})
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
        assert db.session.scalar(select(func.sum(RateLimitHit.hits)).where(
            RateLimitHit.purpose == "self_registration_client")) == 1


def test_a_guest_who_cancelled_registers_again_from_the_emailed_link_at_the_end_of_the_line(
        app, client, open_event):
    from tests.registration.helpers import guest_post

    slug = open_event(capacity=1)
    post_form(client, f"/e/{slug}/register", FORM)
    token = _last_link(app, "zhou.min@example.cn")
    post_form(app.test_client(), f"/e/{slug}/register", {**FORM, "email": "next@example.org"})
    guest_post(client, token, "cancel")
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled"), ("next@example.org", "confirmed")]
    # the public form with a known address changes nothing: the link goes to the address
    again = post_form(app.test_client(), f"/e/{slug}/register", FORM)
    assert "Check your e-mail" in again.get_data(as_text=True)
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled"), ("next@example.org", "confirmed")]
    guest = app.test_client()
    guest.set_cookie("lang", "en")
    link = _last_link(app, "zhou.min@example.cn")
    assert link != token and client.get(f"/g/{token}").status_code == 200  # both links work
    assert f"/g/{link}/rejoin" in guest.get(f"/g/{link}").get_data(as_text=True)  # the button is offered
    guest_post(guest, link, "rejoin")
    assert registrations(app, slug) == [("zhou.min@example.cn", "waitlisted"), ("next@example.org", "confirmed")]


def test_a_guest_who_cancelled_at_an_approval_event_does_not_skip_approval(app, client, open_event):
    from tests.registration.helpers import guest_post

    slug = open_event(mode=RegistrationMode.APPROVAL)
    post_form(client, f"/e/{slug}/register", FORM)
    token = _last_link(app, "zhou.min@example.cn")
    guest_post(client, token, "cancel")
    post_form(app.test_client(), f"/e/{slug}/register", FORM)
    assert registrations(app, slug) == [("zhou.min@example.cn", "cancelled")]
    link = _last_link(app, "zhou.min@example.cn")
    guest_post(app.test_client(), link, "rejoin")
    assert registrations(app, slug) == [("zhou.min@example.cn", "pending")]


def test_support_prints_a_fresh_link_for_a_guest(app, client, open_event):
    slug = open_event()
    post_form(client, f"/e/{slug}/register", FORM)
    result = app.test_cli_runner().invoke(args=["registration", "guest-link", slug, "zhou.min@example.cn"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/g/{link_token(result.output)}").status_code == 200
    result = app.test_cli_runner().invoke(args=["registration", "guest-link", slug, "nobody@example.cn"])
    assert result.exit_code != 0 and "nobody with the e-mail" in result.output
