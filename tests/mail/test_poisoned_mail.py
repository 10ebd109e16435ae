"""One message never stops the others: a guest's name with a line break, an address that is not
one or a server's refusal are the outcome of that message, recorded on its row, and the rest go out."""

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from eventsvc.core.types import utcnow
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage
from eventsvc.people.identity import PersonDetails
from eventsvc.people.models import Person
from eventsvc.registration import invitations
from tests.support.web import post_form

INJECTED = "Eve\r\nBcc: spy@evil.example"


def _invite_many(app, slug, count):
    with app.app_context():
        event = event_by_slug(slug)
        for i in range(count):
            invitations.create_invitation(event, invitations.InvitationInput(
                PersonDetails(name=f"Guest {i}", email=f"guest{i}@example.org", language="en")), invited_by_id=None)
        db.session.commit()


def _store_directly(app, slug, **values):
    """A row as old data (queued before names were cleaned) or a hand-made one would be: at the
    head of the queue."""
    with app.app_context():
        row = OutgoingMessage(**{
            "event_id": event_by_slug(slug).id, "kind": "invitation", "to_address": "eve@example.org",
            "to_name": "Eve", "subject": "Invitation: Open Day", "body_text": "Hello\n", "language": "en",
            "message_id": f"<{uuid.uuid4().hex}@eventsvc.local>",
            "next_attempt_at": utcnow() - timedelta(hours=1), **values})
        db.session.add(row)
        db.session.commit()
        return row.id


def _message(app, message_id):
    with app.app_context():
        return db.session.get(OutgoingMessage, message_id)


def _statuses(app):
    with app.app_context():
        return [m.status for m in db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))]


def test_a_self_registered_name_with_a_line_break_is_stored_on_one_line(app, client, open_event):
    slug = open_event()
    response = post_form(client, f"/e/{slug}/register", {
        "name": INJECTED, "name_local": "伊\u2028芙", "email": "eve@example.org",
        "organization": "Evil\nCorp", "language": "en"})
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    with app.app_context():
        person = db.session.scalar(select(Person))
        assert (person.name, person.name_local, person.organization.name) == (
            "Eve Bcc: spy@evil.example", "伊 芙", "Evil Corp")
        [message] = db.session.scalars(select(OutgoingMessage)).all()
        assert message.to_name == "Eve Bcc: spy@evil.example"


def test_a_name_with_a_line_break_queued_long_ago_goes_out_cleaned_and_the_20_behind_it_too(
        app, open_event, smtp_server, send_outbox):
    slug = open_event(capacity=50)
    poisoned = _store_directly(app, slug, to_name=INJECTED, subject="Invitation:\r\nBcc: spy@evil.example")
    with app.app_context():  # the guest's stored name, as old data would have it
        db.session.add(Person(event_id=event_by_slug(slug).id, name=INJECTED, email="eve@example.org"))
        db.session.commit()
    _invite_many(app, slug, 20)

    assert send_outbox().startswith("sent 21, will retry 0, failed 0")
    assert _statuses(app) == [MessageStatus.SENT] * 21
    [eve] = smtp_server.inbox.to("eve@example.org")
    assert eve["To"] == '"Eve Bcc: spy@evil.example" <eve@example.org>'
    assert eve["Subject"] == "Invitation: Bcc: spy@evil.example"
    assert eve["Bcc"] is None
    assert _message(app, poisoned).last_error is None
    assert all(recipients != ["spy@evil.example"] and "spy@evil.example" not in recipients
               for recipients in smtp_server.inbox.recipients)


def test_a_message_that_cannot_be_built_is_failed_with_its_reason_and_the_20_behind_it_are_delivered(
        app, open_event, smtp_server, send_outbox):
    slug = open_event(capacity=50)
    broken = _store_directly(app, slug, to_address="eve at example dot org")
    _invite_many(app, slug, 20)

    assert send_outbox().startswith("sent 20, will retry 0, failed 1")
    assert len(smtp_server.inbox.messages) == 20
    message = _message(app, broken)
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "invalid recipient address 'eve at example dot org'" in message.last_error
    assert send_outbox().startswith("sent 0, will retry 0, failed 0")  # not tried again and again
    status = app.test_cli_runner().invoke(args=["outbox", "status"]).stdout
    assert status.startswith("queued 0, sent 20, failed 1")
    assert f"failed #{broken} invitation to 'eve at example dot org': invalid recipient address" in status


