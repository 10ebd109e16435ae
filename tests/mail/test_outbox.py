"""The outbox: mail is written with its cause, delivered by `flask outbox send`, never lost."""

from datetime import timedelta

from sqlalchemy import select, update

from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage
from eventsvc.people.identity import PersonDetails as GuestDetails
from eventsvc.registration import invitations


def _invite(app, slug, email="wang@example.cn", language="zh", commit=True):
    from eventsvc.events.permissions import event_by_slug

    with app.app_context():
        event = event_by_slug(slug)
        invitations.create_invitation(event, invitations.InvitationInput(
            GuestDetails(name="Wang Fang", name_local="王芳", email=email, language=language)),
            invited_by_id=None)
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def _outbox(app):
    with app.app_context():
        return db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)).all()


def test_an_invitation_arrives_by_smtp_in_the_guests_language_with_text_and_html(
        app, open_event, smtp_server, send_outbox):
    _invite(app, open_event())
    assert smtp_server.inbox.messages == []  # queued, not sent, until the sender runs
    assert "sent 1" in send_outbox()
    [mail] = smtp_server.inbox.messages
    assert mail["To"] == "Wang Fang <wang@example.cn>"
    assert "开放日" in mail["Subject"]
    text, html = smtp_server.inbox.text(mail), smtp_server.inbox.html(mail)
    assert "王芳" in text and "http://127.0.0.1/g/" in text
    assert "王芳" in html and 'href="http://127.0.0.1/g/' in html
    assert send_outbox().startswith("sent 0")  # sent once, not again


def test_english_guests_get_english_mail(app, open_event, smtp_server, send_outbox):
    _invite(app, open_event(), email="ann@example.org", language="en")
    send_outbox()
    [mail] = smtp_server.inbox.messages
    assert mail["Subject"] == "Invitation: Open Day"
    assert "Dear Wang Fang," in smtp_server.inbox.text(mail)


def test_no_message_is_queued_when_its_cause_is_rolled_back(app, open_event):
    _invite(app, open_event(), commit=False)
    assert _outbox(app) == []


def test_an_smtp_outage_loses_nothing_and_everything_goes_out_once_it_is_back(
        app, open_event, smtp_server, send_outbox):
    slug = open_event()
    smtp_server.stop()
    for i in range(3):
        _invite(app, slug, email=f"guest{i}@example.org")
    assert "sent 0, will retry 1" in send_outbox()  # the server is unreachable: the rest wait their turn
    messages = _outbox(app)
    assert [m.status for m in messages] == [MessageStatus.QUEUED] * 3
    assert messages[0].attempts == 1 and "Connection" in messages[0].last_error
    assert messages[0].next_attempt_at > utcnow() + timedelta(seconds=20)  # backoff

    smtp_server.start()
    assert "sent 2" in send_outbox()  # the two never tried; the failed one waits for its backoff
    with app.app_context():  # time passes
        db.session.execute(update(OutgoingMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert "sent 1" in send_outbox()
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        f"Wang Fang <guest{i}@example.org>" for i in range(3)]
    assert [m.status for m in _outbox(app)] == [MessageStatus.SENT] * 3


def test_a_message_refused_too_often_is_marked_failed_and_can_be_queued_again(
        app, open_event, smtp_server, send_outbox):
    _invite(app, open_event())
    smtp_server.stop()
    app.config["MAIL_MAX_ATTEMPTS"], saved = 2, app.config["MAIL_MAX_ATTEMPTS"]
    try:
        send_outbox()
        with app.app_context():
            db.session.execute(update(OutgoingMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
        assert "failed 1" in send_outbox()
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = saved
    assert _outbox(app)[0].status == MessageStatus.FAILED
    smtp_server.start()
    assert "queued again: 1" in app.test_cli_runner().invoke(args=["outbox", "retry"]).output
    assert "sent 1" in send_outbox()
    assert len(smtp_server.inbox.messages) == 1


def test_loop_mode_keeps_sending_new_messages(app, open_event, smtp_server):
    _invite(app, open_event())
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--loop", "--rounds", "2", "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert "outbox: sent 1" in result.output
    assert len(smtp_server.inbox.messages) == 1


def test_development_writes_eml_files_to_the_instance_folder(app, open_event, tmp_path, send_outbox):
    from pathlib import Path

    saved = app.config["MAIL_BACKEND"], app.instance_path
    app.config["MAIL_BACKEND"], app.instance_path = "file", str(tmp_path)
    try:
        _invite(app, open_event())
        send_outbox()
    finally:
        app.config["MAIL_BACKEND"], app.instance_path = saved
    [eml] = list(Path(tmp_path, "outbox").glob("*.eml"))
    content = eml.read_bytes()
    assert b"Subject:" in content and b"wang@example.cn" in content
