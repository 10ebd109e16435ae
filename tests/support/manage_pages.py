"""Every organizer page of the demo forum as a URL, for sweeps over all of them (phone layouts,
accessibility): each GET route under /manage that answers an HTML page, its parameters filled
from the demo data (eventsvc/demo/loader.py).

The demo has no registration question, background job, webhook endpoint or attendance rule, so ``demo_manage_urls``
makes one of each (a choice question, a badge print job, a certificate job, an import check, an
endpoint) before it
answers: their pages are organizer pages too. With TASKS_EAGER (the tests) the jobs are done.

A new GET route under /manage makes ``demo_manage_urls`` raise until its parameters are known
here (PARAMETERS) or it is named in NOT_PAGES with the reason.
"""

from flask import Flask, url_for
from sqlalchemy import func, select

from eventsvc.accounts.service import user_by_email
from eventsvc.awards import batches as certificate_batches
from eventsvc.awards.models import Award, AwardProgram
from eventsvc.badges import jobs as badge_jobs
from eventsvc.badges.layout import SINGLE
from eventsvc.badges.service import BadgeSelection
from eventsvc.core import storage
from eventsvc.demo import loader
from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
from eventsvc.extensions import db
from eventsvc.mail import wording
from eventsvc.registration import import_jobs
from eventsvc.registration.models import Category, Registration
from eventsvc.registration.questions.models import Question
from eventsvc.registration.questions.service import ChoiceInput, QuestionInput, create_question
from eventsvc.webhooks import service as webhooks

#: GET routes under /manage that answer something other than a page: left out, with the reason
NOT_PAGES = {
    "/manage/e/<slug>/print-stations/<int:station_id>/labels/<int:registration_id>.<any(html, pdf):fmt>":
        "a label printed from a hidden frame (a bare page of label size, or its PDF)",
    "/manage/e/<slug>/print-stations/labels.css": "a stylesheet",
    "/manage/e/<slug>/attendance.<fmt>": "a CSV or XLSX export",
    "/manage/e/<slug>/audit.<fmt>": "a CSV or XLSX export",
    "/manage/e/<slug>/checkins.<fmt>": "a CSV or XLSX export",
    "/manage/e/<slug>/sessions/<int:item_id>/attendance.<fmt>": "a CSV or XLSX export",
    "/manage/e/<slug>/awards/export.<any(csv, xlsx):fmt>": "a CSV or XLSX export",
    "/manage/e/<slug>/awards/<int:award_id>/certificate.pdf": "a PDF",
    "/manage/e/<slug>/awards/run-sheet.pdf": "a PDF",
    "/manage/e/<slug>/awards/certificate-jobs/<job_id>/certificates.pdf": "a PDF",
    "/manage/e/<slug>/badges/jobs/<job_id>/badges.pdf": "a PDF",
    "/manage/e/<slug>/badges/<int:registration_id>/badge.pdf": "a PDF",
    "/manage/e/<slug>/badges/<int:registration_id>/qr.<any(png, svg):kind>": "an image",
    "/manage/e/<slug>/awards/certificate-jobs/<job_id>/status": "JSON (the job page's progress)",
    "/manage/e/<slug>/badges/jobs/<job_id>/status": "JSON (the job page's progress)",
    "/manage/e/<slug>/invitations/import-jobs/<job_id>/status": "JSON (the job page's progress)",
}


