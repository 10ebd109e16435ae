"""Signed badge codes: what the QR on a badge carries (SPEC rule 5).

A code is base32 (QR alphanumeric mode) of

    format (1 byte) | key id (1) | event id (4) | registration id (4) | badge version (2) | Ed25519 signature (64)

= 76 bytes, 122 characters: a version 6 QR at error correction M. The signature
covers the first 12 bytes. Scanners verify it with the event's public key, so they
can validate offline without the server's secret; the badge version in the code is
compared with the registration's current one, so a re-issued badge revokes the old.
"""

import base64
import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventsvc.badges.models import BadgeKey
from eventsvc.core import sealing
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db

FORMAT = 1
_HEADER = struct.Struct(">BBIIH")
SIGNATURE_BYTES = 64
CODE_BYTES = _HEADER.size + SIGNATURE_BYTES
#: ids are the database's 32-bit signed integers; the code has room for unsigned ones
MAX_ID = 2**31 - 1


class BadgeCodeError(ServiceError):
    """Why a code is refused: malformed, bad_signature, unknown_key, wrong_event, revoked."""


@dataclass(frozen=True)
class BadgePayload:
    event_id: int
    registration_id: int
    badge_version: int
    key_id: int


# --- keys ---------------------------------------------------------------------------------
#
# Private keys are stored encrypted (AES-GCM) with a key derived from BADGE_KEY_ENCRYPTION_KEY,
# or from SECRET_KEY where that is not set (installations from before the setting). With the
# setting, SECRET_KEY can be rotated freely; ``flask badges rotate-kek`` re-encrypts every
# stored key when the key-encryption secret itself changes (or after SECRET_KEY was rotated
# without it).

class BadgeKeyUnreadable(ServiceError):
    """A stored signing key does not open with the key-encryption secret configured now."""

    status = 503


def _encrypt_private(raw: bytes, secret: str | None = None) -> bytes:
    nonce = hashlib.sha256(raw).digest()[:12]  # deterministic per key; the key is never reused for other data
    return sealing.seal(raw, b"badge-key", secret=secret, nonce=nonce)


def _open(blob: bytes, secret: str | None = None) -> bytes | None:
    """The raw private key, or None when this secret does not open it."""
    return sealing.unseal(blob, b"badge-key", secret=secret)


def _decrypt_private(key: BadgeKey) -> bytes:
    raw = _open(key.private_key_encrypted)
    if raw is None:
        # Never sign with anything else: a badge signed with a new key would not scan.
        current_app.logger.error(
            "badge signing key %s of event %s cannot be decrypted: BADGE_KEY_ENCRYPTION_KEY (or SECRET_KEY "
            "where it is not set) is not the secret it was encrypted with; restore that secret, or run "
            "`flask badges rotate-kek --old-secret ...` with it", key.key_id, key.event_id)
        raise BadgeKeyUnreadable("badge_key_unreadable", _(
            "This event's badge signing key cannot be read with the server's current key-encryption "
            "key, so no badge can be signed. The administrator must restore the previous secret or "
            "re-encrypt the keys (flask badges rotate-kek)."))
    return raw


def reencrypt_keys(old_secret: str | None) -> dict[str, list[BadgeKey]]:
    """Re-encrypt every stored signing key that ``old_secret`` opens with the current
    key-encryption secret (None: only look). Returns the keys by outcome: "reencrypted",
    "current" (the current secret opens them already) and "unreadable" (neither does; they are
    left as they are). The caller commits."""
    outcome: dict[str, list[BadgeKey]] = {"reencrypted": [], "current": [], "unreadable": []}
    for key in db.session.scalars(select(BadgeKey).order_by(BadgeKey.event_id, BadgeKey.key_id)):
        if _open(key.private_key_encrypted) is not None:
            outcome["current"].append(key)
        elif old_secret is not None and (raw := _open(key.private_key_encrypted, old_secret)) is not None:
            key.private_key_encrypted = _encrypt_private(raw)
            outcome["reencrypted"].append(key)
        else:
            outcome["unreadable"].append(key)
    return outcome


