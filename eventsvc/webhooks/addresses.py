"""Which URLs a webhook may call: the one function that decides (``check_url``).

Receivers are organizers' servers on the internet. A URL is refused unless it is https://
and every address its host resolves to is a public one: no loopback, private, link-local
(cloud metadata at 169.254.169.254), multicast or reserved address, so that an endpoint
cannot make the server call its own neighbours (SSRF). The check runs when an endpoint is
saved and again before every delivery, and the delivery connects to the address that was
checked (``delivery.py``), so a name that resolves differently a moment later changes nothing.

Testing, or WEBHOOKS_ALLOW_LOOPBACK = True (a developer's machine; documented in
config/default.py), lets http:// and https:// reach 127.0.0.1, ::1 and localhost, and only those.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from eventsvc.core.errors import ServiceError

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class WebhookUrlRefused(ServiceError):
    """unsafe_url: not https, no host, credentials in it, or an address that is not public."""


def loopback_allowed() -> bool:
    return bool(current_app.testing or current_app.config.get("WEBHOOKS_ALLOW_LOOPBACK"))


def _refuse(message: str) -> WebhookUrlRefused:
    return WebhookUrlRefused("unsafe_url", message, field="url")


def _public(address: str, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> tuple[str, int, list[str]]:
    """(host, port, addresses to connect to) of a URL a webhook may call, else WebhookUrlRefused.
    ``resolve=False`` checks only the URL's shape (and literal addresses)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise _refuse(_("This is not a valid URL.")) from None
    host = (parts.hostname or "").lower()
    allow_loopback = loopback_allowed()
    local = host in LOOPBACK_NAMES
    if parts.scheme != "https" and not (parts.scheme == "http" and local and allow_loopback):
        raise _refuse(_("The address must start with https://."))
    if not host or parts.username or parts.password:
        raise _refuse(_("The address needs a host name and no user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    if local and not allow_loopback:
        raise _refuse(_("This address belongs to the server itself or its private network."))
    try:
        literal = [str(ipaddress.ip_address(host))]
    except ValueError:
        literal = None
    if literal is None and not resolve:
        return host, port, []
    if literal is not None:
        addresses = literal
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise _refuse(_("The host name %(host)s cannot be resolved.", host=host)) from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(_public(address, allow_loopback) for address in addresses):
        raise _refuse(_("This address belongs to the server itself or its private network."))
    return host, port, addresses
