"""The organizer's certificates of attendance: rules per session or for the whole event, the
"Issue certificates" action once it has ended, the issued certificates and their revocation.

The rules and certificates are awards' (eventsvc.awards.attendance); who qualifies is ours
(eventsvc.checkin.certificates). Organizers only.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventsvc.awards import attendance
from eventsvc.awards.forms import RevokeForm
from eventsvc.checkin import certificates
from eventsvc.core.errors import ServiceError
from eventsvc.core.forms import optional_int
from eventsvc.core.i18n import format_event_datetime, local
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.extensions import db

bp = Blueprint("attendance_certificates", __name__, url_prefix="/manage/e/<slug>/attendance-certificates")


class RuleForm(FlaskForm):
    agenda_item_id = SelectField(_l("Certificate for"), coerce=optional_int, validate_choice=False)
    min_percent = IntegerField(_l("Present for at least (% of the session)"), default=attendance.DEFAULT_PERCENT,
                               validators=[Optional(), NumberRange(1, 100)],
                               description=_l("Session certificates only; the whole event asks for a check-in "
                                              "at the entrance."))
    number_prefix = StringField(_l("Number prefix"), validators=[DataRequired(), Length(max=12)],
                                description=_l("Certificate numbers are PREFIX-YEAR-0001, e.g. ATT-2026-0001."))


class ActionForm(FlaskForm):
    """Issue, delete: a button with its CSRF token."""


def _rule_form(event, **kwargs) -> RuleForm:
    """The form (``formdata=None`` for a blank one) with the event's sessions to choose from."""
    form = RuleForm(**kwargs)
    form.agenda_item_id.choices = [("", _("The whole event (checked in at the entrance)"))] + [
        (str(item.id), f"{format_event_datetime(item.starts_at, event.timezone, 'short')} · {local(item, 'title')}")
        for item in sorted(event.agenda_items, key=lambda i: (i.starts_at, i.id))]
    return form


def _page(event, form, status=200):
    rules = attendance.rules_of(event)
    return render_template("checkin/attendance_certificates.html", event=event, form=form, rules=rules,
                           counts=attendance.certificate_counts(event), action=ActionForm(),
                           has_ended=certificates.has_ended, required=certificates.required_minutes), status


@bp.get("")
@requires_event_role(ORGANIZER)
def rules(event):
    return _page(event, _rule_form(event, formdata=None))


@bp.post("")
@requires_event_role(ORGANIZER)
def rule_create(event):
    form = _rule_form(event)
    if form.validate_on_submit():
        try:
            rule = attendance.create_rule(event, attendance.RuleData(
                form.agenda_item_id.data, form.min_percent.data, form.number_prefix.data))
        except ServiceError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Rule saved. Issue the certificates once it has ended."), "success")
            return redirect(url_for(".rule_detail", slug=event.slug, rule_id=rule.id))
    return _page(event, form, 422)


def _detail(event, rule, status=200, revoke_form=None):
    return render_template("checkin/attendance_rule.html", event=event, rule=rule,
                           issued=attendance.certificates_of_rule(rule), action=ActionForm(),
                           revoke_form=revoke_form or RevokeForm(prefix="revoke"),
                           has_ended=certificates.has_ended(rule),
                           required=certificates.required_minutes(rule)), status


@bp.get("/<int:rule_id>")
@requires_event_role(ORGANIZER)
def rule_detail(event, rule_id: int):
    return _detail(event, attendance.rule_of(event, rule_id))


@bp.post("/<int:rule_id>/issue")
@requires_event_role(ORGANIZER)
def rule_issue(event, rule_id: int):
    rule = attendance.rule_of(event, rule_id)
    if ActionForm().validate_on_submit():
        try:
            issued = certificates.issue_certificates(rule)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _detail(event, rule, error.status)
        db.session.commit()
        if issued:
            flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(issued)), "success")
        else:
            flash(_("Nobody new qualifies: no certificate issued."), "info")
    return redirect(url_for(".rule_detail", slug=event.slug, rule_id=rule.id)), 303


@bp.post("/<int:rule_id>/delete")
@requires_event_role(ORGANIZER)
def rule_delete(event, rule_id: int):
    rule = attendance.rule_of(event, rule_id)
    if ActionForm().validate_on_submit():
        try:
            attendance.delete_rule(rule)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _detail(event, rule, error.status)
        db.session.commit()
        flash(_("Rule deleted."), "success")
    return redirect(url_for(".rules", slug=event.slug)), 303


@bp.post("/<int:rule_id>/certificates/<int:certificate_id>/revoke")
@requires_event_role(ORGANIZER)
def certificate_revoke(event, rule_id: int, certificate_id: int):
    rule = attendance.rule_of(event, rule_id)
    certificate = attendance.certificate_of_rule(rule, certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        flash(_("Give the reason for the revocation."), "error")
        return _detail(event, rule, 422, form)
    try:
        attendance.revoke(certificate, form.reason.data)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _detail(event, rule, error.status, form)
    db.session.commit()
    flash(_("Certificate %(number)s revoked.", number=certificate.certificate_number), "success")
    return redirect(url_for(".rule_detail", slug=event.slug, rule_id=rule.id)), 303
