"""Organizers' webhook endpoints and the outbox of their deliveries.

A delivery row is written in the transaction of the change it announces (``service.emit``);
the HTTP call happens later, in a worker (``delivery.py``), never in the request.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.types import UTCDateTime, enum_column, utcnow
from eventsvc.extensions import db
from eventsvc.webhooks.enums import DeliveryStatus


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: indexed: ``emit`` asks "who listens at this event?" on every change
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(200))
    #: the subscribed kinds (``WebhookKind`` values), space-separated
    kinds: Mapped[str] = mapped_column(String(300))
    #: the signing secret, sealed (eventsvc.core.sealing, purpose "webhook-secret"); shown once
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: the secret's last characters, so an organizer can tell which one a receiver holds
    secret_hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def kind_list(self) -> list[str]:
        return self.kinds.split()


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    #: sent as Eventsvc-Delivery on every attempt: receivers drop a repeat by it
    delivery_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    #: the JSON body, fixed when the change happens (each attempt signs it with a fresh timestamp)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a worker's lease while it calls the receiver; an expired lease on a pending row means it died
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None] = mapped_column()
    #: the first characters of the receiver's answer, never more (RESPONSE_EXCERPT)
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
