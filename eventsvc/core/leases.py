"""Taking the next due row of an outbox table for a while: the e-mail outbox and the webhook
deliveries share this one rule.

A row is due when it waits (its status), its next attempt's time has come and nobody holds a
live lease on it. The claim is a short transaction of its own: pick the first due row (on
PostgreSQL skipping rows another worker has locked), then a conditional UPDATE sets the lease
only if the row is still due, so two workers never hold one row and no lock is kept while the
far side (a mail server, a webhook receiver) answers. A lease that ran out (its worker died)
makes the row due again.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from eventsvc.core.types import utcnow
from eventsvc.extensions import db


def unclaimed(model, now: datetime):
    """No live lease on the row: never claimed, or the claim ran out."""
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def claim_next(model, waiting, lease_seconds: int, now: datetime | None = None):
    """The next due row of ``model`` (status ``waiting``), leased for ``lease_seconds``; None if
    nothing is due. ``model`` has id, status, next_attempt_at and claimed_until columns."""
    for _ in range(5):  # another worker may claim the one picked first: pick again
        moment = now or utcnow()
        db.session.connection(execution_options={"sqlite_immediate": True})
        query = (select(model.id)
                 .where(model.status == waiting, model.next_attempt_at <= moment, unclaimed(model, moment))
                 .order_by(model.next_attempt_at, model.id).limit(1))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row_id = db.session.scalar(query)
        if row_id is None:
            db.session.rollback()
            return None
        claimed = db.session.execute(
            update(model)
            .where(model.id == row_id, model.status == waiting, unclaimed(model, moment))
            .values(claimed_until=moment + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(model, row_id)
    return None
