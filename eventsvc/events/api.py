"""JSON API: events and their sessions."""

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.api_auth import any_account, api_site_permission, api_user
from eventsvc.accounts.models import EventRole
from eventsvc.core.api_links import FROM_PATH, NEW_ID, answer_links, link
from eventsvc.core.errors import NotFound
from eventsvc.events import agenda, service
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import AgendaItem, Event, Participation
from eventsvc.events.permissions import (
    ANY_ACCOUNT,
    ORGANIZER,
    api_event,
    api_event_role,
    can_create_events,
)
from eventsvc.events.schemas import (
    EventInSchema,
    EventListQuerySchema,
    EventPatchSchema,
    EventSchema,
    ParticipationPatchSchema,
    ParticipationSchema,
    SessionDetailSchema,
    SessionInSchema,
    SessionPatchSchema,
    SessionSchema,
    SpeechPatchSchema,
    SpeechSchema,
)
from eventsvc.extensions import db

blp = Blueprint("events_api", __name__, url_prefix="/api/v1/events", description="Events and their agenda")


@blp.route("")
class EventList(MethodView):
    @api_site_permission(any_account)
    @blp.arguments(EventListQuerySchema, location="query")
    @blp.response(200, EventSchema(many=True))
    def get(self, args):
        """Events the caller can see: published ones and those they work at."""
        user = api_user()
        query = select(Event).order_by(Event.start_date.desc(), Event.id)
        if "status" in args:
            query = query.where(Event.status == args["status"])
        if not user.is_admin:
            mine = select(EventRole.event_id).where(EventRole.user_id == user.id)
            query = query.where(or_(Event.status == EventStatus.PUBLISHED, Event.id.in_(mine)))
        return db.session.scalars(query).all()

    @api_site_permission(can_create_events)
    @blp.arguments(EventInSchema)
    @blp.response(201, EventSchema)
    @blp.doc(**answer_links(
        201,
        event=link("/api/v1/events/{slug}", "get", slug="$response.body#/slug"),
        change=link("/api/v1/events/{slug}", "patch", slug="$response.body#/slug"),
        addSession=link("/api/v1/events/{slug}/sessions", "post", slug="$response.body#/slug")))
    def post(self, data):
        """Create an event (administrators and event creators); the caller becomes its organizer.

        The same rules as the event form: a taken or malformed address, days out of order, an
        unknown time zone or a registration window that closes before it opens answer 422
        with the field named, and nothing is created.
        """
        event = service.create_event(data, creator=api_user())
        db.session.commit()
        return event, 201


@blp.route("/<slug>")
class EventDetail(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, EventSchema)
    def get(self, slug):
        """One event."""
        return api_event()

    @api_event_role(ORGANIZER)
    @blp.arguments(EventPatchSchema(partial=True))
    @blp.response(200, EventSchema)
    def patch(self, data, slug):
        """Change any of the event's settings (its organizers); only the fields sent change.

        The rules of the settings pages: a capacity below the guests already confirmed is
        refused (422, code below_confirmed); a higher one promotes guests from the waitlist.
        Any refusal changes nothing.
        """
        event = service.update_event(api_event(), data)
        db.session.commit()
        return event


@blp.route("/<slug>/sessions")
class EventSessions(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, SessionSchema(many=True))
    def get(self, slug):
        """The sessions of an event, in time order."""
        event = api_event()
        return db.session.scalars(
            select(AgendaItem).where(AgendaItem.event_id == event.id)
            .options(selectinload(AgendaItem.room))
            .order_by(AgendaItem.starts_at, AgendaItem.id)).all()

    @api_event_role(ORGANIZER)
    @blp.arguments(SessionInSchema)
    @blp.response(201, SessionDetailSchema)
    @blp.doc(**answer_links(
        201,
        session=link("/api/v1/events/{slug}/sessions/{item_id}", "get", slug=FROM_PATH, item_id=NEW_ID),
        speeches=link("/api/v1/events/{slug}/sessions/{item_id}/speeches", "get", "its speeches", slug=FROM_PATH, item_id=NEW_ID),
        addSpeech=link("/api/v1/events/{slug}/sessions/{item_id}/speeches", "post", slug=FROM_PATH, item_id=NEW_ID),
        participations=link("/api/v1/events/{slug}/sessions/{item_id}/participations", "get", slug=FROM_PATH, item_id=NEW_ID),
        change=link("/api/v1/events/{slug}/sessions/{item_id}", "patch", slug=FROM_PATH, item_id=NEW_ID)))
    @blp.alt_response(409, description="clashes with other sessions; resend with confirm_overlaps")
    def post(self, data, slug):
        """Add a session. Overlaps in a room or for a person answer 409 naming them, unless confirmed."""
        event = api_event()
        confirm = data.pop("confirm_overlaps", False)
        item, found = agenda.create_session(event, data, confirm_overlaps=confirm)
        db.session.commit()
        return item, 201, _clashes_header(found)


