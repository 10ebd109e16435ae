"""Background jobs whose state lives in the database: any web server answers the progress poll,
any worker can finish a job another one lost.

A job is a ``background_jobs`` row: its kind, its parameters, its state, how far it got,
where its result is stored (a storage key) and what went wrong. The capability that owns a
kind registers its runner (``register(kind, runner)``); one task, ``run_job``, claims the
row by a conditional UPDATE of its lease, calls the runner, renews the lease as the runner
reports progress, and finishes with a conditional UPDATE. A worker killed mid-job leaves
its lease to expire: the periodic sweep kicks the job again (at most MAX_ATTEMPTS times in
all), and whichever worker claims it first starts it over. A runner must therefore be
repeatable: it writes its result under a fixed key and applies its database effects in the
same transaction that marks the job done (``Progress.finish``), so they happen once.
"""

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, ForeignKey, Index, String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core import storage, tasks
from eventsvc.core.types import UTCDateTime, enum_column, utcnow
from eventsvc.extensions import db

MAX_ATTEMPTS = 3
#: the error of a job given up after MAX_ATTEMPTS workers died running it
INTERRUPTED = "interrupted"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(db.Model):
    __tablename__ = "background_jobs"
    __table_args__ = (Index("ix_background_jobs_state_lease", "state", "lease_until"),)

    #: random, unguessable: it appears in the progress page's address
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: "badge_print", "certificates", "import"
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state"), default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    #: the storage key of the result (a PDF), once done
    result_key: Mapped[str | None] = mapped_column(String(200))
    result_size: Mapped[int | None]
    #: a sentence for the person who started it (failed jobs)
    error: Mapped[str | None] = mapped_column(Text)
    #: what the runner needs, e.g. {"layout": "sheet", "which": "all"}; a runner may add its outcome
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    #: the claim of the worker running it; expired, the sweep hands the job to another worker
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: which claim holds the lease (a new one on every claim)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)  # "interrupted" is failed

    @property
    def status(self) -> str:
        """What the progress page shows: the state, or "interrupted" for a job that failed
        because every worker that took it died."""
        if self.state == JobState.FAILED and self.error == INTERRUPTED:
            return INTERRUPTED
        return self.state.value

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def public(self) -> dict:
        """What the progress poll answers."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "total": self.total,
                "done": self.done, "percent": self.percent, "size": self.result_size,
                "error": self.error}


class JobLost(Exception):
    """Another worker took this job over (this one's lease expired): stop without writing."""


#: kind -> runner(job, progress)
RUNNERS: dict[str, Callable] = {}


def register(kind: str, runner: Callable) -> None:
    RUNNERS[kind] = runner


def lease_seconds() -> float:
    return float(current_app.config["JOB_LEASE_SECONDS"])


def create(*, event_id: int, kind: str, params: dict, created_by: int | None) -> BackgroundJob:
    """Add a queued job to the session; ``start`` commits it and kicks a worker."""
    if kind not in RUNNERS:
        raise ValueError(f"no runner for jobs of kind {kind!r}")
    job = BackgroundJob(id=secrets.token_hex(16), event_id=event_id, kind=kind, params=params,
                        created_by=created_by)
    db.session.add(job)
    return job


def start(job: BackgroundJob) -> None:
    """Commit the job and queue it (a broker that is down: the sweep queues it later)."""
    job_id = job.id  # read before the commit expires it: a reload would open a transaction
    db.session.commit()
    tasks.send(run_job, job_id)


def get(event_id: int, job_id: str, kind: str | None = None) -> BackgroundJob | None:
    if not isinstance(job_id, str) or len(job_id) != 32 or not all(c in "0123456789abcdef" for c in job_id):
        return None
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id != event_id or (kind and job.kind != kind):
        return None
    return job


@dataclass
class Progress:
    """What a runner reports through: it renews the lease and stops the runner if the job was lost."""

    job_id: str
    token: str
    interval: float = 0.5
    _last: datetime | None = None

    def _update(self, **values) -> None:
        values.setdefault("updated_at", utcnow())
        with db.engine.begin() as connection:  # its own transaction, whatever the runner has open
            result = connection.execute(
                update(BackgroundJob).where(BackgroundJob.id == self.job_id,
                                            BackgroundJob.lease_token == self.token,
                                            BackgroundJob.state == JobState.RUNNING)
                .values(lease_until=utcnow() + timedelta(seconds=lease_seconds()), **values))
        if result.rowcount == 0:
            raise JobLost(self.job_id)

    def total(self, count: int) -> None:
        self._update(total=count, done=0)

    def advance(self, done: int) -> None:
        now = utcnow()
        if self._last is None or (now - self._last).total_seconds() >= self.interval:
            self._last = now
            self._update(done=done)

    def finish(self, *, result_key: str | None = None, result_size: int | None = None,
               done: int | None = None) -> None:
        """Mark the job done in the session's transaction (with the runner's effects) and commit.
        It writes before it reads: on SQLite a read first would make the write wait for nobody."""
        values = {"state": JobState.DONE, "result_key": result_key, "result_size": result_size,
                  "lease_until": None, "updated_at": utcnow(), "error": None}
        if done is not None:
            values["done"] = done
        result = db.session.execute(
            update(BackgroundJob).where(BackgroundJob.id == self.job_id, BackgroundJob.lease_token == self.token,
                                        BackgroundJob.state == JobState.RUNNING)
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount == 0:
            db.session.rollback()
            raise JobLost(self.job_id)
        db.session.commit()


def claim(job_id: str) -> str | None:
    """Take the job if it is queued, or running under an expired lease; the new lease's token."""
    now = utcnow()
    token = secrets.token_hex(16)
    with db.engine.begin() as connection:
        result = connection.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id,
                   BackgroundJob.state.in_((JobState.QUEUED, JobState.RUNNING)),
                   BackgroundJob.attempts < MAX_ATTEMPTS,
                   or_(BackgroundJob.lease_until.is_(None), BackgroundJob.lease_until < now))
            .values(state=JobState.RUNNING, attempts=BackgroundJob.attempts + 1, lease_token=token,
                    lease_until=now + timedelta(seconds=lease_seconds()), updated_at=now, done=0))
    return token if result.rowcount == 1 else None


