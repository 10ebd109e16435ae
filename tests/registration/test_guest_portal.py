"""The guest portal: an invited guest answers with their link, and only their link."""

from datetime import timedelta

from sqlalchemy import update

from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.registration.models import GuestLink, Invitation
from tests.registration.conftest import link_token
from tests.registration.helpers import guest_post, invite, registrations, seminar_id


def test_an_invited_guest_accepts_with_a_seminar_and_is_confirmed(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Welcome, Li Lei" in page and "Accept the invitation" in page
    assert "2 of 2 seats left" in page
    response = guest_post(client, token, "accept", {"sessions": [seminar_id(app, slug)]})
    assert response.status_code == 302
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Your place is confirmed" in page and "Your seat is confirmed" in page
    assert "1 of 2 seats left" in page
    assert registrations(app, slug) == [("li@example.org", "confirmed")]


def test_accepting_twice_does_not_register_twice(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "accept")
    guest_post(client, token, "accept")
    assert registrations(app, slug) == [("li@example.org", "confirmed")]


def test_opening_the_link_is_tracked(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    client.get(f"/g/{token}")
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation))
        assert invitation.status.value == "opened" and invitation.opened_at is not None


def test_a_guest_declines_with_a_reason_and_can_change_their_mind(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "decline", {"reason": "Travelling that week"})
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation))
        assert invitation.status.value == "declined" and invitation.decline_reason == "Travelling that week"
    assert "You declined this invitation" in client.get(f"/g/{token}").get_data(as_text=True)
    guest_post(client, token, "accept")
    assert registrations(app, slug) == [("li@example.org", "confirmed")]


def test_the_page_speaks_the_guests_language(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳", language="zh")
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "王芳" in page and "开放日" in page


def test_a_guest_edits_their_details(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "details", {"name": "Li Lei", "name_local": "李蕾", "organization": "CATARC",
                                          "position": "Engineer", "phone": "+86 10 1234", "language": "en"})
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "李蕾" in page and "CATARC" in page


def test_unknown_expired_and_revoked_links_get_a_clear_page(app, client, open_event):
    slug = open_event()
    unknown = client.get("/g/not-a-real-token-at-all")
    assert unknown.status_code == 404 and "This link is not valid" in unknown.get_data(as_text=True)

    token = invite(app, slug, "old@example.org")
    with app.app_context():
        db.session.execute(update(GuestLink).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    expired = client.get(f"/g/{token}")
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    assert client.post(f"/g/{token}/accept").status_code in (400, 410)  # no CSRF token and no valid link

    token = invite(app, slug, "gone@example.org")
    organizer_revoke(app, slug, "gone@example.org")
    revoked = client.get(f"/g/{token}")
    assert revoked.status_code == 410 and "withdrawn" in revoked.get_data(as_text=True)
    assert "Traceback" not in revoked.get_data(as_text=True)


def organizer_revoke(app, slug, email):
    from eventsvc.people.models import Person
    from eventsvc.registration import lifecycle

    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation).join(Person).where(Person.email == email))
        lifecycle.revoke_invitation(invitation)
        db.session.commit()


def test_resending_replaces_the_link(app, client, open_event):
    slug = open_event()
    first = invite(app, slug, "li@example.org")
    with app.app_context():
        from eventsvc.registration import invitations

        second = invitations.send_invitation(db.session.scalar(db.select(Invitation)))
        db.session.commit()
    assert client.get(f"/g/{first}").status_code == 404
    assert client.get(f"/g/{second}").status_code == 200


def test_a_link_shows_only_its_own_guest(app, client, open_event):
    slug = open_event()
    mine = invite(app, slug, "li@example.org", name="Li Lei", name_local="李雷")
    invite(app, slug, "han@example.org", name="Han Meimei", name_local="韩梅梅")
    page = client.get(f"/g/{mine}").get_data(as_text=True)
    assert "Li Lei" in page and "Han Meimei" not in page and "han@example.org" not in page


