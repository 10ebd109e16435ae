"""The organizer's pages of the event's people (list, form with biography and photo) and the
photos' public address.

The form's rules are people.service's (names, e-mail, organization) and people.photos' (the
photo); a refused photo refuses the whole form, so nothing is half saved. A photo is served
only through a published event (or to its team while it is a draft), under a name that changes
with every upload, so browsers may keep it for good.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventsvc.core import storage
from eventsvc.core.errors import ServiceError
from eventsvc.core.input import int_arg
from eventsvc.core.manage_nav import add_tab
from eventsvc.events.enums import EventStatus
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import Event
from eventsvc.events.people import describe
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.events.person_form import PERSON_FORM_FIELDS, PersonForm
from eventsvc.events.public_views import public_event
from eventsvc.extensions import db
from eventsvc.people import photos
from eventsvc.people import service as people
from eventsvc.people.models import Person

bp = Blueprint("people_pages", __name__)
add_tab("people_pages.people_list", _l("People"), ("people_pages.",), position=25)

PAGE_SIZE = 50
#: a photo's address never changes its content (people.photos): a year in any cache
PHOTO_MAX_AGE = 365 * 24 * 3600


@bp.app_template_global()
def photo_url(event: Event, person: Person) -> str | None:
    """The address of the person's photo at this event, or None when they have none."""
    if not person.photo_path:
        return None
    return url_for("people_pages.photo", slug=event.slug, person_id=person.id, name=person.photo_path)


@bp.get("/manage/e/<slug>/people")
@requires_event_role(ORGANIZER)
def people_list(event: Event):
    q = (request.args.get("q") or "").strip()[:200]
    page = int_arg("page", minimum=1, maximum=100_000) or 1
    found = describe(event, people.search_people(event, q, PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE))
    return render_template("events/manage_people.html", event=event, people=found[:PAGE_SIZE], q=q, page=page,
                           has_next=len(found) > PAGE_SIZE)


def _form(person: Person | None) -> PersonForm:
    if person is None or request.method != "GET":
        return PersonForm()
    data = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
    data["organization_name"] = person.organization.name if person.organization else ""
    return PersonForm(data=data)


def _save(event: Event, form: PersonForm, person: Person | None) -> Person | None:
    """The person saved with their photo, or None with the errors on the form (nothing saved)."""
    try:
        if person is None:
            person = people.create_person(event, form.service_data())
        else:
            people.update_person(person, form.service_data())
        upload = form.photo.data
        if upload and getattr(upload, "filename", ""):
            db.session.flush()
            photos.save_photo(person, upload.stream)
        elif form.remove_photo.data:
            photos.remove_photo(person)
        db.session.commit()
    except ServiceError as error:
        show_error(form, error)
        form.status = error.status
        return None
    return person


def _render(event: Event, form: PersonForm, person: Person | None):
    status = getattr(form, "status", None) or (422 if form.is_submitted() else 200)
    organizations = people.organizations_of(event)
    return render_template("events/manage_person.html", event=event, form=form, person=person,
                           organizations=organizations), status


@bp.route("/manage/e/<slug>/people/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def person_new(event: Event):
    form = _form(None)
    if form.validate_on_submit() and (person := _save(event, form, None)) is not None:
        flash(_("Person added."), "success")
        return redirect(url_for("people_pages.person_edit", slug=event.slug, person_id=person.id))
    return _render(event, form, None)


@bp.route("/manage/e/<slug>/people/<int:person_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def person_edit(event: Event, person_id: int):
    person = people.person_of(event, person_id)
    form = _form(person)
    if form.validate_on_submit() and _save(event, form, person) is not None:
        flash(_("Saved."), "success")
        return redirect(url_for("people_pages.person_edit", slug=event.slug, person_id=person_id))
    return _render(event, form, people.person_of(event, person_id))


@bp.post("/manage/e/<slug>/people/<int:person_id>/photo/delete")
@requires_event_role(ORGANIZER)
def photo_delete(event: Event, person_id: int):
    photos.remove_photo(people.person_of(event, person_id))
    db.session.commit()
    flash(_("Photo removed."), "success")
    return redirect(url_for("people_pages.person_edit", slug=event.slug, person_id=person_id))


@bp.get("/e/<slug>/people/<int:person_id>/photo/<name>")
def photo(slug: str, person_id: int, name: str):
    event = public_event(slug)
    person = db.session.get(Person, person_id)
    if person is None or person.event_id != event.id or not person.photo_path or person.photo_path != name:
        abort(404)
    try:
        path = storage.path(photos.photo_key(name))
    except storage.BadKey:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=PHOTO_MAX_AGE)
    if event.status == EventStatus.DRAFT:  # seen by the team only: no shared cache keeps it
        response.cache_control.private = True
    else:
        response.cache_control.public = True
        response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
