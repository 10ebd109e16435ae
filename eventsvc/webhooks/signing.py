"""The signing secret of an endpoint (sealed at rest, eventsvc.core.sealing) and the signature.

``Eventsvc-Signature: t=<unix seconds>,v1=<hex>``, where hex is HMAC-SHA256, keyed with the
endpoint's secret, of ``"<t>." + body``. A receiver recomputes it over the raw body, compares
in constant time and refuses a ``t`` older than a few minutes (a replayed delivery).
"""

import hashlib
import hmac
import secrets

from flask_babel import gettext as _

from eventsvc.core import sealing
from eventsvc.core.errors import ServiceError

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
