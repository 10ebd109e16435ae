"""The organizer's pages for guests' e-mail: the wording of each kind, its preview and test,
the reminders before the event, and the event's outbox (with a resend of failed messages).

Organizers only; every query is held to the event. The rules are in ``eventsvc.mail``
(wording, outbox) and ``reminders.py``; these views parse, call and render.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from eventsvc.core.errors import ServiceError
from eventsvc.core.forms import IntegerField
from eventsvc.core.input import int_arg
from eventsvc.core.labels import choices
from eventsvc.core.manage_nav import add_tab
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.extensions import db
from eventsvc.mail import outbox, service, wording
from eventsvc.mail.models import MessageStatus
from eventsvc.registration import reminders
from eventsvc.registration.mail_preview import preview_guests, preview_values
from eventsvc.registration.mail_values import event_starts_at

bp = Blueprint("guest_mail", __name__, url_prefix="/manage/e")
add_tab("guest_mail.emails", _l("E-mails"), ("guest_mail.email", "guest_mail.reminder"), position=125)
add_tab("guest_mail.outbox_page", _l("Outbox"), ("guest_mail.outbox",), position=127)

STATE_LABELS = dict(choices(MessageStatus))


class WordingForm(FlaskForm):
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Message"), render_kw={"rows": 14})


class ReminderForm(FlaskForm):
    amount = IntegerField(_l("How long before"), validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=[("days", _l("days before")), ("hours", _l("hours before"))])
    audience = SelectField(_l("To"), choices=[(a.value, label) for a, label in reminders.AUDIENCE_LABELS.items()])


def _language_or_404(language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    return language


def _kind_or_404(kind: str) -> wording.MailKind:
    if kind not in wording.KINDS:
        abort(404)
    return wording.KINDS[kind]


@bp.get("/<slug>/emails")
@requires_event_role(ORGANIZER)
def emails(event: Event):
    return render_template("registration/mail/emails.html", event=event, kinds=wording.KINDS.values(),
                           customized=service.customized(event.id))


def _chosen_guest(event: Event):
    guests = preview_guests(event)
    wanted = int_arg("guest")
    chosen = next((g for g in guests if g.person.id == wanted), guests[0] if guests else None)
    return guests, chosen


def _editor(event: Event, kind: str, language: str, form: WordingForm, *, draft: bool, status: int = 200):
    mail_kind = _kind_or_404(kind)
    guests, chosen = _chosen_guest(event)
    values = preview_values(event, kind, language, chosen)
    preview = None
    try:
        preview = service.compose(event.id, kind, language, values,
                                  draft=(form.subject.data or "", form.body.data or "") if draft else None)
    except ServiceError as error:  # a draft with an unknown placeholder: said on its field
        show_error(form, error)
        status = error.status
    custom = service.wording_of(event.id, kind, language)[2]
    return render_template("registration/mail/editor.html", event=event, kind=mail_kind, language=language,
                           form=form, custom=custom, preview=preview, guests=guests, chosen=chosen,
                           help=wording.PLACEHOLDER_HELP), status


@bp.route("/<slug>/emails/<kind>/<language>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def email_edit(event: Event, kind: str, language: str):
    _kind_or_404(kind)
    language = _language_or_404(language)
    form = WordingForm()
    if not form.is_submitted():
        form.subject.data, form.body.data, _custom = service.wording_of(event.id, kind, language)
        return _editor(event, kind, language, form, draft=False)
    if not form.validate_on_submit():
        return _editor(event, kind, language, form, draft=False, status=422)
    if request.form.get("action") == "preview":  # the draft as a guest would read it, not saved
        return _editor(event, kind, language, form, draft=True)
    try:
        service.save_wording(event.id, kind, language, form.subject.data, form.body.data, current_user.id)
        db.session.commit()
    except ServiceError as error:
        show_error(form, error)
        return _editor(event, kind, language, form, draft=False, status=error.status)
    flash(_("The wording is saved: guests get it from now on."), "success")
    return redirect(url_for(".email_edit", slug=event.slug, kind=kind, language=language,
                            guest=request.args.get("guest")))


@bp.post("/<slug>/emails/<kind>/<language>/reset")
@requires_event_role(ORGANIZER)
def email_reset(event: Event, kind: str, language: str):
    _kind_or_404(kind)
    language = _language_or_404(language)
    if not FlaskForm().validate_on_submit():
        abort(400)
    service.reset_wording(event.id, kind, language)
    db.session.commit()
    flash(_("Back to the standard wording."), "success")
    return redirect(url_for(".email_edit", slug=event.slug, kind=kind, language=language))


@bp.post("/<slug>/emails/<kind>/<language>/test")
@requires_event_role(ORGANIZER)
def email_test(event: Event, kind: str, language: str):
    _kind_or_404(kind)
    language = _language_or_404(language)
    if not FlaskForm().validate_on_submit():
        abort(400)
    _guests, chosen = _chosen_guest(event)
    message = service.queue_test(event.id, kind, language, preview_values(event, kind, language, chosen),
                                 to_address=current_user.email, to_name=current_user.name or None)
    db.session.commit()
    flash(_("A test is on its way to %(email)s (see the outbox).", email=message.to_address), "success")
    return redirect(url_for(".email_edit", slug=event.slug, kind=kind, language=language,
                            guest=request.args.get("guest")))


# --- reminders before the event ----------------------------------------------------------------

@bp.route("/<slug>/reminders", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def reminders_page(event: Event):
    form = ReminderForm()
    status = 200
    if form.validate_on_submit():
        try:
            reminders.add_reminder(event, form.audience.data, form.amount.data, form.unit.data)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
            status = error.status
        else:
            flash(_("Reminder scheduled."), "success")
            return redirect(url_for(".reminders_page", slug=event.slug))
    elif form.is_submitted():
        status = 422
    return render_template("registration/mail/reminders.html", event=event, form=form,
                           reminders=reminders.reminders_of(event), audience_labels=reminders.AUDIENCE_LABELS,
                           starts=event_starts_at(event)), status


@bp.post("/<slug>/reminders/<int:reminder_id>/delete")
@requires_event_role(ORGANIZER)
def reminder_delete(event: Event, reminder_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        reminders.remove_reminder(event, reminder_id)
        db.session.commit()
        flash(_("Reminder removed."), "success")
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    return redirect(url_for(".reminders_page", slug=event.slug))


# --- the outbox --------------------------------------------------------------------------------

@bp.get("/<slug>/outbox")
@requires_event_role(ORGANIZER)
def outbox_page(event: Event):
    state = request.args.get("state") or None
    if state is not None and state not in STATE_LABELS:
        abort(400)
    page = outbox.messages(event.id, status=state, page=int_arg("page", minimum=1) or 1)
    return render_template("registration/mail/outbox.html", event=event, page=page, state=state,
                           counts=outbox.counts(event.id), state_labels=STATE_LABELS,
                           failed=MessageStatus.FAILED, kinds=wording.KINDS)


@bp.post("/<slug>/outbox/<int:message_id>/resend")
@requires_event_role(ORGANIZER)
def outbox_resend(event: Event, message_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        message = outbox.resend(event.id, message_id)
        db.session.commit()
        flash(_("The message to %(email)s is queued again.", email=message.to_address), "success")
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    return redirect(url_for(".outbox_page", slug=event.slug, state=request.args.get("state") or None))
