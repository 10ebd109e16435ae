"""Public pages of a published event: agenda, sessions, speakers, proceedings, iCalendar, slides.

A draft is 404 to anyone who does not work at it, and so is everything reached through it.
"""

from flask import Blueprint, Response, abort, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eventsvc.core import storage
from eventsvc.core.i18n import current_language
from eventsvc.core.input import int_arg
from eventsvc.events import ics
from eventsvc.events.agenda import AgendaRow, load_agenda, public_agenda
from eventsvc.events.enums import EventStatus, ParticipationRole, SessionKind, SpeechStatus
from eventsvc.events.labels import KIND_LABELS, ROLE_LABELS, SPEECH_STATUS_LABELS, kind_names
from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
from eventsvc.events.permissions import STAFF, can, event_by_slug
from eventsvc.events.slides import slides_key
from eventsvc.extensions import db
from eventsvc.people.models import Person

bp = Blueprint("events_public", __name__)

SPEAKING_ROLES = {ParticipationRole.SPEAKER, ParticipationRole.MODERATOR, ParticipationRole.PANELIST,
                  ParticipationRole.HOST, ParticipationRole.PRESENTER, ParticipationRole.GUEST_OF_HONOUR}


@bp.app_context_processor
def agenda_labels():
    return {"kind_label": lambda k: KIND_LABELS.get(getattr(k, "value", k), k),
            "role_label": lambda r: ROLE_LABELS.get(getattr(r, "value", r), r),
            "speech_status_label": lambda s: SPEECH_STATUS_LABELS.get(getattr(s, "value", s), s)}


def public_event(slug: str) -> Event:
    return shown_publicly(event_by_slug(slug))


def shown_publicly(event: Event) -> Event:
    """Who sees an event's public pages: anyone once it is published, its own people while it is a
    draft (404 for everyone else)."""
    if event.status == EventStatus.DRAFT and not can(current_user, event, STAFF):
        abort(404)
    return event


def agenda_context(event: Event, rows: list[AgendaRow]) -> dict:
    """What the agenda template needs besides the rows, computed once per request rather than once
    per row: the rows by local day, the stem of a session's link and the kinds' names."""
    days = []
    for row in rows:
        if not days or days[-1][0] != row.day:
            days.append((row.day, []))
        days[-1][1].append(row)
    return {"days": days, "kind_names": kind_names(),
            "session_base": url_for("events_public.session_page", slug=event.slug, item_id=0)[:-1]}


def speakers_of(items: list[AgendaItem]) -> list[Person]:
    speakers, seen = [], set()
    for item in items:
        for part in item.participations:
            if part.role in SPEAKING_ROLES and part.person_id not in seen:
                seen.add(part.person_id)
                speakers.append(part.person)
    return speakers


@bp.get("/e/<slug>")
def event_page(slug: str):
    event = public_event(slug)
    speakers = speakers_of(load_agenda(event, speeches=False))
    return render_template("events/event.html", event=event, speakers=speakers,
                           **agenda_context(event, public_agenda(event, current_language())))


@bp.get("/e/<slug>/agenda")
def agenda(slug: str):
    """The agenda by day, filterable by kind and room, in a constant number of queries."""
    event = public_event(slug)
    kind = request.args.get("kind") or None
    room_id = int_arg("room", minimum=1)
    if kind not in {k.value for k in SessionKind} | {None}:
        kind = None
    rooms = db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)).all()
    rows = public_agenda(event, current_language(), kind=kind, room_id=room_id)
    return render_template("events/agenda.html", event=event, rooms=rooms, kinds=list(SessionKind), kind=kind,
                           room_id=room_id, **agenda_context(event, rows))


def _public_session(event: Event, item_id: int) -> AgendaItem:
    item = db.session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.event_id == event.id)
        .options(selectinload(AgendaItem.room),
                 selectinload(AgendaItem.participations).selectinload(Participation.person)
                 .selectinload(Person.organization),
                 selectinload(AgendaItem.speeches).selectinload(SpeechRecord.speaker)))
    if item is None:
        abort(404)
    return item


@bp.get("/e/<slug>/s/<int:item_id>")
def session_page(slug: str, item_id: int):
    event = public_event(slug)
    return render_template("events/session.html", event=event, item=_public_session(event, item_id))


@bp.get("/e/<slug>/speakers")
def speakers(slug: str):
    event = public_event(slug)
    items = load_agenda(event, speeches=False)
    people = sorted(speakers_of(items), key=lambda p: p.name.lower())
    return render_template("events/speakers.html", event=event, speakers=people)


@bp.get("/e/<slug>/speakers/<int:person_id>")
def speaker_page(slug: str, person_id: int):
    """A person's page at this event; 404 unless they are on this event's agenda."""
    event = public_event(slug)
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id, or_(
            AgendaItem.participations.any(Participation.person_id == person.id),
            AgendaItem.speeches.any(SpeechRecord.speaker_id == person.id)))
        .options(selectinload(AgendaItem.room), selectinload(AgendaItem.participations),
                 selectinload(AgendaItem.speeches))
        .order_by(AgendaItem.starts_at)).all()
    if not items:
        abort(404)
    speeches = [s for item in items for s in item.speeches if s.speaker_id == person.id]
    return render_template("events/speaker.html", event=event, person=person, items=items, speeches=speeches)


@bp.get("/e/<slug>/proceedings")
def proceedings(slug: str):
    """The delivered speeches, in agenda order, with summaries, slides and videos."""
    event = public_event(slug)
    speeches = db.session.scalars(
        select(SpeechRecord).join(AgendaItem).where(AgendaItem.event_id == event.id,
                                                    SpeechRecord.status == SpeechStatus.DELIVERED)
        .options(selectinload(SpeechRecord.speaker).selectinload(Person.organization),
                 selectinload(SpeechRecord.agenda_item))
        .order_by(AgendaItem.starts_at, SpeechRecord.position, SpeechRecord.id)).all()
    return render_template("events/proceedings.html", event=event, speeches=speeches)


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-cache"})


@bp.get("/e/<slug>/agenda.ics")
def agenda_ics(slug: str):
    event = public_event(slug)
    items = load_agenda(event, speeches=False, organizations=False)
    base = request.url_root.rstrip("/")
    prefix = base + url_for("events_public.session_page", slug=event.slug, item_id=0)[:-1]
    return _ics_response(ics.calendar_for(event, items, lambda item: f"{prefix}{item.id}"), f"{event.slug}.ics")


@bp.get("/e/<slug>/s/<int:item_id>.ics")
def session_ics(slug: str, item_id: int):
    event = public_event(slug)
    item = _public_session(event, item_id)
    url = url_for("events_public.session_page", slug=event.slug, item_id=item.id, _external=True)
    return _ics_response(ics.calendar_for(event, [item], lambda _item: url), f"{event.slug}-{item.id}.ics")


@bp.get("/e/<slug>/slides/<int:speech_id>.pdf")
def slides(slug: str, speech_id: int):
    event = public_event(slug)
    speech = db.session.get(SpeechRecord, speech_id)
    if speech is None or speech.agenda_item.event_id != event.id or not speech.slides_path:
        abort(404)
    try:
        path = storage.path(slides_key(speech.slides_path))
    except storage.BadKey:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=speech.slides_filename or "slides.pdf",
                     as_attachment=False)