def _clashes_header(found) -> dict:
    return {"X-Agenda-Conflicts": str(len(found))} if found else {}


@blp.route("/<slug>/sessions/<int:item_id>")
class EventSessionDetail(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, SessionDetailSchema)
    def get(self, slug, item_id):
        return agenda.session_of(api_event(), item_id)

    @api_event_role(ORGANIZER)
    @blp.arguments(SessionPatchSchema(partial=True))
    @blp.response(200, SessionDetailSchema)
    @blp.alt_response(409, description="clashes with other sessions; resend with confirm_overlaps")
    def patch(self, data, slug, item_id):
        """Change a session; its iCalendar SEQUENCE goes up."""
        event = api_event()
        confirm = data.pop("confirm_overlaps", False)
        item, found = agenda.update_session(agenda.session_of(event, item_id), data, confirm_overlaps=confirm)
        db.session.commit()
        return item, 200, _clashes_header(found)

    @api_event_role(ORGANIZER)
    @blp.response(204)
    def delete(self, slug, item_id):
        event = api_event()
        agenda.delete_session(agenda.session_of(event, item_id))
        db.session.commit()


@blp.route("/<slug>/sessions/<int:item_id>/participations")
class SessionParticipations(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, ParticipationSchema(many=True))
    def get(self, slug, item_id):
        return agenda.session_of(api_event(), item_id).participations

    @api_event_role(ORGANIZER)
    @blp.arguments(ParticipationSchema)
    @blp.response(201, ParticipationSchema)
    @blp.doc(**answer_links(
        201,
        participation=link("/api/v1/events/{slug}/participations/{part_id}", "get", slug=FROM_PATH, part_id=NEW_ID),
        change=link("/api/v1/events/{slug}/participations/{part_id}", "patch", slug=FROM_PATH, part_id=NEW_ID)))
    def post(self, data, slug, item_id):
        item = agenda.session_of(api_event(), item_id)
        part, found = agenda.add_participation(item, person_id=data["person_id"], role=data["role"],
                                               position=data.get("position"),
                                               confirm_overlaps=data.get("confirm_overlaps", False))
        db.session.commit()
        return part, 201, _clashes_header(found)


def _participation(event: Event, part_id: int) -> Participation:
    part = db.session.get(Participation, part_id)
    if part is None or part.agenda_item.event_id != event.id:
        raise NotFound("unknown_participation", _("No such participation at this event."))
    return part


@blp.route("/<slug>/participations/<int:part_id>")
class ParticipationDetail(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, ParticipationSchema)
    def get(self, slug, part_id):
        return _participation(api_event(), part_id)

    @api_event_role(ORGANIZER)
    @blp.arguments(ParticipationPatchSchema)
    @blp.response(200, ParticipationSchema)
    def patch(self, data, slug, part_id):
        part = agenda.update_participation(_participation(api_event(), part_id), **data)
        db.session.commit()
        return part

    @api_event_role(ORGANIZER)
    @blp.response(204)
    def delete(self, slug, part_id):
        agenda.remove_participation(_participation(api_event(), part_id))
        db.session.commit()


@blp.route("/<slug>/sessions/<int:item_id>/speeches")
class SessionSpeeches(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, SpeechSchema(many=True))
    def get(self, slug, item_id):
        return agenda.session_of(api_event(), item_id).speeches

    @api_event_role(ORGANIZER)
    @blp.arguments(SpeechSchema)
    @blp.response(201, SpeechSchema)
    @blp.doc(**answer_links(
        201,
        speech=link("/api/v1/events/{slug}/speeches/{speech_id}", "get", slug=FROM_PATH, speech_id=NEW_ID),
        change=link("/api/v1/events/{slug}/speeches/{speech_id}", "patch", slug=FROM_PATH, speech_id=NEW_ID)))
    def post(self, data, slug, item_id):
        item = agenda.session_of(api_event(), item_id)
        confirm = data.pop("confirm_overlaps", False)
        speech, found = agenda.add_speech(item, data, confirm_overlaps=confirm)
        db.session.commit()
        return speech, 201, _clashes_header(found)


@blp.route("/<slug>/speeches/<int:speech_id>")
class SpeechDetail(MethodView):
    @api_event_role(ANY_ACCOUNT)
    @blp.response(200, SpeechSchema)
    def get(self, slug, speech_id):
        return agenda.speech_of(api_event(), speech_id)

    @api_event_role(ORGANIZER)
    @blp.arguments(SpeechPatchSchema(partial=True))
    @blp.response(200, SpeechSchema)
    def patch(self, data, slug, speech_id):
        data.pop("confirm_overlaps", None)
        speech = agenda.update_speech(agenda.speech_of(api_event(), speech_id), data)
        db.session.commit()
        return speech

    @api_event_role(ORGANIZER)
    @blp.response(204)
    def delete(self, slug, speech_id):
        agenda.delete_speech(agenda.speech_of(api_event(), speech_id))
        db.session.commit()
