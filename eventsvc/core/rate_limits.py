"""Counting requests per purpose and key in fixed time windows, in the database.

The count lives in a table (not in a worker's memory), so that a limit holds across
every gunicorn worker and host. Each ``hit`` is committed at once, on a connection of its
own (on PostgreSQL one statement in autocommit, on SQLite a short write transaction): a
refused request counts too, and no request transaction is held open. Call it before the
request's own session writes (on SQLite a write request's transaction holds the database's
write lock from its first query).
Keys are kept only as a SHA-256 (client addresses and e-mail addresses are not stored).
"""

import functools
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, delete, literal, select, update
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


def _sqlite_upsert():
    statement = sqlite_insert(RateLimitHit).values(purpose=bindparam("purpose"), key=bindparam("digest"),
                                                   window_start=bindparam("start"), hits=1)
    return statement.on_conflict_do_update(
        index_elements=[RateLimitHit.purpose, RateLimitHit.key, RateLimitHit.window_start],
        set_={"hits": RateLimitHit.hits + 1}).returning(RateLimitHit.hits)


#: built once: a public form counts every submission
_SQLITE_UPSERT = _sqlite_upsert()


def hit(purpose: str, key: str, *, limit: int, window: int, message: str) -> int:
    """Count one request of ``key`` for ``purpose``; RateLimited(message) when it is over ``limit``
    in the current ``window`` (seconds). Returns the count so far in this window."""
    return hit_all([Limit(purpose, key, limit, window, message)])[0]


def hit_all(limits: Sequence[Limit]) -> list[int]:
    """``hit`` for each limit in turn, all committed at once. The first limit refused stops the
    count: a request already refused does not use up the next limits' allowance. Returns the
    counts so far (the limits refused or not reached are left out).

    On PostgreSQL every count is one statement in autocommit (one round trip: each upsert a
    WITH clause that inserts only when the ones before it stayed within their limits); on
    SQLite one short write transaction, an upsert after the other."""
    now = int(time.time())
    starts = [now // limit.window * limit.window for limit in limits]
    keys = [{"purpose": limit.purpose, "digest": _digest(limit.key), "start": start}
            for limit, start in zip(limits, starts, strict=True)]
    connection = db.engine.connect()
    with connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            row = connection.execute(_chained_upsert(tuple(limit.limit for limit in limits)), {
                f"{name}_{i}": value for i, key in enumerate(keys) for name, value in key.items()}).one()
            counts = [hits for hits in row if hits is not None]
            _tidy(connection, limits, starts, counts)
        else:
            with connection.execution_options(sqlite_immediate=True).begin():
                counts = []
                for limit, key in zip(limits, keys, strict=True):
                    counts.append(connection.execute(_SQLITE_UPSERT, key).scalar_one())
                    if counts[-1] > limit.limit:
                        break
                _tidy(connection, limits, starts, counts)
    for limit, start, hits in zip(limits, starts, counts, strict=False):
        if hits > limit.limit:
            raise RateLimited("rate_limited", limit.message,
                              details={"retry_after": max(1, start + limit.window - now)})
    return counts


def _tidy(connection, limits: Sequence[Limit], starts: list[int], counts: list[int]) -> None:
    """The first request of a new window forgets its purpose's finished windows (once per window
    in this process, not for every new key: a new address is a new key)."""
    for limit, start, hits in zip(limits, starts, counts, strict=False):
        if hits == 1 and _tidied.get(limit.purpose) != start:
            connection.execute(delete(RateLimitHit).where(RateLimitHit.purpose == limit.purpose,
                                                          RateLimitHit.window_start < start))
            _tidied[limit.purpose] = start


@functools.cache
def _chained_upsert(allowances: tuple[int, ...]):
    """PostgreSQL: one SELECT of the counts, each counted by a WITH clause that upserts only when
    every count before it is within its allowance (NULL for a count not made)."""
    table = RateLimitHit.__table__
    counted = []
    for i, _allowance in enumerate(allowances):
        values = select(bindparam(f"purpose_{i}", type_=String), bindparam(f"digest_{i}", type_=String),
                        bindparam(f"start_{i}", type_=Integer), literal(1))
        if counted:
            values = values.where(*(select(before.c.hits).scalar_subquery() <= allowance
                                    for before, allowance in zip(counted, allowances, strict=False)))
        upsert = pg_insert(table).from_select(["purpose", "key", "window_start", "hits"], values)
        upsert = upsert.on_conflict_do_update(index_elements=[table.c.purpose, table.c.key, table.c.window_start],
                                              set_={"hits": table.c.hits + 1})
        counted.append(upsert.returning(table.c.hits).cte(f"counted_{i}"))
    return select(*(select(cte.c.hits).scalar_subquery() for cte in counted))


def give_back(purpose: str, key: str, *, window: int) -> None:
    """Uncount one request of ``key`` in the current window: for limits on failures (logins),
    where every attempt is counted before it is evaluated and a success gives its count back."""
    start = int(time.time()) // window * window
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        conn.execute(update(RateLimitHit).where(
            RateLimitHit.purpose == purpose, RateLimitHit.key == _digest(key), RateLimitHit.window_start == start,
            RateLimitHit.hits > 0).values(hits=RateLimitHit.hits - 1))
