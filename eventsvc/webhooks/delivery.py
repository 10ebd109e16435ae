"""Calling the receivers: claim a due delivery, POST it signed, record what happened.

As the mail outbox (eventsvc.mail.sender): each row is claimed for WEBHOOK_LEASE_SECONDS by a
conditional UPDATE in a short transaction of its own (SKIP LOCKED on PostgreSQL), called
with no transaction open, and its outcome written in another short one. A worker that dies
mid-call leaves its lease to expire and the row is taken again, so a receiver may see a
delivery twice; every attempt carries the same Eventsvc-Delivery id, by which it drops the copy.

A 2xx answer delivers. Anything else (another status, a timeout, a refused connection, an
address that is no longer allowed) is tried again after WEBHOOK_BACKOFF_SECONDS (1 min, 5 min,
30 min, 2 h, 6 h by default, the last one repeating) and marked failed after
WEBHOOK_MAX_ATTEMPTS attempts. Of the answer only its first RESPONSE_EXCERPT characters are kept.

Each attempt is signed afresh (signing.py): the timestamp is the attempt's.
"""

import http.client
import socket
import ssl
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app

from eventsvc.core import leases
from eventsvc.core.errors import ServiceError
from eventsvc.core.text import clean_line
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.webhooks import signing
from eventsvc.webhooks.addresses import check_url
from eventsvc.webhooks.enums import DeliveryStatus
from eventsvc.webhooks.models import WebhookDelivery, WebhookEndpoint

RESPONSE_EXCERPT = 500


def backoff_seconds(attempts: int) -> int:
    """The pause after the ``attempts``-th failed attempt."""
    steps = current_app.config["WEBHOOK_BACKOFF_SECONDS"]
    return int(steps[min(max(attempts, 1), len(steps)) - 1])


# --- the HTTP call, to the address that was checked ----------------------------------------------

class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """(status, the answer's first characters). Raises ServiceError (a refused address) or OSError."""
    host, port, addresses = check_url(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, addresses[0], timeout)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")[:RESPONSE_EXCERPT]
        return response.status, excerpt
    finally:
        connection.close()


# --- claiming and recording ----------------------------------------------------------------------

def claim_next(now: datetime | None = None) -> WebhookDelivery | None:
    """Take the next due delivery for WEBHOOK_LEASE_SECONDS (core.leases), in a short transaction
    of its own."""
    return leases.claim_next(WebhookDelivery, DeliveryStatus.PENDING, current_app.config["WEBHOOK_LEASE_SECONDS"],
                             now)


def deliver(delivery: WebhookDelivery, now: datetime | None = None) -> str:
    """Make one attempt of a claimed delivery and record it: "delivered", "retry" or "failed"."""
    config = current_app.config
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    body = delivery.body.encode()
    db.session.commit()  # no transaction stays open while the receiver answers
    code, excerpt, error = None, None, None
    try:
        headers = {"Content-Type": "application/json", "User-Agent": "eventsvc-webhooks/1",
                   "Eventsvc-Delivery": delivery.delivery_uuid, "Eventsvc-Event": delivery.kind,
                   signing.HEADER: signing.signature(signing.open_secret(endpoint.secret_sealed), int(time.time()), body)}
        code, excerpt = post(endpoint.url, body, headers, float(config["WEBHOOK_TIMEOUT_SECONDS"]))
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except ServiceError as refused:
        error = refused.message
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
    now = now or utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.claimed_until = None
    delivery.response_code = code
    delivery.response_excerpt = clean_line(excerpt or "")[:RESPONSE_EXCERPT] or None
    delivery.last_error = clean_line(error)[:500] if error else None
    if error is None:
        delivery.status, delivery.delivered_at, outcome = DeliveryStatus.DELIVERED, now, "delivered"
    elif delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status, outcome = DeliveryStatus.FAILED, "failed"
        current_app.logger.warning("webhook delivery %s failed for good: %s", delivery.id, delivery.last_error)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
        outcome = "retry"
    db.session.commit()
    return outcome


def send_due(limit: int = 100, now: datetime | None = None) -> dict:
    """Attempt every due delivery (at most ``limit``); counts by outcome."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    try:
        for _ in range(limit):
            delivery = claim_next(now)
            if delivery is None:
                break
            counts[deliver(delivery, now)] += 1
    finally:
        db.session.rollback()
    return counts
