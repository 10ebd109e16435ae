"""Batch badge printing as a background job (``eventsvc.core.jobs``): a worker renders the PDF
into storage; any web server answers the progress poll from the job's row.

The runner can be run again from the start by another worker (the first one died): the PDF
is written under the job's fixed key, and the badges are marked printed in the transaction
that marks the job done, so a batch is recorded once.
"""

from eventsvc.badges.service import BadgeSelection, mark_printed, render_batch
from eventsvc.core import jobs, storage
from eventsvc.core.jobs import BackgroundJob, JobState
from eventsvc.events.models import Event
from eventsvc.extensions import db

KIND = "badge_print"
#: finished PDFs are kept for STORAGE_KEEP_DAYS, then pruned
PREFIX = "badge-jobs"
DONE, FAILED = JobState.DONE, JobState.FAILED


def create(*, event: Event, user_id: int | None, layout: str, selection: BadgeSelection) -> BackgroundJob:
    """Queue a print job for ``selection`` (committed, and a worker kicked)."""
    job = jobs.create(event_id=event.id, kind=KIND, created_by=user_id,
                      params={"layout": layout, "category_id": selection.category_id, "which": selection.which})
    jobs.start(job)
    return job


def get(event: Event, job_id: str) -> BackgroundJob | None:
    return jobs.get(event.id, job_id, KIND)


def result_key(job_id: str) -> str:
    return f"{PREFIX}/{job_id}.pdf"


def run(job: BackgroundJob, progress: jobs.Progress) -> None:
    """Render the job's badges into its PDF and record them as printed."""
    params = job.params
    # its first badges create the event's signing key: a write after reads (SQLite: lock first)
    db.session.connection(execution_options={"sqlite_immediate": True})
    event = db.session.get(Event, job.event_id)
    selection = BadgeSelection(params.get("category_id"), params.get("which"))
    pdf, printed = render_batch(event, selection, params["layout"], progress=progress.advance,
                                on_total=progress.total)
    key = result_key(job.id)
    size = storage.save(key, pdf)
    mark_printed(printed)
    progress.finish(result_key=key, result_size=size, done=len(printed))


jobs.register(KIND, run)
storage.TEMPORARY_PREFIXES.add(PREFIX)
