"""Webhook endpoints of one event, and ``emit``: the one call every owner of a change makes.

``emit(event_id, kind, payload)`` runs inside the transaction of the change: it writes one
delivery row per subscribed endpoint (the outbox) and asks for a worker kick after the commit.
It never calls a receiver; ``delivery.py`` does, in a worker. An event with no subscriber for
the kind costs one indexed query, or none: the kinds each event's endpoints listen to are
cached per process for WEBHOOK_SUBSCRIBER_CACHE_SECONDS (the scan path is held to four
statements); saving or deleting an endpoint clears this process's entry at once, other
processes see it within that time.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.webhooks import signing, tasks
from eventsvc.webhooks.addresses import check_url
from eventsvc.webhooks.enums import SUBSCRIBABLE, WebhookKind
from eventsvc.webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 20
PAGE_SIZE = 50


class WebhookError(ServiceError):
    """no_kinds, too_many_endpoints, unknown_endpoint (404)."""


# --- endpoints -----------------------------------------------------------------------------------

def endpoints_of(event_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.event_id == event_id)
                                   .order_by(WebhookEndpoint.id)))


def endpoint_of(event_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.event_id != event_id:
        raise NotFound("unknown_endpoint", _("No such webhook endpoint."))
    return endpoint


def create_endpoint(event_id: int, url: str, kinds: list[str], *, description: str | None = None,
                    user_id: int | None = None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is returned here once and never shown again."""
    url = (url or "").strip()
    if len(url) > 500:
        raise WebhookError("url_too_long", _("The address is too long."), field="url")
    check_url(url, resolve=False)  # the shape now; the addresses before every delivery
    chosen = [kind for kind in SUBSCRIBABLE if kind.value in set(kinds or ())]
    unknown = set(kinds or ()) - {kind.value for kind in SUBSCRIBABLE}
    if unknown or not chosen:
        raise WebhookError("no_kinds", _("Choose at least one kind of event to send."), field="kinds")
    # One new endpoint per event at a time, so that two at once cannot both count 19 and make 21.
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
    if len(endpoints_of(event_id)) >= MAX_ENDPOINTS:
        raise WebhookError("too_many_endpoints", _("An event can have at most %(n)d webhook endpoints.",
                                                   n=MAX_ENDPOINTS))
    secret, sealed = signing.new_secret()
    endpoint = WebhookEndpoint(event_id=event_id, url=url, description=(description or "").strip()[:200] or None,
                               kinds=" ".join(kind.value for kind in chosen), secret_hint=secret[-4:],
                               secret_sealed=sealed,
                               created_by_id=user_id)
    db.session.add(endpoint)
    db.session.flush()
    forget_subscribers(event_id)
    return endpoint, secret


def delete_endpoint(event_id: int, endpoint_id: int) -> None:
    """The endpoint goes, and with it its delivery log and whatever it had not received yet."""
    endpoint = endpoint_of(event_id, endpoint_id)
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()
    forget_subscribers(event_id)


# --- who listens: a small per-process cache ------------------------------------------------------

_subscribers: dict[int, tuple[float, frozenset[str]]] = {}
_subscribers_lock = threading.Lock()


def forget_subscribers(event_id: int) -> None:
    with _subscribers_lock:
        _subscribers.pop(event_id, None)


def listens(event_id: int, kind: WebhookKind | str) -> bool:
    """Whether an endpoint of the event subscribes to ``kind`` (the cache ``emit`` asks)."""
    return WebhookKind(kind).value in _subscribed_kinds(event_id)


def _subscribed_kinds(event_id: int) -> frozenset[str]:
    ttl = float(current_app.config["WEBHOOK_SUBSCRIBER_CACHE_SECONDS"])
    now = time.monotonic()
    with _subscribers_lock:
        cached = _subscribers.get(event_id)
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    kinds = frozenset(kind for row in db.session.scalars(
        select(WebhookEndpoint.kinds).where(WebhookEndpoint.event_id == event_id)) for kind in row.split())
    with _subscribers_lock:
        _subscribers[event_id] = (now, kinds)
    return kinds


# --- emitting ------------------------------------------------------------------------------------

def _body(delivery_uuid: str, event_id: int, kind: str, payload: dict) -> str:
    return json.dumps({"id": delivery_uuid, "type": kind, "event_id": event_id,
                       "created_at": utcnow().isoformat(), "data": payload},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def _queue(endpoint_id: int, event_id: int, kind: str, payload: dict) -> WebhookDelivery:
    delivery_uuid = str(uuid.uuid4())
    delivery = WebhookDelivery(endpoint_id=endpoint_id, event_id=event_id, kind=kind, delivery_uuid=delivery_uuid,
                               body=_body(delivery_uuid, event_id, kind, payload), next_attempt_at=utcnow())
    db.session.add(delivery)
    return delivery


def emit(event_id: int, kind: WebhookKind | str, payload: dict | Callable[[], dict]) -> int:
    """Announce a change of the event to the endpoints subscribed to ``kind``: delivery rows in
    the caller's transaction (the caller commits), sent by a worker after the commit. A callable
    ``payload`` is called only when someone listens (it may load rows). Returns how many rows
    were written."""
    kind = WebhookKind(kind).value
    if kind not in _subscribed_kinds(event_id):
        return 0
    endpoint_ids = [endpoint.id for endpoint in endpoints_of(event_id) if kind in endpoint.kind_list]
    if endpoint_ids and callable(payload):
        payload = payload()
    for endpoint_id in endpoint_ids:
        _queue(endpoint_id, event_id, kind, payload)
    if endpoint_ids:
        tasks.deliver_after_commit()
    return len(endpoint_ids)


def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A "webhook.test" delivery to this endpoint alone, through the same queue as the real ones."""
    delivery = _queue(endpoint.id, endpoint.event_id, WebhookKind.TEST.value,
                      {"message": "This is a test delivery from eventsvc."})
    db.session.flush()
    tasks.deliver_after_commit()
    return delivery


# --- the delivery log ----------------------------------------------------------------------------

@dataclass
class DeliveryPage:
    deliveries: list[WebhookDelivery]
    page: int
    has_next: bool


def deliveries_of(endpoint: WebhookEndpoint, *, page: int = 1) -> DeliveryPage:
    rows = list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return DeliveryPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)
