"""Who a guest link belongs to. Other capabilities import ``guest_from_token`` from portal.py."""

from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsvc.core.errors import ServiceError
from eventsvc.core.tokens import hash_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.registration.enums import InvitationStatus
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


def resolve(token: str) -> Guest:
    if not token or len(token) > 200:
        raise LinkError("unknown_link", _("This link is not valid."), status=404)
    digest = hash_token(token)
    now = utcnow()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest)
                                   .options(selectinload(Invitation.sessions)))
    if invitation is not None:
        if invitation.status == InvitationStatus.REVOKED:
            raise LinkError("revoked_link", _("This invitation has been withdrawn by the organizer."), status=410)
        if invitation.token_expires_at and invitation.token_expires_at <= now:
            raise LinkError("expired_link", _("This link has expired."), status=410)
        registration = db.session.scalar(select(Registration).where(
            Registration.event_id == invitation.event_id, Registration.person_id == invitation.person_id))
        return Guest(registration, invitation)
    registration = db.session.scalar(select(Registration).where(Registration.access_token_hash == digest))
    if registration is None:
        raise LinkError("unknown_link", _("This link is not valid."), status=404)
    if registration.access_token_expires_at and registration.access_token_expires_at <= now:
        raise LinkError("expired_link", _("This link has expired."), status=410)
    invitation = registration.invitation
    if invitation is not None and invitation.status == InvitationStatus.REVOKED:
        raise LinkError("revoked_link", _("This invitation has been withdrawn by the organizer."), status=410)
    return Guest(registration, invitation)
