"""The signing secret of an endpoint (sealed at rest, eventsvc.core.sealing) and the signature.

``Eventsvc-Signature: t=<unix seconds>,v1=<hex>``, where hex is HMAC-SHA256, keyed with the
endpoint's secret, of ``"<t>." + body``. A receiver recomputes it over the raw body, compares
in constant time and refuses a ``t`` older than a few minutes (a replayed delivery).
"""

import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from eventsvc.core import sealing
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db
from eventsvc.webhooks.models import WebhookEndpoint

PURPOSE = b"webhook-secret"
HEADER = "Eventsvc-Signature"


class SecretUnreadable(ServiceError):
    status = 503


def new_secret() -> tuple[str, bytes]:
    """(the secret, shown once to the organizer; its sealed form, stored)."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    return secret, sealing.seal(secret.encode(), PURPOSE)


def open_secret(sealed: bytes) -> str:
    raw = sealing.unseal(sealed, PURPOSE)
    if raw is None:
        raise SecretUnreadable("secret_unreadable", _(
            "This endpoint's signing secret cannot be read with the server's current key-encryption key."))
    return raw.decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def reseal_secrets(old_secret: str | None) -> dict[str, int]:
    """Re-seal every endpoint's secret that ``old_secret`` opens with the current key-encryption
    secret (None: only look), for ``flask badges rotate-kek`` / ``check-keys``. Counts by outcome
    ("reencrypted", "current", "unreadable"); the caller commits."""
    counts = {"reencrypted": 0, "current": 0, "unreadable": 0}
    for endpoint in db.session.scalars(select(WebhookEndpoint)):
        if sealing.unseal(endpoint.secret_sealed, PURPOSE) is not None:
            counts["current"] += 1
        elif old_secret is not None and (raw := sealing.unseal(endpoint.secret_sealed, PURPOSE,
                                                                secret=old_secret)) is not None:
            endpoint.secret_sealed = sealing.seal(raw, PURPOSE)
            counts["reencrypted"] += 1
        else:
            counts["unreadable"] += 1
    return counts
