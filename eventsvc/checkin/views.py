"""Pages of the doors: the staff scanner, walk-ins at the desk, the organizers' arrivals and exports."""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventsvc.badges import stations
from eventsvc.badges.codes import sign_badge_code
from eventsvc.checkin import kiosk, occupancy, reports, service
from eventsvc.checkin.models import ENTRANCE_GATE
from eventsvc.core.errors import ServiceError
from eventsvc.core.forms import bounded_int
from eventsvc.core.i18n import current_language
from eventsvc.core.manage_nav import add_tab
from eventsvc.core.security_headers import allows_wasm
from eventsvc.core.spreadsheets import export_response
from eventsvc.documents.qr import qr_svg_markup
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.permissions import ORGANIZER, STAFF, requires_event_role
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationSource
from eventsvc.registration.models import Category, Registration
from eventsvc.registration.portal import PORTAL_SECTIONS

bp = Blueprint("checkin", __name__)
PORTAL_SECTION = "checkin/portal_section.html"
if PORTAL_SECTION not in PORTAL_SECTIONS:
    PORTAL_SECTIONS.append(PORTAL_SECTION)


@bp.app_context_processor
def _portal_helpers():
    return {"checkin_code_of": _checkin_code_of, "scan_messages": scan_messages}


def _checkin_code_of(registration: Registration) -> str:
    """The guest's kiosk check-in code (kiosk.checkin_code), for their portal section."""
    code = kiosk.checkin_code(registration.event_id, registration.id, registration.badge_version)
    db.session.commit()  # the event's signing key may have been created now
    return code


add_tab("checkin.arrivals", _l("Arrivals"), ("checkin.arrivals", "checkin.session_attendance"), position=90)
add_tab("checkin.scanner", _l("Scanner"), ("checkin.scanner", "checkin.walk_in", "checkin.kiosk_start"),
        position=100)


@bp.before_app_request
def _kiosk_lock():
    """A browser session locked as a kiosk reaches only its kiosk page and the kiosk's API routes."""
    lock = kiosk.current()
    if lock is None:
        return None
    if not current_user.is_authenticated:  # the staff member signed out everywhere: no kiosk any more
        kiosk.forget()
        return None
    if kiosk.allowed(lock, request.endpoint, (request.view_args or {}).get("slug"), request.view_args,
                     request.get_json(silent=True) if request.is_json else None):
        return None
    if request.path.startswith("/api/"):
        error = kiosk.refuse()
        return jsonify(error.to_json()), error.status
    return redirect(url_for("checkin.kiosk", slug=lock["slug"]))


def scan_messages() -> dict:
    """The sentences the scanner and the kiosk show for answers they make offline (scanner.js),
    by reason code; {name}, {time} and {gate} are filled in the browser."""
    return {
        "ok": _("Welcome, %(name)s.", name="{name}"),
        "already_checked_in": _("%(name)s already checked in at %(time)s (%(gate)s).", name="{name}", time="{time}",
                                gate="{gate}"),
        "no_seat": _("%(name)s has no seat in this session.", name="{name}"),
        "not_invited": _("%(name)s is not invited to this closed session.", name="{name}"),
        "not_confirmed": _("%(name)s's registration is not confirmed.", name="{name}"),
        "cancelled": _("%(name)s's registration was cancelled.", name="{name}"),
        "revoked": _("This badge of %(name)s was replaced by a newer one: ask for the new badge.", name="{name}"),
        "wrong_event": _("This badge belongs to another event."),
        "bad_signature": _("This badge's signature is not valid: it was forged or altered."),
        "unknown_registration": _("This badge matches no registration of this event."),
        "invalid": _("This is not a badge of this event."),
        "room_full": _("The room is full: %(name)s can come in when someone leaves.", name="{name}"),
    }


@bp.get("/checkin/sw.js")
def service_worker():
    """The scanner's service worker, served under /checkin/ so that its scope covers the scanner pages."""
    response = send_from_directory(current_app.static_folder, "js/scanner-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/checkin/e/<slug>")
@requires_event_role(STAFF)
@allows_wasm  # the QR decoder is WebAssembly
def scanner(event: Event):
    return render_template("checkin/scanner.html", event=event, gates=service.gates(event, current_language()),
                           print_stations=stations.stations(event), rendered=int(time.time()))


class KioskStartForm(FlaskForm):
    gate = SelectField(_l("Gate"), validate_choice=False)
    station = SelectField(_l("Badges print at"), validate_choice=False,
                          description=_l("Each guest checked in here gets their badge printed at this station."))
    pin = PasswordField(_l("Staff PIN"), validators=[DataRequired(), Length(min=4, max=8)],
                        render_kw={"inputmode": "numeric", "autocomplete": "new-password"},
                        description=_l("4 to 8 digits. Staff need it to leave the kiosk; guests must not see it."))
    pin_again = PasswordField(_l("The PIN again"), validators=[DataRequired(), Length(min=4, max=8)],
                              render_kw={"inputmode": "numeric", "autocomplete": "new-password"})


