"""One event's outbox as its organizer sees it: messages by state, the counts, and a resend.

Every query is held to the event (``event_id``): the page and the API of one event never
reach another event's mail.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail import tasks
from eventsvc.mail.models import MessageStatus, OutgoingMessage

PAGE_SIZE = 50


@dataclass
class OutboxPage:
    messages: list[OutgoingMessage]
    page: int
    has_next: bool


def counts(event_id: int) -> dict[str, int]:
    """How many of the event's messages are queued, sent and failed (every state named, 0 included)."""
    rows = db.session.execute(select(OutgoingMessage.status, func.count()).where(
        OutgoingMessage.event_id == event_id).group_by(OutgoingMessage.status)).all()
    found = {MessageStatus(status).value: n for status, n in rows}
    return {state.value: found.get(state.value, 0) for state in MessageStatus}


def messages(event_id: int, *, status: str | None = None, page: int = 1) -> OutboxPage:
    """One page of the event's messages, newest first, in one query (no attribute is loaded later)."""
    page = max(1, page)
    query = select(OutgoingMessage).where(OutgoingMessage.event_id == event_id)
    if status:
        try:
            query = query.where(OutgoingMessage.status == MessageStatus(status))
        except ValueError:
            raise ServiceError("unknown_state", _("There is no such state."), field="status") from None
    rows = db.session.scalars(query.order_by(OutgoingMessage.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return OutboxPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def resend(event_id: int, message_id: int) -> OutgoingMessage:
    """Queue a failed message of this event again, due now (a conditional UPDATE: a second click,
    or a message that is not failed any more, changes nothing). The caller commits."""
    message = db.session.scalar(select(OutgoingMessage).where(
        OutgoingMessage.id == message_id, OutgoingMessage.event_id == event_id))
    if message is None:
        raise NotFound("not_found", _("No such message at this event."))
    moved = db.session.execute(
        update(OutgoingMessage).where(OutgoingMessage.id == message.id,
                                      OutgoingMessage.status == MessageStatus.FAILED)
        .values(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=utcnow(), claimed_until=None)
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        raise ServiceError("not_failed", _("Only a failed message can be sent again."), status=409)
    db.session.refresh(message)
    tasks.deliver_after_commit()
    return message