def test_a_header_injection_through_a_name_adds_no_bcc(app, open_event, smtp_server, send_outbox):
    from eventsvc.mail.service import queue_message

    slug = open_event()
    with app.app_context():
        for name in (INJECTED, "Eve\nBcc: spy@evil.example", "Eve\u2028Bcc: spy@evil.example",
                     "Eve\x85Bcc: spy@evil.example", "Eve\x00\rBcc: spy@evil.example"):
            queue_message(kind="team_added", to_address="eve@example.org", to_name=name, template="team_added",
                          language="en", event=event_by_slug(slug), role="staff", inviter=None,
                          link="http://127.0.0.1/login", email="eve@example.org", hours=72)
        db.session.commit()
        assert {m.to_name for m in db.session.scalars(select(OutgoingMessage))} == {"Eve Bcc: spy@evil.example"}
    # and rows written before the cleaning, whose name reaches the header as it was stored
    for name in ("Eve\r\nBcc: spy@evil.example", "Eve\r\n\r\nBcc: spy@evil.example", '"Eve"\r\n <x@y>,'):
        _store_directly(app, slug, to_name=name)

    assert send_outbox().startswith("sent 8, will retry 0, failed 0")
    for mail, recipients in zip(smtp_server.inbox.messages, smtp_server.inbox.recipients, strict=True):
        assert mail["Bcc"] is None and recipients == ["eve@example.org"]
        assert [a.addr_spec for a in mail["To"].addresses] == ["eve@example.org"]
        assert "\n" not in mail["To"].addresses[0].display_name


def test_a_refused_recipient_fails_at_once_a_busy_one_is_tried_again_and_the_rest_go_out(
        app, open_event, smtp_server, send_outbox):
    slug = open_event(capacity=50)
    gone = _store_directly(app, slug, to_address="gone@example.org")
    busy = _store_directly(app, slug, to_address="busy@example.org")
    _invite_many(app, slug, 3)
    smtp_server.inbox.refuse = {"gone@example.org": "550 5.1.1 No such user",
                                "busy@example.org": "450 4.2.1 Mailbox busy, try later"}

    assert send_outbox().startswith("sent 3, will retry 1, failed 1")
    refused, waiting = _message(app, gone), _message(app, busy)
    assert refused.status == MessageStatus.FAILED and "550" in refused.last_error
    assert waiting.status == MessageStatus.QUEUED and "450" in waiting.last_error
    assert waiting.next_attempt_at > utcnow() + timedelta(seconds=20)

    app.config["MAIL_MAX_ATTEMPTS"], saved = 2, app.config["MAIL_MAX_ATTEMPTS"]
    try:
        with app.app_context():  # time passes: the busy mailbox is still busy, and that was the last try
            db.session.execute(update(OutgoingMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
        assert send_outbox().startswith("sent 0, will retry 0, failed 1")
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = saved
    assert _message(app, busy).status == MessageStatus.FAILED and _message(app, busy).attempts == 2


def test_the_loop_keeps_going_past_a_broken_message_and_a_failed_round(app, open_event, smtp_server, monkeypatch):
    from eventsvc.mail import sender

    slug = open_event()
    broken = _store_directly(app, slug, to_address="<not@an@address>")
    _invite_many(app, slug, 2)
    real_transport, calls = sender.transport, []

    def transport_failing_once():  # the first round fails as a whole (say, the database was away)
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database unavailable")
        return real_transport()

    monkeypatch.setattr(sender, "transport", transport_failing_once)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--loop", "--rounds", "3", "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert "this round failed" in result.output
    assert "outbox: sent 2, will retry 0, failed 1" in result.output
    assert len(smtp_server.inbox.messages) == 2
    assert _message(app, broken).status == MessageStatus.FAILED


def test_an_event_title_with_a_line_break_is_stored_and_mailed_on_one_line(app, open_event, smtp_server, send_outbox):
    from eventsvc.events.service import update_event

    slug = open_event()
    with app.app_context():
        event = update_event(event_by_slug(slug), {"title": "Open\r\nBcc: spy@evil.example\u2028Day"})
        db.session.commit()
        assert event.title == "Open Bcc: spy@evil.example Day"
    _invite_many(app, slug, 1)
    assert send_outbox().startswith("sent 1")
    [mail] = smtp_server.inbox.messages
    assert mail["Subject"] == "Invitation: Open Bcc: spy@evil.example Day" and mail["Bcc"] is None
    assert smtp_server.inbox.recipients == [["guest0@example.org"]]