@bp.route("/checkin/e/<slug>/kiosk/start", methods=["GET", "POST"])
@requires_event_role(STAFF)
def kiosk_start(event: Event):
    """Staff turn this device into a self check-in kiosk for one gate, with a PIN to leave it."""
    form = KioskStartForm()
    gates = service.gates(event, current_language())
    form.gate.choices = [(g["gate"], g["text"]) for g in gates]
    form.station.choices = [("", _("No badge printing"))] + [(str(s.id), s.name) for s in stations.stations(event)]
    if not form.is_submitted():
        form.gate.data = ENTRANCE_GATE
    status = 200
    if form.validate_on_submit():
        try:
            kiosk.start(event, current_user, gate=form.gate.data, pin=form.pin.data, pin_again=form.pin_again.data,
                        station_id=int(form.station.data) if (form.station.data or "").isdigit() else None)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            (form[error.field].errors if error.field in form else form.pin.errors).append(error.message)
            status = error.status
        else:
            return redirect(url_for("checkin.kiosk", slug=event.slug))
    elif request.method == "POST":
        status = 422
    return render_template("checkin/kiosk_start.html", event=event, form=form), status


def _in_both(make) -> dict:
    """``make(language)`` in English and in Chinese: a kiosk speaks both at once, whatever the page's language."""
    result = {}
    for language in ("en", "zh"):
        with force_locale(language):
            result[language] = make(language)
    return result


def _kiosk_texts(language: str) -> dict:
    return {
        "title": _("Self check-in"),
        "show_qr": _("Hold the QR code of your badge (printed or on your phone) in front of the camera."),
        "or_code": _("No QR code? Type your e-mail address and the check-in code shown on your personal "
                     "registration page (the link in your e-mails)."),
        "email": _("E-mail"),
        "code": _("Check-in code"),
        "submit": _("Check in"),
        "help": _("Need help? Ask the staff at the desk."),
        "staff": pgettext("kiosk: the button for staff", "Staff"),
        "welcome": _("Welcome"),
        "already": _("Already checked in"),
        "refused": _("Not checked in"),
        "camera_failed": _("The camera is not working: please type your e-mail address and check-in code."),
        "offline_code": _("Without network only the QR code works. Please show your QR code or ask the staff."),
    }


@bp.get("/checkin/e/<slug>/kiosk", endpoint="kiosk")
@requires_event_role(STAFF)
@allows_wasm  # the QR decoder is WebAssembly
def kiosk_page(event: Event):
    """The kiosk itself: only for a session locked to this event's kiosk (else its start page)."""
    lock = kiosk.current()
    if lock is None or lock["slug"] != event.slug:
        return redirect(url_for("checkin.kiosk_start", slug=event.slug))
    gate = next((g for g in service.gates(event, current_language()) if g["gate"] == lock["gate"]), None)
    if gate is None:  # the session of its gate was deleted since
        kiosk.forget()
        return redirect(url_for("checkin.kiosk_start", slug=event.slug))
    gate_names = _in_both(lambda language: next(
        g["label"] for g in service.gates(event, language) if g["gate"] == lock["gate"]))
    titles = _in_both(event.display_title)
    station = next((s for s in stations.stations(event) if s.id == lock.get("station_id")), None)
    return render_template("checkin/scanner_kiosk.html", event=event, gate=gate, gate_names=gate_names,
                           titles=titles, texts=_in_both(_kiosk_texts), rendered=int(time.time()),
                           print_stations=[station] if station else [], kiosk_station=station)


