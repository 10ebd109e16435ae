"""Users, logins with throttling, per-event roles and API tokens."""

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from eventsvc.accounts.models import ApiToken, EventRole, EventRoleKind, User
from eventsvc.audit.service import record
from eventsvc.core import db_setup, rate_limits
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
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of ``user`` issued so far stops working (signing
    out, a new password): they carry the version this raises (``User.get_id``)."""
    user.session_version = User.session_version + 1  # in SQL: two sign-outs at once both count
    db.session.flush()


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


def authenticate(email: str, password: str, client: str, *, now: datetime | None = None) -> User:
    """Check a login, counting it first, per client address and per account, so that a burst of
    parallel guesses is limited too (each count is one atomic statement, committed before the
    slow password check).

    Per client (``client``, the real address from ``core.clients.client_address``): at most
    LOGIN_CLIENT_MAX_FAILURES failed attempts in LOGIN_CLIENT_WINDOW_SECONDS (every attempt
    counts; a success gives its count back). Per account: after LOGIN_MAX_FAILURES failures in
    a row the account waits 2^(n - LOGIN_MAX_FAILURES) × LOGIN_BACKOFF_SECONDS (at most
    LOGIN_BACKOFF_MAX_SECONDS) before the next attempt is evaluated, so a guesser is slowed
    and the owner is not locked out for good; a success or a new password clears it.
    Commits, because a failed attempt must be remembered even though the login fails.
    """
    config = current_app.config
    # End what this request's session began (looking up a signed-in user holds SQLite's write
    # lock in a POST): the client's count is written on a connection of its own.
    db.session.commit()
    window = config["LOGIN_CLIENT_WINDOW_SECONDS"]
    rate_limits.hit("login_client", client, limit=config["LOGIN_CLIENT_MAX_FAILURES"], window=window,
                    message=_l("Too many failed logins from your network. Try again in a few minutes."))

    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is not None:
        _claim_attempt(user, now)  # commits
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        raise ServiceError("bad_credentials", _("Wrong e-mail or password."), status=401)

    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None,
                                                                     last_login_at=now))
    db.session.commit()
    rate_limits.give_back("login_client", client, window=window)
    return user


def _claim_attempt(user: User, now: datetime) -> None:
    """Count one attempt on ``user``'s account before its password is checked; LoginRefused
    while the account waits after failures.

    One conditional UPDATE (row lock on PostgreSQL, write lock on SQLite) counts the attempt
    only when the account is not waiting, so parallel guesses cannot all pass the check; the
    attempt that reaches LOGIN_MAX_FAILURES sets the delay in the same transaction.
    """
    config = current_app.config
    failures = db.session.scalar(
        update(User).where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins))
    if failures is None:  # the account waits
        db.session.commit()
        locked_until = db.session.scalar(select(User.locked_until).where(User.id == user.id))
        wait = max(1, int((locked_until - now).total_seconds())) if locked_until else 60
        raise LoginRefused("too_many_attempts", ngettext(
            "Too many failed logins for this account. Try again in %(num)d minute.",
            "Too many failed logins for this account. Try again in %(num)d minutes.", -(-wait // 60)),
            details={"retry_after": wait})
    if failures >= config["LOGIN_MAX_FAILURES"]:
        delay = min(config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(failures - config["LOGIN_MAX_FAILURES"], 30),
                    config["LOGIN_BACKOFF_MAX_SECONDS"])
        db.session.execute(update(User).where(User.id == user.id).values(locked_until=now + timedelta(seconds=delay)))
    db.session.commit()


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


#: built once: every API request runs it (a statement built per call costs more than its query)
_TOKEN_AND_USER = (select(ApiToken, User).join(User, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                          User.active.is_(True)))


def user_for_api_token(secret: str, *, writing: bool) -> User | None:
    """The active user behind a bearer token, in one query (every API request pays for it).

    Records the token's use (``note_token_use``): ``writing`` says whether the request is
    one that writes anyway (POST, PUT, PATCH, DELETE), read requests never write.
    """
    row = db.session.execute(_TOKEN_AND_USER, {"token_hash": hash_token(secret)}).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    note_token_use(token, now, writing=writing)
    _remember_token(secret, token, user, now)
    return user


# --- bearer tokens this process verified lately (the scan's hot path) -----------------------
#
# A route whose own query checks the caller again (``caller_token_check``: the scan's decision
# query reads the token's row and its account in the same statement that decides) may take the
# caller from this map instead of a query of its own. The map is never the last word: a token
# revoked, or an account deactivated or demoted, in any process is refused by that route's query
# at once, and this process then forgets the token. Other routes always ask the database.
# An entry lasts while the token's last use is recorded (TOKEN_USE_PRECISION), so a token in
# use still has its use written once a minute by the full lookup.

@dataclass(frozen=True)
class _VerifiedToken:
    token_id: int
    user: dict
    until: datetime


_verified_tokens: dict[str, _VerifiedToken] = {}
#: the account's columns a cached caller carries (a detached copy, never written)
_CALLER_COLUMNS = ("id", "email", "name", "is_admin", "can_create_events", "active", "language", "session_version")


class TokenRefused(ServiceError):
    """A cached bearer token that its route's own query found revoked (or its account inactive)."""

    status = 401