def active_key(event_id: int) -> BadgeKey:
    """The event's signing key, created on first use."""
    key = db.session.scalar(select(BadgeKey).where(BadgeKey.event_id == event_id, BadgeKey.active.is_(True))
                            .order_by(BadgeKey.key_id.desc()))
    if key is None:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes_raw()
        key = BadgeKey(event_id=event_id, key_id=1, public_key=private.public_key().public_bytes_raw(),
                       private_key_encrypted=_encrypt_private(raw), active=True)
        try:
            with db.session.begin_nested():
                db.session.add(key)
        except IntegrityError:  # another process created the event's first key at the same moment
            key = db.session.scalar(select(BadgeKey).where(BadgeKey.event_id == event_id, BadgeKey.active.is_(True))
                                    .order_by(BadgeKey.key_id.desc()))
    return key


def derived_secret(event_id: int, label: bytes) -> bytes:
    """A per-event secret for ``label`` (e.g. the kiosk check-in codes), derived from the event's
    signing key: stable across key-encryption-key rotations, never the key itself."""
    return hashlib.sha256(b"eventsvc derived\x00" + label + b"\x00" + _decrypt_private(active_key(event_id))).digest()


def public_keys(event_id: int) -> dict[int, bytes]:
    rows = db.session.execute(select(BadgeKey.key_id, BadgeKey.public_key).where(BadgeKey.event_id == event_id))
    return {key_id: public for key_id, public in rows}


# --- codes --------------------------------------------------------------------------------

def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _b32decode(text: str) -> bytes:
    text = text.strip().upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def sign_badge_code(event_id: int, registration_id: int, badge_version: int) -> str:
    return badge_signer(event_id)(registration_id, badge_version)


def badge_signer(event_id: int) -> Callable[[int, int], str]:
    """``sign(registration_id, badge_version)`` for one event: the key is read and decrypted once,
    so that a batch of a thousand badges signs without a thousand queries."""
    key = active_key(event_id)
    key_id = key.key_id
    private = Ed25519PrivateKey.from_private_bytes(_decrypt_private(key))

    def sign(registration_id: int, badge_version: int) -> str:
        header = _HEADER.pack(FORMAT, key_id, event_id, registration_id, badge_version)
        return _b32encode(header + private.sign(header))

    return sign


def parse_badge_code(code: str) -> tuple[BadgePayload, bytes, bytes]:
    """Split a code into payload, signed bytes and signature; BadgeCodeError('malformed') if it is not one."""
    try:
        raw = _b32decode(code)
    except (ValueError, TypeError):
        raise BadgeCodeError("malformed", _("This is not a badge code.")) from None
    if len(raw) != CODE_BYTES or raw[0] != FORMAT:
        raise BadgeCodeError("malformed", _("This is not a badge code."))
    fmt, key_id, event_id, registration_id, version = _HEADER.unpack(raw[:_HEADER.size])
    if event_id > MAX_ID or registration_id > MAX_ID:  # no badge we sign names such an id: altered
        raise BadgeCodeError("bad_signature", _("This badge's signature is not valid: it was forged or altered."))
    return BadgePayload(event_id, registration_id, version, key_id), raw[:_HEADER.size], raw[_HEADER.size:]


def verify_badge_code(code: str, *, event_id: int | None = None,
                      current_version: int | None = None) -> BadgePayload:
    """Parse and verify a code; raise BadgeCodeError with the reason when it fails.

    ``event_id``: the event scanning it (a genuine code of another event is ``wrong_event``;
    one whose event id was altered is ``bad_signature`` or ``unknown_key``).
    ``current_version``: the registration's badge version now (an older one is ``revoked``).
    """
    payload, signed, signature = parse_badge_code(code)
    # The signature first, with the key of the event the code names: a code whose event id was
    # altered is forged, not "another event's"
    public = public_keys(payload.event_id).get(payload.key_id)
    if public is None:
        raise BadgeCodeError("unknown_key", _("This badge was signed with an unknown key."))
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed)
    except InvalidSignature:
        raise BadgeCodeError("bad_signature", _("This badge's signature is not valid: it was forged or altered.")) from None
    if event_id is not None and payload.event_id != event_id:
        raise BadgeCodeError("wrong_event", _("This badge belongs to another event."))
    if current_version is not None and payload.badge_version != current_version:
        raise BadgeCodeError("revoked", _("This badge was replaced by a newer one."))
    return payload
