"""Is mail going out? The outbox's backlog for /metrics and its oldest due message for /readyz.

A message is due from its ``next_attempt_at`` (when it was queued, or when its next try after a
temporary refusal comes). One that has been due for longer than ``READY_MAX_OUTBOX_AGE`` seconds
means nobody delivers mail: the workers are dead or stuck. That is what users of other systems
found out days late; here the readiness check names it. A message waiting for its retry while the
mail server refuses it is not stuck: it is not due yet.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from eventsvc.core.health import add_readiness_check
from eventsvc.core.metrics import add_scrape_metrics
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage


def outbox_figures() -> tuple[int, float]:
    """Messages not yet delivered, and for how many seconds the longest-due one has been due (0: none)."""
    count, first_due = db.session.execute(
        select(func.count(), func.min(OutgoingMessage.next_attempt_at))
        .where(OutgoingMessage.status == MessageStatus.QUEUED)).one()
    db.session.rollback()  # a probe holds no transaction open
    return count, _seconds_since(first_due)


def _seconds_since(moment: datetime | None) -> float:
    return max(0.0, (utcnow() - moment).total_seconds()) if moment is not None else 0.0


def outbox_check() -> str | None:
    _count, waited = outbox_figures()
    limit = current_app.config["READY_MAX_OUTBOX_AGE"]
    if waited > limit:
        return f"oldest undelivered message due {int(waited)} s ago (limit {limit} s)"
    return None


def outbox_metrics():
    count, waited = outbox_figures()
    yield "eventsvc_outbox_backlog", "E-mails written to the outbox and not delivered yet.", count
    yield ("eventsvc_outbox_oldest_due_seconds", "Seconds the longest-due undelivered e-mail has waited "
           "(0 when none is due).", waited)


add_readiness_check("outbox", outbox_check)
add_scrape_metrics(outbox_metrics)
