"""Counting requests per purpose and key in fixed time windows, in the database.

The count lives in a table (not in a worker's memory), so that a limit holds across
every gunicorn worker and host. Each ``hit`` is one upsert in its own short write
transaction, committed at once: a refused request counts too, and no request
transaction is held open. Call it before the request's own session writes (on SQLite
a write request's transaction holds the database's write lock from its first query).
Keys are kept only as a SHA-256 (client addresses and e-mail addresses are not stored).
"""

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, bindparam, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db


class RateLimitHit(db.Model):
    """How many requests one key made for one purpose in one time window."""

    __tablename__ = "rate_limit_hits"

    #: what is limited, e.g. "award_verify_number", "self_registration_address"
    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: SHA-256 of the key (a client address, an e-mail address)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: start of the window, in whole seconds since the epoch
    window_start: Mapped[int] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(default=1)


class RateLimited(ServiceError):
    """Over the limit; ``details["retry_after"]`` is the number of seconds until the window ends."""

    status = 429


def _digest(key: str) -> str:
    return hashlib.sha256((key or "unknown").encode()).hexdigest()


#: purpose -> the window whose start this process last tidied the finished windows at
_tidied: dict[str, int] = {}


@dataclass(frozen=True)
class Limit:
    """One count of ``hit_all``: ``key`` for ``purpose``, at most ``limit`` per ``window`` seconds."""

    purpose: str
    key: str
    limit: int
    window: int
    message: str


def _upsert(dialect: str):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RateLimitHit).values(purpose=bindparam("purpose"), key=bindparam("digest"),
                                            window_start=bindparam("start"), hits=1)
    return statement.on_conflict_do_update(
        index_elements=[RateLimitHit.purpose, RateLimitHit.key, RateLimitHit.window_start],
        set_={"hits": RateLimitHit.hits + 1}).returning(RateLimitHit.hits)


#: built once per dialect: a public form counts every submission
_UPSERTS = {dialect: _upsert(dialect) for dialect in ("postgresql", "sqlite")}


def hit(purpose: str, key: str, *, limit: int, window: int, message: str) -> int:
    """Count one request of ``key`` for ``purpose``; RateLimited(message) when it is over ``limit``
    in the current ``window`` (seconds). Returns the count so far in this window."""
    return hit_all([Limit(purpose, key, limit, window, message)])[0]


def hit_all(limits: Sequence[Limit]) -> list[int]:
    """``hit`` for each limit in turn, in one short write transaction (one commit for all). The
    first limit refused stops the count: a request already refused does not use up the next
    limits' allowance. Returns the counts so far."""
    now = int(time.time())
    counts, refused = [], None
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        statement = _UPSERTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
        for limit in limits:
            start = now // limit.window * limit.window
            hits = conn.execute(statement, {"purpose": limit.purpose, "digest": _digest(limit.key),
                                            "start": start}).scalar_one()
            if hits == 1 and _tidied.get(limit.purpose) != start:
                # the first request of a new window: forget this purpose's finished ones (once per
                # window in this process, not for every new key: a new address is a new key)
                conn.execute(delete(RateLimitHit).where(RateLimitHit.purpose == limit.purpose,
                                                        RateLimitHit.window_start < start))
                _tidied[limit.purpose] = start
            counts.append(hits)
            if hits > limit.limit:
                refused = RateLimited("rate_limited", limit.message,
                                      details={"retry_after": max(1, start + limit.window - now)})
                break
    if refused is not None:
        raise refused
    return counts


def give_back(purpose: str, key: str, *, window: int) -> None:
    """Uncount one request of ``key`` in the current window: for limits on failures (logins),
    where every attempt is counted before it is evaluated and a success gives its count back."""
    start = int(time.time()) // window * window
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        conn.execute(update(RateLimitHit).where(
            RateLimitHit.purpose == purpose, RateLimitHit.key == _digest(key), RateLimitHit.window_start == start,
            RateLimitHit.hits > 0).values(hits=RateLimitHit.hits - 1))
