"""Users, logins with throttling, per-event roles and API tokens."""

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from eventsvc.accounts.models import ApiToken, EventRole, EventRoleKind, LoginFailure, User
from eventsvc.audit.service import record
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.text import clean_line
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.extensions import db

#: checked against when the e-mail is unknown, so that timing does not reveal accounts
_DUMMY_HASH = generate_password_hash("not-a-real-password")
#: the password hash of an account invited by e-mail that has not set its password yet:
#: no password matches it (werkzeug refuses a hash without a method)
UNUSABLE_PASSWORD = "!"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200


class LoginRefused(ServiceError):
    status = 429


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str, *, email: str | None = None) -> str:
    """The rules every new password follows, from the CLI or the set-password page."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ServiceError("password_too_short", _("The password must have at least 8 characters."),
                           field="password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ServiceError("password_too_long", _("The password can have at most 200 characters."),
                           field="password")
    if email and password.strip().lower() == normalize_email(email):
        raise ServiceError("password_is_email", _("The password cannot be your e-mail address."),
                           field="password")
    return password


def create_user(email: str, password: str | None, *, name: str = "", is_admin: bool = False,
                can_create_events: bool = False, language: str | None = None) -> User:
    """A new account; ``password=None`` makes one that cannot sign in until it sets a password."""
    email = normalize_email(email)
    if password is not None:
        check_password_rules(password, email=email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ServiceError("email_taken", _("A user with this e-mail already exists."), field="email")
    user = User(email=email, name=clean_line(name), is_admin=is_admin, can_create_events=can_create_events,
                language=language,
                password_hash=generate_password_hash(password) if password is not None else UNUSABLE_PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def has_usable_password(user: User) -> bool:
    return user.password_hash != UNUSABLE_PASSWORD


def set_password(user: User, password: str) -> None:
    check_password_rules(password, email=user.email)
    user.password_hash = generate_password_hash(password)
    user.failed_logins = 0
    user.locked_until = None


def set_event_creator(user: User, allowed: bool, *, actor: str | None = None) -> User:
    """Grant or withdraw the site-level permission to create events (audited when it changes)."""
    if user.can_create_events != allowed:
        user.can_create_events = allowed
        record("account.event_creator_granted" if allowed else "account.event_creator_revoked",
               obj=user, actor=actor, email=user.email)
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound("unknown_user", _("No user with this e-mail."))
    return user


def authenticate(email: str, password: str, address: str, *, now: datetime | None = None) -> User:
    """Check a login; refuse after repeated failures per account and per client address.

    Commits, because a failed attempt must be remembered even though the login fails.
    """
    now = now or utcnow()
    config = current_app.config
    window_start = now - timedelta(seconds=config["LOGIN_LOCK_SECONDS"])
    recent_from_address = db.session.scalar(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at >= window_start))
    if recent_from_address >= config["LOGIN_MAX_FAILURES"] * 4:
        raise LoginRefused("too_many_attempts", _("Too many failed logins. Try again in a few minutes."))

    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginRefused("too_many_attempts", _("Too many failed logins. Try again in a few minutes."))

    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        db.session.add(LoginFailure(address=address, at=now))
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(seconds=config["LOGIN_LOCK_SECONDS"])
        db.session.commit()
        raise ServiceError("bad_credentials", _("Wrong e-mail or password."), status=401)

    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < window_start))
    db.session.commit()
    return user


# ``event`` is an events.models.Event: accounts sits below events, so it names it, not imports it.
def grant_role(user: User, event: "Event", role: EventRoleKind | str) -> EventRole:  # noqa: F821
    role = EventRoleKind(role)
    existing = db.session.scalar(
        select(EventRole).where(EventRole.user_id == user.id, EventRole.event_id == event.id))
    if existing:
        existing.role = role
        return existing
    grant = EventRole(user=user, event=event, role=role)
    db.session.add(grant)
    return grant


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns the stored token and the secret, which is shown once and never stored."""
    secret = "evs_" + new_token()
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_api_token(secret: str) -> User | None:
    """The active user behind a bearer token, in one query (every API request pays for it)."""
    row = db.session.execute(
        select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None),
               User.active.is_(True))).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    # Touch at most once a minute: a scan storm must not write a row per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
            _touch_api_token(token.id, now)
            # end the read transaction begun before the touch: on SQLite a reader whose snapshot
            # predates another connection's commit may not write later (a key made on first use)
            db.session.commit()
        else:
            token.last_used_at = now  # a write request already holds the write lock: same transaction
    return user


def _touch_api_token(token_id: int, now: datetime) -> None:
    """Record the token's use by a read request in a short transaction of its own.

    A GET's transaction on SQLite begins as a reader; a write inside it fails with "database
    is locked" when another request wrote meanwhile. The time of last use is a hint for the
    token's owner: when the database is busy it is skipped, not worth a failed request.
    """
    try:
        with db.engine.connect().execution_options(sqlite_immediate=True) as connection, connection.begin():
            connection.execute(update(ApiToken).where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - timedelta(minutes=1)))
                .values(last_used_at=now))
    except OperationalError:
        current_app.logger.info("API token %s: last use not recorded (database busy)", token_id)


def revoke_api_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("unknown_token", _("No such token."))
    token.revoked_at = token.revoked_at or utcnow()
    return token
