"""All certificates of a program as one PDF, made by a worker (``eventsvc.core.jobs``): a program
of hundreds of awards takes longer than a request should, and any web server answers the poll."""

from flask import current_app

from eventsvc.awards import service
from eventsvc.awards.certificates import certificates_pdf
from eventsvc.awards.enums import AwardStatus
from eventsvc.awards.models import AwardProgram
from eventsvc.core import jobs, storage
from eventsvc.core.jobs import BackgroundJob
from eventsvc.events.models import Event
from eventsvc.extensions import db

KIND = "certificates"
PREFIX = "certificate-batches"


def create(*, event: Event, program: AwardProgram, user_id: int | None) -> BackgroundJob:
    job = jobs.create(event_id=event.id, kind=KIND, created_by=user_id,
                      params={"program_id": program.id, "filename": f"{program.number_prefix}-certificates.pdf"})
    jobs.start(job)
    return job


def get(event: Event, job_id: str) -> BackgroundJob | None:
    return jobs.get(event.id, job_id, KIND)


def run(job: BackgroundJob, progress: jobs.Progress) -> None:
    """Every award of the program that is not revoked, one page each, in the program's order."""
    event = db.session.get(Event, job.event_id)
    program = service.program_of(event, job.params["program_id"])
    awards = [a for a in service.awards_of_program(program) if a.status != AwardStatus.REVOKED]
    title = program.name
    progress.total(len(awards))
    # verification links are built with url_for, which wants a request: the public address's
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        pdf = certificates_pdf(awards, title=title, progress=progress.advance)
    key = f"{PREFIX}/{job.id}.pdf"
    size = storage.save(key, pdf)
    db.session.rollback()  # nothing was changed: the finish starts a fresh transaction
    progress.finish(result_key=key, result_size=size, done=len(awards))


jobs.register(KIND, run)
storage.TEMPORARY_PREFIXES.add(PREFIX)
