"""A stranger at the public form learns nothing stored and cannot lock a guest out or flood them.

The browser that submits the form sees only what it typed and "check your e-mail"; the portal
link goes only to the address (SPEC rule 10). E-mails are read from a real SMTP server on loopback.
"""

from sqlalchemy import func, select

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Invitation
from tests.registration.conftest import link_token
from tests.registration.helpers import guest_post, invite, registrations
from tests.support.web import post_form

GUEST = "li.na@example.cn"
STORED = {"name": "Li Na", "name_local": "李娜", "organization": "CATARC", "position": "Chief Engineer",
          "phone": "+86 139 1111 2222", "language": "en"}
STRANGER = {"name": "Mallory", "name_local": "", "email": GUEST, "organization": "Nowhere Inc",
            "position": "", "phone": "+1 555 0100", "language": "en"}


def _stored_details(app):
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == GUEST))
        return (person.name, person.name_local, person.organization.name if person.organization else None,
                person.position, person.phone)


def _guest_of_event_a(app, open_event, client):
    """An invited guest of event A who accepted and filled in their details; returns their link."""
    slug_a = open_event("event-a")
    token = invite(app, slug_a, GUEST, name="Li Na", name_local="李娜")
    guest_post(client, token, "accept")
    guest_post(client, token, "details", STORED)
    return slug_a, token


def _sees_nothing_stored(page: str):
    for value in ("李娜", "CATARC", "Chief Engineer", "139 1111", "/g/"):
        assert value not in page, value


def test_a_stranger_using_another_events_guests_address_sees_nothing_and_the_guest_keeps_their_link(
        app, client, open_event, smtp_server, send_outbox):
    slug_a, token = _guest_of_event_a(app, open_event, client)
    slug_b = open_event("event-b")
    send_outbox()
    before = len(smtp_server.inbox.to(GUEST))
    details = _stored_details(app)

    stranger = app.test_client()
    stranger.set_cookie("lang", "en")
    response = post_form(stranger, f"/e/{slug_b}/register", STRANGER)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your e-mail" in page
    assert "Mallory" in page and GUEST in page  # only what the stranger typed
    _sees_nothing_stored(page)
    assert response.headers.get("Location") is None

    assert client.get(f"/g/{token}").status_code == 200  # the guest's link still works
    assert registrations(app, slug_a) == [(GUEST, "confirmed")]
    assert _stored_details(app) == details  # nothing the stranger typed was stored
    send_outbox()
    mails = smtp_server.inbox.to(GUEST)
    assert len(mails) == before + 1  # one e-mail, to the address
    link = link_token(smtp_server.inbox.text(mails[-1]))
    assert app.test_client().get(f"/g/{link}").status_code == 200  # the address owner can act on it


def test_a_known_address_at_the_same_event_revives_nothing_rotates_nothing_and_changes_nothing(
        app, client, open_event, smtp_server, send_outbox):
    slug = open_event()
    post_form(client, f"/e/{slug}/register", {**STORED, "email": GUEST})
    send_outbox()
    [welcome] = smtp_server.inbox.to(GUEST)
    token = link_token(smtp_server.inbox.text(welcome))
    guest_post(client, token, "cancel")
    details = _stored_details(app)

    response = post_form(app.test_client(), f"/e/{slug}/register", STRANGER)
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    _sees_nothing_stored(response.get_data(as_text=True))
    assert registrations(app, slug) == [(GUEST, "cancelled")]  # not revived
    assert _stored_details(app) == details
    assert client.get(f"/g/{token}").status_code == 200
    send_outbox()
    mails = smtp_server.inbox.to(GUEST)
    assert len(mails) == 2 and link_token(smtp_server.inbox.text(mails[1])) != token


