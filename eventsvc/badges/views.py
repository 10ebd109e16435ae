"""Organizer pages for badges: the list, single badges and QR images, batch printing, re-issue.

Every route needs the organizer role at the event, except one badge's PDF (staff re-print at the desk).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from eventsvc.badges import jobs, stations
from eventsvc.badges.forms import (
    STATION_LAYOUT_CHOICES,
    PrintBadgesForm,
    PrintStationForm,
    ReissueBadgeForm,
)
from eventsvc.badges.layout import LAYOUTS, SINGLE, label_css
from eventsvc.badges.service import (
    BadgeSelection,
    badge_code,
    badge_contents,
    badge_pdf,
    badge_registration,
    badges_query,
    is_changed_since_printed,
    print_one_badge,
    reissue_badge,
)
from eventsvc.core import colors
from eventsvc.core import jobs as core_jobs
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.jobs import BackgroundJob
from eventsvc.core.manage_nav import add_tab
from eventsvc.core.security_headers import framed_by_self
from eventsvc.documents.qr import qr_png, qr_svg, qr_svg_markup
from eventsvc.events.manage_views import show_error
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, STAFF, requires_event_role
from eventsvc.extensions import db
from eventsvc.registration.models import Category

bp = Blueprint("badges", __name__, url_prefix="/manage/e")
add_tab("badges.badge_list", _l("Badges"), ("badges.badge", "badges.print", "badges.reissue"), position=70)
add_tab("badges.station_list", _l("Print stations"), ("badges.station",), position=72)

PRIVATE = {"Cache-Control": "private, no-store"}


def _registration(event: Event, registration_id: int):
    """The badge's registration, or the 404 page (the error page wants an HTTP status)."""
    try:
        return badge_registration(event, registration_id)
    except NotFound:
        abort(404)


def _categories(event: Event) -> list[Category]:
    return db.session.scalars(select(Category).where(Category.event_id == event.id)
                              .order_by(Category.position, Category.id)).all()


def _list_page(event: Event, form: PrintBadgesForm, status: int = 200):
    registrations = db.session.scalars(badges_query(event)).all()
    changed = {r.id for r in registrations if is_changed_since_printed(r)}
    counts = {
        "all": len(registrations),
        "not_printed": sum(1 for r in registrations if r.badge_printed_at is None),
        "changed": len(changed),
    }
    return render_template("badges/list.html", event=event, registrations=registrations, form=form,
                           counts=counts, changed=changed, reissue_form=ReissueBadgeForm()), status


@bp.get("/<slug>/badges")
@requires_event_role(ORGANIZER)
def badge_list(event: Event):
    form = PrintBadgesForm()
    form.set_categories(_categories(event))
    return _list_page(event, form)


@bp.post("/<slug>/badges/print")
@requires_event_role(ORGANIZER)
def print_badges(event: Event):
    form = PrintBadgesForm()
    form.set_categories(_categories(event))
    if not form.validate_on_submit():
        return _list_page(event, form, 422)
    selection = BadgeSelection(form.category.data or None, form.which.data)
    if db.session.scalar(badges_query(event, selection).limit(1)) is None:
        flash(_("No badges match this choice: nothing to print."), "warning")
        return redirect(url_for(".badge_list", slug=event.slug))
    job = jobs.create(event=event, user_id=current_user.id, layout=form.layout.data, selection=selection)
    return redirect(url_for(".print_job", slug=event.slug, job_id=job.id))


def _job(event: Event, job_id: str) -> BackgroundJob:
    job = jobs.get(event, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/<slug>/badges/jobs/<job_id>")
@requires_event_role(ORGANIZER)
def print_job(event: Event, job_id: str):
    return render_template("badges/job.html", event=event, job=_job(event, job_id))


@bp.get("/<slug>/badges/jobs/<job_id>/status")
@requires_event_role(ORGANIZER)
def print_job_status(event: Event, job_id: str):
    return core_jobs.status_response(_job(event, job_id))


@bp.get("/<slug>/badges/jobs/<job_id>/badges.pdf")
@requires_event_role(ORGANIZER)
def print_job_pdf(event: Event, job_id: str):
    job = _job(event, job_id)
    return core_jobs.result_response(job, f"badges-{event.slug}-{job.id[:6]}.pdf")


@bp.get("/<slug>/badges/<int:registration_id>/badge.pdf")
@requires_event_role(STAFF)
def badge_file(event: Event, registration_id: int):
    """One badge to print; staff may too (SPEC: they re-print a badge at the desk)."""
    registration = _registration(event, registration_id)
    layout = request.args.get("layout", SINGLE)
    if layout not in LAYOUTS:
        abort(404)
    pdf = print_one_badge(registration, layout)
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        **PRIVATE, "Content-Disposition": f'inline; filename="badge-{registration.id}.pdf"'})


@bp.get("/<slug>/badges/<int:registration_id>/qr.<any(png, svg):kind>")
@requires_event_role(ORGANIZER)
def badge_qr(event: Event, registration_id: int, kind: str):
    registration = _registration(event, registration_id)
    code = badge_code(registration)
    db.session.commit()  # the event's key, if this was its first badge
    if kind == "png":
        return Response(qr_png(code), mimetype="image/png", headers=PRIVATE)
    return Response(qr_svg(code), mimetype="image/svg+xml", headers=PRIVATE)


