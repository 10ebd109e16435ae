"""JSON API: events and their sessions."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.models import EventRole
from eventsvc.api.auth import api_user
from eventsvc.core.permissions import STAFF, can, event_by_slug
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.schemas import EventListQuerySchema, EventSchema, SessionSchema
from eventsvc.extensions import db

blp = Blueprint("events_api", __name__, url_prefix="/api/v1/events", description="Events and their agenda")


def visible_event(slug: str) -> Event:
    """An event the caller may read: published, or one they work at. Others are 404."""
    event = event_by_slug(slug)
    if event.status != EventStatus.PUBLISHED and not can(api_user(), event, STAFF):
        abort(404)
    return event


@blp.route("")
class EventList(MethodView):
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


@blp.route("/<slug>")
class EventDetail(MethodView):
    @blp.response(200, EventSchema)
    def get(self, slug):
        """One event."""
        return visible_event(slug)


@blp.route("/<slug>/sessions")
class EventSessions(MethodView):
    @blp.response(200, SessionSchema(many=True))
    def get(self, slug):
        """The sessions of an event, in time order."""
        event = visible_event(slug)
        return db.session.scalars(
            select(AgendaItem).where(AgendaItem.event_id == event.id)
            .options(selectinload(AgendaItem.room))
            .order_by(AgendaItem.starts_at, AgendaItem.id)).all()
