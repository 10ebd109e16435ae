"""JSON API of the certificates of attendance: the organizer's rules, "issue certificates" once a
rule's session (or the event) has ended, the issued certificates and their revocation.

The same services as the organizer's pages (eventsvc.checkin.certificate_views): the rules and
certificates are awards' (eventsvc.awards.attendance), who qualifies is ours
(eventsvc.checkin.certificates). Organizers only, as the pages: a certificate names a guest.
"""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from eventsvc.awards import attendance
from eventsvc.awards.links import verify_link
from eventsvc.awards.schemas import PartySchema, RevokeSchema
from eventsvc.checkin import certificates
from eventsvc.core import fields
from eventsvc.core.api_links import FROM_PATH, NEW_ID, answer_links, link
from eventsvc.events.permissions import ORGANIZER, api_event, api_event_role
from eventsvc.extensions import db

blp = Blueprint("attendance_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Certificates of attendance: the organizer's rules, issuing and revoking")


class RuleInSchema(Schema):
    agenda_item_id = fields.Int(load_default=None, allow_none=True,
                                metadata={"description": "the session; null (or absent) for the whole event, "
                                                         "which asks for a check-in at the entrance"})
    min_percent = fields.Int(load_default=None, allow_none=True, validate=validate.Range(1, 100),
                             metadata={"description": "a session rule's share of its scheduled minutes inside "
                                                      "its door; required for a session, ignored for the event"})
    number_prefix = fields.Str(required=True, validate=validate.Length(2, 12),
                               metadata={"description": "2 to 12 capital letters or digits; numbers read "
                                                        "PREFIX-YEAR-0001"})


class RuleSchema(Schema):
    id = fields.Int()
    agenda_item_id = fields.Int(allow_none=True)
    min_percent = fields.Int(allow_none=True)
    number_prefix = fields.Str()
    next_sequence = fields.Int()
    required_minutes = fields.Int(allow_none=True, metadata={"description": "a session rule's minutes inside"})
    ends_at = fields.AwareDateTime(metadata={"description": "certificates can be issued from then on"})
    has_ended = fields.Bool()
    issued = fields.Int(metadata={"description": "certificates issued under the rule, revoked ones included"})
    last_issued_at = fields.AwareDateTime(allow_none=True)


class CertificateSchema(Schema):
    id = fields.Int()
    rule_id = fields.Int()
    registration_id = fields.Int()
    person = fields.Nested(PartySchema)
    certificate_number = fields.Str()
    verification_url = fields.Str(allow_none=True, metadata={"description": "the URL in the certificate's QR code"})
    issue_date = fields.Date()
    minutes_present = fields.Int(allow_none=True)
    issued_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revocation_reason = fields.Str(allow_none=True)


class IssuedSchema(Schema):
    issued = fields.List(fields.Nested(CertificateSchema),
                         metadata={"description": "the certificates this run issued (none: nobody new qualifies)"})


def _rule(rule, counts: dict[int, int]) -> dict:
    return {"id": rule.id, "agenda_item_id": rule.agenda_item_id, "min_percent": rule.min_percent,
            "number_prefix": rule.number_prefix, "next_sequence": rule.next_sequence,
            "required_minutes": certificates.required_minutes(rule), "ends_at": certificates.ends_at(rule),
            "has_ended": certificates.has_ended(rule), "issued": counts.get(rule.id, 0),
            "last_issued_at": rule.last_issued_at}


def _certificate(certificate) -> dict:
    return {"id": certificate.id, "rule_id": certificate.rule_id, "registration_id": certificate.registration_id,
            "person": certificate.person, "certificate_number": certificate.certificate_number,
            "verification_url": verify_link(certificate.verification_code), "issue_date": certificate.issue_date,
            "minutes_present": certificate.minutes_present, "issued_at": certificate.issued_at,
            "revoked_at": certificate.revoked_at, "revocation_reason": certificate.revocation_reason}


@blp.route("/attendance-rules")
class Rules(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.response(200, RuleSchema(many=True))
    def get(self, slug):
        """The event's rules for certificates of attendance, with what each has issued."""
        event = api_event()
        counts = attendance.certificate_counts(event)
        return [_rule(rule, counts) for rule in attendance.rules_of(event)]

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(RuleInSchema)
    @blp.response(201, RuleSchema)
    @blp.doc(**answer_links(
        201, rule=link("/api/v1/events/{slug}/attendance-rules/{rule_id}", "get", slug=FROM_PATH, rule_id=NEW_ID),
        issue=link("/api/v1/events/{slug}/attendance-rules/{rule_id}/issue", "post", slug=FROM_PATH,
                   rule_id=NEW_ID)))
    def post(self, values, slug):
        """Add a rule: one per session, one for the whole event. Errors: unknown_session, bad_percent,
        bad_prefix, prefix_taken, rule_exists (each with its field)."""
        rule = attendance.create_rule(api_event(), attendance.RuleData(
            values["agenda_item_id"], values["min_percent"], values["number_prefix"]))
        db.session.commit()
        return _rule(rule, {})


@blp.route("/attendance-rules/<int:rule_id>")
class Rule(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.response(200, RuleSchema)
    def get(self, slug, rule_id):
        event = api_event()
        return _rule(attendance.rule_of(event, rule_id), attendance.certificate_counts(event))

    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.response(204)
    @blp.alt_response(409, description="certificates were issued under it (rule_in_use): numbers must keep verifying")
    def delete(self, slug, rule_id):
        """Delete a rule that has issued nothing."""
        attendance.delete_rule(attendance.rule_of(api_event(), rule_id))
        db.session.commit()


@blp.route("/attendance-rules/<int:rule_id>/issue")
class Issue(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.response(200, IssuedSchema)
    @blp.alt_response(409, description="the session (or the event) has not ended yet (not_ended)")
    def post(self, slug, rule_id):
        """Issue a certificate to every confirmed guest the rule certifies who has none under it yet
        (run it again after late scan uploads: only the newly qualifying get one). Each guest is
        told by e-mail; a "certificate.issued" webhook goes out per certificate."""
        rule = attendance.rule_of(api_event(), rule_id)
        issued = {c.id for c in certificates.issue_certificates(rule)}
        db.session.commit()
        # read again with their people in one query (not one per certificate)
        return {"issued": [_certificate(c) for c in attendance.certificates_of_rule(rule) if c.id in issued]}


@blp.route("/attendance-rules/<int:rule_id>/certificates")
class Certificates(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.response(200, CertificateSchema(many=True))
    def get(self, slug, rule_id):
        """The certificates issued under a rule, revoked ones included."""
        rule = attendance.rule_of(api_event(), rule_id)
        return [_certificate(c) for c in attendance.certificates_of_rule(rule)]


@blp.route("/attendance-rules/<int:rule_id>/certificates/<int:certificate_id>/revoke")
class Revoke(MethodView):
    @api_event_role(ORGANIZER, hide_from_outsiders=True)
    @blp.arguments(RevokeSchema)
    @blp.response(200, CertificateSchema)
    def post(self, values, slug, rule_id, certificate_id):
        """Revoke a certificate for good; /verify then says revoked and when, never why."""
        rule = attendance.rule_of(api_event(), rule_id)
        certificate = attendance.revoke(attendance.certificate_of_rule(rule, certificate_id), values["reason"])
        db.session.commit()
        return _certificate(certificate)
