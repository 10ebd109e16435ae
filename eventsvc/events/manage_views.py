"""Organizer pages of one event. Every route here needs the organizer role at the event."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from eventsvc.core.permissions import ORGANIZER, requires_event_role
from eventsvc.events.models import AgendaItem, Event, Room
from eventsvc.extensions import db
from eventsvc.registration.models import Invitation, Registration

bp = Blueprint("manage", __name__, url_prefix="/manage/e")


@bp.get("/<slug>")
@requires_event_role(ORGANIZER)
def event_overview(event: Event):
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id, *where))

    registrations = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event.id)
        .group_by(Registration.status)).all())
    figures = {
        "sessions": count(AgendaItem),
        "rooms": count(Room),
        "invitations": count(Invitation),
        "registrations": registrations,
    }
    return render_template("events/manage_overview.html", event=event, figures=figures)
