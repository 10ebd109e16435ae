"""Workers deliver the outbox: a kick after the commit that queues mail, and a periodic sweep
(retries whose pause is over, messages whose sender died mid-conversation, messages queued
while the broker was down). ``flask outbox send`` calls the same function by hand."""

from flask import current_app

from eventsvc.core import tasks
from eventsvc.mail import sender

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
