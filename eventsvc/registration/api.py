"""JSON API: invitations and registrations of an event (organizers only)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from eventsvc.accounts.api_auth import api_user, rechecks_caller
from eventsvc.core.api_links import FROM_PATH, NEW_ID, answer_links, link
from eventsvc.core.db_setup import commit_keeping_loaded, reads_before_locking
from eventsvc.core.errors import ServiceError
from eventsvc.events.enums import RegistrationMode
from eventsvc.events.permissions import ORGANIZER, api_event, api_event_role
from eventsvc.extensions import db
from eventsvc.people.identity import PersonDetails, find_or_create_person_new
from eventsvc.registration import invitations as invitation_service
from eventsvc.registration import lifecycle, lists, service
from eventsvc.registration.enums import RegistrationSource
from eventsvc.registration.questions import answers as answer_service
from eventsvc.registration.questions.schemas import AnswersSchema
from eventsvc.registration.schemas import (
    ImportArgsSchema,
    ImportFileSchema,
    ImportResultSchema,
    InvitationCreateSchema,
    InvitationListArgsSchema,
    InvitationSchema,
    RegistrationCreateSchema,
    RegistrationListArgsSchema,
    RegistrationSchema,
)
from eventsvc.registration.transitions import Actor

blp = Blueprint("registration_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Invitations and registrations")


def _details(data) -> PersonDetails:
    return PersonDetails(name=data["name"], email=data["email"], name_local=data["name_local"],
                                organization=data["organization"], position=data["position"],
                                phone=data["phone"], language=data["language"])


@blp.route("/invitations")
class Invitations(MethodView):
    @api_event_role(ORGANIZER)
    @blp.arguments(InvitationListArgsSchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    def get(self, args, slug):
        """Invitations, searchable by name (Latin or Chinese), e-mail or organization."""
        event = api_event()
        return answer_service.attach_answers(event, lists.invitations(event, **args))

    @api_event_role(ORGANIZER)
    @blp.arguments(InvitationCreateSchema)
    @blp.response(201, InvitationSchema)
    def post(self, data, slug):
        """Invite one person (and send the e-mail unless send=false)."""
        event = api_event()
        category = invitation_service.category_by_code(event, data["category"])
        cleaned = answer_service.check_answers(answer_service.questions_for(event, category), data["answers"],
                                               by_guest=False)
        invitation = invitation_service.create_invitation(
            event, invitation_service.InvitationInput(_details(data), data["category"], data["session_ids"],
                                                      data["message"]),
            invited_by_id=api_user().id, send=data["send"])
        answer_service.store_answers(event.id, invitation.person_id, cleaned)
        db.session.commit()
        return answer_service.attach_answers(event, [invitation])[0]


@blp.route("/invitations/import")
class InvitationImport(MethodView):
    @api_event_role(ORGANIZER)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, ImportResultSchema)
    def post(self, args, files, slug):
        """Import a CSV/XLSX file: all or nothing. A bad file answers 422 with every bad row."""
        event = api_event()
        upload = files["file"]
        data = upload.read()
        if args["dry_run"]:
            rows = invitation_service.preview_import(event, upload.filename, data)
            db.session.rollback()
            return {"dry_run": True, "count": len(rows),
                    "rows": [{"line": r.line, "email": r.data.details.email} for r in rows]}
        created = invitation_service.import_invitations(event, upload.filename, data,
                                                        invited_by_id=api_user().id, send=args["send"])
        db.session.commit()
        return {"dry_run": False, "count": len(created),
                "rows": [{"id": i.id, "email": i.person.email} for i in created]}


@blp.route("/registrations")
class Registrations(MethodView):
    @api_event_role(ORGANIZER)
    @blp.arguments(RegistrationListArgsSchema, location="query")
    @blp.response(200, RegistrationSchema(many=True))
    def get(self, args, slug):
        """Registrations, searchable and filtered by status, category and an answer."""
        event = api_event()
        return answer_service.attach_answers(event, lists.registrations(event, **args))

    @rechecks_caller  # event_for_role's query checks a cached token again: no lookup of its own
    @reads_before_locking  # the place is taken by a conditional UPDATE, the person by INSERT … ON CONFLICT
    @api_event_role(ORGANIZER)
    @blp.arguments(RegistrationCreateSchema())  # an instance: webargs builds a class anew for every request
    @blp.response(201, RegistrationSchema)
    @blp.doc(**answer_links(
        201,
        registration=link("/api/v1/events/{slug}/registrations/{registration_id}", "get", slug=FROM_PATH, registration_id=NEW_ID),
        badge=link("/api/v1/events/{slug}/registrations/{registration_id}/badge", "get", "its badge code",
                   slug=FROM_PATH, registration_id=NEW_ID),
        cancel=link("/api/v1/events/{slug}/registrations/{registration_id}/cancel", "post", slug=FROM_PATH, registration_id=NEW_ID)))
    def post(self, data, slug):
        """Register a person: confirmed while places last, then waitlisted (never over capacity)."""
        event = api_event()
        category = invitation_service.category_by_code(event, data["category"])
        if data["category"] and category is None:
            raise ServiceError("unknown_category", "Unknown category.", field="category")
        questions = answer_service.list_questions(event)  # once: checked here, shown in the answer
        cleaned = answer_service.check_answers(answer_service.questions_for(event, category, questions),
                                               data["answers"], by_guest=False)
        person, new_person = find_or_create_person_new(event, _details(data))  # the first write
        registration = lifecycle.register(
            event, person, source=RegistrationSource.IMPORT, actor=Actor.ORGANIZER, category=category,
            language=data["language"],
            needs_approval=(event.registration_mode == RegistrationMode.APPROVAL
                            if data["needs_approval"] is None else data["needs_approval"]),
            session_ids=data["session_ids"], notify=data["notify"])
        answer_service.store_answers(event.id, person.id, cleaned)
        if new_person:
            answer_service.attach_new_answers(registration, questions, cleaned)
        else:  # a person known before (invited, say) may have answered other questions already
            answer_service.attach_answers(event, [registration], questions)
        commit_keeping_loaded()  # the answer shows what was just written: nothing is read again
        return registration


@blp.route("/registrations/<int:registration_id>")
class RegistrationDetail(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, RegistrationSchema)
    def get(self, slug, registration_id):
        """One registration."""
        event = api_event()
        return answer_service.attach_answers(event, [service.registration_for(event, registration_id)])[0]


@blp.route("/registrations/<int:registration_id>/answers")
class RegistrationAnswers(MethodView):
    @api_event_role(ORGANIZER)
    @blp.arguments(AnswersSchema)
    @blp.response(200, RegistrationSchema)
    def patch(self, data, slug, registration_id):
        """Set answers to the questions the guest's category is asked; 422 invalid_answers names each
        wrong one (``answers.<key>``) and changes nothing."""
        event = api_event()
        registration = service.registration_for(event, registration_id)
        answer_service.set_answers(event, registration.person_id, registration.category, data["answers"],
                                   by_guest=False)
        db.session.commit()
        return answer_service.attach_answers(event, [registration])[0]


def _action_route(action: str, doc: str) -> None:
    """POST …/registrations/<id>/<action>: one lifecycle action. Repeating it answers 200 with
    the current registration and changes nothing; a state that forbids it answers 409
    ``action_not_allowed``."""

    class RegistrationAction(MethodView):
        @api_event_role(ORGANIZER)
        @blp.response(200, RegistrationSchema)
        @blp.alt_response(409, description="the registration's state does not allow this action")
        def post(self, slug, registration_id):
            registration = service.registration_for(api_event(), registration_id)
            outcome = lifecycle.act(registration, action, actor=Actor.ORGANIZER)
            db.session.commit()
            return answer_service.attach_answers(registration.event, [outcome.registration])[0]

    RegistrationAction.post.__doc__ = doc
    RegistrationAction.__name__ = f"Registration{action.capitalize()}"
    blp.route(f"/registrations/<int:registration_id>/{action}")(RegistrationAction)


for _action, _doc in (
        ("approve", "Approve a pending registration: confirmed if a place is free, else waitlisted."),
        ("confirm", "Confirm a pending or waitlisted guest now, out of turn (409 event_full when full)."),
        ("waitlist", "Move a confirmed guest to the end of the waitlist (their place is freed)."),
        ("reject", "Reject a pending or waitlisted registration."),
        ("cancel", "Cancel; the freed place goes to the first on the waitlist.")):
    _action_route(_action, _doc)
