"""Guest portal links: a new link for an invitation or a registration, its expiry and its URL.

Every e-mail that carries a link adds one (a row of guest_links); the guest's older links
keep working until they expire, so that nobody but the organizer can make a guest's link
stop working (see GuestLink). Only the SHA-256 of a token is stored.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select

from eventsvc.core.appends import Rows, insert_rows
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.mail.service import public_url, queue_message
from eventsvc.registration.models import GuestLink, Invitation, Registration


def link_expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"])


def _owner_column(owner: Invitation | Registration):
    return GuestLink.invitation_id if isinstance(owner, Invitation) else GuestLink.registration_id


def issue_link(owner: Invitation | Registration, *, new: bool = False) -> str:
    """A new portal link for an invitation or a registration; the older ones keep working.

    The owner's expired links are deleted here, so that the table holds live links only
    (``new``: the owner was created in this transaction and has none).
    """
    if owner.id is None:
        db.session.flush()
    if not new:
        drop_expired_links(owner)
    token, row = new_link(owner)
    insert_rows(row)
    return token


def drop_expired_links(owner: Invitation | Registration) -> None:
    db.session.execute(delete(GuestLink).where(_owner_column(owner) == owner.id, GuestLink.expires_at <= utcnow())
                       .execution_options(synchronize_session=False))


def new_link(owner: Invitation | Registration) -> tuple[str, Rows]:
    """A new portal link's token and its row, for the caller to write (``issue_link`` does, or
    ``core.appends.insert_together`` with other rows); an owner older than this transaction has
    its expired links dropped first (``drop_expired_links``)."""
    token = new_token()
    return token, Rows(GuestLink.__table__, [{
        "token_hash": hash_token(token), "expires_at": link_expiry(),
        "invitation_id": owner.id if isinstance(owner, Invitation) else None,
        "registration_id": None if isinstance(owner, Invitation) else owner.id}])


def replace_links(invitation: Invitation) -> str:
    """The organizer's resend: a new link, and every older link of the invitation stops working."""
    db.session.execute(delete(GuestLink).where(GuestLink.invitation_id == invitation.id)
                       .execution_options(synchronize_session=False))
    invitation.token_hash = invitation.token_expires_at = None
    return issue_link(invitation)


#: invitations per statement of replace_invitation_links (well under the bound-parameter limits)
PAGE = 1000


def replace_invitation_links(invitations: list[Invitation]) -> list[str]:
    """``replace_links`` for many invitations at once (an import's send), in one statement per page
    of invitations: each gets a new link and its older links stop working. The tokens, in order."""
    if any(invitation.id is None for invitation in invitations):
        db.session.flush()
    ids = [invitation.id for invitation in invitations]
    for start in range(0, len(ids), PAGE):
        page = ids[start:start + PAGE]
        db.session.execute(delete(GuestLink).where(GuestLink.invitation_id.in_(page))
                           .execution_options(synchronize_session=False))
    for invitation in invitations:
        if invitation.token_hash is not None or invitation.token_expires_at is not None:  # before 0006
            invitation.token_hash = invitation.token_expires_at = None
    expires = link_expiry()
    tokens = [new_token() for _ in ids]
    rows = [{"invitation_id": id_, "token_hash": hash_token(token), "expires_at": expires}
            for id_, token in zip(ids, tokens, strict=True)]
    insert_rows(Rows(GuestLink.__table__, rows))
    return tokens


def has_live_link():
    """SQL condition on Invitation: a link of it still works (guest_links or the pre-0006 column)."""
    now = utcnow()
    return or_(and_(Invitation.token_expires_at.is_not(None), Invitation.token_expires_at > now),  # never NULL
               exists().where(GuestLink.invitation_id == Invitation.id, GuestLink.expires_at > now))


def had_a_link():
    """SQL condition on Invitation: it was ever sent with a link."""
    return or_(Invitation.token_expires_at.is_not(None),
               exists().where(GuestLink.invitation_id == Invitation.id))


def find_link(token_hash: str) -> GuestLink | None:
    return db.session.scalar(select(GuestLink).where(GuestLink.token_hash == token_hash))


def portal_url(token: str) -> str:
    # built by hand: e-mails are also queued outside requests (CLI, tests), where url_for has no host
    return public_url(f"/g/{token}")


def send_access_link(registration: Registration) -> None:
    """E-mail a registered guest a link to their portal (their older links keep working)."""
    token = issue_link(registration)
    person = registration.person
    queue_message(kind="access_link", to_address=person.email, to_name=person.name,
                  template="access_link", language=registration.language, event_id=registration.event_id,
                  event=registration.event, person=person, link=portal_url(token))
