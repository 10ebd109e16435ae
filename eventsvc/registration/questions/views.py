"""Organizer pages: the event's registration questions (list, add, edit, move, delete).

Every route needs the organizer role at the event (``requires_event_role``).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.core.manage_nav import add_tab
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.extensions import db
from eventsvc.registration.categories import list_categories
from eventsvc.registration.questions import answers as answer_service
from eventsvc.registration.questions import service
from eventsvc.registration.questions.forms import KIND_LABELS, QuestionForm

bp = Blueprint("questions_manage", __name__, url_prefix="/manage/e")
add_tab("questions_manage.questions", _l("Questions"), ("questions_manage.",), position=65)


def _form(event: Event, **kwargs) -> QuestionForm:
    form = QuestionForm(**kwargs)
    form.categories.choices = [(c.id, local(c, "label")) for c in list_categories(event)]
    return form


def _save(event: Event, form: QuestionForm, question=None):
    """Create or update through the service; a refusal lands on its field. None when refused."""
    try:
        data = form.to_input(question, request.form)
        saved = service.update_question(question, data) if question else service.create_question(event, data)
    except ServiceError as error:
        db.session.rollback()
        field = {"choices": "new_choices", "category_ids": "categories"}.get(error.field, error.field)
        getattr(form, field or "label", form.label).errors.append(error.message)
        return None
    db.session.commit()
    return saved


@bp.route("/<slug>/questions", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def questions(event: Event):
    form = _form(event)
    status = 200
    if form.validate_on_submit():
        if (question := _save(event, form)) is not None:
            flash(_("Question “%(label)s” added.", label=question.label), "success")
            return redirect(url_for(".questions", slug=event.slug))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("registration/questions.html", event=event, form=form, kinds=KIND_LABELS,
                           items=service.list_questions(event)), status


@bp.route("/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def question_edit(event: Event, question_id: int):
    question = service.question_for(event, question_id)
    form = _form(event, obj=question if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = question.kind.value
        form.categories.data = [c.id for c in question.categories]
    status = 200
    if form.validate_on_submit():
        if _save(event, form, question) is not None:
            flash(_("Question “%(label)s” saved.", label=question.label), "success")
            return redirect(url_for(".questions", slug=event.slug))
        status = 422
        question = service.question_for(event, question_id)
    elif form.is_submitted():
        status = 422
    return render_template("registration/question_edit.html", event=event, form=form, question=question,
                           answered=service.has_answers(question)), status


@bp.post("/<slug>/questions/<int:question_id>/move")
@requires_event_role(ORGANIZER)
def question_move(event: Event, question_id: int):
    question = service.question_for(event, question_id)
    ordered = service.list_questions(event)
    index = ordered.index(question) + (-1 if request.form.get("direction") == "up" else 1)
    service.move_question(question, index)
    db.session.commit()
    return redirect(url_for(".questions", slug=event.slug, _anchor=f"question-{question.id}"), 303)


@bp.post("/<slug>/questions/<int:question_id>/delete")
@requires_event_role(ORGANIZER)
def question_delete(event: Event, question_id: int):
    question = service.question_for(event, question_id)
    try:
        service.delete_question(question)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(url_for(".questions", slug=event.slug), 303)


@bp.app_template_global("answer_text")
def answer_text(question, answer) -> str:
    """A guest's answer as the page's reader reads it (choices in their language)."""
    return answer_service.answer_text(question, answer)