def manage_rules(app: Flask) -> list:
    """The GET routes of the organizer's area (under /manage), in path order."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.rule.startswith("/manage")), key=lambda rule: rule.rule)


def demo_manage_urls(app: Flask) -> list[str]:
    """Every organizer page of the demo forum (loaded already), as paths; some routes more than
    once (every award program, every kind of e-mail)."""
    with app.app_context():
        values = _demo_values(db.session.scalar(select(Event).where(Event.slug == loader.SLUG)))
        db.session.commit()
    urls = []
    with app.test_request_context():
        for rule in manage_rules(app):
            if rule.rule in NOT_PAGES:
                continue
            for params in _parameter_sets(rule, values):
                urls.append(url_for(rule.endpoint, **params))
    return urls


def _parameter_sets(rule, values: dict) -> list[dict]:
    """One dict of parameters per page to visit for ``rule``."""
    names = sorted(rule.arguments)
    if rule.endpoint == "guest_mail.email_edit":
        # every kind of message, and the first in the other language too
        first = next(iter(wording.KINDS))
        return ([{"slug": values["slug"], "kind": kind, "language": "en"} for kind in wording.KINDS]
                + [{"slug": values["slug"], "kind": first, "language": "zh"}])
    if rule.endpoint == "awards.program_detail":
        return [{"slug": values["slug"], "program_id": pid} for pid in values["program_ids"]]
    key = {"job_id": JOB_OF_ENDPOINT.get(rule.endpoint)}
    missing = [name for name in names if (key.get(name) or name) not in values]
    if missing:
        raise LookupError(f"{rule.rule}: no demo value for {missing}; add it to tests/support/manage_pages.py "
                          f"or name the route in NOT_PAGES if it is not a page")
    return [{name: values[key.get(name) or name] for name in names}]


#: which job a job page shows
JOB_OF_ENDPOINT = {
    "badges.print_job": "badge_job_id",
    "awards.certificates_job": "certificate_job_id",
    "registration_manage.import_job": "import_job_id",
}


def _demo_values(event: Event) -> dict:
    def first(query):
        found = db.session.scalar(query.limit(1))
        assert found is not None, f"the demo forum has none of: {query}"
        return found

    user_id = user_by_email(loader.ORGANIZER_EMAIL).id
    # the session with the most people on stage, its first speech, and its first speaker
    busiest = first(select(AgendaItem.id).join(Participation).where(AgendaItem.event_id == event.id)
                    .group_by(AgendaItem.id).order_by(func.count().desc(), AgendaItem.id))
    program_ids = db.session.scalars(select(AwardProgram.id).where(AwardProgram.event_id == event.id)
                                     .order_by(AwardProgram.id)).all()
    assert program_ids, "the demo forum has no award program"
    smallest_category = first(select(Category.id).join(Registration, Registration.category_id == Category.id)
                              .where(Category.event_id == event.id)
                              .group_by(Category.id).order_by(func.count(), Category.id))
    return {
        "slug": event.slug,
        "room_id": first(select(Room.id).where(Room.event_id == event.id).order_by(Room.position, Room.id)),
        "item_id": busiest,
        "speech_id": first(select(SpeechRecord.id).join(AgendaItem).where(AgendaItem.event_id == event.id)
                           .order_by(SpeechRecord.id)),
        "person_id": first(select(Participation.person_id).where(Participation.agenda_item_id == busiest)
                           .order_by(Participation.position, Participation.id)),
        "program_id": program_ids[0],
        "program_ids": program_ids,
        "award_id": first(select(Award.id).where(Award.program_id == program_ids[0]).order_by(Award.position, Award.id)),
        "question_id": _question(event),
        "badge_job_id": badge_jobs.create(event=event, user_id=user_id, layout=SINGLE,
                                          selection=BadgeSelection(category_id=smallest_category)).id,
        "certificate_job_id": _certificate_job(event, program_ids[0], user_id),
        "import_job_id": _import_job(event, user_id),
        "endpoint_id": _webhook_endpoint(event),
        "station_id": _print_station(event),
        "rule_id": _attendance_rule(event, busiest),
    }


def _attendance_rule(event: Event, item_id: int) -> int:
    """The demo has no certificate of attendance: a rule for its busiest session, with two issued
    (one revoked), so that the rule's page shows its table."""
    from eventsvc.awards import attendance
    from eventsvc.awards.models import AttendanceRule

    existing = db.session.scalar(select(AttendanceRule.id).where(AttendanceRule.event_id == event.id))
    if existing:
        return existing
    rule = attendance.create_rule(event, attendance.RuleData(item_id, 80, "DEMOATT"))
    guests = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)
                                .order_by(Registration.id).limit(2)).all()
    issued = attendance.issue(rule, {guest: 50 + n for n, guest in enumerate(guests)})
    attendance.revoke(issued[-1], "Scanned in by mistake")
    return rule.id


def _print_station(event: Event) -> int:
    """The demo has no print station: one at the entrance desk."""
    from eventsvc.badges.layout import LABEL_100X75
    from eventsvc.badges.stations import save_station, stations

    existing = stations(event)
    return existing[0].id if existing else save_station(event, name="Entrance desk", layout=LABEL_100X75).id


def _webhook_endpoint(event: Event) -> int:
    """The demo has no webhook endpoint: one that nobody listens at (port 9), for its delivery log."""
    existing = webhooks.endpoints_of(event.id)
    if existing:
        return existing[0].id
    return webhooks.create_endpoint(event.id, "http://127.0.0.1:9/demo", ["award.presented"])[0].id


def _question(event: Event) -> int:
    existing = db.session.scalar(select(Question.id).where(Question.event_id == event.id).order_by(Question.id))
    if existing is not None:
        return existing
    question = create_question(event, QuestionInput(
        kind="single_choice", label="Which lunch would you like?", label_local="您希望选择哪种午餐？",
        help="We seat guests by table.", help_local="我们按桌安排座位。",
        choices=[ChoiceInput("Chinese set menu", "中式套餐"), ChoiceInput("Vegetarian", "素食")]))
    db.session.flush()
    return question.id


def _certificate_job(event: Event, program_id: int, user_id: int) -> str:
    program = db.session.get(AwardProgram, program_id)
    return certificate_batches.create(event=event, program=program, user_id=user_id).id


def _import_job(event: Event, user_id: int) -> str:
    key = "imports/manage-pages.csv"
    storage.save(key, "name,email,name_local\nWang Fang,wang.fang@example.org,王芳\n".encode())
    return import_jobs.start_check(event, upload_key=key, filename="guests.csv", rows=1, user_id=user_id).id
