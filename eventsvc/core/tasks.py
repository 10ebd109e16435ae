"""Background work on Celery: the queue, tasks in the Flask app context, periodic tasks once per period.

Why Celery: it is what Indico and pretix run; a task whose worker dies is delivered again
(``acks_late`` + ``task_reject_on_worker_lost``); workers on several hosts share Redis; beat
sends periodic tasks; and on one machine kombu's SQLAlchemy transport keeps the queue in a
SQLite file in the instance folder, so ``scripts/serve`` needs no server of its own.

A task is only a kick that says "look at row N": the database is the source of truth (outbox
rows, background_jobs rows). A task claims its row with a conditional UPDATE of a lease,
finishes with a conditional UPDATE, and returns when it finds the row taken or done; a
periodic sweep kicks again whatever a dead worker (or a broker that was down) left behind.
So a task delivered twice, or a kick lost, changes nothing.

Capabilities declare their periodic tasks with ``@periodic(name, every)``; ``eventsvc.worker``
turns the registry into beat's schedule. However many beats and workers run, the body runs
once per period: it first claims the row (name, period start) in ``periodic_runs``.
"""

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from celery import Celery, Task, signals
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import String, delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.health import add_readiness_check
from eventsvc.core.metrics import observe_task
from eventsvc.core.types import UTCDateTime, utcnow
from eventsvc.extensions import db

log = logging.getLogger(__name__)

#: the Flask app tasks run in when no app context is active (in a worker); set by init_app
_flask_app: Flask | None = None
#: called after every task with (task name, seconds, failed): the task metrics of /metrics
task_observers: list = [observe_task]


