"""The team page of one event: its organizers list, invite, re-role and remove organizers and staff.

Organizers only (``requires_event_role(ORGANIZER)``); the rules are in ``team.py``.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventsvc.accounts.models import EventRoleKind
from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import current_language
from eventsvc.core.labels import choices
from eventsvc.core.manage_nav import add_tab
from eventsvc.events import team
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, can, requires_event_role
from eventsvc.extensions import db

bp = Blueprint("team", __name__, url_prefix="/manage/e")
add_tab("team.members", _l("Team"), ("team.",), position=115)

ROLE_LABELS = dict(choices(EventRoleKind))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()), default="staff")
    language = SelectField(_l("Language of the e-mail"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.language.choices = list(current_app.config["LANGUAGES"].items())
    if not form.is_submitted():
        form.language.data = current_language()
    return form


def _page(event: Event, form: InviteForm, status: int = 200):
    return render_template("events/manage_team.html", event=event, form=form, members=team.members(event),
                           is_pending=team.is_pending, role_labels=ROLE_LABELS), status


def _refuse(event: Event, error: ServiceError):
    """A refused change of a listed member: the page again, with the reason on top."""
    db.session.rollback()
    flash(error.message, "error")
    return _page(event, _invite_form(), error.status)


def _after_change(event: Event):
    # Demoting or removing oneself closes this page: go where one still works.
    if can(current_user, event, ORGANIZER):
        return redirect(url_for("team.members", slug=event.slug))
    return redirect(url_for("web.dashboard"))


@bp.route("/<slug>/team", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def members(event: Event):
    form = _invite_form()
    if form.validate_on_submit():
        try:
            invited = team.invite(event, email=form.email.data, role=form.role.data, name=form.name.data or "",
                                  language=form.language.data, invited_by=current_user)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
            return _page(event, form, error.status)
        message = (_("%(email)s is invited: they set a password through the link we e-mailed them.",
                     email=invited.member.user.email) if team.is_pending(invited.member)
                   else _("%(email)s is on the team now; we told them by e-mail.", email=invited.member.user.email))
        flash(message, "success")
        return redirect(url_for("team.members", slug=event.slug))
    return _page(event, form, 422 if form.is_submitted() else 200)


@bp.post("/<slug>/team/<int:member_id>/role")
@requires_event_role(ORGANIZER)
def change_role(event: Event, member_id: int):
    team.member_of(event, member_id)  # another event's member is 404 before the form is read
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose organizer or staff."), "error")
        return _page(event, _invite_form(), 422)
    try:
        member = team.change_role(event, member_id, form.role.data)
        db.session.commit()
    except ServiceError as error:
        return _refuse(event, error)
    flash(_("%(email)s is now %(role)s.", email=member.user.email, role=ROLE_LABELS[member.role.value]), "success")
    return _after_change(event)


@bp.post("/<slug>/team/<int:member_id>/remove")
@requires_event_role(ORGANIZER)
def remove(event: Event, member_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page(event, _invite_form(), 400)
    try:
        team.remove(event, member_id)
        db.session.commit()
    except ServiceError as error:
        return _refuse(event, error)
    flash(_("Removed from the team."), "success")
    return _after_change(event)


@bp.post("/<slug>/team/<int:member_id>/link")
@requires_event_role(ORGANIZER)
def send_link(event: Event, member_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page(event, _invite_form(), 400)
    try:
        member = team.send_new_link(event, member_id, invited_by=current_user, language=current_language())
        db.session.commit()
    except ServiceError as error:
        return _refuse(event, error)
    flash(_("A new link went to %(email)s; the previous one no longer works.", email=member.user.email),
          "success")
    return redirect(url_for("team.members", slug=event.slug))
