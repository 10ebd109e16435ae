"""The guest's side: which person a guest link belongs to, and their certificates in the portal.

Guests have no password; their invitation or registration link is the key. Only the
SHA-256 of a link token is stored, so a token is looked up by its hash.
"""

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from eventsvc.awards import service
from eventsvc.core.tokens import hash_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.enums import InvitationStatus
from eventsvc.registration.models import Invitation, Registration


def person_for_guest_token(token: str) -> Person | None:
    """The person whose live invitation or registration link this is; None otherwise."""
    if not token or len(token) > 100:
        return None
    digest, now = hash_token(token), utcnow()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is not None and invitation.status != InvitationStatus.REVOKED and \
            (invitation.token_expires_at is None or invitation.token_expires_at > now):
        return invitation.person
    registration = db.session.scalar(select(Registration).where(Registration.access_token_hash == digest))
    if registration is not None and \
            (registration.access_token_expires_at is None or registration.access_token_expires_at > now):
        return db.session.get(Person, registration.person_id)
    return None


def portal_certificates(person: Person, token: str) -> Markup:
    """The guest portal's "Your certificates" section (templates/awards/_portal_certificates.html)."""
    return Markup(render_template("awards/_portal_certificates.html",
                                  awards=service.awards_of_guest(person), token=token))
