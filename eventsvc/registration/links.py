"""Guest portal links: a fresh token for a registration, its expiry and its absolute URL."""

from datetime import timedelta

from flask import current_app

from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.mail.service import public_url, queue_message
from eventsvc.registration.models import Registration


def link_expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"])


def issue_access_token(registration: Registration) -> str:
    """A new portal link for a registration (the previous link stops working)."""
    token = new_token()
    registration.access_token_hash = hash_token(token)
    registration.access_token_expires_at = link_expiry()
    return token


def portal_url(token: str) -> str:
    # built by hand: e-mails are also queued outside requests (CLI, tests), where url_for has no host
    return public_url(f"/g/{token}")


def send_access_link(registration: Registration) -> None:
    token = issue_access_token(registration)
    person = registration.person
    queue_message(kind="access_link", to_address=person.email, to_name=person.name,
                  template="access_link", language=registration.language, event_id=registration.event_id,
                  event=registration.event, person=person, link=portal_url(token))
