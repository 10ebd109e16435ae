"""Who a guest link belongs to. Other capabilities import ``guest_from_token`` from portal.py."""

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from eventsvc.core.errors import ServiceError
from eventsvc.core.tokens import hash_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.registration.enums import InvitationStatus
from eventsvc.registration.links import find_link
from eventsvc.registration.models import Invitation, Registration


class LinkError(ServiceError):
    """A guest link that cannot be used. ``code`` is unknown_link, expired_link or revoked_link."""


class Guest(NamedTuple):
    """What a valid link opens: the guest's registration (None until they accept) and invitation
    (None for a self-registered guest). Both belong to one person at one event."""

    registration: Registration | None
    invitation: Invitation | None

    @property
    def event(self):
        return (self.registration or self.invitation).event

    @property
    def person(self):
        return (self.registration or self.invitation).person


def _owner(digest: str) -> tuple[Invitation | None, Registration | None, datetime | None]:
    """The invitation or the registration a link belongs to, and when the link expires."""
    link = find_link(digest)
    if link is not None:
        return link.invitation, link.registration, link.expires_at
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is not None:
        return invitation, None, invitation.token_expires_at
    registration = db.session.scalar(select(Registration).where(Registration.access_token_hash == digest))
    if registration is not None:
        return None, registration, registration.access_token_expires_at
    return None, None, None


def resolve(token: str) -> Guest:
    """The guest a link belongs to; any of the guest's live links will do (see GuestLink)."""
    if not token or len(token) > 200:
        raise LinkError("unknown_link", _("This link is not valid."), status=404)
    invitation, registration, expires_at = _owner(hash_token(token))
    if invitation is not None:
        registration = db.session.scalar(select(Registration).where(
            Registration.event_id == invitation.event_id, Registration.person_id == invitation.person_id))
    elif registration is not None:
        invitation = registration.invitation
    else:
        raise LinkError("unknown_link", _("This link is not valid."), status=404)
    if invitation is not None and invitation.status == InvitationStatus.REVOKED:
        raise LinkError("revoked_link", _("This invitation has been withdrawn by the organizer."), status=410)
    if expires_at is not None and expires_at <= utcnow():
        raise LinkError("expired_link", _("This link has expired."), status=410)
    return Guest(registration, invitation)