def fail(job_id: str, message: str, token: str | None = None) -> None:
    db.session.rollback()
    query = update(BackgroundJob).where(BackgroundJob.id == job_id,
                                        BackgroundJob.state.in_((JobState.QUEUED, JobState.RUNNING)))
    if token:
        query = query.where(BackgroundJob.lease_token == token)
    db.session.execute(query.values(state=JobState.FAILED, error=message[:2000], lease_until=None,
                                    updated_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


@tasks.celery.task(name="eventsvc.jobs.run")
def run_job(job_id: str) -> str:
    """Run one job if this worker can claim it; what happened, in a word."""
    token = claim(job_id)
    if token is None:
        return "not claimed"  # done, failed, or another worker holds a live lease
    job = db.session.get(BackgroundJob, job_id)
    # the runner gets the row as read, outside any transaction: it opens its own as it needs
    db.session.expunge(job)
    db.session.rollback()
    runner = RUNNERS.get(job.kind)
    if runner is None:
        fail(job_id, f"no runner for {job.kind}", token)
        return "failed"
    try:
        runner(job, Progress(job_id, token))
    except JobLost:
        db.session.rollback()
        return "lost"
    except Exception as error:  # the job's page says it failed instead of spinning forever
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        message = getattr(error, "message", None) or type(error).__name__
        fail(job_id, str(message), token)
        return "failed"
    return "done"


@tasks.periodic("jobs_sweep", every="TASK_SWEEP_SECONDS")
def sweep_jobs() -> int:
    """Kick jobs a worker lost (lease expired) or that were never queued (the broker was down);
    fail those that have used every attempt."""
    now = utcnow()
    stale = or_(BackgroundJob.lease_until < now,
                (BackgroundJob.state == JobState.QUEUED)
                & (BackgroundJob.created_at < now - timedelta(seconds=lease_seconds())))
    rows = db.session.execute(select(BackgroundJob.id, BackgroundJob.attempts).where(
        BackgroundJob.state.in_((JobState.QUEUED, JobState.RUNNING)), stale)).all()
    db.session.rollback()
    kicked = 0
    for job_id, attempts in rows:
        if attempts >= MAX_ATTEMPTS:
            fail(job_id, INTERRUPTED)
        else:
            tasks.send(run_job, job_id)
            kicked += 1
    return kicked


@tasks.periodic("storage_prune", every="STORAGE_PRUNE_SECONDS")
def prune_old_files() -> int:
    """Delete generated files and finished jobs older than STORAGE_KEEP_DAYS."""
    keep = timedelta(days=float(current_app.config["STORAGE_KEEP_DAYS"]))
    removed = sum(storage.prune(prefix, keep.total_seconds()) for prefix in sorted(storage.TEMPORARY_PREFIXES))
    db.session.execute(delete(BackgroundJob).where(
        BackgroundJob.state.in_((JobState.DONE, JobState.FAILED)), BackgroundJob.updated_at < utcnow() - keep))
    db.session.commit()
    tasks.prune_periodic_runs(timedelta(days=1).total_seconds())
    return removed


# --- answers of the job pages (badge print jobs, certificate batches, large imports) -----------

def status_response(job: BackgroundJob):
    """The progress poll's answer: the job as the page's script reads it, never cached."""
    from flask import jsonify

    return jsonify(job.public()), 200, {"Cache-Control": "private, no-store"}


def result_response(job: BackgroundJob, download_name: str):
    """The finished job's PDF as a download; 404 while it is not done or its file is gone."""
    from flask import abort, send_file

    if job.state != JobState.DONE or not storage.exists(job.result_key):
        abort(404)
    return send_file(storage.path(job.result_key), mimetype="application/pdf", as_attachment=True,
                     download_name=download_name, max_age=0)
