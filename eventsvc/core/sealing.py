"""Secrets the server must read back (badge signing keys, webhook signing secrets), sealed at rest.

One owner for the key-encryption secret: BADGE_KEY_ENCRYPTION_KEY, or SECRET_KEY where that is
not set (installations from before the setting). Everything sealed here is AES-GCM under a key
derived from it; the associated data names what the blob is (``purpose``), so a blob of one
kind never opens as another. ``flask badges rotate-kek`` re-encrypts what it knows of.
"""

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

NONCE_BYTES = 12


def key_encryption_secret() -> str:
    config = current_app.config
    return str(config.get("BADGE_KEY_ENCRYPTION_KEY") or config["SECRET_KEY"])


def _wrapping_key(secret: str | None = None) -> bytes:
    secret = key_encryption_secret() if secret is None else secret
    # the label predates the other purposes: changing it would lock out every stored badge key
    return hashlib.sha256(b"eventsvc badge key wrapping\x00" + secret.encode()).digest()


def seal(raw: bytes, purpose: bytes, *, secret: str | None = None, nonce: bytes | None = None) -> bytes:
    """nonce | ciphertext. A random nonce unless the caller gives one (a badge key: derived from itself)."""
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_wrapping_key(secret)).encrypt(nonce, raw, purpose)


def unseal(blob: bytes, purpose: bytes, *, secret: str | None = None) -> bytes | None:
    """The raw bytes, or None when this secret (or this purpose) does not open the blob."""
    try:
        return AESGCM(_wrapping_key(secret)).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], purpose)
    except (InvalidTag, ValueError):
        return None
