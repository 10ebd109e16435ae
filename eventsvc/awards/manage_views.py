"""Organizer pages of award programs and awards, and the stage manager's run sheet.

Programs and awards need the organizer role; the run sheet and its "presented"
button are for staff too (the stage manager is often door staff on the day).
"""

from zoneinfo import ZoneInfo

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
from flask_babel import ngettext
from flask_login import current_user

from eventsvc.awards import batches, importing, service
from eventsvc.awards.certificates import certificates_pdf, run_sheet_pdf
from eventsvc.awards.forms import (
    AwardForm,
    ImportForm,
    ProgramForm,
    RepresentativeForm,
    RevokeForm,
    choices,
)
from eventsvc.awards.links import verification_url
from eventsvc.awards.models import AwardProgram
from eventsvc.core import jobs as core_jobs
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.i18n import current_language
from eventsvc.core.manage_nav import add_tab
from eventsvc.core.spreadsheets import ImportRejected, export_response
from eventsvc.events import people as event_people
from eventsvc.events.permissions import ORGANIZER, STAFF, requires_event_role
from eventsvc.extensions import db
from eventsvc.people import service as people_service
from eventsvc.people.models import Person
from eventsvc.registration import representation
from eventsvc.registration import service as registration_service

bp = Blueprint("awards", __name__, url_prefix="/manage/e/<slug>/awards")
add_tab("awards.programs", _l("Awards"), ("awards.",), position=80)


def _form_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


# --- programs ---------------------------------------------------------------------------------

@bp.get("")
@requires_event_role(ORGANIZER)
def programs(event):
    return render_template("awards/programs.html", event=event, programs=service.programs_of(event),
                           counts=service.award_counts(event))


def _organization_choices(event, blank: str):
    """The event's own organizations (another event's are never offered)."""
    return choices([("", blank)] + [(o.id, " · ".join(x for x in (o.name, o.name_local, o.short_name) if x))
                                    for o in people_service.organizations_of(event)])


def _program_data(form: ProgramForm) -> service.ProgramData:
    return service.ProgramData(
        kind=form.kind.data, name=form.name.data or "", name_local=form.name_local.data,
        description=form.description.data, issuer_id=form.issuer_id.data,
        number_prefix=form.number_prefix.data or "", number_digits=form.number_digits.data or 0,
        validity_months=form.validity_months.data)


