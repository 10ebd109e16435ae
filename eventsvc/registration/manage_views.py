"""Organizer pages: invitations, import, registrations, categories, registration settings.

Every route needs the organizer role at the event (``requires_event_role``).
"""

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from eventsvc.core import jobs as core_jobs
from eventsvc.core import storage
from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.core.input import int_arg
from eventsvc.core.manage_nav import add_tab
from eventsvc.core.spreadsheets import ImportRejected, export_response
from eventsvc.core.types import utcnow
from eventsvc.events import service as event_service
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.extensions import db
from eventsvc.registration import categories as category_service
from eventsvc.registration import import_jobs, lifecycle, lists, service
from eventsvc.registration import invitations as invitation_service
from eventsvc.registration.forms import CategoryForm, ImportForm, InvitationForm, SettingsForm
from eventsvc.registration.transitions import INVITATION, REGISTRATION, Actor, allowed_actions

bp = Blueprint("registration_manage", __name__, url_prefix="/manage/e")
add_tab("registration_manage.invitations", _l("Invitations"), ("registration_manage.invitation",), position=40)
add_tab("registration_manage.registrations", _l("Registrations"), ("registration_manage.registration",),
        position=50)
add_tab("registration_manage.categories", _l("Categories"), ("registration_manage.categor",), position=60)
add_tab("registration_manage.settings", _l("Registration settings"), ("registration_manage.settings",),
        position=120)


def _filters():
    return {"q": request.args.get("q") or None, "status": request.args.get("status") or None,
            "category": request.args.get("category") or None,
            "question": int_arg("question", minimum=1), "answer": (request.args.get("answer") or "")[:200] or None,
            "page": int_arg("page", minimum=1) or 1}


def _count_filters(f):
    return {k: f[k] for k in ("q", "status", "category", "question", "answer")}


# --- invitations ---------------------------------------------------------------------------

@bp.get("/<slug>/invitations")
@requires_event_role(ORGANIZER)
def invitations(event: Event):
    f = _filters()
    if f["status"] and f["status"] not in lists.INVITATION_STATUSES:
        f["status"] = None
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        headers, rows = lists.invitation_export_rows(lists.invitations(event, **{**f, "page": None}), event)
        return export_response(f"{event.slug}-invitations", headers, rows, fmt)
    return render_template("registration/invitations.html", event=event, filters=f,
                           invitation_actions=lambda i: allowed_actions(INVITATION, i.status, Actor.ORGANIZER),
                           items=lists.invitations(event, **f), counts=lists.counts(
                               lists.Invitation, event, **_count_filters(f)),
                           categories=lists.categories(event), page_size=lists.PAGE_SIZE,
                           questions=lists.list_questions(event))


def _invitation_form(event: Event) -> InvitationForm:
    form = InvitationForm()
    form.category.choices = [("", _("— none —"))] + [(c.code, local(c, "label")) for c in lists.categories(event)]
    items = db.session.scalars(db.select(AgendaItem).where(AgendaItem.event_id == event.id)
                               .order_by(AgendaItem.starts_at)).all()
    form.sessions.choices = [(i.id, local(i, "title")) for i in items if i.requires_registration or i.is_closed]
    return form


@bp.route("/<slug>/invitations/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def invitation_new(event: Event):
    form = _invitation_form(event)
    status = 200
    if form.validate_on_submit():
        data = invitation_service.InvitationInput(
            form.details(form.email.data), form.category.data or None, form.sessions.data or [],
            form.message.data)
        try:
            invitation = invitation_service.create_invitation(event, data, invited_by_id=current_user.id,
                                                              send=form.send_now.data)
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "email", form.email).errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s is invited.", name=invitation.person.name) + " "
                  + (_("The e-mail is on its way.") if form.send_now.data else _("Not sent yet.")), "success")
            return redirect(url_for(".invitations", slug=event.slug))
    elif form.is_submitted():
        status = 422
    return render_template("registration/invitation_new.html", event=event, form=form,
                           placeholders=invitation_service.PLACEHOLDERS), status


#: uploads waiting for their confirmation, in storage (any web server finds them); pruned after STORAGE_KEEP_DAYS
IMPORTS = "imports"
storage.TEMPORARY_PREFIXES.add(IMPORTS)


