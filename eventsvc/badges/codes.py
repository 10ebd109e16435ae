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

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventsvc.badges.models import BadgeKey
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db

FORMAT = 1
_HEADER = struct.Struct(">BBIIH")
SIGNATURE_BYTES = 64
CODE_BYTES = _HEADER.size + SIGNATURE_BYTES


class BadgeCodeError(ServiceError):
    """Why a code is refused: malformed, bad_signature, unknown_key, wrong_event, revoked."""


@dataclass(frozen=True)
class BadgePayload:
    event_id: int
    registration_id: int
    badge_version: int
    key_id: int


# --- keys ---------------------------------------------------------------------------------

def _wrapping_key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(b"eventsvc badge key wrapping\x00" + secret).digest()


def _encrypt_private(raw: bytes) -> bytes:
    nonce = hashlib.sha256(raw).digest()[:12]  # deterministic per key; the key is never reused for other data
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, raw, b"badge-key")


def _decrypt_private(blob: bytes) -> bytes:
    try:
        return AESGCM(_wrapping_key()).decrypt(blob[:12], blob[12:], b"badge-key")
    except InvalidTag as error:
        raise RuntimeError("badge signing key cannot be decrypted: SECRET_KEY changed?") from error


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
    private = Ed25519PrivateKey.from_private_bytes(_decrypt_private(key.private_key_encrypted))

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
    return BadgePayload(event_id, registration_id, version, key_id), raw[:_HEADER.size], raw[_HEADER.size:]


def verify_badge_code(code: str, *, event_id: int | None = None,
                      current_version: int | None = None) -> BadgePayload:
    """Parse and verify a code; raise BadgeCodeError with the reason when it fails.

    ``event_id``: the event scanning it (a code of another event is ``wrong_event``).
    ``current_version``: the registration's badge version now (an older one is ``revoked``).
    """
    payload, signed, signature = parse_badge_code(code)
    if event_id is not None and payload.event_id != event_id:
        raise BadgeCodeError("wrong_event", _("This badge belongs to another event."))
    public = public_keys(payload.event_id).get(payload.key_id)
    if public is None:
        raise BadgeCodeError("unknown_key", _("This badge was signed with an unknown key."))
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed)
    except InvalidSignature:
        raise BadgeCodeError("bad_signature", _("This badge's signature is not valid: it was forged or altered.")) from None
    if current_version is not None and payload.badge_version != current_version:
        raise BadgeCodeError("revoked", _("This badge was replaced by a newer one."))
    return payload
