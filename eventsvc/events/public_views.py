"""Public pages of a published event. A draft is 404 to anyone who does not work at it."""

from itertools import groupby

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsvc.core.permissions import STAFF, can, event_by_slug
from eventsvc.events.enums import EventStatus, ParticipationRole
from eventsvc.events.models import AgendaItem, Event, Participation
from eventsvc.extensions import db

bp = Blueprint("events_public", __name__)

SPEAKING_ROLES = {ParticipationRole.SPEAKER, ParticipationRole.MODERATOR, ParticipationRole.PANELIST,
                  ParticipationRole.HOST, ParticipationRole.PRESENTER}


def public_event(slug: str) -> Event:
    event = event_by_slug(slug)
    if event.status == EventStatus.DRAFT and not can(current_user, event, STAFF):
        abort(404)
    return event


def load_agenda(event: Event) -> list[AgendaItem]:
    """All sessions with rooms, people and speeches, in a constant number of queries."""
    return db.session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id)
        .options(
            selectinload(AgendaItem.room),
            selectinload(AgendaItem.participations).selectinload(Participation.person),
            selectinload(AgendaItem.speeches),
        )
        .order_by(AgendaItem.starts_at, AgendaItem.id)).all()


@bp.get("/e/<slug>")
def event_page(slug: str):
    event = public_event(slug)
    items = load_agenda(event)
    days = [(day, list(group)) for day, group in
            groupby(items, key=lambda item: item.starts_at.astimezone(_zone(event)).date())]
    speakers, seen = [], set()
    for item in items:
        for part in item.participations:
            if part.role in SPEAKING_ROLES and part.person_id not in seen:
                seen.add(part.person_id)
                speakers.append(part.person)
    return render_template("events/event.html", event=event, days=days, speakers=speakers)


def _zone(event: Event):
    from zoneinfo import ZoneInfo

    return ZoneInfo(event.timezone)
