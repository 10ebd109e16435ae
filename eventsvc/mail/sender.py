"""Delivering the outbox: SMTP (or .eml files in development), retries with backoff.

Each message is taken under a row lock (SKIP LOCKED on PostgreSQL, so several
senders share the work; SQLite serializes writers), sent, and marked in its own
short transaction. A failed attempt is kept with its error and tried again after
an exponentially growing pause; after MAIL_MAX_ATTEMPTS it is marked failed, and
``flask outbox retry`` puts failed messages back in the queue.
"""

import contextlib
import smtplib
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage

#: first retry after this many seconds, doubling each time up to MAX_BACKOFF
BASE_BACKOFF = 30
MAX_BACKOFF = 3600


def backoff_seconds(attempts: int) -> int:
    return min(BASE_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def build_email(message: OutgoingMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mail["To"] = formataddr((message.to_name or "", message.to_address))
    mail["Message-ID"] = message.message_id
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


def _claim_next(now) -> OutgoingMessage | None:
    query = (select(OutgoingMessage)
             .where(OutgoingMessage.status == MessageStatus.QUEUED, OutgoingMessage.next_attempt_at <= now)
             .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id).limit(1))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def send_due(limit: int = 500) -> dict:
    """Send every due message (at most ``limit``); returns counts of sent and failed attempts."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    out = transport()
    try:
        for _ in range(limit):
            db.session.connection(execution_options={"sqlite_immediate": True})
            message = _claim_next(utcnow())
            if message is None:
                db.session.rollback()
                break
            try:
                out.send(build_email(message))
            except (smtplib.SMTPException, OSError) as error:
                out.close()
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                    message.status = MessageStatus.FAILED
                    counts["failed"] += 1
                else:
                    message.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(message.attempts))
                    counts["retry"] += 1
                db.session.commit()
                if isinstance(error, OSError):
                    break  # the server is unreachable: leave the rest for the next run
                continue
            message.attempts += 1
            message.status = MessageStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            db.session.commit()
            counts["sent"] += 1
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
        counts = send_due()
        if any(counts.values()):
            log(f"outbox: sent {counts['sent']}, will retry {counts['retry']}, failed {counts['failed']}")
        rounds += 1
        if max_rounds is None or rounds < max_rounds:
            time.sleep(interval)
