"""JSON API: award programs and awards of an event. Reading needs staff, changing needs organizer."""

from dataclasses import fields as dataclass_fields

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from eventsvc.awards import importing, service
from eventsvc.awards.certificates import certificates_pdf
from eventsvc.awards.links import verification_url
from eventsvc.awards.schemas import (
    AwardImportFileSchema,
    AwardImportSchema,
    AwardInSchema,
    AwardPatchSchema,
    AwardSchema,
    ProgramPatchSchema,
    ProgramSchema,
    RevokeSchema,
)
from eventsvc.core.api_links import FROM_PATH, NEW_ID, answer_links, link, pdf_answer
from eventsvc.events.permissions import ORGANIZER, STAFF, api_event, api_event_role
from eventsvc.extensions import db

blp = Blueprint("awards_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Award programs (licenses, certificates, honours) and their awards")


def _dump(award):
    award.verification_url = verification_url(award)
    return award


def _program_data(values: dict, program=None) -> service.ProgramData:
    base = {f.name: getattr(program, f.name) for f in dataclass_fields(service.ProgramData)} if program else {}
    if program:
        base["kind"] = program.kind.value
    return service.ProgramData(**{**base, **values})


def _award_data(values: dict, award=None) -> service.AwardData:
    base = {f.name: getattr(award, f.name) for f in dataclass_fields(service.AwardData)} if award else {}
    return service.AwardData(**{**base, **values})


@blp.route("/award-programs")
class Programs(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, ProgramSchema(many=True))
    def get(self, slug):
        """The event's award programs."""
        return service.programs_of(api_event())

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(ProgramSchema)
    @blp.response(201, ProgramSchema)
    @blp.doc(**answer_links(
        201,
        program=link("/api/v1/events/{slug}/award-programs/{program_id}", "get", slug=FROM_PATH, program_id=NEW_ID),
        awards=link("/api/v1/events/{slug}/award-programs/{program_id}/awards", "get", slug=FROM_PATH, program_id=NEW_ID),
        addAward=link("/api/v1/events/{slug}/award-programs/{program_id}/awards", "post", slug=FROM_PATH, program_id=NEW_ID)))
    def post(self, values, slug):
        """Create a program; errors: prefix_taken, name_taken, bad_prefix (with the field)."""
        program = service.create_program(api_event(), _program_data(values))
        db.session.commit()
        return program


@blp.route("/award-programs/<int:program_id>")
class Program(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, ProgramSchema)
    def get(self, slug, program_id):
        return service.program_of(api_event(), program_id)

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(ProgramPatchSchema(partial=True))
    @blp.response(200, ProgramSchema)
    def patch(self, values, slug, program_id):
        """Change a program; the prefix is fixed once numbers were issued."""
        program = service.program_of(api_event(), program_id)
        service.update_program(program, _program_data(values, program))
        db.session.commit()
        return program


@blp.route("/award-programs/<int:program_id>/awards")
class ProgramAwards(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, AwardSchema(many=True))
    def get(self, slug, program_id):
        """The program's awards, ceremony by ceremony in presentation order."""
        program = service.program_of(api_event(), program_id)
        return [_dump(a) for a in service.awards_of_program(program)]

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(AwardInSchema)
    @blp.response(201, AwardSchema)
    @blp.doc(**answer_links(
        201,
        award=link("/api/v1/events/{slug}/awards/{award_id}", "get", slug=FROM_PATH, award_id=NEW_ID),
        presented=link("/api/v1/events/{slug}/awards/{award_id}/presented", "post", slug=FROM_PATH, award_id=NEW_ID),
        revoke=link("/api/v1/events/{slug}/awards/{award_id}/revoke", "post", slug=FROM_PATH, award_id=NEW_ID)))
    def post(self, values, slug, program_id):
        """Add an award; it gets the program's next certificate number."""
        program = service.program_of(api_event(), program_id)
        award = service.create_award(program, _award_data(values))
        db.session.commit()
        return _dump(service.award_of(program.event, award.id))


@blp.route("/award-programs/<int:program_id>/import")
class ProgramImport(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(AwardImportFileSchema, location="files")
    @blp.response(201, AwardSchema(many=True))
    def post(self, files, slug, program_id):
        """Import recipients from a CSV or XLSX file: every row or none.

        Multipart fields: file; issue_date (YYYY-MM-DD, required); agenda_item_id (the
        ceremony session, optional). A file with bad rows answers 422 with code
        import_rejected and details.rows, one {line, field, message} per bad row; nothing
        is written.
        """
        program = service.program_of(api_event(), program_id)
        try:
            values = AwardImportSchema().load(request.form)
        except ValidationError as error:
            abort(422, errors={"form": error.messages})
        upload = files["file"]
        awards = importing.import_awards(program, upload.filename or "", upload.read(),
                                         agenda_item_id=values.get("agenda_item_id"),
                                         issue_date=values["issue_date"])
        db.session.commit()
        return [_dump(a) for a in service.awards_by_ids([a.id for a in awards])]


@blp.route("/awards")
class RunSheet(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, AwardSchema(many=True))
    def get(self, slug):
        """Every award of the event in stage order (the run sheet)."""
        return [_dump(a) for a in service.run_sheet(api_event())]


@blp.route("/awards/<int:award_id>")
class AwardDetail(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, AwardSchema)
    def get(self, slug, award_id):
        return _dump(service.award_of(api_event(), award_id))

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(AwardPatchSchema(partial=True))
    @blp.response(200, AwardSchema)
    def patch(self, values, slug, award_id):
        """Change recipient, citation, presenter, session or order; the number stays."""
        award = service.award_of(api_event(), award_id)
        service.update_award(award, _award_data(values, award))
        db.session.commit()
        return _dump(award)


@blp.route("/awards/<int:award_id>/presented")
class AwardPresented(MethodView):
    @api_event_role(STAFF, hide_from_outsiders=True)
    @blp.response(200, AwardSchema)
    def post(self, slug, award_id):
        """Mark as handed over on stage (staff may; repeating is harmless)."""
        award = service.award_of(api_event(), award_id)
        service.mark_presented(award)
        db.session.commit()
        return _dump(award)


@blp.route("/awards/<int:award_id>/revoke")
class AwardRevoke(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(RevokeSchema)
    @blp.response(200, AwardSchema)
    def post(self, values, slug, award_id):
        """Revoke with a reason, kept for the organizers: public verification shows only the date."""
        award = service.award_of(api_event(), award_id)
        service.revoke_award(award, values["reason"])
        db.session.commit()
        return _dump(award)


@blp.route("/awards/<int:award_id>/certificate.pdf")
class AwardCertificate(MethodView):
    # as the certificate page: another event's organizer is refused (403), not told the event is hidden
    @api_event_role(ORGANIZER)
    @blp.doc(**pdf_answer("The certificate, with its verification QR code"))
    def get(self, slug, award_id):
        """An award's certificate as a PDF (organizers, as on the awards page)."""
        award = service.award_of(api_event(), award_id)
        return Response(certificates_pdf([award], title=award.certificate_number), mimetype="application/pdf",
                        headers={"Cache-Control": "private, no-store",
                                 "Content-Disposition": f'inline; filename="{award.certificate_number}.pdf"'})
