"""Who the client is, behind the proxies we trust, and where it may be sent back to.

``TRUSTED_PROXIES`` is the number of reverse proxies in front of the app (nginx: 1). With it
set, Werkzeug's ProxyFix takes the client's address, scheme and host from the last that many
``X-Forwarded-For`` / ``-Proto`` / ``-Host`` values; without it (0, the default) those headers
are ignored, because anyone can send them. Every per-client limit (logins, self-registration,
award verification) keys on ``client_address()``.
"""

from urllib.parse import unquote, urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXIES is a number of proxies: 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def client_address() -> str:
    """The address of the client that sent this request (the real one behind trusted proxies)."""
    return request.remote_addr or "unknown"


def safe_next_url(value: str | None) -> str | None:
    """``value`` if it is a path on this site to send the browser back to, else None.

    Only a relative path beginning with one ``/``: browsers drop tabs and newlines and read
    ``\\`` as ``/``, so ``/\\t/evil.example`` and ``/\\evil.example`` would leave the site as
    ``//evil.example``; control characters and backslashes are refused, raw or percent-encoded.
    """
    if not value or len(value) > 2000:
        return None
    for text in (value, unquote(value)):
        if any(ord(c) < 32 or ord(c) == 127 for c in text) or "\\" in text:
            return None
        if not text.startswith("/") or text.startswith("//"):
            return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
