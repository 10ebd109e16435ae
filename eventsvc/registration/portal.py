"""The guest portal at /g/<token>: no password, the link is the key.

Other capabilities add to the portal in two ways:

* ``guest_from_token(token)`` returns ``Guest(registration, invitation)`` (a NamedTuple;
  ``registration`` is None until the guest accepts, ``invitation`` is None for a
  self-registered guest; ``guest.event`` and ``guest.person`` are always set). It raises
  ``LinkError`` (a ServiceError) with code ``unknown_link`` (404), ``expired_link`` (410)
  or ``revoked_link`` (410). Use it for routes of your own under /g/<token>/..., e.g.
  the badge PDF or a certificate download, so that a link acts only for its own person.
  Let the LinkError escape your view: an app-wide handler here renders the same clear
  page as the portal (JSON under /api/).
* ``PORTAL_SECTIONS`` is a list of template names included at the end of the portal page,
  in order. Append yours once, at import time of your blueprint module::

      from eventsvc.registration.portal import PORTAL_SECTIONS
      PORTAL_SECTIONS.append("badges/portal_section.html")

  Each section is rendered with ``guest``, ``event``, ``person``, ``registration``
  (may be None), ``invitation`` (may be None) and ``token`` (to build your own links,
  e.g. ``url_for("badges.guest_badge", token=token)``); wrap it in ``<article>``.
"""

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import LANGUAGE_COOKIE, local
from eventsvc.core.types import utcnow
from eventsvc.events.enums import SessionStatus
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db
from eventsvc.people.identity import apply_details
from eventsvc.registration import lifecycle, service
from eventsvc.registration import seats as seat_service
from eventsvc.registration.access import Guest, LinkError, resolve
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.forms import DeclineForm, DetailsForm
from eventsvc.registration.models import SessionSeat
from eventsvc.registration.questions import answers as answer_service
from eventsvc.registration.transitions import Actor, guest_actions, guest_standing

bp = Blueprint("portal", __name__, url_prefix="/g")

#: templates included at the end of the portal page (see the module docstring)
PORTAL_SECTIONS: list[str] = []


def guest_from_token(token: str) -> Guest:
    """The guest a link belongs to, or LinkError (unknown_link / expired_link / revoked_link)."""
    return resolve(token)


def _guest(token: str) -> Guest:
    guest = resolve(token)
    if not request.cookies.get(LANGUAGE_COOKIE):
        g.force_locale = (guest.registration or guest.invitation).language
    return guest


@bp.app_errorhandler(LinkError)
def link_error(error: LinkError):
    """The clear page for a bad guest link, wherever it was used (other capabilities' routes too)."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        return jsonify(error.to_json()), error.status
    return render_template("registration/link_error.html", error=error), error.status


def _back(token: str):
    return redirect(url_for("portal.home", token=token))


def _selected_ids() -> list[str]:
    return request.form.getlist("sessions")


@bp.get("/<token>")
def home(token):
    guest = _guest(token)
    if guest.invitation is not None:
        lifecycle.mark_opened(guest.invitation)
        db.session.commit()
    return _page(guest, token)


def _page(guest: Guest, token: str, *, raw_answers=None, answer_errors=None, status: int = 200):
    """The portal page; after a refused answer, with what the guest typed and the errors."""
    registration, invitation = guest
    items = seat_service.choosable_sessions(guest.event, invitation)
    chosen = {s.agenda_item_id: s for s in registration.seats
              if s.status != SeatStatus.CANCELLED} if registration else {}
    seat_positions = {}
    for item_id, seat in chosen.items():
        if seat.status == SeatStatus.WAITLISTED:
            seat_positions[item_id] = _seat_position(seat)
    form = DetailsForm(obj=guest.person, formdata=None)
    if guest.person.organization:
        form.organization.data = local(guest.person.organization, "name")
    form.language.data = (registration or invitation).language
    questions = _questions(guest)
    held = answer_service.held_answers(guest.event.id, guest.person.id)
    answer_values = answer_service.form_values(questions, held) if raw_answers is None \
        else answer_service.submitted_values(questions, raw_answers)
    return render_template(
        "registration/portal.html", guest=guest, event=guest.event, person=guest.person,
        registration=registration, invitation=invitation, token=token, items=items,
        counts=service.seat_counts(items), chosen=chosen, seat_positions=seat_positions,
        position=service.waitlist_position(registration) if registration else None,
        form=form, decline_form=DeclineForm(formdata=None), portal_sections=PORTAL_SECTIONS,
        actions=guest_actions(registration, invitation), standing=guest_standing(registration, invitation),
        questions=questions, answer_values=answer_values,
        answer_errors=answer_errors or {}, answers_editable=answer_service.guest_may_edit(registration),
        held_answers=held), status


def _questions(guest: Guest):
    return answer_service.questions_for(guest.event, (guest.registration or guest.invitation).category)


def _seat_position(seat) -> int:
    """1 for the first in line for this session's seats."""
    ahead = db.session.scalar(select(func.count()).select_from(SessionSeat).where(
        SessionSeat.agenda_item_id == seat.agenda_item_id, SessionSeat.status == SeatStatus.WAITLISTED,
        or_(SessionSeat.waitlisted_at < seat.waitlisted_at,
            and_(SessionSeat.waitlisted_at == seat.waitlisted_at, SessionSeat.id < seat.id))))
    return ahead + 1


def _apply(token, change, done_message: str | None = None):
    """Run one lifecycle change for the guest; a refused one is flashed, never a 500."""
    try:
        result = change()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(token)
    db.session.commit()
    if done_message:
        flash(done_message, "info")
    return result