def _remember_token(secret: str, token: ApiToken, user: User, now: datetime) -> None:
    noted = token.last_used_at if token.last_used_at and now - token.last_used_at < TOKEN_USE_PRECISION else now
    _verified_tokens[hash_token(secret)] = _VerifiedToken(
        token.id, {column: getattr(user, column) for column in _CALLER_COLUMNS}, noted + TOKEN_USE_PRECISION)


def cached_api_caller(secret: str) -> tuple[tuple[int, str], User] | None:
    """((token id, token digest), a detached copy of its user) when this process verified the
    token lately; only for a route whose own query checks the token again
    (``check_cached_caller``)."""
    digest = hash_token(secret)
    entry = _verified_tokens.get(digest)
    if entry is None or utcnow() >= entry.until:
        return None
    return (entry.token_id, digest), User(**entry.user)


def caller_token_check(token_id: int | None):
    """A column for a route's own query: the caller's ``is_admin`` when the token ``token_id``
    (a bind parameter, NULL when the caller was verified by the full lookup) is live and its
    account active, else NULL."""
    return (select(User.is_admin).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None), User.active.is_(True))
            .scalar_subquery())


def check_cached_caller(token_id: int | None, is_admin: bool | None, user: User) -> None:
    """After a route's query read ``caller_token_check``: refuse a cached token found dead (and
    forget it), and take the account's current ``is_admin``."""
    if token_id is None:
        return
    if is_admin is None:
        forget_api_token(token_id)
        raise TokenRefused("unauthorized", _("The bearer token is unknown or revoked."))
    user.is_admin = is_admin


def forget_api_token(token_id: int) -> None:
    for key, entry in list(_verified_tokens.items()):
        if entry.token_id == token_id:
            _verified_tokens.pop(key, None)


# --- when a token was last used ------------------------------------------------------------

#: a token's last use is written at most this often (a scan storm writes no row per request)
TOKEN_USE_PRECISION = timedelta(minutes=1)
#: this process's token uses by read requests, not written yet: token id → time
_pending_uses: dict[int, datetime] = {}
_pending_lock = threading.Lock()


def note_token_use(token: ApiToken, now: datetime, *, writing: bool) -> None:
    """Record that ``token`` was used now, without ever making a read request write.

    ``ApiToken.last_used_at`` is a hint for the token's owner (``flask tokens list``), precise
    to TOKEN_USE_PRECISION. A write request records it in its own transaction, which holds the
    write lock anyway. A read request must not write in its transaction: on SQLite a reader
    that writes fails with "database is locked" when another connection wrote since it began
    (twelve scanners starting at once got 500s). Its use goes into this process's pending map
    instead; ``write_pending_token_uses`` writes the map after the request, in a short
    transaction of its own that never waits for a lock (on SQLite it gives up at once when
    another connection holds the write lock, on PostgreSQL it skips rows another transaction
    holds): it is an advisory time, not worth a wait. What could not be written stays pending
    and is tried again a few times after the answer has gone out, then after the process's next
    API request; a use can thus show up late, but it is not lost while the process runs.
    """
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_PRECISION:
        return
    if writing:
        token.last_used_at = now
        return
    with _pending_lock:
        _pending_uses[token.id] = max(now, _pending_uses.get(token.id, now))


def has_pending_token_uses() -> bool:
    return bool(_pending_uses)


def write_pending_token_uses(engine) -> bool:
    """Write the token uses of read requests noted by this process, without waiting for a
    lock; those that could not be written stay pending. True when none is left."""
    with _pending_lock:
        batch = dict(_pending_uses)
    if not batch:
        return True
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            # on the driver's connection: through SQLAlchemy the PRAGMA would begin a transaction
            raw = connection.connection.dbapi_connection if sqlite else None
            if raw is not None:
                raw.execute("PRAGMA busy_timeout = 0")
            try:
                with connection.execution_options(sqlite_immediate=True).begin():
                    ids = done = sorted(batch)
                    if not sqlite:  # the rows no other transaction holds, without waiting for the others
                        ids = list(connection.scalars(select(ApiToken.id).where(ApiToken.id.in_(ids))
                                                      .order_by(ApiToken.id).with_for_update(skip_locked=True)))
                        held = set(connection.scalars(select(ApiToken.id).where(ApiToken.id.in_(set(done) - set(ids)))))
                        done = [token_id for token_id in done if token_id not in held]  # written, or deleted
                    for token_id in ids:
                        connection.execute(update(ApiToken).where(
                            ApiToken.id == token_id,
                            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < batch[token_id]))
                            .values(last_used_at=batch[token_id]))
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {db_setup.SQLITE_BUSY_TIMEOUT_MS}")
    except OperationalError:  # SQLite: another connection is writing; next time
        return False
    with _pending_lock:
        for token_id in done:
            if _pending_uses.get(token_id) == batch[token_id]:
                del _pending_uses[token_id]
        return not _pending_uses


def list_api_tokens(user: User | None = None) -> list[ApiToken]:
    """Every token (of ``user``), oldest first, with its last use (precise to TOKEN_USE_PRECISION)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


def revoke_api_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("unknown_token", _("No such token."))
    token.revoked_at = token.revoked_at or utcnow()
    forget_api_token(token.id)  # other processes learn it from the route's own query
    return token
