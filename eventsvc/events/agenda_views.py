"""Organizer pages of the agenda: the room-by-time overview, sessions, people on stage, speeches.

Every route needs the organizer role at the event. Overlaps are named on save and need the
"save anyway" box; the overview keeps flagging them.
"""

from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import current_language, local
from eventsvc.core.manage_nav import add_tab
from eventsvc.events import agenda as service
from eventsvc.events.conflicts import find_conflicts
from eventsvc.events.forms import ParticipationForm, SessionForm, SpeechForm
from eventsvc.events.labels import kind_names
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import AgendaItem, Event, Participation, Room
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.events.service import zone_of
from eventsvc.events.slides import save_slides
from eventsvc.extensions import db

bp = Blueprint("agenda", __name__, url_prefix="/manage/e")
add_tab("agenda.overview", _l("Agenda"), ("agenda.",), position=20)


def _rooms(event: Event) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)))


def build_grid(event: Event, items: list[AgendaItem], rooms: list[Room]) -> list[dict]:
    """Per day: one column per room, one row per distinct start time."""
    tz = zone_of(event)
    columns = list(rooms) + ([None] if any(i.room_id is None for i in items) else [])
    days = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for item in items:
        start = item.starts_at.astimezone(tz)
        days[start.date()][start.time()][item.room_id].append(item)
    return [{"day": day, "columns": columns,
             "rows": [(time, [rows[time].get(c.id if c else None, []) for c in columns]) for time in sorted(rows)]}
            for day, rows in sorted(days.items())]


@bp.get("/<slug>/agenda")
@requires_event_role(ORGANIZER)
def overview(event: Event):
    items = service.load_agenda(event, organizations=False)
    conflicts = find_conflicts(event, items)
    clashing = {i for c in conflicts for i in c.item_ids}
    tz = zone_of(event)
    return render_template("events/manage_agenda.html", event=event, grid=build_grid(event, items, _rooms(event)),
                           conflicts=conflicts, clashing=clashing, kind_names=kind_names(), lang=current_language(),
                           clock={item.id: service.session_clock(tz, item.starts_at, item.ends_at) for item in items})


def _local(event: Event, value):
    return value.astimezone(zone_of(event)).replace(tzinfo=None) if value else None


def _session_form(event: Event, item: AgendaItem | None) -> SessionForm:
    data = None
    if item is not None and request.method == "GET":
        data = {k: getattr(item, k) for k in ("title", "title_local", "description", "description_local",
                                              "capacity", "requires_registration", "is_closed", "refuse_when_full",
                                              "room_id")}
        data.update(kind=item.kind.value, starts_at=_local(event, item.starts_at), ends_at=_local(event, item.ends_at))
    form = SessionForm(data=data)
    form.set_rooms(_rooms(event), lambda r: local(r, "name"))
    return form


def _save_session(event: Event, form: SessionForm, item: AgendaItem | None):
    """Returns (saved item, clashes to show); clashes are set when confirmation is needed."""
    try:
        if item is None:
            item, found = service.create_session(event, form.service_data(),
                                                 confirm_overlaps=form.confirm_overlaps.data)
        else:
            item, found = service.update_session(item, form.service_data(),
                                                 confirm_overlaps=form.confirm_overlaps.data)
        db.session.commit()
    except ServiceError as error:
        show_error(form, error)
        return None, error.details.get("conflicts", [])
    for conflict in found:
        flash(conflict.message, "warning")
    return item, []


@bp.route("/<slug>/sessions/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def session_new(event: Event):
    form = _session_form(event, None)
    clashes = []
    if form.validate_on_submit():
        item, clashes = _save_session(event, form, None)
        if item is not None:
            flash(_("Session added. Now add the people on stage and their speeches."), "success")
            return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item.id))
    return render_template("events/manage_session.html", event=event, form=form, item=None, clashes=clashes)


@bp.route("/<slug>/sessions/<int:item_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def session_edit(event: Event, item_id: int):
    item = service.session_of(event, item_id)
    form = _session_form(event, item)
    clashes = []
    if form.validate_on_submit():
        saved, clashes = _save_session(event, form, item)
        if saved is not None:
            flash(_("Session saved."), "success")
            return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id))
    return _render_session(event, service.session_of(event, item_id), form, clashes=clashes)


def _render_session(event, item, form, *, clashes=(), part_form=None, part_clashes=()):
    items = service.load_agenda(event, organizations=False)
    mine = [c for c in find_conflicts(event, items) if c.involves(item)]
    return render_template("events/manage_session.html", event=event, form=form, item=item, clashes=clashes,
                           part_form=part_form or ParticipationForm(formdata=None), part_clashes=part_clashes,
                           conflicts=mine)


@bp.post("/<slug>/sessions/<int:item_id>/cancel")
@requires_event_role(ORGANIZER)
def session_cancel(event: Event, item_id: int):
    service.cancel_session(service.session_of(event, item_id))
    db.session.commit()
    flash(_("Session cancelled. Calendars that subscribed will show it as cancelled."), "success")
    return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id))


