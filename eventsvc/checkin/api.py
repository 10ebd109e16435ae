"""JSON API of the doors: scans (one and batched), undo, the offline roster and key, search, figures."""

from flask import g, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from eventsvc.accounts.api_auth import api_token_to_check, api_user, rechecks_caller
from eventsvc.accounts.models import User
from eventsvc.checkin import kiosk, occupancy, reports, service
from eventsvc.checkin.enums import Direction
from eventsvc.checkin.schemas import (
    ArrivalsSchema,
    BatchAnswerSchema,
    BatchSchema,
    GateCountSchema,
    GateQuerySchema,
    KeysSchema,
    KioskCheckInSchema,
    KioskExitAnswerSchema,
    KioskExitSchema,
    RosterSchema,
    ScanAnswerSchema,
    ScanSchema,
    SearchQuerySchema,
    SearchResultSchema,
    UndoAnswerSchema,
)
from eventsvc.core.api_links import FROM_PATH, answer_links, link
from eventsvc.core.i18n import LANGUAGE_COOKIE
from eventsvc.events.permissions import ORGANIZER, STAFF, api_event, api_event_role
from eventsvc.extensions import db

blp = Blueprint("checkin_api", __name__, url_prefix="/api/v1/events", description="Check-in at the doors")


def staff_language(user: User) -> str:
    """Answers speak the staff member's language: chosen in the page, else their account's, else the browser's."""
    languages = ("en", "zh")
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen not in languages:
        chosen = user.language if user.language in languages else (
            request.accept_languages.best_match(languages) or "en")
    g.force_locale = chosen
    return chosen


def _scan_input(data: dict) -> service.ScanInput:
    return service.ScanInput(
        gate=data["gate"], nonce=data["nonce"], code=data.get("code"),
        registration_id=data.get("registration_id"), direction=Direction(data.get("direction", "in")),
        device_time=data.get("device_time"), device=data.get("device"), undone=data.get("undone", False))


@blp.route("/<slug>/scans")
class Scans(MethodView):
    @rechecks_caller  # the decision query checks the caller's token: no lookup of its own
    @api_event_role(STAFF, reads_event_itself=True)
    @blp.arguments(ScanSchema())  # an instance: webargs would build a schema per request from the class
    @blp.response(200, ScanAnswerSchema())
    @blp.doc(**answer_links(200, undo=link("/api/v1/events/{slug}/scans/{checkin_id}/undo", "post", "undo this check-in",
                                            slug=FROM_PATH, checkin_id="$response.body#/checkin_id")))
    def post(self, data, slug):
        """Scan a badge (or check a guest in by registration): the answer, recorded.

        The same nonce again returns the recorded answer; nothing counts twice.
        """
        user = api_user()
        answer = service.record_scan(slug, user, _scan_input(data), language=staff_language(user),
                                     token_id=api_token_to_check())
        return jsonify(scan_answer_body(answer))


def scan_answer_body(answer: service.ScanAnswer) -> dict:
    """ScanAnswerSchema's shape, built directly (the scan's hot path skips marshmallow's dump;
    tests/checkin/test_scan_api.py compares the two)."""
    first = answer.first_scan
    return {
        "checkin_id": answer.checkin_id, "result": answer.result.value, "reason": answer.reason,
        "message": answer.message, "gate": answer.gate, "direction": answer.direction.value,
        "nonce": answer.nonce, "scanned_at": answer.scanned_at.isoformat(), "is_duplicate": answer.is_duplicate,
        "replayed": answer.replayed, "person": answer.person,
        "first_scan": None if first is None else {
            "at": first["at"].isoformat() if first["at"] else None, "gate": first["gate"],
            "gate_label": first["gate_label"]},
        "occupancy": answer.occupancy,
    }