def test_tokens_are_long_random_and_stored_only_as_a_hash(app, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    assert len(token) >= 22  # 128 bits in URL-safe base64
    with app.app_context():
        [link] = db.session.scalars(db.select(GuestLink)).all()
        assert token not in link.token_hash and len(link.token_hash) == 64
        assert link.invitation is db.session.scalar(db.select(Invitation))


def test_a_guest_cancels_and_the_first_in_line_is_promoted_and_told(
        app, client, open_event, smtp_server, send_outbox):
    slug = open_event(capacity=1)
    first = invite(app, slug, "first@example.org", name="First Guest")
    second = invite(app, slug, "second@example.org", name="Second Guest")
    guest_post(client, first, "accept")
    guest_post(client, second, "accept")
    assert "number 1 on the waitlist" in client.get(f"/g/{second}").get_data(as_text=True)
    send_outbox()
    smtp_server.inbox.messages.clear()

    guest_post(client, first, "cancel")
    assert registrations(app, slug) == [("first@example.org", "cancelled"), ("second@example.org", "confirmed")]
    send_outbox()
    [mail] = smtp_server.inbox.to("second@example.org")
    assert mail["Subject"] == "Confirmed: Open Day"
    assert "a place has become free" in smtp_server.inbox.text(mail)
    # the link in the promotion e-mail opens the guest's own, now confirmed, registration
    page = client.get(f"/g/{link_token(smtp_server.inbox.text(mail))}").get_data(as_text=True)
    assert "Second Guest" in page and "Your place is confirmed" in page


def test_a_full_seminar_puts_new_choices_on_its_waitlist_and_a_freed_seat_promotes(
        app, client, open_event, smtp_server, send_outbox):
    slug = open_event(capacity=10, seminar_seats=1)
    seminar = seminar_id(app, slug)
    a = invite(app, slug, "a@example.org", name="Guest A")
    b = invite(app, slug, "b@example.org", name="Guest B")
    guest_post(client, a, "accept", {"sessions": [seminar]})
    guest_post(client, b, "accept", {"sessions": [seminar]})
    assert "Waitlist position 1" in client.get(f"/g/{b}").get_data(as_text=True)
    guest_post(client, a, "sessions", {})  # A gives up the seminar
    assert "Your seat is confirmed" in client.get(f"/g/{b}").get_data(as_text=True)
    send_outbox()
    assert any(m["Subject"].startswith("Seat confirmed") for m in smtp_server.inbox.to("b@example.org"))


def test_the_personal_agenda_lists_the_guests_sessions(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "accept")
    answer = client.get(f"/g/{token}/agenda.ics")
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"  # one charset, not two
    ics = answer.get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in ics and "SUMMARY:Plenary" in ics
    assert "Battery Seminar" not in ics  # not chosen
    guest_post(client, token, "sessions", {"sessions": [seminar_id(app, slug)]})
    assert "SUMMARY:Battery Seminar" in client.get(f"/g/{token}/agenda.ics").get_data(as_text=True)


def test_other_capabilities_add_sections_to_the_portal(app, client, open_event, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    from eventsvc.registration.access import Guest
    from eventsvc.registration.portal import PORTAL_SECTIONS, guest_from_token

    slug = open_event()
    token = invite(app, slug, "li@example.org")
    saved_loader = app.jinja_loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "test/section.html": "<article id='extra'>Badge of {{ person.name }} {{ token[:4] }}</article>"}),
        app.jinja_env.loader])
    PORTAL_SECTIONS.append("test/section.html")
    try:
        page = client.get(f"/g/{token}").get_data(as_text=True)
    finally:
        PORTAL_SECTIONS.remove("test/section.html")
        app.jinja_env.loader = saved_loader
    assert f"Badge of Li Lei {token[:4]}" in page
    with app.app_context():
        guest = guest_from_token(token)
        assert isinstance(guest, Guest) and guest.registration is None and guest.person.email == "li@example.org"


def test_other_capabilities_routes_get_the_same_clear_page_for_a_bad_link(app, open_event):
    """A LinkError escaping any view (e.g. a badge route under /g/<token>/) becomes the clear page."""
    import pytest

    from eventsvc.registration.access import LinkError
    from eventsvc.registration.portal import guest_from_token

    slug = open_event()
    token = invite(app, slug, "li@example.org")
    responses = {}
    for path in ("/g/no-such-link/badge.pdf", "/api/v1/guest/no-such-link"):
        with app.test_request_context(path):
            assert guest_from_token(token).person.name == "Li Lei"
            with pytest.raises(LinkError) as caught:
                guest_from_token("no-such-link")
            responses[path] = app.make_response(app.handle_user_exception(caught.value))
    page, api = responses.values()
    assert page.status_code == 404 and "This link is not valid" in page.get_data(as_text=True)
    assert api.status_code == 404 and api.json["code"] == "unknown_link"


def test_after_cancel_my_registration_the_page_says_it_is_cancelled_not_declined(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "accept")
    guest_post(client, token, "cancel")
    assert registrations(app, slug) == [("li@example.org", "cancelled")]
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Your registration is cancelled" in page
    assert "You declined this invitation" not in page
    assert "You can still accept below" in page  # an invited guest comes back by accepting again
    client.get("/language/zh")
    assert "您的报名已取消" in client.get(f"/g/{token}").get_data(as_text=True)


def test_declining_after_accepting_also_says_the_registration_is_cancelled(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, "li@example.org")
    guest_post(client, token, "accept")
    guest_post(client, token, "decline", {"reason": "Travelling that week"})
    page = client.get(f"/g/{token}").get_data(as_text=True)
    assert "Your registration is cancelled" in page and "Travelling that week" in page
    assert "You declined this invitation" not in page