STATUS_MESSAGES = {
    RegistrationStatus.CONFIRMED: _l("Thank you: your place is confirmed."),
    RegistrationStatus.WAITLISTED: _l("The event is full: you are on the waitlist."),
    RegistrationStatus.PENDING: _l("Thank you: your registration awaits approval."),
}


@bp.post("/<token>/accept")
def accept(token):
    guest = _guest(token)
    if guest.invitation is None:
        return _back(token)
    questions = _questions(guest)
    raw = answer_service.answers_from_form(questions, request.form)
    held = answer_service.held_answers(guest.event.id, guest.person.id)
    try:  # the answers first: a wrong one changes nothing and the page shows it
        cleaned = answer_service.check_answers(questions, raw, by_guest=True, held=held)
    except answer_service.AnswersInvalid as error:
        return _page(guest, token, raw_answers=raw, answer_errors=error.errors, status=422)

    def accept_and_answer():
        outcome = lifecycle.accept_invitation(guest.invitation, _selected_ids())
        answer_service.store_answers(guest.event.id, guest.person.id, cleaned)
        return outcome

    outcome = _apply(token, accept_and_answer)
    if isinstance(outcome, lifecycle.Outcome):
        flash(str(STATUS_MESSAGES.get(outcome.registration.status, _("Saved."))), "success")
    return _back(token)


@bp.post("/<token>/decline")
def decline(token):
    guest = _guest(token)
    form = DeclineForm()
    if guest.invitation is None or not form.validate():
        return _back(token)
    _apply(token, lambda: lifecycle.decline_invitation(guest.invitation, form.reason.data),
           _("You have declined the invitation. You can still accept it from this page."))
    return _back(token)


@bp.post("/<token>/details")
def details(token):
    guest = _guest(token)
    form = DetailsForm()
    if not form.validate():
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "error")
        return _back(token)
    apply_details(guest.person, form.details(guest.person.email))
    language = guest.person.language
    if guest.registration:
        guest.registration.language = language
    if guest.invitation:
        guest.invitation.language = language
    db.session.commit()
    flash(_("Your details are saved."), "success")
    return _back(token)


@bp.post("/<token>/answers")
def answers(token):
    """The guest changes their answers while their registration is still running."""
    guest = _guest(token)
    if not answer_service.guest_may_edit(guest.registration):
        flash(_("Your answers can no longer be changed."), "error")
        return _back(token)
    questions = _questions(guest)
    raw = answer_service.answers_from_form(questions, request.form)
    try:
        answer_service.set_answers(guest.event, guest.person.id, guest.registration.category, raw, by_guest=True)
    except answer_service.AnswersInvalid as error:
        db.session.rollback()
        return _page(guest, token, raw_answers=raw, answer_errors=error.errors, status=422)
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return _back(token)


@bp.post("/<token>/sessions")
def sessions(token):
    guest = _guest(token)
    if guest.registration is None:
        return _back(token)
    _apply(token, lambda: seat_service.choose(guest.registration, _selected_ids(), actor=Actor.GUEST),
           _("Your seminar choices are saved."))
    return _back(token)


@bp.post("/<token>/cancel")
def cancel(token):
    guest = _guest(token)
    if guest.registration is None:
        return _back(token)
    _apply(token, lambda: lifecycle.cancel_by_guest(guest.registration, guest.invitation),
           _("Your registration is cancelled."))
    return _back(token)


@bp.post("/<token>/rejoin")
def rejoin(token):
    """A self-registered guest who cancelled registers again (through approval where the event needs it)."""
    guest = _guest(token)
    if guest.registration is None or guest.invitation is not None:
        return _back(token)
    outcome = _apply(token, lambda: lifecycle.act(guest.registration, "rejoin", actor=Actor.GUEST))
    if isinstance(outcome, lifecycle.Outcome):
        flash(str(STATUS_MESSAGES.get(outcome.registration.status, _("Saved."))), "success")
    return _back(token)


@bp.get("/<token>/seats.json")
def seats(token):
    guest = _guest(token)
    items = seat_service.choosable_sessions(guest.event, guest.invitation)
    return jsonify({str(k): v for k, v in service.seat_counts(items).items()})


@bp.get("/<token>/agenda.ics")
def agenda_ics(token):
    """The guest's own agenda: the general programme, their confirmed seats and invited closed sessions."""
    guest = _guest(token)
    event, registration = guest.event, guest.registration
    confirmed = {s.agenda_item_id for s in registration.seats if s.status == SeatStatus.CONFIRMED} \
        if registration else set()
    invited = {s.id for s in guest.invitation.sessions} if guest.invitation else set()
    items = db.session.scalars(select(AgendaItem).where(
        AgendaItem.event_id == event.id, AgendaItem.status == SessionStatus.SCHEDULED)
        .options(selectinload(AgendaItem.room)).order_by(AgendaItem.starts_at)).all()
    calendar = Calendar()
    calendar.add("prodid", "-//eventsvc//guest agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", local(event, "title"))
    for item in items:
        if item.requires_registration and item.id not in confirmed:
            continue
        if item.is_closed and item.id not in invited and item.id not in confirmed:
            continue
        entry = IcsEvent()
        entry.add("uid", f"{item.ical_uid}@eventsvc")
        entry.add("sequence", item.ical_sequence)
        entry.add("dtstamp", utcnow())
        entry.add("dtstart", item.starts_at)
        entry.add("dtend", item.ends_at)
        entry.add("summary", local(item, "title"))
        if item.room:
            entry.add("location", local(item.room, "name") + (f", {local(event, 'venue')}" if event.venue else ""))
        calendar.add_component(entry)
    return Response(calendar.to_ical(), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-agenda.ics"'})
