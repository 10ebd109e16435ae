"""What production refuses to start with: a guessable secret, and links that point nowhere.

A secret key is judged by a rough entropy estimate — its length times log2 of the number of
different characters in it — which ``"a" * 32`` (0 bits) or ``"ab" * 16`` (32 bits) fail and
``secrets.token_urlsafe(32)`` (about 210 bits) passes. ``PUBLIC_BASE_URL`` is what links in
e-mails, badges and certificates are built on: a loopback address there reaches nobody.
"""

import ipaddress
import math
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 128
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def estimated_bits(secret: str) -> float:
    """Length × log2(distinct characters): a generous estimate for random text, and zero for
    one character repeated."""
    distinct = len(set(secret))
    return len(secret) * math.log2(distinct) if distinct > 1 else 0.0


def secret_problem(name: str, secret) -> str | None:
    """Why this secret is refused in production, in a sentence; None if it is fine."""
    secret = "" if secret is None else str(secret)
    if not secret:
        return f"production refuses to start without EVENTSVC_{name}; generate one with: {GENERATE}"
    if len(secret) < MIN_SECRET_LENGTH or "not-secret" in secret:
        return (f"production refuses EVENTSVC_{name}: it needs {MIN_SECRET_LENGTH}+ random characters; "
                f"generate one with: {GENERATE}")
    bits = estimated_bits(secret)
    if bits < MIN_SECRET_BITS:
        return (f"production refuses EVENTSVC_{name}: it is guessable ({len(secret)} characters, "
                f"only {len(set(secret))} different, about {bits:.0f} bits of entropy where "
                f"{MIN_SECRET_BITS} are needed); generate one with: {GENERATE}")
    return None


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def base_url_problem(url) -> str | None:
    """Why PUBLIC_BASE_URL is refused in production, in a sentence; None if it is fine."""
    example = "e.g. EVENTSVC_PUBLIC_BASE_URL=https://events.example.org"
    if not url:
        return f"production needs EVENTSVC_PUBLIC_BASE_URL, the address guests reach the site at ({example})"
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"production refuses EVENTSVC_PUBLIC_BASE_URL={url!r}: it is not an http(s) address ({example})"
    if is_loopback(parts.hostname):
        return (f"production refuses EVENTSVC_PUBLIC_BASE_URL={url!r}: it is this machine's loopback "
                f"address, which the links in e-mails, badges and certificates would point to ({example})")
    return None


def check_settings(config, warn=None) -> None:
    """Raise RuntimeError with every reason production cannot start with these settings;
    ``warn(sentence)`` hears what is allowed but unwise."""
    problems = [secret_problem("SECRET_KEY", config.get("SECRET_KEY")),
                base_url_problem(config.get("PUBLIC_BASE_URL"))]
    if config.get("BADGE_KEY_ENCRYPTION_KEY"):
        problems.append(secret_problem("BADGE_KEY_ENCRYPTION_KEY", config["BADGE_KEY_ENCRYPTION_KEY"]))
    problems = [p for p in problems if p]
    if problems:
        raise RuntimeError("; ".join(problems))
    if warn is not None and not config.get("BADGE_KEY_ENCRYPTION_KEY"):
        warn("EVENTSVC_BADGE_KEY_ENCRYPTION_KEY is not set: the badge signing keys are encrypted with a "
             "key derived from SECRET_KEY, so rotating SECRET_KEY needs `flask badges rotate-kek` "
             "(README: What to back up)")
    if warn is not None and config.get("WEBHOOKS_ALLOW_LOOPBACK"):
        warn("WEBHOOKS_ALLOW_LOOPBACK is set: webhook endpoints may call this machine's own loopback "
             "addresses (meant for a developer's machine only)")