def test_an_invited_guests_address_at_the_form_resends_the_invitation_and_the_first_link_keeps_working(
        app, client, open_event, smtp_server, send_outbox):
    slug = open_event()
    token = invite(app, slug, GUEST, name="Li Na", name_local="李娜")
    send_outbox()
    response = post_form(app.test_client(), f"/e/{slug}/register", STRANGER)
    assert response.status_code == 200
    _sees_nothing_stored(response.get_data(as_text=True))
    assert registrations(app, slug) == []  # the form does not accept the invitation for the guest
    assert client.get(f"/g/{token}").status_code == 200
    send_outbox()
    first, again = smtp_server.inbox.to(GUEST)
    assert link_token(smtp_server.inbox.text(again)) != token
    assert client.get(f"/g/{link_token(smtp_server.inbox.text(again))}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Invitation.status)).value == "opened"  # by the visits above; not accepted


def test_the_organizers_resend_replaces_the_invitation_link_but_a_reminder_does_not(app, client, open_event):
    from eventsvc.registration import invitations

    slug = open_event()
    first = invite(app, slug, GUEST)
    with app.app_context():
        reminder = invitations.send_invitation(db.session.scalar(select(Invitation)), reminder=True)
        db.session.commit()
    assert client.get(f"/g/{first}").status_code == 200 and client.get(f"/g/{reminder}").status_code == 200
    with app.app_context():
        resent = invitations.send_invitation(db.session.scalar(select(Invitation)))
        db.session.commit()
    assert client.get(f"/g/{first}").status_code == 404 and client.get(f"/g/{reminder}").status_code == 404
    assert client.get(f"/g/{resent}").status_code == 200


def _browser(app, address: str):
    """A test client that the server sees coming from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _mail_count(app, to=None):
    from eventsvc.mail.models import OutgoingMessage

    with app.app_context():
        query = select(db.func.count()).select_from(OutgoingMessage)
        if to:
            query = query.where(OutgoingMessage.to_address == to)
        return db.session.scalar(query)


def test_after_five_submissions_with_one_address_the_form_answers_429_and_sends_nothing(
        app, open_event, smtp_server, send_outbox):
    slug = open_event()
    limit = app.config["SELF_REGISTRATION_LIMIT_PER_ADDRESS"]
    assert limit == 5
    for i in range(limit):  # five different browsers, one address
        browser = _browser(app, f"10.0.0.{i + 1}")
        assert post_form(browser, f"/e/{slug}/register", STRANGER).status_code == 200
    assert _mail_count(app, GUEST) == limit
    browser = _browser(app, "10.0.0.99")
    browser.set_cookie("lang", "en")
    refused = post_form(browser, f"/e/{slug}/register", {**STRANGER, "email": " LI.NA@example.cn "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many registrations with this e-mail address" in page and "Nothing was sent" in page
    assert _mail_count(app, GUEST) == limit
    # another address from the same browser is still welcome
    assert post_form(browser, f"/e/{slug}/register", {**STRANGER, "email": "other@example.org"}).status_code == 200
    send_outbox()
    assert len(smtp_server.inbox.to(GUEST)) == limit
    assert registrations(app, slug) == [(GUEST, "confirmed"), ("other@example.org", "confirmed")]


def test_one_client_beyond_its_limit_gets_429_for_any_address(app, open_event):
    slug = open_event(capacity=50)
    app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"], saved = 3, app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"]
    try:
        flood = _browser(app, "192.0.2.7")
        answers = [post_form(flood, f"/e/{slug}/register", {**STRANGER, "email": f"g{i}@example.org"}).status_code
                   for i in range(5)]
        assert answers == [200, 200, 200, 429, 429]
        assert _mail_count(app) == 3 and len(registrations(app, slug)) == 3
        calm = _browser(app, "192.0.2.8")
        assert post_form(calm, f"/e/{slug}/register", {**STRANGER, "email": "g9@example.org"}).status_code == 200
    finally:
        app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"] = saved


def test_a_client_refused_uses_up_none_of_an_addresss_allowance_and_both_counts_are_one_transaction(
        app, open_event):
    # count_submission counts the client, then the address, committed together (rate_limits.hit_all):
    # on SQLite two upserts and a commit, on PostgreSQL one statement in autocommit
    from sqlalchemy import event as sa_event

    from eventsvc.core.rate_limits import RateLimitHit

    slug = open_event(capacity=50)
    app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"], saved = 1, app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"]
    seen = []

    def statement(conn, cursor, sql, *args):
        if sql.lstrip().upper().startswith("DELETE FROM RATE_LIMIT_HITS"):
            return  # a process's first count in a window forgets the finished windows: not a count
        counts = "rate_limit_hits" in sql and sql.lstrip().upper().startswith(("INSERT", "WITH"))
        seen.append("count" if counts else "other")

    def commit(conn):
        seen.append("commit")

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", statement)
    sa_event.listen(engine, "commit", commit)
    try:
        flood = _browser(app, "192.0.2.17")
        assert post_form(flood, f"/e/{slug}/register", {**STRANGER, "email": "a1@example.org"}).status_code == 200
        first = seen.index("count")
        if engine.dialect.name == "postgresql":
            assert seen[first:first + 2] == ["count", "other"] and seen.count("count") == 1, seen
        else:
            assert seen[first:first + 3] == ["count", "count", "commit"], seen
        assert post_form(flood, f"/e/{slug}/register", {**STRANGER, "email": "a2@example.org"}).status_code == 429
    finally:
        sa_event.remove(engine, "before_cursor_execute", statement)
        sa_event.remove(engine, "commit", commit)
        app.config["SELF_REGISTRATION_LIMIT_PER_CLIENT"] = saved
    with app.app_context():
        counted = db.session.execute(select(RateLimitHit.purpose, func.sum(RateLimitHit.hits))
                                     .group_by(RateLimitHit.purpose)).all()
    assert dict(counted) == {"self_registration_client": 2, "self_registration_address": 1}


def test_the_portal_details_form_cannot_change_the_email(app, client, open_event):
    slug = open_event()
    token = invite(app, slug, GUEST, name="Li Na")
    response = guest_post(client, token, "details", {**STORED, "email": "attacker@example.org"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Person.email)) == GUEST
        assert db.session.scalar(select(Person.name)) == "Li Na"


def test_details_changed_in_one_events_portal_leave_another_events_records_alone(
        app, client, open_event):
    slug_a, token_a = _guest_of_event_a(app, open_event, client)
    slug_b = open_event("event-b")
    token_b = invite(app, slug_b, GUEST, name="Li Na", name_local="李娜")
    guest_post(client, token_b, "accept")
    guest_post(client, token_b, "details", {**STORED, "name": "Li Na B", "organization": "Other Org B",
                                            "phone": "+86 100"})
    assert "Other Org B" in client.get(f"/g/{token_b}").get_data(as_text=True)
    page_a = client.get(f"/g/{token_a}").get_data(as_text=True)
    assert "CATARC" in page_a and "Other Org B" not in page_a
    with app.app_context():
        event_a = event_by_slug(slug_a)
        names = db.session.scalars(select(Person.name).join(Invitation, Invitation.person_id == Person.id)
                                   .where(Invitation.event_id == event_a.id)).all()
    assert names == ["Li Na"]
