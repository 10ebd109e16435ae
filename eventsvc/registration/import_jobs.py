"""Spreadsheet imports of invitations above IMPORT_ASYNC_ROWS rows run as background jobs
(``eventsvc.core.jobs``): a first job checks every row (nothing is written), the organizer
confirms on its page, and a second job writes them all in one transaction (all or nothing,
like the synchronous import below that size). The upload waits in storage under ``imports/``."""

from flask_babel import force_locale
from flask_babel import gettext as _

from eventsvc.core import jobs, storage
from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import current_language
from eventsvc.core.jobs import BackgroundJob
from eventsvc.core.spreadsheets import ImportRejected, read_rows
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.registration import invitations

KIND = "invitation_import"
CHECK, WRITE = "check", "write"
#: how many bad rows a failed check lists
LISTED_ERRORS = 30


def row_count(filename: str, data: bytes) -> int:
    return len(read_rows(filename, data, aliases=invitations.IMPORT_ALIASES))


def start_check(event: Event, *, upload_key: str, filename: str, rows: int, user_id: int | None) -> BackgroundJob:
    job = jobs.create(event_id=event.id, kind=KIND, created_by=user_id,
                      params={"step": CHECK, "key": upload_key, "filename": filename, "rows": rows,
                              "language": current_language()})
    jobs.start(job)
    return job


def start_write(event: Event, checked: BackgroundJob, *, send: bool, user_id: int | None) -> BackgroundJob:
    """Import what a finished check found valid (refused if the check did not pass or was used)."""
    params = checked.params or {}
    if checked.state != jobs.JobState.DONE or params.get("step") != CHECK or not storage.exists(params["key"]):
        raise ServiceError("import_not_checked", _("The preview has expired: upload the file again."))
    job = jobs.create(event_id=event.id, kind=KIND, created_by=user_id,
                      params={**params, "step": WRITE, "send": bool(send), "checked": checked.id})
    jobs.start(job)
    return job


def get(event: Event, job_id: str) -> BackgroundJob | None:
    return jobs.get(event.id, job_id, KIND)


def run(job: BackgroundJob, progress: jobs.Progress) -> None:
    with force_locale(job.params.get("language") or "en"):  # row errors in the organizer's language
        _run(job, progress)


def _run(job: BackgroundJob, progress: jobs.Progress) -> None:
    params = job.params
    data = storage.read(params["key"])
    progress.total(params["rows"])
    event = db.session.get(Event, job.event_id)
    if params["step"] == CHECK:
        try:
            rows = invitations.preview_import(event, params["filename"], data)
        except ImportRejected as rejected:
            lines = [f"{_('Line')} {e.line}{' · ' + e.field if e.field else ''}: {e.message}"
                     for e in rejected.errors[:LISTED_ERRORS]]
            raise ServiceError(rejected.code, "\n".join([rejected.message, *lines])) from None
        db.session.rollback()
        progress.finish(done=len(rows))
        return
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_immediate": True})
    event = db.session.get(Event, job.event_id)
    created = invitations.import_invitations(event, params["filename"], data, invited_by_id=job.created_by,
                                             send=params["send"])
    progress.finish(done=len(created))  # in the import's transaction: written once, or not at all
    storage.delete(params["key"])


jobs.register(KIND, run)