@bp.post("/<slug>/badges/<int:registration_id>/reissue")
@requires_event_role(ORGANIZER)
def reissue(event: Event, registration_id: int):
    form = ReissueBadgeForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".badge_list", slug=event.slug))
    registration = _registration(event, registration_id)
    try:
        version = reissue_badge(registration, reason=form.reason.data or "", user_id=current_user.id)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".badge_list", slug=event.slug))
    db.session.commit()
    flash(_("A new badge (version %(version)s) was issued for %(name)s; the old one is refused at the door.",
            version=version, name=registration.person.name), "success")
    return redirect(url_for(".badge_list", slug=event.slug, _anchor=f"r{registration.id}"))


# --- print stations -----------------------------------------------------------------------

def _station(event: Event, station_id: int):
    try:
        return stations.get_station(event, station_id)
    except NotFound:
        abort(404)


def _stations_page(event: Event, form: PrintStationForm, status: int = 200):
    return render_template("badges/stations.html", event=event, stations=stations.stations(event), form=form,
                           layouts=dict(STATION_LAYOUT_CHOICES)), status


@bp.get("/<slug>/print-stations")
@requires_event_role(ORGANIZER)
def station_list(event: Event):
    return _stations_page(event, PrintStationForm())


@bp.post("/<slug>/print-stations")
@requires_event_role(ORGANIZER)
def station_create(event: Event):
    form = PrintStationForm()
    if not form.validate_on_submit():
        return _stations_page(event, form, 422)
    try:
        station = stations.save_station(event, name=form.name.data, layout=form.layout.data,
                                        printer_name=form.printer_name.data, notes=form.notes.data,
                                        print_on_server=form.print_on_server.data, user_id=current_user.id)
        db.session.commit()
    except ServiceError as error:
        show_error(form, error)
        return _stations_page(event, form, error.status)
    flash(_("Print station %(name)s added.", name=station.name), "success")
    return redirect(url_for(".station_list", slug=event.slug))


@bp.route("/<slug>/print-stations/<int:station_id>", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def station_edit(event: Event, station_id: int):
    station = _station(event, station_id)
    form = PrintStationForm(obj=station)
    status = 200
    if form.validate_on_submit():
        try:
            stations.save_station(event, name=form.name.data, layout=form.layout.data,
                                  printer_name=form.printer_name.data, notes=form.notes.data, station=station,
                                  print_on_server=form.print_on_server.data, user_id=current_user.id)
            db.session.commit()
        except ServiceError as error:
            show_error(form, error)
            status = error.status
        else:
            flash(_("Print station %(name)s saved.", name=station.name), "success")
            return redirect(url_for(".station_list", slug=event.slug))
    elif form.is_submitted():
        status = 422
    return render_template("badges/station_edit.html", event=event, station=station, form=form,
                           delete_form=FlaskForm()), status


@bp.post("/<slug>/print-stations/<int:station_id>/delete")
@requires_event_role(ORGANIZER)
def station_delete(event: Event, station_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    station = _station(event, station_id)
    name = station.name
    stations.delete_station(station, user_id=current_user.id)
    db.session.commit()
    flash(_("Print station %(name)s deleted.", name=name), "success")
    return redirect(url_for(".station_list", slug=event.slug))


@bp.get("/<slug>/print-stations/<int:station_id>/labels/<int:registration_id>.<any(html, pdf):fmt>")
@requires_event_role(STAFF)
@framed_by_self  # printed from a hidden iframe of the scanner page
def station_label(event: Event, station_id: int, registration_id: int, fmt: str):
    """The label of a guest's current badge in the station's layout: the HTML label the station's
    browser prints, or the PDF (for a printer fed by ``lp``). Reading it counts nothing: the print
    was decided and counted by the station's print request (stations.print_at_station)."""
    station = _station(event, station_id)
    registration = _registration(event, registration_id)
    if fmt == "pdf":
        pdf = badge_pdf(registration, station.layout)
        db.session.commit()
        return Response(pdf, mimetype="application/pdf", headers={
            **PRIVATE, "Content-Disposition": f'inline; filename="label-{registration.id}.pdf"'})
    [content] = badge_contents(event, [registration])
    db.session.commit()  # the signing key, if this was the event's first badge
    return render_template("badges/label.html", event=event, badge=content, station=station,
                           page_class="label-" + station.layout.replace("_", "-"),
                           band_class=_band_class(content.color),
                           qr_svg=qr_svg_markup(content.code)), 200, PRIVATE


def _hex(color: str) -> str:
    return "{:02x}{:02x}{:02x}".format(*tuple(round(v * 255) for v in colors.rgb(color)))


def _band_class(color: str) -> str:
    """The CSS class of a category band's colour (the page may not carry inline styles)."""
    return f"label-band-{_hex(color)}"


@bp.get("/<slug>/print-stations/labels.css")
@requires_event_role(STAFF)
def label_stylesheet(event: Event):
    """The labels' page sizes, from badges.layout (the one owner of layouts)."""
    rules = [label_css()]
    for color in {c.color for c in _categories(event)} | {colors.FALLBACK}:
        rules.append(f".{_band_class(color)} {{ background: #{_hex(color)}; "
                     f"color: {colors.text_color_on(color)}; }}\n")
    return Response("".join(rules), mimetype="text/css", headers={"Cache-Control": "private, max-age=3600"})
