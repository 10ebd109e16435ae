"""Self-registration for open and approval events: /e/<slug>/register.

Whatever was submitted, the browser sees what it typed and "check your e-mail": the
portal link goes only to the address (see self_registration.py).
"""

from flask import Blueprint, abort, flash, make_response, render_template, request
from sqlalchemy.exc import IntegrityError

from eventsvc.core.clients import client_address
from eventsvc.core.db_setup import commit_keeping_loaded, reads_before_locking
from eventsvc.core.errors import Conflict, ServiceError
from eventsvc.core.i18n import local
from eventsvc.core.rate_limits import RateLimited
from eventsvc.events.models import Event
from eventsvc.events.public_views import shown_publicly
from eventsvc.extensions import db
from eventsvc.registration import seats, self_registration, service
from eventsvc.registration.forms import SelfRegistrationForm
from eventsvc.registration.questions import answers as answer_service

bp = Blueprint("registration_public", __name__)


def _self_register(event, form, raw_answers, questions) -> None:
    """Two forms with the same new e-mail at the same instant: the loser retries and finds the
    winner (an "already registered" answer would tell the browser that the address is known)."""
    for attempt in (1, 2):
        try:
            self_registration.self_register(event, form.details(form.email.data), form.sessions.data or [],
                                            raw_answers, questions if attempt == 1 else None)
            db.session.flush()
            return
        except (IntegrityError, Conflict) as error:
            db.session.rollback()
            if attempt == 2 or (isinstance(error, Conflict) and error.code != "already_registered"):
                raise


def _form_page(event, form, status: int = 200, items=None, **page):
    """The form again (first shown, or with what was wrong), its seminars and their free seats."""
    items = seats.choosable_sessions(event) if items is None else items
    form.sessions.choices = [(i.id, local(i, "title")) for i in items]
    return make_response(render_template("registration/register.html", event=event, form=form, items=items,
                                         counts=service.seat_counts(items), **page), status)


def _event_of_form(slug: str) -> tuple[Event, bool]:
    """The event as its public pages show it, and whether it asks any question (an event that
    asks none reads no questions)."""
    event, asks = answer_service.event_asking(slug)
    if event is None:
        abort(404)
    return shown_publicly(event), asks


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@reads_before_locking  # the place is taken by a conditional UPDATE, the person by INSERT … ON CONFLICT
def register(slug):
    limited = None
    if request.method == "POST":
        try:  # first of all: the count is written on its own connection (core.rate_limits)
            self_registration.count_submission(client_address(), request.form.get("email"))
        except RateLimited as error:
            limited = error
    event, asks = _event_of_form(slug)
    closed_reason = None
    try:
        self_registration.check_open(event)
    except ServiceError as error:
        closed_reason = error.message
    form = SelfRegistrationForm()
    # the seminars are read when the page shows them or some were chosen (seats.choose checks
    # each choice again): a registration without seminars does not need them
    items = seats.choosable_sessions(event) if not form.is_submitted() or form.sessions.data else None
    questions = answer_service.questions_for(event, None) if asks else []
    raw_answers = answer_service.answers_from_form(questions, request.form) if request.method == "POST" else {}
    page = {"questions": questions, "answer_values": answer_service.submitted_values(questions, raw_answers),
            "answer_errors": {}, "closed_reason": closed_reason}
    status = 200
    if limited is not None:
        response = _form_page(event, form, 429, items, limited=limited.message, **page)
        response.headers["Retry-After"] = str(limited.details["retry_after"])
        return response
    if closed_reason is None and form.is_submitted():
        try:  # every wrong answer is shown beside the form's own errors
            answer_service.check_answers(questions, raw_answers, by_guest=True)
        except answer_service.AnswersInvalid as error:
            page["answer_errors"] = error.errors
    if closed_reason is None and form.validate_on_submit() and not page["answer_errors"]:
        try:
            _self_register(event, form, raw_answers, questions)
        except answer_service.AnswersInvalid as error:
            db.session.rollback()
            page["answer_errors"], status = error.errors, 422
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "email", form.email).errors.append(error.message)
            status = 422
        else:
            commit_keeping_loaded()  # the page shows the event as it was read: not read again
            chosen = [i for i in items or () if i.id in form.sessions.data]
            return render_template("registration/check_mail.html", event=event, form=form, sessions=chosen)
    elif form.is_submitted():
        status = 422 if closed_reason is None else 403
    if closed_reason and form.is_submitted():
        flash(closed_reason, "error")
    return _form_page(event, form, status, items, **page)