@bp.route("/<slug>/invitations/import", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def invitation_import(event: Event):
    """Step 1: upload and preview (every row checked). Step 2: confirm, and all rows are imported."""
    form = ImportForm()
    key_name = f"import:{event.slug}"
    if request.method == "POST" and request.form.get("confirm"):
        stored = session.get(key_name)
        if not stored or stored.get("key") != request.form.get("key"):
            flash(_("The preview has expired: upload the file again."), "error")
            return redirect(url_for(".invitation_import", slug=event.slug))
        upload_key = f"{IMPORTS}/{stored['key']}"
        if not storage.exists(upload_key):
            flash(_("The preview has expired: upload the file again."), "error")
            return redirect(url_for(".invitation_import", slug=event.slug))
        try:
            created = invitation_service.import_invitations(
                event, stored["filename"], storage.read(upload_key), invited_by_id=current_user.id,
                send=bool(request.form.get("send")))
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".invitation_import", slug=event.slug))
        db.session.commit()
        storage.delete(upload_key)
        session.pop(key_name, None)
        flash(ngettext("%(count)d invitation imported.", "%(count)d invitations imported.", len(created), count=len(created)), "success")
        return redirect(url_for(".invitations", slug=event.slug))
    rows, rejected, key, status = None, None, None, 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            count = import_jobs.row_count(upload.filename, data)
            if count > current_app.config["IMPORT_ASYNC_ROWS"]:  # a worker checks it; its page follows
                key = f"{IMPORTS}/{secrets.token_hex(16)}"
                storage.save(key, data)
                job = import_jobs.start_check(event, upload_key=key, filename=upload.filename, rows=count,
                                              user_id=current_user.id)
                return redirect(url_for(".import_job", slug=event.slug, job_id=job.id))
            rows = invitation_service.preview_import(event, upload.filename, data)
        except ImportRejected as error:
            rejected, status = error, 422
        except ServiceError as error:
            form.file.errors.append(error.message)
            status = error.status
        else:
            key = secrets.token_hex(16)
            storage.save(f"{IMPORTS}/{key}", data)
            session[key_name] = {"key": key, "filename": upload.filename}
        db.session.rollback()
    elif form.is_submitted():
        status = 422
    return render_template("registration/invitation_import.html", event=event, form=form, rows=rows,
                           rejected=rejected, key=key, questions=lists.list_questions(event)), status


def _import_job(event: Event, job_id: str):
    job = import_jobs.get(event, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/<slug>/invitations/import-jobs/<job_id>")
@requires_event_role(ORGANIZER)
def import_job(event: Event, job_id: str):
    """A large import's page: its check, then the confirmation, then its writing."""
    return render_template("registration/import_job.html", event=event, job=_import_job(event, job_id))


@bp.get("/<slug>/invitations/import-jobs/<job_id>/status")
@requires_event_role(ORGANIZER)
def import_job_status(event: Event, job_id: str):
    return core_jobs.status_response(_import_job(event, job_id))


@bp.post("/<slug>/invitations/import-jobs/<job_id>/confirm")
@requires_event_role(ORGANIZER)
def import_job_confirm(event: Event, job_id: str):
    checked = _import_job(event, job_id)
    try:
        job = import_jobs.start_write(event, checked, send=bool(request.form.get("send")), user_id=current_user.id)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for(".invitation_import", slug=event.slug))
    return redirect(url_for(".import_job", slug=event.slug, job_id=job.id))


@bp.post("/<slug>/invitations/remind")
@requires_event_role(ORGANIZER)
def invitations_remind(event: Event):
    count = invitation_service.remind_unanswered(event)
    db.session.commit()
    flash(ngettext("Reminder queued for %(count)d guest who has not answered.",
                   "Reminders queued for %(count)d guests who have not answered.", count, count=count), "success")
    return redirect(url_for(".invitations", slug=event.slug))


@bp.post("/<slug>/invitations/<int:invitation_id>/<action>")
@requires_event_role(ORGANIZER)
def invitation_action(event: Event, invitation_id: int, action: str):
    invitation = invitation_service.invitation_for(event, invitation_id)
    try:
        if action in ("send", "resend"):
            invitation_service.send_invitation(invitation)
            message = _("Invitation sent to %(email)s.", email=invitation.person.email)
        elif action == "revoke":
            changed = lifecycle.revoke_invitation(invitation)
            message = _("Invitation revoked: the link no longer works.") if changed else \
                _("This invitation was already revoked.")
        else:
            abort(404)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(request.referrer or url_for(".invitations", slug=event.slug))


# --- registrations -------------------------------------------------------------------------

@bp.get("/<slug>/registrations")
@requires_event_role(ORGANIZER)
def registrations(event: Event):
    f = _filters()
    if f["status"] and f["status"] not in lists.REGISTRATION_STATUSES:
        f["status"] = None
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        headers, rows = lists.registration_export_rows(lists.registrations(event, **{**f, "page": None}), event)
        return export_response(f"{event.slug}-registrations", headers, rows, fmt)
    items = lists.registrations(event, **f)
    questions, answers = lists.with_answers(event, items)
    return render_template("registration/registrations.html", event=event, filters=f, transitions=REGISTRATION,
                           registration_actions=lambda r: allowed_actions(REGISTRATION, r.status, Actor.ORGANIZER),
                           items=items, counts=lists.counts(lists.Registration, event, **_count_filters(f)),
                           categories=lists.categories(event), page_size=lists.PAGE_SIZE,
                           questions=questions, answers=answers)


