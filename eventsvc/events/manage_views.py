"""Organizer pages of one event: the hub, the event's settings, status, rooms, next year's copy.

Every route with <slug> needs the organizer role at the event. Creating an event, or
copying one as its next edition, needs an administrator or an event creator (see
permissions.py); the creator becomes the new event's organizer.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.core.manage_nav import add_tab
from eventsvc.events import service
from eventsvc.events.agenda import agenda_conflicts
from eventsvc.events.enums import EventStatus
from eventsvc.events.forms import CopyEventForm, EventForm, RoomForm
from eventsvc.events.labels import EVENT_STATUS_LABELS
from eventsvc.events.models import AgendaItem, Event, Room
from eventsvc.events.overview import OVERVIEW_FIGURES, Figure
from eventsvc.events.permissions import (
    ORGANIZER,
    can_create_events,
    requires_event_role,
    requires_site_permission,
    template_permissions,
)
from eventsvc.extensions import db

bp = Blueprint("manage", __name__, url_prefix="/manage/e")
bp.app_context_processor(template_permissions)
add_tab("manage.event_overview", _l("Overview"), ("manage.event_overview",), position=10)
add_tab("manage.rooms", _l("Rooms"), ("manage.room",), position=30)
add_tab("manage.event_edit", _l("Event settings"), ("manage.event_edit", "manage.event_copy"), position=110)


def show_error(form, error: ServiceError) -> None:
    """A service error goes on its form field when the form has it, otherwise into a flash."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.get("/<slug>")
@requires_event_role(ORGANIZER)
def event_overview(event: Event):
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))

    conflicts = agenda_conflicts(event)
    figures = [
        Figure(_("Sessions"), count(AgendaItem), url_for("agenda.overview", slug=event.slug)),
        Figure(_("Rooms"), count(Room), url_for("manage.rooms", slug=event.slug)),
        Figure(_("Clashes"), len(conflicts)),
    ]
    for contributor in OVERVIEW_FIGURES:
        figures += contributor(event)
    return render_template("events/manage_overview.html", event=event, figures=figures, conflicts=conflicts)


@bp.route("/new", methods=["GET", "POST"])
@requires_site_permission(can_create_events)
def event_new():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = service.create_event(form.service_data(), creator=current_user)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Event created as a draft. Add rooms and sessions, then publish it."), "success")
            return redirect(url_for("manage.event_overview", slug=event.slug))
    return render_template("events/manage_event_form.html", form=form, event=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def event_edit(event: Event):
    form = EventForm(obj=event)
    if not form.is_submitted():
        form.show_event_times(event)
    if form.validate_on_submit():
        try:
            service.update_event(event, form.service_data())
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("manage.event_overview", slug=event.slug))
    return render_template("events/manage_event_form.html", form=form, event=event,
                           status_label=EVENT_STATUS_LABELS[event.status.value])


@bp.post("/<slug>/status/<status>")
@requires_event_role(ORGANIZER)
def event_status(event: Event, status: str):
    if status not in {s.value for s in EventStatus}:
        abort(404)
    service.set_status(event, EventStatus(status))
    db.session.commit()
    flash({"published": _("The event is published: its public pages are open."),
           "archived": _("The event is archived."),
           "draft": _("The event is a draft again: its public pages are closed.")}[status], "success")
    return redirect(url_for("manage.event_overview", slug=event.slug))


@bp.route("/<slug>/copy", methods=["GET", "POST"])
@requires_event_role(ORGANIZER, also=can_create_events)
def event_copy(event: Event):
    start = service.default_copy_start(event)
    form = CopyEventForm(data=None if _posted() else {
        "slug": f"{event.slug}-{start.year}" if str(event.start_date.year) not in event.slug
        else event.slug.replace(str(event.start_date.year), str(start.year)),
        "title": event.title.replace(str(event.start_date.year), str(start.year)),
        "title_local": (event.title_local or "").replace(str(event.start_date.year), str(start.year)),
        "start_date": start})
    if form.validate_on_submit():
        try:
            copy = service.copy_event(event, slug=form.slug.data, start_date=form.start_date.data,
                                      title=form.title.data, title_local=form.title_local.data,
                                      creator=current_user)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Next edition created as a draft, with rooms, sessions and roles copied."), "success")
            return redirect(url_for("manage.event_overview", slug=copy.slug))
    return render_template("events/manage_copy.html", form=form, event=event)


def _posted() -> bool:
    return request.method == "POST"


@bp.route("/<slug>/rooms", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def rooms(event: Event):
    form = RoomForm()
    if form.validate_on_submit():
        try:
            service.add_room(event, name=form.name.data, name_local=form.name_local.data,
                             capacity=form.capacity.data, position=form.position.data)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Room added."), "success")
            return redirect(url_for("manage.rooms", slug=event.slug))
    rooms = db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)).all()
    return render_template("events/manage_rooms.html", event=event, rooms=rooms, form=form, edit=None)


@bp.route("/<slug>/rooms/<int:room_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def room_edit(event: Event, room_id: int):
    room = service.room_of(event, room_id)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            service.update_room(room, name=form.name.data, name_local=form.name_local.data or None,
                                capacity=form.capacity.data, position=form.position.data or 0)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Room saved."), "success")
            return redirect(url_for("manage.rooms", slug=event.slug))
    return render_template("events/manage_rooms.html", event=event, rooms=[], form=form, edit=room)


@bp.post("/<slug>/rooms/<int:room_id>/delete")
@requires_event_role(ORGANIZER)
def room_delete(event: Event, room_id: int):
    room = service.room_of(event, room_id)
    name = local(room, "name")
    service.delete_room(room)
    db.session.commit()
    flash(_("Room %(name)s deleted; its sessions have no room now.", name=name), "success")
    return redirect(url_for("manage.rooms", slug=event.slug))
