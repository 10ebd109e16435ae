"""Delivering the outbox: SMTP (or .eml files in development), retries with backoff.

Workers deliver it (``eventsvc.mail.tasks``): kicked after the commit that queues a message,
and swept periodically. Each message is first claimed for MAIL_LEASE_SECONDS by a
conditional UPDATE in a short transaction (SKIP LOCKED on PostgreSQL, so several senders
share the work), then sent with no transaction open, then marked sent in another short
transaction. A sender that dies mid-conversation leaves its claim to expire, and the message
is taken again: a message is delivered at least once, and twice only if a sender dies
between the server's "250 OK" and the commit; it keeps its Message-ID, by which mail
clients recognise the copy. One message never stops the others: whatever goes wrong with it is
recorded on its row (``last_error``) and the sender moves on. A message that can never
go out as it is (an address that is not one, a server's 5xx answer about it) is marked
failed at once; a passing error (a 4xx answer, a dropped connection) is tried again
after an exponentially growing pause, and after MAIL_MAX_ATTEMPTS it is marked failed.
``flask outbox retry`` puts failed messages back in the queue.
"""

import contextlib
import smtplib
import time
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from eventsvc.core import leases
from eventsvc.core.text import clean_line, has_controls
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage

#: first retry after this many seconds, doubling each time up to MAX_BACKOFF
BASE_BACKOFF = 30
MAX_BACKOFF = 3600
ERROR_MAX_LENGTH = 2000


class UndeliverableMessage(ValueError):
    """This message cannot be sent as it is stored (its address is not one)."""


def backoff_seconds(attempts: int) -> int:
    return min(BASE_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def recipient(message: OutgoingMessage) -> Address:
    """The To address, built by the email package (never by joining strings), so that neither
    the name nor the address can end the header and start another one."""
    address = message.to_address or ""
    if has_controls(address):
        raise UndeliverableMessage(f"invalid recipient address {address!r}: it contains control characters")
    try:
        return Address(display_name=clean_line(message.to_name) or "", addr_spec=address.strip())
    except Exception as error:  # the email package raises ValueError, HeaderParseError, IndexError...
        raise UndeliverableMessage(f"invalid recipient address {address!r}: {error}") from None


def build_email(message: OutgoingMessage) -> EmailMessage:
    """The message as it goes out. Every header value is cleaned to one line here too: rows
    queued before names were cleaned at input (or written by hand) still exist."""
    mail = EmailMessage()
    mail["Subject"] = clean_line(message.subject)
    mail["From"] = clean_line(current_app.config["MAIL_DEFAULT_SENDER"])
    mail["To"] = recipient(message)
    mail["Message-ID"] = clean_line(message.message_id)
    mail["Date"] = format_datetime(message.created_at)
    mail["Content-Language"] = "zh-CN" if message.language == "zh" else "en"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return mail


class SmtpTransport:
    """One SMTP connection reused for a batch."""

    def __init__(self, config):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def send(self, mail: EmailMessage) -> None:
        if self.conn is None:
            conn = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=20)
            if self.config.get("MAIL_USE_TLS"):
                conn.starttls()
            if self.config.get("MAIL_USERNAME"):
                conn.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
            self.conn = conn
        self.conn.send_message(mail)

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.conn.quit()
            self.conn = None


class FileTransport:
    """Development: each message becomes instance/outbox/<id>.eml, readable in any mail client."""

    def __init__(self, config):
        self.folder = Path(current_app.instance_path) / "outbox"
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, mail: EmailMessage) -> None:
        name = mail["Message-ID"].strip("<>").split("@")[0]
        (self.folder / f"{name}.eml").write_bytes(bytes(mail))

    def close(self) -> None:
        pass


def transport():
    backend = current_app.config.get("MAIL_BACKEND", "file")
    return SmtpTransport(current_app.config) if backend == "smtp" else FileTransport(current_app.config)


def claim_next() -> OutgoingMessage | None:
    """Take the next due message for MAIL_LEASE_SECONDS (core.leases): no lock is held while the
    mail server answers, and a message whose claim expired (its sender died mid-conversation)
    is due again."""
    return leases.claim_next(OutgoingMessage, MessageStatus.QUEUED, current_app.config["MAIL_LEASE_SECONDS"])


#: errors of the connection or of the server as a whole, not of one message: the message
#: is tried again later and the rest wait for the next round
_SERVER_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                  smtplib.SMTPAuthenticationError)


