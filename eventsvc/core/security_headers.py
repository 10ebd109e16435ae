"""Security headers on every response: pages, API answers, static files and error pages.

One after_request hook sets them all, so a new route cannot forget them. The Content-Security-Policy
allows scripts, styles, fetches and workers from this site only: templates carry no inline script
or style (data goes to static/js through data-* attributes or <script type="application/json">).
The one exception is WebAssembly: the scanner's QR decoder (static/vendor/zxing) compiles a .wasm
module, which needs 'wasm-unsafe-eval'; a view that serves such a page says so with @allows_wasm,
and every other page keeps the stricter policy.
"""

from collections.abc import Callable
from functools import cache, wraps

from flask import Flask, Response, current_app, g, request

#: the policy of every response; images may be data: (Pico's icons, QR images) or blob: (camera
#: snapshots); media and workers may be blob: for the camera stream and the scanner's service worker
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "media-src": "'self' blob:",
    "worker-src": "'self' blob:",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: what a page with the WebAssembly decoder adds to script-src (WebAssembly.compile/instantiate only,
#: not eval() or new Function())
WASM_SCRIPT_SRC = "'self' 'wasm-unsafe-eval'"

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # the scanner needs the camera on this site; nothing needs the rest, nor any other site
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@cache  # four policies in all: each built once
def content_security_policy(wasm: bool = False, framed_by_self: bool = False) -> str:
    policy = dict(POLICY, **({"script-src": WASM_SCRIPT_SRC} if wasm else {}),
                  **({"frame-ancestors": "'self'"} if framed_by_self else {}))
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def framed_by_self(view: Callable) -> Callable:
    """Marks a view whose page this site's own pages load in a frame (a print station's label,
    printed from a hidden iframe): frame-ancestors 'self' and X-Frame-Options SAMEORIGIN."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.framed_by_self = True
        return view(*args, **kwargs)
    return wrapper


def allows_wasm(view: Callable) -> Callable:
    """Marks a view whose page compiles WebAssembly (the scanner's decoder): its CSP allows that."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.csp_allows_wasm = True
        return view(*args, **kwargs)
    return wrapper


def hsts_value() -> str | None:
    """Strict-Transport-Security, only when HSTS_SECONDS is set and the site runs on HTTPS.

    Browsers ignore the header over plain HTTP; it is sent when this request came over HTTPS (directly
    or, with the proxy settings, through the proxy) or when the site declares https as its scheme.
    """
    seconds = int(current_app.config.get("HSTS_SECONDS") or 0)
    if seconds <= 0:
        return None
    if not (request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https"):
        return None
    value = f"max-age={seconds}"
    if current_app.config.get("HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    return value


def add_security_headers(response: Response) -> Response:
    """The defaults; a view that set a stricter value itself keeps it (a password link: no-referrer)."""
    headers = response.headers
    # the names present, read once (werkzeug's setdefault raises and catches an exception per
    # absent header: most of what this hook cost)
    present = {name.lower() for name, _value in headers}

    def default(name: str, value: str) -> None:
        if name.lower() not in present:
            present.add(name.lower())
            headers.add(name, value)

    framed = g.get("framed_by_self", False)
    default("Content-Security-Policy", content_security_policy(
        wasm=g.get("csp_allows_wasm", False), framed_by_self=framed))
    if framed:
        default("X-Frame-Options", "SAMEORIGIN")
    for name, value in HEADERS.items():
        default(name, value)
    if hsts := hsts_value():
        default("Strict-Transport-Security", hsts)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
