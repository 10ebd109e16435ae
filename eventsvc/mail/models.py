"""The outbox: every e-mail is a row here first, written in the transaction that causes it."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.labels import labelled
from eventsvc.core.types import UTCDateTime, enum_column, utcnow
from eventsvc.extensions import db


@labelled({"queued": _l("Queued"), "sent": _l("Sent"), "failed": _l("Failed")})
class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMessage(db.Model):
    __tablename__ = "outgoing_messages"
    __table_args__ = (Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
                      Index("ix_outgoing_messages_dedupe_key", "dedupe_key", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    #: what caused it, e.g. "invitation", "waitlist_promoted"
    kind: Mapped[str] = mapped_column(String(50))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: RFC 5322 Message-ID, fixed when queued so that a resend is recognisable
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "message_status"), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: a sender's claim on the message while it talks to the mail server; a message still queued
    #: with an expired claim was being sent by a worker that died, and is taken again
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when a message must go at most once (a scheduled reminder to one guest): a second
    #: row with the same key is refused by the database, whichever worker writes it
    dedupe_key: Mapped[str | None] = mapped_column(String(120))


class MailTemplate(db.Model):
    """An organizer's wording of one kind of guest e-mail in one language, for one event.

    Without a row, the product's own wording goes out (``wording.default_wording``).
    """

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("event_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: a key of ``wording.KINDS``, e.g. "invitation"
    kind: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))
    #: plain text with {placeholders}, checked when saved
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
