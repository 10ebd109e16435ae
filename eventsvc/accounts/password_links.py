"""One-time links to set a password, for accounts invited by e-mail.

The token is 256 random bits (``core.tokens``); only its SHA-256 is stored. A link works
once and until it expires (``PASSWORD_LINK_TTL_HOURS``); a newer link for the same
account replaces the older ones. Using it is a conditional ``UPDATE … WHERE used_at IS
NULL``, so two tabs submitting the same link set the password once.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from eventsvc.accounts.models import PasswordLink, User
from eventsvc.accounts.service import check_password_rules, set_password
from eventsvc.audit.service import record
from eventsvc.core.errors import ServiceError
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db


class PasswordLinkError(ServiceError):
    status = 404


def revoke_password_links(user: User) -> None:
    """Every unused link of ``user`` stops working."""
    db.session.execute(update(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
                       .values(used_at=utcnow()))


def issue_password_link(user: User) -> str:
    """A new link token for ``user`` (shown once, in the e-mail); older unused links stop working."""
    now = utcnow()
    revoke_password_links(user)
    token = new_token()
    hours = current_app.config["PASSWORD_LINK_TTL_HOURS"]
    db.session.add(PasswordLink(user_id=user.id, token_hash=hash_token(token), created_at=now,
                                expires_at=now + timedelta(hours=hours)))
    return token


def password_link_path(token: str) -> str:
    # built by hand: links are queued in e-mails, outside requests too
    return f"/account/password/{token}"


def valid_link(token: str) -> PasswordLink:
    """The unused, unexpired link for ``token``; otherwise a PasswordLinkError saying which."""
    link = db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == hash_token(token or "")))
    if link is None:
        raise PasswordLinkError("unknown_link", _("This link is not valid. Check that you copied all of it."))
    if link.used_at is not None:
        raise PasswordLinkError("link_used", _("This link has already been used. Sign in with your password, "
                                               "or ask the organizer who invited you for a new link."),
                                status=410)
    if link.expires_at <= utcnow():
        raise PasswordLinkError("link_expired", _("This link has expired. Ask the organizer who invited you "
                                                  "for a new one."), status=410)
    if not link.user.active:
        raise PasswordLinkError("account_disabled", _("This account is disabled."), status=403)
    return link


def set_password_with_link(token: str, password: str) -> User:
    """Check the link and the password rules, set the password and spend the link; the caller commits."""
    link = valid_link(token)
    check_password_rules(password, email=link.user.email)
    spent = db.session.execute(update(PasswordLink).where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
                               .values(used_at=utcnow()))
    if spent.rowcount != 1:  # another request spent it since we read it
        raise PasswordLinkError("link_used", _("This link has already been used. Sign in with your password, "
                                               "or ask the organizer who invited you for a new link."),
                                status=410)
    set_password(link.user, password)
    record("account.password_set", obj=link.user, user_id=link.user_id, via="link")
    return link.user
