"""The organizer's webhook pages: the endpoints of an event, a new one (its secret shown once),
each endpoint's delivery log, "Send test" and delete. Organizers only; every query is held to
the event. The rules are in service.py; these views parse, call and render."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventsvc.core.errors import ServiceError
from eventsvc.core.input import int_arg
from eventsvc.core.manage_nav import add_tab
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, requires_event_role
from eventsvc.extensions import db
from eventsvc.webhooks import service
from eventsvc.webhooks.enums import DeliveryStatus, subscribable_choices

bp = Blueprint("webhooks", __name__, url_prefix="/manage/e")
add_tab("webhooks.endpoint_list", _l("Webhooks"), ("webhooks.",), position=128)


class EndpointForm(FlaskForm):
    url = StringField(_l("Address (https://…)"), validators=[Length(max=500)])
    description = StringField(lazy_pgettext("webhook endpoint", "Description"), validators=[Optional(), Length(max=200)])
    kinds = SelectMultipleField(_l("Send these events"), choices=[(k.value, text) for k, text in subscribable_choices()],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _endpoint_or_404(event: Event, endpoint_id: int):
    try:
        return service.endpoint_of(event.id, endpoint_id)
    except ServiceError:
        abort(404)


@bp.get("/<slug>/webhooks")
@requires_event_role(ORGANIZER)
def endpoint_list(event: Event):
    return render_template("webhooks/list.html", event=event, endpoints=service.endpoints_of(event.id))


@bp.route("/<slug>/webhooks/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def endpoint_new(event: Event):
    form = EndpointForm()
    status = 200
    if form.validate_on_submit():
        try:
            endpoint, secret = service.create_endpoint(event.id, form.url.data, form.kinds.data or [],
                                                       description=form.description.data, user_id=current_user.id)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
            status = error.status
        else:
            # the secret is in this answer only: no redirect to a page that could show it again
            response = render_template("webhooks/created.html", event=event, endpoint=endpoint, secret=secret)
            return response, 201, {"Cache-Control": "no-store"}
    elif form.is_submitted():
        status = 422
    return render_template("webhooks/new.html", event=event, form=form), status


@bp.get("/<slug>/webhooks/<int:endpoint_id>")
@requires_event_role(ORGANIZER)
def endpoint_deliveries(event: Event, endpoint_id: int):
    endpoint = _endpoint_or_404(event, endpoint_id)
    page = service.deliveries_of(endpoint, page=int_arg("page", minimum=1) or 1)
    return render_template("webhooks/deliveries.html", event=event, endpoint=endpoint, page=page,
                           pending=DeliveryStatus.PENDING)


@bp.post("/<slug>/webhooks/<int:endpoint_id>/test")
@requires_event_role(ORGANIZER)
def endpoint_test(event: Event, endpoint_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    endpoint = _endpoint_or_404(event, endpoint_id)
    service.send_test(endpoint)
    db.session.commit()
    flash(_("A test delivery is on its way; its outcome appears below."), "success")
    return redirect(url_for(".endpoint_deliveries", slug=event.slug, endpoint_id=endpoint.id))


@bp.post("/<slug>/webhooks/<int:endpoint_id>/delete")
@requires_event_role(ORGANIZER)
def endpoint_delete(event: Event, endpoint_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    _endpoint_or_404(event, endpoint_id)
    service.delete_endpoint(event.id, endpoint_id)
    db.session.commit()
    flash(_("The endpoint is deleted: it receives nothing more."), "success")
    return redirect(url_for(".endpoint_list", slug=event.slug))