class AppTask(Task):
    """Every task runs inside a fresh Flask app context (its own database session)."""

    def __call__(self, *args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _flask_app
        if app is None:
            raise RuntimeError("eventsvc.core.tasks.init_app(app) was not called")
        started, failed = time.perf_counter(), True
        try:
            with app.app_context():
                g.background_task = True  # its own transactions, whatever request kicked it (eager)
                result = self.run(*args, **kwargs)
            failed = False
            return result
        finally:
            for observe in task_observers:
                try:
                    observe(self.name, time.perf_counter() - started, failed)
                except Exception:  # metrics never fail a task
                    log.exception("task observer failed")


celery = Celery("eventsvc", task_cls=AppTask)


class PeriodicRun(db.Model):
    """One row per periodic task and period: whoever inserts it runs that period's work."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: the start of the period (UTC), a multiple of the task's interval since the epoch
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hostname: Mapped[str | None] = mapped_column(String(200))


class WorkerHeartbeat(db.Model):
    """Each running worker writes its row every WORKER_HEARTBEAT_SECONDS (readiness reads the newest)."""

    __tablename__ = "worker_heartbeats"

    hostname: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def default_broker_url(app: Flask) -> str:
    return f"sqla+sqlite:///{Path(app.instance_path) / 'tasks.sqlite'}"


def init_app(app: Flask) -> None:
    global _flask_app
    _flask_app = app
    config = app.config
    broker = config.get("TASK_BROKER_URL") or default_broker_url(app)
    # Redis redelivers a task not acknowledged within the visibility timeout (its worker died);
    # the SQLAlchemy transport hands its options to create_engine and knows no such thing
    options = {"visibility_timeout": config["TASK_VISIBILITY_TIMEOUT"]} if broker.startswith("redis") else {}
    celery.conf.update(
        broker_url=broker,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        # a kick that cannot reach the broker gives up quickly: the periodic sweep finds the row
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                   "interval_max": 0.5},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_eager_propagates=True,
        timezone="UTC",
        enable_utc=True,
        # the app's own log handler (eventsvc.core.logs) formats the worker's lines too; Celery must
        # not swap standard error for its logging proxy, which drops what that handler writes
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # the schedule lives in memory: periodic_runs, not a file, decides what already ran
        beat_scheduler="celery.beat:Scheduler",
    )
    app.extensions["celery"] = celery


# --- kicks -----------------------------------------------------------------------------------------

def _eager() -> bool:
    """TASKS_EAGER of the app that sends: a process may hold several apps (tests), one Celery."""
    app = current_app if has_app_context() else _flask_app
    return bool(app is not None and app.config.get("TASKS_EAGER"))


def send(task, *args) -> bool:
    """Queue ``task(*args)`` now; a broker that is down is logged, not raised (the sweep catches up).
    With TASKS_EAGER (unit tests) the task runs here and now instead."""
    if _eager():
        task.apply(args, throw=True)
        return True
    try:
        task.apply_async(args)
        return True
    except Exception:
        log.warning("could not queue %s%r: the periodic sweep will pick it up", task.name, args,
                    exc_info=True)
        return False


def send_after_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (nothing if it rolls back)."""
    session = db.session()
    session.info.setdefault("eventsvc_kicks", {})[(task.name, args)] = task
    if not session.info.get("eventsvc_kick_listener"):
        event.listen(session, "after_commit", _send_kicks)
        event.listen(session, "after_rollback", _forget_kicks)
        session.info["eventsvc_kick_listener"] = True


def _send_kicks(session) -> None:
    for (_name, args), task in session.info.pop("eventsvc_kicks", {}).items():
        send(task, *args)


def _forget_kicks(session) -> None:
    session.info.pop("eventsvc_kicks", None)


# --- periodic tasks --------------------------------------------------------------------------------

#: name -> (interval in seconds or the name of the setting that holds it, task)
PERIODIC: dict[str, tuple[int | str, Task]] = {}


def interval(every: int | str, config=None) -> float:
    config = config if config is not None else current_app.config
    return float(config[every] if isinstance(every, str) else every)


def periodic(name: str, every: int | str):
    """Declare ``fn`` a periodic task run once per ``every`` seconds (or the setting named so)."""
    def register(fn):
        @celery.task(name=f"eventsvc.periodic.{name}")
        def task():
            if run_once_per_period(name, interval(every)):
                return fn()
            return None

        task.__doc__ = fn.__doc__
        task.body = fn  # tests and CLI commands call the work itself
        PERIODIC[name] = (every, task)
        return task
    return register


def beat_schedule(config) -> dict:
    return {name: {"task": task.name, "schedule": interval(every, config)}
            for name, (every, task) in PERIODIC.items()}


def period_start(now: datetime, seconds: float) -> datetime:
    return datetime.fromtimestamp(int(now.timestamp() // seconds * seconds), UTC)


def run_once_per_period(name: str, seconds: float, now: datetime | None = None) -> bool:
    """Claim this period of ``name`` in its own short transaction: True for the first caller only."""
    now = now or utcnow()
    db.session.rollback()
    db.session.add(PeriodicRun(name=name, period_start=period_start(now, seconds), ran_at=now,
                               hostname=_hostname()))
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def prune_periodic_runs(older_than_seconds: float) -> int:
    cutoff = datetime.fromtimestamp(time.time() - older_than_seconds, UTC)
    result = db.session.execute(delete(PeriodicRun).where(PeriodicRun.ran_at < cutoff))
    db.session.commit()
    return result.rowcount


# --- worker heartbeat ------------------------------------------------------------------------------

def _hostname() -> str:
    return os.environ.get("EVENTSVC_WORKER_NAME") or f"{socket.gethostname()}:{os.getpid()}"


def beat(hostname: str) -> None:
    """Record that this worker is alive now."""
    now = utcnow()
    if db.session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.hostname == hostname)
                          .values(last_seen=now)).rowcount == 0:
        db.session.add(WorkerHeartbeat(hostname=hostname, last_seen=now, started_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def last_heartbeat() -> datetime | None:
    return db.session.scalar(select(WorkerHeartbeat.last_seen).order_by(WorkerHeartbeat.last_seen.desc()))


_heartbeat_stop = threading.Event()


@signals.worker_ready.connect
def _start_heartbeat(sender=None, **_kwargs):
    """Each worker process writes its heartbeat from a thread, whatever its tasks are doing."""
    app = _flask_app
    if app is None:
        return
    hostname = getattr(sender, "hostname", None) or _hostname()
    seconds = float(app.config["WORKER_HEARTBEAT_SECONDS"])

    def loop():
        while True:
            try:
                with app.app_context():
                    beat(hostname)
            except Exception:  # the database is away: the next beat tries again
                log.warning("worker heartbeat failed", exc_info=True)
            if _heartbeat_stop.wait(seconds):
                return

    threading.Thread(target=loop, name="eventsvc-heartbeat", daemon=True).start()


@signals.worker_shutdown.connect
def _stop_heartbeat(**_kwargs):
    _heartbeat_stop.set()


# --- readiness -------------------------------------------------------------------------------------

def broker_ready() -> str | None:
    """None when the broker answers, else why not. Redis is asked with a PING on a connection of
    its own: kombu's connection counts as established without a word to the server, so a dead
    Redis would pass (found by the multi-host test)."""
    url = str(celery.conf.broker_url or "")
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        else:
            with celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        return None
    except Exception as error:
        return f"the task broker does not answer: {type(error).__name__}"


def worker_ready(max_age_seconds: float = 60) -> str | None:
    """None when a worker's heartbeat is recent, else why not."""
    seen = last_heartbeat()
    if seen is None:
        return "no worker has ever reported"
    age = (utcnow() - seen).total_seconds()
    return None if age < max_age_seconds else f"the last worker heartbeat is {int(age)} s old"


def _workers_check() -> str | None:
    """Tasks run in the caller (TASKS_EAGER, unit tests only): no worker to wait for."""
    return None if current_app.config.get("TASKS_EAGER") else worker_ready()


# /readyz names these when they fail (eventsvc.core.health)
add_readiness_check("broker", broker_ready)
add_readiness_check("workers", _workers_check)