def classify(error: Exception) -> str:
    """What an error sending one message means: "failed" (it will fail the same way again),
    "retry" (it may pass later) or "server" (retry, and stop this round: the server is away)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "failed" if any(code >= 500 for code, _ in error.recipients.values()) else "retry"
    if isinstance(error, smtplib.SMTPDataError):
        return "failed" if error.smtp_code >= 500 else "retry"
    if isinstance(error, smtplib.SMTPNotSupportedError):  # e.g. a non-ASCII address, no SMTPUTF8
        return "failed"
    if isinstance(error, _SERVER_ERRORS):
        return "server"
    if isinstance(error, smtplib.SMTPException):  # the sender refused, an odd answer...
        return "retry"
    if isinstance(error, OSError):  # no connection (SMTP), a full disk (files)
        return "server"
    return "failed"  # it cannot be built or encoded: the same next time


def describe(error: Exception) -> str:
    """The reason stored on the row: one line (a NUL byte would not even fit in PostgreSQL)."""
    text = str(error) if isinstance(error, UndeliverableMessage) else f"{type(error).__name__}: {error}"
    return clean_line(text)[:ERROR_MAX_LENGTH]


def _deliver(out, message: OutgoingMessage) -> tuple[str, bool]:
    """Build and send one claimed message and record what happened: "sent", "retry" or
    "failed", and whether this round stops (the server is away)."""
    try:
        out.send(build_email(message))
    except Exception as error:  # whatever it is, it is this message's outcome, not the loop's end
        kind = classify(error)
        out.close()  # a fresh connection for the next message
        message.attempts += 1
        message.last_error = describe(error)
        message.claimed_until = None
        if kind == "failed" or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = MessageStatus.FAILED
            current_app.logger.warning("outbox: message %s failed: %s", message.id, message.last_error)
            outcome = "failed"
        else:
            message.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(message.attempts))
            outcome = "retry"
        _commit(message)
        return outcome, kind == "server"
    message.attempts += 1
    message.status = MessageStatus.SENT
    message.sent_at = utcnow()
    message.last_error = None
    message.claimed_until = None
    _commit(message)
    return "sent", False


def _commit(message: OutgoingMessage) -> None:
    """Record the outcome; if even that is refused, a plainer record by the message's id (sent,
    or else failed), so that it is not taken again at the head of the queue."""
    message_id, reason, sent = message.id, message.last_error, message.status == MessageStatus.SENT
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("outbox: the outcome of message %s could not be recorded", message_id)
        db.session.execute(update(OutgoingMessage).where(OutgoingMessage.id == message_id).values(
            status=MessageStatus.SENT if sent else MessageStatus.FAILED, attempts=OutgoingMessage.attempts + 1,
            claimed_until=None,
            last_error=None if sent else (reason or describe(error))))
        db.session.commit()


def send_due(limit: int = 500) -> dict:
    """Send every due message (at most ``limit``); returns counts of sent and failed attempts."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    out = transport()
    try:
        for _ in range(limit):
            message = claim_next()
            if message is None:
                break
            outcome, server_away = _deliver(out, message)
            counts[outcome] += 1
            if server_away:
                break  # the server is unreachable: leave the rest for the next run
    finally:
        out.close()
        db.session.rollback()
    return counts


def retry_failed() -> int:
    """Put failed messages back in the queue, due now."""
    result = db.session.execute(
        update(OutgoingMessage).where(OutgoingMessage.status == MessageStatus.FAILED)
        .values(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=utcnow()))
    db.session.commit()
    return result.rowcount


def run_loop(interval: float = 5.0, *, max_rounds: int | None = None, log=print) -> None:
    """The long-running sender: send what is due, sleep, repeat (Ctrl+C stops it)."""
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        try:
            counts = send_due()
        except Exception:  # the database went away, say: the next round tries again
            with contextlib.suppress(Exception):
                db.session.rollback()
            current_app.logger.exception("outbox: a round of sending failed")
            log("outbox: this round failed (the log says why); trying again")
            counts = {}
        if any(counts.values()):
            log(f"outbox: sent {counts['sent']}, will retry {counts['retry']}, failed {counts['failed']}")
        rounds += 1
        if max_rounds is None or rounds < max_rounds:
            time.sleep(interval)
