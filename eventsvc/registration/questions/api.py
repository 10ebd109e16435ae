"""JSON API: an event's registration questions (organizers only).

Answers are part of the registration's shape (registration.api): ``answers`` by question key,
set with ``PATCH …/registrations/<id>/answers`` or given when registering or inviting.
"""

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint

from eventsvc.core.api_links import FROM_PATH, NEW_ID, answer_links, link
from eventsvc.core.errors import ServiceError
from eventsvc.events.permissions import ORGANIZER, api_event, api_event_role
from eventsvc.extensions import db
from eventsvc.registration.categories import list_categories
from eventsvc.registration.questions import service
from eventsvc.registration.questions.models import Question
from eventsvc.registration.questions.schemas import (
    QuestionDumpSchema,
    QuestionPatchSchema,
    QuestionSchema,
)

blp = Blueprint("questions_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Registration questions")


def _input(event, values: dict, question: Question | None = None) -> service.QuestionInput:
    """The API's fields over the question's current ones (a PATCH changes what it names)."""
    codes = {c.code: c.id for c in list_categories(event)}
    if "categories" in values:
        unknown = [code for code in values["categories"] if code not in codes]
        if unknown:
            raise ServiceError("unknown_category", _("Unknown category “%(code)s”.", code=", ".join(unknown)),
                               field="categories")
        category_ids = [codes[code] for code in values["categories"]]
    else:
        category_ids = [c.id for c in question.categories] if question else []
    if "choices" in values:
        choices = [service.ChoiceInput(c["label"], c.get("label_local"), key=c.get("key")) for c in values["choices"]]
    else:
        choices = [service.ChoiceInput(c.label, c.label_local, key=c.key)
                   for c in (question.choices if question else []) if not c.hidden]

    def value(name, default=None):
        return values[name] if name in values else (getattr(question, name) if question else default)

    return service.QuestionInput(
        kind=value("kind"), label=value("label"), label_local=value("label_local"), help=value("help"),
        help_local=value("help_local"), required=bool(value("required", False)), hidden=bool(value("hidden", False)),
        key=values.get("key"), category_ids=category_ids, choices=choices)


def _move(question: Question, values: dict) -> None:
    if values.get("position") is not None:
        service.move_question(question, values["position"] - 1)


@blp.route("/questions")
class Questions(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, QuestionDumpSchema(many=True))
    def get(self, slug):
        """The event's questions in the order guests see them (hidden ones too)."""
        return service.list_questions(api_event())

    @api_event_role(ORGANIZER)
    @blp.arguments(QuestionSchema)
    @blp.response(201, QuestionDumpSchema)
    @blp.doc(**answer_links(201, question=link("/api/v1/events/{slug}/questions/{question_id}", "get",
                                                  slug=FROM_PATH, question_id=NEW_ID)))
    def post(self, values, slug):
        """Add a question (at the end, unless ``position`` says where); errors: bad_key, duplicate_key,
        choices_required, duplicate_choice, unknown_category."""
        event = api_event()
        question = service.create_question(event, _input(event, values))
        _move(question, values)
        db.session.commit()
        return question


@blp.route("/questions/<int:question_id>")
class QuestionDetail(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, QuestionDumpSchema)
    def get(self, slug, question_id):
        return service.question_for(api_event(), question_id)

    @api_event_role(ORGANIZER)
    @blp.arguments(QuestionPatchSchema(partial=True))
    @blp.response(200, QuestionDumpSchema)
    def patch(self, values, slug, question_id):
        """Change a question. Answered choices keep their key and stay readable on old answers; the kind
        of an answered question is fixed (409 kind_locked)."""
        event = api_event()
        question = service.question_for(event, question_id)
        service.update_question(question, _input(event, values, question))
        _move(question, values)
        db.session.commit()
        return question

    @api_event_role(ORGANIZER)
    @blp.response(204)
    @blp.alt_response(409, description="guests have answered it: hide it instead (has_answers)")
    def delete(self, slug, question_id):
        """Delete a question nobody has answered."""
        service.delete_question(service.question_for(api_event(), question_id))
        db.session.commit()
