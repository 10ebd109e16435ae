"""Workers deliver webhooks as they deliver mail (eventsvc.mail.tasks): a kick after the commit
that wrote delivery rows, and a periodic sweep for retries whose pause is over, rows whose
worker died mid-call and kicks lost while the broker was down."""

from flask import current_app

from eventsvc.core import tasks
from eventsvc.webhooks import delivery

#: deliveries one task makes before it hands the rest to a fresh task
BATCH = 100


@tasks.celery.task(name="eventsvc.webhooks.deliver_webhooks")
def deliver_webhooks() -> dict:
    counts = delivery.send_due(limit=BATCH)
    if sum(counts.values()) >= BATCH:
        tasks.send(deliver_webhooks)
    return counts


@tasks.periodic("webhook_sweep", every="WEBHOOK_SWEEP_SECONDS")
def sweep_webhooks() -> dict:
    return deliver_webhooks()


def deliver_after_commit() -> None:
    """Queue a delivery run for when the current transaction (which wrote delivery rows) commits."""
    if current_app.config["WEBHOOKS_DELIVER_AFTER_COMMIT"]:
        tasks.send_after_commit(deliver_webhooks)
