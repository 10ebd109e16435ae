"""Logins for organizers, staff and administrators; per-event roles; API tokens.

Guests are not users: they act through their invitation or registration link.
"""

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.core.labels import labelled
from eventsvc.core.types import Timestamps, UTCDateTime, enum_column, utcnow
from eventsvc.extensions import db


@labelled({"organizer": _l("Organizer"), "staff": _l("Staff")})
class EventRoleKind(enum.StrEnum):
    ORGANIZER = "organizer"
    STAFF = "staff"


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, stored lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    #: global administrator: every event, every role
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: may create events (and copy one as its next edition); administrators grant it
    can_create_events: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    #: login attempts since the last success (each is counted before its password is checked)
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: refused until then after too many failures (an exponential delay, accounts.service.authenticate)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: part of every session and remember-me cookie; signing out and a new password raise it,
    #: and every cookie issued before stops working
    session_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    roles: Mapped[list["EventRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "<id>:<version>:<nonce>".

        The nonce is random per sign-in (so no two logins share a cookie) and is kept when the
        user comes back from a cookie (``accounts.views.load_user`` sets it), so the cookie a
        request refreshes stays the one it came with.
        """
        if not getattr(self, "login_nonce", None):
            self.login_nonce = secrets.token_urlsafe(12)
        return f"{self.id}:{self.session_version}:{self.login_nonce}"


class EventRole(Timestamps, db.Model):
    """A user's role at one event: organizers manage it, staff work its doors."""

    __tablename__ = "event_roles"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    role: Mapped[EventRoleKind] = mapped_column(enum_column(EventRoleKind, "event_role_kind"))

    user: Mapped[User] = relationship(back_populates="roles")
    event: Mapped["Event"] = relationship()  # noqa: F821


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, to tell tokens apart in lists
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordLink(db.Model):
    """A one-time link to set a password (a team invitation to a new address).

    Only the SHA-256 of the link's token is stored; the link works once, until it expires.
    """

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set when the password was set through it, or when a newer link replaced it
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