class WalkInForm(FlaskForm):
    name = StringField(_l("Name (Latin script)"), validators=[DataRequired(), Length(max=200)])
    name_local = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    organization = StringField(_l("Organization"), validators=[Optional(), Length(max=300)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    category_id = SelectField(_l("Category"), coerce=bounded_int, validators=[Optional()])
    gate = SelectField(_l("Desk at"), validate_choice=False,
                       description=_l("The guest is checked in here at once (and at the entrance)."))


@bp.route("/checkin/e/<slug>/walk-in", methods=["GET", "POST"])
@requires_event_role(STAFF)
def walk_in(event: Event):
    if not event.allow_walk_ins:
        flash(_("This event does not take walk-ins."), "warning")
        return redirect(url_for("checkin.scanner", slug=event.slug))
    form = WalkInForm()
    categories = db.session.scalars(select(Category).where(Category.event_id == event.id)
                                    .order_by(Category.position)).all()
    form.category_id.choices = [(0, "—")] + [(c.id, c.display_label(current_language())) for c in categories]
    gates = service.desk_gates(event, current_language())
    form.gate.choices = [(g["gate"], g["text"]) for g in gates]
    if not form.is_submitted():
        # walk-ins are ordinary guests unless the desk says otherwise
        form.category_id.data = next((c.id for c in categories if c.code == "guest"), 0)
        # the scanner's link carries the gate its staff chose
        asked = request.args.get("gate")
        form.gate.data = asked if asked in {g["gate"] for g in gates} else ENTRANCE_GATE
    if form.validate_on_submit():
        try:
            registration = service.register_walk_in(
                event, current_user, name=form.name.data, name_local=form.name_local.data,
                organization=form.organization.data, email=form.email.data,
                category_id=form.category_id.data or None, gate=form.gate.data or ENTRANCE_GATE)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            if error.field and error.field in form:
                form[error.field].errors = [error.message]
            else:
                flash(error.message, "error")
        else:
            flash(_("%(name)s is registered.", name=registration.person.name), "success")
            return redirect(url_for("checkin.walk_in_badge", slug=event.slug, registration_id=registration.id))
    return render_template("checkin/walk_in.html", event=event, form=form)


@bp.get("/checkin/e/<slug>/walk-in/<int:registration_id>")
@requires_event_role(STAFF)
def walk_in_badge(event: Event, registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id or registration.source != RegistrationSource.WALK_IN:
        abort(404)
    code = sign_badge_code(event.id, registration.id, registration.badge_version)
    db.session.commit()  # the signing key may have been created now
    qr_svg = qr_svg_markup(code, scale=5)
    pdf_url = _badge_pdf_url(event, registration)
    return render_template("checkin/walk_in_badge.html", event=event, registration=registration,
                           qr_svg=qr_svg, pdf_url=pdf_url, print_stations=stations.stations(event))


def _badge_pdf_url(event: Event, registration: Registration) -> str | None:
    """The badges capability's one-badge PDF (staff may print it), when this build has it."""
    try:
        return url_for("badges.badge_file", slug=event.slug, registration_id=registration.id)
    except BuildError:
        return None


@bp.get("/manage/e/<slug>/arrivals")
@requires_event_role(ORGANIZER)
def arrivals(event: Event):
    return render_template("checkin/arrivals.html", event=event,
                           figures=reports.arrivals(event, current_language()))


@bp.get("/manage/e/<slug>/checkins.<fmt>")
@requires_event_role(ORGANIZER)
def export_checkins(event: Event, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    headers = [_("Server time (UTC)"), _("Device time (UTC)"), _("Gate"), _("Direction"), _("Result"),
               _("Duplicate"), _("Undone"), _("Registration"), _("Name"), _("Name (Chinese)"), _("Staff"),
               _("Device"), _("Nonce")]
    return export_response(f"{event.slug}-checkins", headers, reports.checkin_rows(event), fmt)


@bp.get("/manage/e/<slug>/attendance.<fmt>")
@requires_event_role(ORGANIZER)
def export_attendance(event: Event, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    headers = [_("Session"), _("Starts (UTC)"), _("Name"), _("Name (Chinese)"), _("E-mail"), _("Entered at (UTC)")]
    return export_response(f"{event.slug}-attendance", headers,
                           reports.attendance_rows(event, current_language()), fmt)


def _session_of(event: Event, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


@bp.get("/manage/e/<slug>/sessions/<int:item_id>/attendance")
@requires_event_role(ORGANIZER)
def session_attendance(event: Event, item_id: int):
    """Each guest's minutes inside the session's room (checkin.attendance owns the figure)."""
    item = _session_of(event, item_id)
    language = current_language()
    door = occupancy.door(item.id, event_id=event.id)
    return render_template("checkin/session_attendance.html", event=event, item=item, door=door,
                           rows=reports.session_attendance(item, language),
                           length=max(1, int((item.ends_at - item.starts_at).total_seconds() // 60)),
                           sessions=service.gates(event, language)[1:])


@bp.get("/manage/e/<slug>/sessions/<int:item_id>/attendance.<fmt>")
@requires_event_role(ORGANIZER)
def export_session_attendance(event: Event, item_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    item = _session_of(event, item_id)
    headers = [_("Name"), _("Name (Chinese)"), _("Organization"), _("E-mail"), _("Category"), _("Minutes inside"),
               _("Share of the session (%)"), _("First entry (UTC)"), _("Last exit (UTC)")]
    return export_response(f"{event.slug}-session-{item.id}-attendance", headers,
                           reports.session_attendance_rows(event, item, current_language()), fmt)
