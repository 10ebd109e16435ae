"""Where a certificate is verified: the public address in its QR code and in the webhooks.

A leaf of the awards capability (the service, the certificates' PDFs and the attendance
certificates all need it, and the PDFs import the service)."""

from flask import current_app, has_request_context, request, url_for

from eventsvc.awards.models import Award


def public_base_url() -> str:
    """PUBLIC_BASE_URL when configured, else the host the request came to."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return base


def verification_url(award: Award) -> str:
    return public_base_url() + url_for("awards_public.verify_code", code=award.verification_code)


def verify_link(code: str) -> str | None:
    """The public verification URL of a code; None outside a request without SERVER_NAME."""
    try:
        return public_base_url() + url_for("awards_public.verify_code", code=code)
    except RuntimeError:
        return None