@bp.post("/<slug>/sessions/<int:item_id>/restore")
@requires_event_role(ORGANIZER)
def session_restore(event: Event, item_id: int):
    item = service.session_of(event, item_id)  # another event's session is 404, not a flash
    try:
        _item, found = service.restore_session(item, confirm_overlaps=bool(request.form.get("confirm_overlaps")))
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        for conflict in error.details.get("conflicts", []):
            flash(conflict["message"], "warning")
    else:
        for conflict in found:
            flash(conflict.message, "warning")
        flash(_("Session back on the agenda."), "success")
    return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id))


@bp.post("/<slug>/sessions/<int:item_id>/delete")
@requires_event_role(ORGANIZER)
def session_delete(event: Event, item_id: int):
    item = service.session_of(event, item_id)
    try:
        service.delete_session(item)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id))
    flash(_("Session deleted."), "success")
    return redirect(url_for("agenda.overview", slug=event.slug))


@bp.post("/<slug>/sessions/<int:item_id>/people")
@requires_event_role(ORGANIZER)
def participation_add(event: Event, item_id: int):
    item = service.session_of(event, item_id)
    part_form = ParticipationForm()
    clashes = []
    if part_form.validate_on_submit():
        try:
            _part, found = service.add_participation(
                item, person_id=int(part_form.person_id.data), role=part_form.role.data,
                position=part_form.position.data, confirm_overlaps=part_form.confirm_overlaps.data)
            db.session.commit()
        except (ServiceError, ValueError) as error:
            if not isinstance(error, ServiceError):
                error = ServiceError("unknown_person", _("Choose a person from the list, or create one."),
                                     field="person_id")
            show_error(part_form, error)
            clashes = error.details.get("conflicts", [])
        else:
            for conflict in found:
                flash(conflict.message, "warning")
            flash(_("Added to the session."), "success")
            return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id) + "#people")
    item = service.session_of(event, item_id)
    return _render_session(event, item, _session_form(event, item), part_form=part_form, part_clashes=clashes)


@bp.post("/<slug>/participations/<int:part_id>/delete")
@requires_event_role(ORGANIZER)
def participation_delete(event: Event, part_id: int):
    part = db.session.get(Participation, part_id)
    if part is None or part.agenda_item.event_id != event.id:
        abort(404)
    item_id = part.agenda_item_id
    service.remove_participation(part)
    db.session.commit()
    flash(_("Removed from the session."), "success")
    return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id) + "#people")


def _speech_form(event, speech) -> SpeechForm:
    data = None
    if speech is not None and request.method == "GET":
        data = {k: getattr(speech, k) for k in ("speaker_id", "title", "title_local", "abstract", "abstract_local",
                                                "language", "position", "summary", "summary_local", "video_url")}
        data.update(status=speech.status.value, planned_start=_local(event, speech.planned_start),
                    planned_end=_local(event, speech.planned_end))
    return SpeechForm(data=data)


def _save_speech(event, form, item, speech):
    try:
        if speech is None:
            speech, found = service.add_speech(item, form.service_data(),
                                               confirm_overlaps=form.confirm_overlaps.data)
        else:
            service.update_speech(speech, form.service_data())
            found = []
        upload = form.slides.data
        if upload and getattr(upload, "filename", ""):
            db.session.flush()
            save_slides(speech, upload.stream, upload.filename)
        db.session.commit()
    except ServiceError as error:
        show_error(form, error)
        return None, error.details.get("conflicts", [])
    for conflict in found:
        flash(conflict.message, "warning")
    return speech, []


@bp.route("/<slug>/sessions/<int:item_id>/speeches/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def speech_new(event: Event, item_id: int):
    item = service.session_of(event, item_id)
    form = _speech_form(event, None)
    clashes = []
    if form.validate_on_submit():
        speech, clashes = _save_speech(event, form, item, None)
        if speech is not None:
            flash(_("Speech saved."), "success")
            return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id) + "#speeches")
    return render_template("events/manage_speech.html", event=event, item=service.session_of(event, item_id),
                           form=form, speech=None, clashes=clashes)


@bp.route("/<slug>/speeches/<int:speech_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def speech_edit(event: Event, speech_id: int):
    speech = service.speech_of(event, speech_id)
    form = _speech_form(event, speech)
    if form.validate_on_submit():
        saved, _clashes = _save_speech(event, form, speech.agenda_item, speech)
        if saved is not None:
            flash(_("Speech saved."), "success")
            return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=saved.agenda_item_id)
                            + "#speeches")
    speech = service.speech_of(event, speech_id)
    return render_template("events/manage_speech.html", event=event, item=speech.agenda_item, form=form,
                           speech=speech, clashes=[])


@bp.post("/<slug>/speeches/<int:speech_id>/delete")
@requires_event_role(ORGANIZER)
def speech_delete(event: Event, speech_id: int):
    speech = service.speech_of(event, speech_id)
    item_id = speech.agenda_item_id
    service.delete_speech(speech)
    db.session.commit()
    flash(_("Speech deleted."), "success")
    return redirect(url_for("agenda.session_edit", slug=event.slug, item_id=item_id) + "#speeches")
