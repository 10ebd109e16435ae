"""Workers deliver the outbox: a kick after the commit that queues mail, and a periodic sweep
(retries whose pause is over, messages whose sender died mid-conversation, messages queued
while the broker was down). ``flask outbox send`` calls the same function by hand."""

from flask import current_app
from sqlalchemy import func, select

from eventsvc.core import tasks
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail import sender
from eventsvc.mail.models import MessageStatus, OutgoingMessage

#: messages one task sends before it hands the rest to a fresh task
BATCH = 200


@tasks.celery.task(name="eventsvc.mail.deliver_outbox")
def deliver_outbox() -> dict:
    counts = sender.send_due(limit=BATCH)
    if sum(counts.values()) >= BATCH:
        tasks.send(deliver_outbox)  # more are due: another task (another worker, maybe) goes on
    return counts


@tasks.periodic("outbox_sweep", every="MAIL_SWEEP_SECONDS")
def sweep_outbox() -> dict:
    return deliver_outbox()


def deliver_after_commit() -> None:
    """Queue a delivery for when the current transaction (which queues mail) commits."""
    if current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        tasks.send_after_commit(deliver_outbox)


def outbox_ready(max_age_seconds: float = 300) -> str | None:
    """None when no message has waited longer than ``max_age_seconds`` to go out, else how long."""
    oldest = db.session.scalar(select(func.min(OutgoingMessage.next_attempt_at)).where(
        OutgoingMessage.status == MessageStatus.QUEUED))
    if oldest is None:
        return None
    age = (utcnow() - oldest).total_seconds()  # UTCDateTime: always aware
    return None if age < max_age_seconds else f"the oldest undelivered message has waited {int(age)} s"