@bp.post("/<slug>/registrations/<int:registration_id>/<action>")
@requires_event_role(ORGANIZER)
def registration_action(event: Event, registration_id: int, action: str):
    if action not in REGISTRATION or not REGISTRATION[action].label:
        abort(404)
    registration = service.registration_for(event, registration_id)
    try:
        outcome = lifecycle.act(registration, action, actor=Actor.ORGANIZER)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        person = outcome.registration.person
        if outcome.changed:
            flash({"approve": _("Approved."), "reject": _("Rejected."), "confirm": _("Confirmed."),
                   "waitlist": _("Moved to the waitlist."), "cancel": _("Cancelled.")}[action] + " " + person.name,
                  "success")
        else:
            flash(_("%(name)s is already %(state)s: nothing changed.", name=person.name,
                    state=lifecycle.state_name(outcome.registration.status)), "info")
    return redirect(request.referrer or url_for(".registrations", slug=event.slug))


# --- categories ----------------------------------------------------------------------------

@bp.route("/<slug>/categories", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def categories(event: Event):
    form = CategoryForm(prefix="new")
    status = 200
    if form.validate_on_submit():
        try:
            category_service.create_category(event, code=form.code.data or "", label=form.label.data,
                                             label_local=form.label_local.data, color=form.color.data,
                                             is_vip=form.is_vip.data)
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "code").errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Category added."), "success")
            return redirect(url_for(".categories", slug=event.slug))
    elif form.is_submitted():
        status = 422
    items = category_service.list_categories(event)
    edit_forms = {c.id: CategoryForm(prefix=f"c{c.id}", obj=c, formdata=None) for c in items}
    return render_template("registration/categories.html", event=event, form=form, items=items,
                           edit_forms=edit_forms), status


@bp.post("/<slug>/categories/<int:category_id>")
@requires_event_role(ORGANIZER)
def category_update(event: Event, category_id: int):
    category = category_service.category_for(event, category_id)
    form = CategoryForm(prefix=f"c{category.id}")
    if not form.validate():
        flash("; ".join(f"{f.label.text}: {' '.join(f.errors)}" for f in form if f.errors), "error")
        return redirect(url_for(".categories", slug=event.slug)), 303
    category_service.update_category(category, label=form.label.data, label_local=form.label_local.data,
                                     color=form.color.data, is_vip=form.is_vip.data,
                                     position=form.position.data)
    db.session.commit()
    flash(_("Category “%(label)s” saved.", label=category.label), "success")
    return redirect(url_for(".categories", slug=event.slug))


@bp.post("/<slug>/categories/<int:category_id>/delete")
@requires_event_role(ORGANIZER)
def category_delete(event: Event, category_id: int):
    category = category_service.category_for(event, category_id)
    label = category.label
    try:
        category_service.delete_category(category)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Category “%(label)s” deleted.", label=label), "success")
    return redirect(url_for(".categories", slug=event.slug), 303)


# --- settings ------------------------------------------------------------------------------

#: the form's names of the fields events.service checks under the model's names
_SETTINGS_FIELD_NAMES = {"registration_opens_at": "opens_at", "registration_closes_at": "closes_at"}


def _to_local(value: datetime | None, event: Event):
    return value.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None) if value else None


@bp.route("/<slug>/registration-settings", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def settings(event: Event):
    form = SettingsForm(obj=event if request.method == "GET" else None)
    if request.method == "GET":
        form.opens_at.data = _to_local(event.registration_opens_at, event)
        form.closes_at.data = _to_local(event.registration_closes_at, event)
    status = 200
    if form.validate_on_submit():
        promoted: list = []
        try:
            event_service.update_event(event, form.service_data(), promoted=promoted)
        except ServiceError as error:
            db.session.rollback()
            name = _SETTINGS_FIELD_NAMES.get(error.field, error.field)
            getattr(form, name if name in form else "capacity").errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Registration settings saved.") + (" " + ngettext(
                "%(count)d guest promoted from the waitlist.", "%(count)d guests promoted from the waitlist.",
                len(promoted), count=len(promoted)) if promoted else ""),
                  "success")
            return redirect(url_for(".settings", slug=event.slug))
    elif form.is_submitted():
        status = 422
    return render_template("registration/settings.html", event=event, form=form, now=utcnow()), status
