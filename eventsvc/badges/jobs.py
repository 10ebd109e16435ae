"""Batch badge printing as a background job whose progress any server process can read.

A job is two files in the instance folder: ``badge-jobs/<id>.json`` (its state, rewritten
atomically as it advances) and ``badge-jobs/<id>.pdf`` when done. The request that starts
a job runs it in a thread of that worker; the progress page polls the JSON, which whichever
gunicorn worker answers the poll reads from the same folder. A job whose state stops moving
for STALE_AFTER seconds (its worker was killed) is reported as interrupted.

Several hosts would need a shared instance folder (or a jobs table and object storage).
"""

import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app

from eventsvc.badges.service import BadgeSelection, mark_printed, render_batch
from eventsvc.core.errors import ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.models import Event
from eventsvc.extensions import db

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
STALE_AFTER = 120
KEEP_FOR = timedelta(days=1)
_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class PrintJob:
    id: str
    event_id: int
    user_id: int | None
    layout: str
    category_id: int | None
    which: str
    status: str = QUEUED
    total: int | None = None
    done: int = 0
    size: int | None = None
    error: str | None = None
    created_at: str = field(default_factory=lambda: utcnow().isoformat())
    updated_at: str = field(default_factory=lambda: utcnow().isoformat())

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED, INTERRUPTED)

    def public(self) -> dict:
        return {"id": self.id, "status": self.status, "total": self.total, "done": self.done,
                "percent": self.percent, "size": self.size, "error": self.error}


def job_dir() -> Path:
    path = Path(current_app.instance_path) / "badge-jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pdf_path(job: PrintJob) -> Path:
    return job_dir() / f"{job.id}.pdf"


def save(job: PrintJob) -> None:
    job.updated_at = utcnow().isoformat()
    target = job_dir() / f"{job.id}.json"
    temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(asdict(job)))
    os.replace(temporary, target)  # readers see the old state or the new, never half a file


def load(job_id: str) -> PrintJob | None:
    if not _ID.match(job_id or ""):
        return None
    try:
        job = PrintJob(**json.loads((job_dir() / f"{job_id}.json").read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if not job.finished and utcnow() - datetime.fromisoformat(job.updated_at) > timedelta(seconds=STALE_AFTER):
        job.status = INTERRUPTED
    return job


def create(*, event_id: int, user_id: int | None, layout: str, category_id: int | None, which: str) -> PrintJob:
    _remove_old()
    job = PrintJob(id=secrets.token_hex(8), event_id=event_id, user_id=user_id, layout=layout,
                   category_id=category_id, which=which)
    save(job)
    return job


def start(app: Flask, job: PrintJob) -> threading.Thread:
    thread = threading.Thread(target=run, args=(app, job.id), name=f"badge-job-{job.id}", daemon=True)
    thread.start()
    return thread


def run(app: Flask, job_id: str) -> None:
    """Render the job's badges into its PDF and record them as printed."""
    with app.app_context():
        job = load(job_id)
        if job is None:
            return
        try:
            job.status = RUNNING
            save(job)
            # the first badges create the event's signing key and the batch is marked printed at
            # the end: writes after reads, so SQLite takes its write lock first (a read snapshot
            # cannot be upgraded once another connection has written since)
            db.session.connection(execution_options={"sqlite_immediate": True})
            event = db.session.get(Event, job.event_id)
            last_save = [time.monotonic()]

            def total(count: int) -> None:
                job.total = count
                save(job)

            def progress(done: int) -> None:
                job.done = done
                if time.monotonic() - last_save[0] > 0.2:
                    save(job)
                    last_save[0] = time.monotonic()

            pdf, printed = render_batch(event, BadgeSelection(job.category_id, job.which), job.layout,
                                        progress=progress, on_total=total)
            target = pdf_path(job)
            temporary = target.with_suffix(".pdf.tmp")
            temporary.write_bytes(pdf)
            os.replace(temporary, target)
            mark_printed(printed)
            db.session.commit()
            job.done, job.size, job.status = len(printed), len(pdf), DONE
            save(job)
        except Exception as error:  # a failed job says so on its page instead of spinning forever
            db.session.rollback()
            current_app.logger.exception("badge job %s failed", job_id)
            job.status = FAILED
            job.error = error.message if isinstance(error, ServiceError) else type(error).__name__
            save(job)
        finally:
            db.session.remove()


def _remove_old() -> None:
    limit = time.time() - KEEP_FOR.total_seconds()
    for path in job_dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass
