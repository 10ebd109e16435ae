"""JSON API: the public keys scanners verify badge codes with; a badge's code and PDF; re-issue."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from eventsvc.accounts.api_auth import api_user
from eventsvc.badges.schemas import (
    BadgeKeysSchema,
    BadgePdfQuerySchema,
    BadgeSchema,
    ReissueSchema,
    StationPrintAnswerSchema,
    StationPrintSchema,
)
from eventsvc.badges.service import (
    badge_code,
    badge_pdf,
    badge_registration,
    print_one_badge,
    public_key_document,
    reissue_badge,
)
from eventsvc.badges.stations import print_answer, print_at_station, send_to_queue
from eventsvc.core.api_links import pdf_answer
from eventsvc.events.permissions import ORGANIZER, STAFF, api_event, api_event_role
from eventsvc.extensions import db

blp = Blueprint("badges_api", __name__, url_prefix="/api/v1/events",
                description="Badge codes and the public keys that verify them")


def _badge(registration) -> dict:
    return {"registration_id": registration.id, "badge_version": registration.badge_version,
            "code": badge_code(registration), "printed_at": registration.badge_printed_at,
            "printed_version": registration.badge_printed_version}


@blp.route("/<slug>/badge-keys")
class BadgeKeys(MethodView):
    @api_event_role(STAFF)
    @blp.response(200, BadgeKeysSchema)
    def get(self, slug):
        """The Ed25519 public keys of the event's badge codes, for scanners that verify offline.

        Staff and organizers of the event. A code is refused as revoked when its badge
        version is older than the registration's; scanners learn versions from check-in data.
        """
        document = public_key_document(api_event())
        db.session.commit()
        return document


@blp.route("/<slug>/registrations/<int:registration_id>/badge")
class Badge(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, BadgeSchema)
    def get(self, slug, registration_id):
        """A confirmed registration's current badge code (organizers)."""
        registration = badge_registration(api_event(), registration_id)
        body = _badge(registration)
        db.session.commit()
        return body


@blp.route("/<slug>/registrations/<int:registration_id>/badge/reissue")
class BadgeReissue(MethodView):
    @api_event_role(ORGANIZER)
    @blp.arguments(ReissueSchema)
    @blp.response(200, BadgeSchema)
    def post(self, args, slug, registration_id):
        """Re-issue a lost badge: the version goes up, older codes are refused as revoked."""
        registration = badge_registration(api_event(), registration_id)
        reissue_badge(registration, reason=args["reason"], user_id=api_user().id)
        body = _badge(registration)
        db.session.commit()
        return body


@blp.route("/<slug>/registrations/<int:registration_id>/badge.pdf")
class BadgePdf(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(BadgePdfQuerySchema, location="query")
    @blp.doc(**pdf_answer("The badge, ready to print"))
    def get(self, args, slug, registration_id):
        """One confirmed registration's badge as a PDF to print (staff and organizers, as at the desk).

        The badge then counts as printed at its current version, as when printed from the badge list.
        """
        registration = badge_registration(api_event(), registration_id)
        pdf = print_one_badge(registration, args["layout"])
        db.session.commit()
        return Response(pdf, mimetype="application/pdf", headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'inline; filename="badge-{registration.id}.pdf"'})


@blp.route("/<slug>/print-stations/<int:station_id>/prints")
class StationPrints(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(StationPrintSchema)
    @blp.response(201, StationPrintAnswerSchema)
    def post(self, args, slug, station_id):
        """Print a guest's badge at a print station (staff, right after the check-in).

        The first print of the current badge is counted as a print; a second one is a reprint,
        refused with 409 ``reprint_needs_confirmation`` unless ``confirm`` is true (the staff
        confirmed). Counted on the station and audited. The answer says where the label is.
        """
        event = api_event()
        done = print_at_station(event, station_id, args["registration_id"], confirmed=args["confirm"],
                                reissue=args["reissue"], reason=args["reason"], user_id=api_user().id)
        if done.station.print_on_server:
            # counted only once the printer's queue took it (a ServiceError rolls the print back)
            send_to_queue(done.station, badge_pdf(done.registration, done.station.layout),
                          f"badge-{done.registration.id}")
        db.session.commit()
        return print_answer(event, done)