@blp.route("/<slug>/scans/batch")
class ScanBatch(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(BatchSchema())
    @blp.response(200, BatchAnswerSchema)
    def post(self, data, slug):
        """Upload scans made offline: the earliest of a badge at a gate is the check-in, later ones duplicates."""
        user = api_user()
        answers = service.record_batch(slug, user, [_scan_input(s) for s in data["scans"]],
                                       language=staff_language(user))
        return {"answers": answers}


@blp.route("/<slug>/scans/<int:checkin_id>/undo")
class ScanUndo(MethodView):
    @api_event_role(STAFF)
    @blp.response(200, UndoAnswerSchema)
    def post(self, slug, checkin_id):
        """Take back a mistaken check-in."""
        user = api_user()
        staff_language(user)
        event = api_event()
        entry = service.undo_checkin(event, user, checkin_id)
        db.session.commit()
        return {"checkin_id": entry.id, "undone_at": entry.undone_at, "gate": entry.gate,
                "count": service.count_at_gate(event.id, entry.gate)}


@blp.route("/<slug>/checkin/keys")
class Keys(MethodView):
    @api_event_role(STAFF)
    @blp.response(200, KeysSchema)
    def get(self, slug):
        """The event's Ed25519 public keys (base64, by key id), to verify badge codes offline."""
        event = api_event()
        return {"event_id": event.id, "algorithm": "Ed25519", "public_keys": reports.event_public_keys(event)}


@blp.route("/<slug>/checkin/roster")
class Roster(MethodView):
    @api_event_role(STAFF)
    @blp.response(200, RosterSchema)
    def get(self, slug):
        """Everything a scanner needs to answer offline: guests, badge versions, seats, invitations, entries."""
        event = api_event()
        return reports.roster(event)


@blp.route("/<slug>/checkin/count")
class GateCount(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(GateQuerySchema, location="query")
    @blp.response(200, GateCountSchema)
    def get(self, args, slug):
        """Guests checked in at one gate."""
        event = api_event()
        session_id = service.session_id_of_gate(args["gate"])
        door = occupancy.door(session_id, event_id=event.id) if session_id is not None else None
        return {"gate": args["gate"], "count": service.count_at_gate(event.id, args["gate"]),
                "occupancy": door.as_answer(staff_language(api_user())) if door else None}


@blp.route("/<slug>/checkin/search")
class Search(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, SearchResultSchema(many=True))
    def get(self, args, slug):
        """Find a guest by name (Latin or Chinese), organization or e-mail."""
        user = api_user()
        language = staff_language(user)
        event = api_event()
        return service.search_guests(event, args["q"], language)


@blp.route("/<slug>/checkin/arrivals")
class Arrivals(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, ArrivalsSchema)
    def get(self, slug):
        """Arrived vs expected, for the organizers' live dashboard."""
        language = staff_language(api_user())
        return reports.arrivals(api_event(), language)


@blp.route("/<slug>/kiosk/checkin")
class KioskCheckIn(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(KioskCheckInSchema())
    @blp.response(200, ScanAnswerSchema())
    def post(self, data, slug):
        """Self check-in at a kiosk by e-mail and check-in code: the same answer as a scan.

        A wrong e-mail and a wrong code give the same 403 ``wrong_code``; 5 tries per e-mail
        address and event in 15 minutes, then 429.
        """
        user = api_user()
        return kiosk.check_in_with_code(slug, user, email=data["email"], code=data["code"], gate=data["gate"],
                                        nonce=data["nonce"], device=data.get("device"),
                                        language=staff_language(user))


@blp.route("/<slug>/kiosk/exit")
class KioskExit(MethodView):
    @api_event_role(STAFF)
    @blp.arguments(KioskExitSchema())
    @blp.response(200, KioskExitAnswerSchema)
    def post(self, data, slug):
        """Leave kiosk mode with the staff PIN chosen when it was started (this browser session only)."""
        user = api_user()
        staff_language(user)
        kiosk.leave(api_event(), user, data["pin"])
        db.session.commit()
        return {"left": True}