@bp.route("/programs/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def program_new(event):
    form = ProgramForm()
    form.issuer_id.choices = _organization_choices(event, _("— none —"))
    if form.validate_on_submit():
        try:
            program = service.create_program(event, _program_data(form))
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Program “%(name)s” created.", name=program.name), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=program.id))
    status = 422 if request.method == "POST" else 200
    return render_template("awards/program_form.html", event=event, form=form, program=None), status


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def program_edit(event, program_id: int):
    program = service.program_of(event, program_id)
    form = ProgramForm(obj=program)
    form.issuer_id.choices = _organization_choices(event, _("— none —"))
    if request.method == "GET":
        form.kind.data = program.kind.value
    if form.validate_on_submit():
        try:
            service.update_program(program, _program_data(form))
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Program saved."), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=program.id))
    status = 422 if request.method == "POST" else 200
    return render_template("awards/program_form.html", event=event, form=form, program=program), status


@bp.get("/programs/<int:program_id>")
@requires_event_role(ORGANIZER)
def program_detail(event, program_id: int):
    program = service.program_of(event, program_id)
    form = ImportForm(issue_date=event.start_date)
    form.agenda_item_id.choices = _session_choices(event)
    return render_template("awards/program.html", event=event, program=program,
                           awards=service.awards_of_program(program), import_form=form,
                           zone=ZoneInfo(event.timezone),
                           representative_counts=representation.counts(event.id))


# --- awards -----------------------------------------------------------------------------------

def _session_choices(event):
    return choices([("", _("— none —"))] + [(item.id, item.display_title(_lang()))
                                            for item in service.ceremony_sessions(event)])


def _lang() -> str:
    return current_language()


def _award_form(event, obj=None) -> AwardForm:
    """Recipients and presenters are the event's own people, labelled with their organization and
    category (events.people) so that namesakes are told apart; the recipient is searched for."""
    form = AwardForm(obj=obj)
    form.recipient_organization_id.choices = _organization_choices(event, _("— none —"))
    sessions = service.ceremony_sessions(event)
    form.agenda_item_id.choices = _session_choices(event)
    stage = sorted({p.id: p for s in sessions for p in service.stage_people(s)}.values(), key=lambda p: p.name)
    form.presenter_id.choices = choices([("", _("— none —"))] + [
        (p.id, event_people.picker_label(p)) for p in event_people.describe(event, stage)])
    return form


def _chosen_recipient(event, form: AwardForm, award=None):
    """The person the recipient picker shows as chosen (the one posted, or the award's)."""
    person_id = form.recipient_person_id.data
    if person_id is None and award is not None and request.method == "GET":
        person_id = award.recipient_person_id
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.event_id != event.id:
        return None
    return event_people.describe(event, [person])[0]


def _award_data(form: AwardForm) -> service.AwardData:
    return service.AwardData(
        recipient_organization_id=form.recipient_organization_id.data,
        recipient_person_id=form.recipient_person_id.data,
        citation=form.citation.data, citation_local=form.citation_local.data,
        presenter_id=form.presenter_id.data, agenda_item_id=form.agenda_item_id.data,
        position=form.position.data, issue_date=form.issue_date.data)


@bp.route("/programs/<int:program_id>/awards/new", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def award_new(event, program_id: int):
    program = service.program_of(event, program_id)
    form = _award_form(event)
    if request.method == "GET":
        form.issue_date.data = event.start_date
    if form.validate_on_submit():
        try:
            award = service.create_award(program, _award_data(form))
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Award %(number)s added.", number=award.certificate_number), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=program.id))
    status = 422 if request.method == "POST" else 200
    return render_template("awards/award_form.html", event=event, program=program, form=form,
                           award=None, recipient=_chosen_recipient(event, form)), status


@bp.route("/<int:award_id>/edit", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def award_edit(event, award_id: int):
    award = service.award_of(event, award_id)
    form = _award_form(event, obj=award)
    revoke_form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            service.update_award(award, _award_data(form))
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Award %(number)s saved.", number=award.certificate_number), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=award.program_id))
    status = 422 if request.method == "POST" else 200
    return render_template("awards/award_form.html", event=event, program=award.program, form=form,
                           award=award, revoke_form=revoke_form,
                           recipient=_chosen_recipient(event, form, award)), status


@bp.post("/<int:award_id>/revoke")
@requires_event_role(ORGANIZER)
def award_revoke(event, award_id: int):
    award = service.award_of(event, award_id)
    revoke_form = RevokeForm(prefix="revoke")
    if revoke_form.validate_on_submit():
        try:
            service.revoke_award(award, revoke_form.reason.data)
        except ServiceError as error:
            db.session.rollback()
            _form_error(revoke_form, error)
        else:
            db.session.commit()
            flash(_("Award %(number)s revoked.", number=award.certificate_number), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=award.program_id))
    form = _award_form(event, obj=award)
    return render_template("awards/award_form.html", event=event, program=award.program, form=form,
                           award=award, revoke_form=revoke_form,
                           recipient=_chosen_recipient(event, form, award)), 422


@bp.post("/programs/<int:program_id>/import")
@requires_event_role(ORGANIZER)
def award_import(event, program_id: int):
    program = service.program_of(event, program_id)
    form = ImportForm()
    form.agenda_item_id.choices = _session_choices(event)
    report, status = None, 422
    if form.validate_on_submit():
        upload = form.file.data
        try:
            awards = importing.import_awards(program, upload.filename, upload.read(),
                                             agenda_item_id=form.agenda_item_id.data,
                                             issue_date=form.issue_date.data)
        except ImportRejected as rejected:
            db.session.rollback()
            report = rejected
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(ngettext("%(num)d award imported.", "%(num)d awards imported.", len(awards)), "success")
            return redirect(url_for(".program_detail", slug=event.slug, program_id=program.id))
    return render_template("awards/program.html", event=event, program=program,
                           awards=service.awards_of_program(program), import_form=form, report=report,
                           zone=ZoneInfo(event.timezone),
                           representative_counts=representation.counts(event.id)), status


@bp.get("/export.<any(csv, xlsx):fmt>")
@requires_event_role(ORGANIZER)
def export(event, fmt: str):
    """Every award of the event in run-sheet order, as CSV or XLSX."""
    headers = ["certificate_number", "program", "status", "organization", "organization_local", "person",
               "person_local", "presenter", "ceremony", "order", "issue_date", "valid_until", "presented_at",
               "revoked_at", "revocation_reason", "verification_url"]
    rows = [[a.certificate_number, a.program.name, a.status.value,
             *(_names(a.recipient_organization)), *(_names(a.recipient_person)),
             a.presenter.name if a.presenter else None, a.agenda_item.title if a.agenda_item else None,
             a.position, a.issue_date.isoformat(), a.valid_until.isoformat() if a.valid_until else None,
             a.presented_at.isoformat() if a.presented_at else None,
             a.revoked_at.isoformat() if a.revoked_at else None, a.revocation_reason, verification_url(a)]
            for a in service.run_sheet(event)]
    return export_response(f"{event.slug}-awards", headers, rows, fmt)


def _names(party) -> tuple:
    return (party.name, party.name_local) if party is not None else (None, None)


# --- certificates -----------------------------------------------------------------------------

@bp.get("/<int:award_id>/certificate.pdf")
@requires_event_role(ORGANIZER)
def certificate(event, award_id: int):
    award = service.award_of(event, award_id)
    return pdf_response(certificates_pdf([award], title=award.certificate_number),
                        f"{award.certificate_number}.pdf")


@bp.post("/programs/<int:program_id>/certificates")
@requires_event_role(ORGANIZER)
def certificates_batch(event, program_id: int):
    """All certificates of the program as one PDF: a worker makes it, the job page follows it."""
    program = service.program_of(event, program_id)
    job = batches.create(event=event, program=program, user_id=current_user.id)
    return redirect(url_for(".certificates_job", slug=event.slug, job_id=job.id))


def _certificates_job(event, job_id: str):
    job = batches.get(event, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/certificate-jobs/<job_id>")
@requires_event_role(ORGANIZER)
def certificates_job(event, job_id: str):
    job = _certificates_job(event, job_id)
    program = db.session.get(AwardProgram, job.params.get("program_id"))
    return render_template("awards/certificates_job.html", event=event, job=job, program=program)


@bp.get("/certificate-jobs/<job_id>/status")
@requires_event_role(ORGANIZER)
def certificates_job_status(event, job_id: str):
    return core_jobs.status_response(_certificates_job(event, job_id))


@bp.get("/certificate-jobs/<job_id>/certificates.pdf")
@requires_event_role(ORGANIZER)
def certificates_job_pdf(event, job_id: str):
    job = _certificates_job(event, job_id)
    return core_jobs.result_response(job, job.params.get("filename") or "certificates.pdf")


# --- run sheet --------------------------------------------------------------------------------

@bp.get("/run-sheet")
@requires_event_role(STAFF)
def run_sheet(event):
    awards = service.run_sheet(event)
    return render_template("awards/run_sheet.html", event=event, awards=awards,
                           groups=service.group_by_ceremony(awards))


@bp.get("/run-sheet.pdf")
@requires_event_role(STAFF)
def run_sheet_print(event):
    data = run_sheet_pdf(event, service.run_sheet(event), zone=ZoneInfo(event.timezone))
    return pdf_response(data, f"{event.slug}-run-sheet.pdf")


@bp.post("/<int:award_id>/presented")
@requires_event_role(STAFF)
def award_presented(event, award_id: int):
    award = service.award_of(event, award_id)
    undo = request.form.get("undo") == "1"
    try:
        service.undo_presented(award) if undo else service.mark_presented(award)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if not undo:
            flash(_("%(number)s presented.", number=award.certificate_number), "success")
    return redirect(url_for(".run_sheet", slug=event.slug) + f"#award-{award.id}")


# --- representatives of a recipient organization ----------------------------------------------

def _recipient_organization(award):
    if award.recipient_organization is None:
        raise NotFound("no_organization", _("This award names no organization."))
    return award.recipient_organization


def _guest_label(registration) -> str:
    person = registration.person
    parts = [person.name, person.name_local,
             person.organization.display_name(_lang()) if person.organization else None,
             registration.category.display_label(_lang()) if registration.category else None]
    return " · ".join(p for p in parts if p)


@bp.route("/<int:award_id>/representatives", methods=["GET", "POST"])
@requires_event_role(ORGANIZER)
def representatives(event, award_id: int):
    """Who may see the organization's certificates in their guest portal (never a name typed in a form)."""
    award = service.award_of(event, award_id)
    organization = _recipient_organization(award)
    form = RepresentativeForm()
    form.registration_id.choices = [(r.id, _guest_label(r))
                                    for r in representation.candidates(event.id, organization.id)]
    if form.validate_on_submit():
        registration = registration_service.registration_for(event, form.registration_id.data)
        try:
            representation.set_representation(registration, organization)
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s now represents %(organization)s at this event.", name=registration.person.name,
                    organization=organization.display_name(_lang())), "success")
            return redirect(url_for(".representatives", slug=event.slug, award_id=award.id))
    status = 422 if request.method == "POST" else 200
    return render_template("awards/representatives.html", event=event, award=award, organization=organization,
                           representatives=representation.representatives(event.id, organization.id),
                           form=form), status


@bp.post("/<int:award_id>/representatives/<int:registration_id>/remove")
@requires_event_role(ORGANIZER)
def representative_remove(event, award_id: int, registration_id: int):
    award = service.award_of(event, award_id)
    organization = _recipient_organization(award)
    registration = registration_service.registration_for(event, registration_id)
    if registration.represents_organization is organization:
        representation.set_representation(registration, None)
        db.session.commit()
        flash(_("%(name)s no longer represents %(organization)s.", name=registration.person.name,
                organization=organization.display_name(_lang())), "success")
    return redirect(url_for(".representatives", slug=event.slug, award_id=award.id))
