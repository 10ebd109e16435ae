"""Self-registration for open and approval events: /e/<slug>/register."""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.exc import IntegrityError

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.events.public_views import public_event
from eventsvc.extensions import db
from eventsvc.registration import seats, self_registration, service
from eventsvc.registration.forms import SelfRegistrationForm

bp = Blueprint("registration_public", __name__)


def _self_register(event, form) -> self_registration.SelfRegistration:
    """Two forms with the same new e-mail at the same instant: the loser retries and finds the winner."""
    for attempt in (1, 2):
        try:
            result = self_registration.self_register(event, form.details(form.email.data), form.sessions.data or [])
            db.session.flush()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
def register(slug):
    event = public_event(slug)
    closed_reason = None
    try:
        self_registration.check_open(event)
    except ServiceError as error:
        closed_reason = error.message
    items = seats.choosable_sessions(event)
    form = SelfRegistrationForm()
    form.sessions.choices = [(i.id, local(i, "title")) for i in items]
    status = 200
    if closed_reason is None and form.validate_on_submit():
        try:
            result = _self_register(event, form)
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "email", form.email).errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            if result.created:
                return redirect(url_for("portal.home", token=result.token))
            return render_template("registration/check_mail.html", event=event, email=form.email.data)
    elif form.is_submitted():
        status = 422 if closed_reason is None else 403
    if closed_reason and form.is_submitted():
        flash(closed_reason, "error")
    return render_template("registration/register.html", event=event, form=form, items=items,
                           counts=service.seat_counts(items), closed_reason=closed_reason), status
