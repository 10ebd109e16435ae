"""JSON API: an event's outbox counts and resend, and the wording of its guests' e-mails (organizers)."""

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from eventsvc.accounts.api_auth import api_user
from eventsvc.core import fields
from eventsvc.events.permissions import ORGANIZER, api_event, api_event_role
from eventsvc.extensions import db
from eventsvc.mail import outbox, service, wording

blp = Blueprint("guest_mail_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Guests' e-mails: wording and outbox")


class OutboxCountsSchema(Schema):
    queued = fields.Int()
    sent = fields.Int()
    failed = fields.Int()


class MessageSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    to_address = fields.Str()
    subject = fields.Str()
    status = fields.Function(lambda m: m.status.value)
    attempts = fields.Int()
    last_error = fields.Str(allow_none=True)


class WordingSchema(Schema):
    kind = fields.Str(dump_only=True)
    language = fields.Str(dump_only=True)
    subject = fields.Str(required=True)
    body = fields.Str(required=True)
    custom = fields.Bool(dump_only=True, metadata={"description": "false: the standard wording"})
    placeholders = fields.List(fields.Str(), dump_only=True)


def _wording(event_id: int, kind: str, language: str) -> dict:
    if kind not in wording.KINDS or language not in current_app.config["LANGUAGES"]:
        abort(404)
    subject, body, custom = service.wording_of(event_id, kind, language)
    return {"kind": kind, "language": language, "subject": subject, "body": body, "custom": custom,
            "placeholders": list(wording.KINDS[kind].placeholders)}


@blp.route("/outbox")
class OutboxCounts(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, OutboxCountsSchema)
    def get(self, slug):
        """How many of the event's e-mails are queued, sent and failed."""
        return outbox.counts(api_event().id)


@blp.route("/outbox/<int:message_id>/resend")
class OutboxResend(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, MessageSchema)
    def post(self, slug, message_id):
        """Queue a failed message again (409 when it is not failed)."""
        message = outbox.resend(api_event().id, message_id)
        db.session.commit()
        return message


@blp.route("/emails/<kind>/<language>")
class EmailWording(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, WordingSchema)
    def get(self, slug, kind, language):
        """The wording guests get (the organizer's, or the standard one), with its placeholders."""
        return _wording(api_event().id, kind, language)

    @api_event_role(ORGANIZER)
    @blp.arguments(WordingSchema)
    @blp.response(200, WordingSchema)
    def put(self, data, slug, kind, language):
        """Save the organizer's wording; an unknown placeholder is refused (422, code unknown_placeholder)."""
        event = api_event()
        if kind not in wording.KINDS or language not in current_app.config["LANGUAGES"]:
            abort(404)
        service.save_wording(event.id, kind, language, data["subject"], data["body"], api_user().id)
        db.session.commit()
        return _wording(event.id, kind, language)

    @api_event_role(ORGANIZER)
    @blp.response(204)
    def delete(self, slug, kind, language):
        """Back to the standard wording."""
        event = api_event()
        if kind not in wording.KINDS or language not in current_app.config["LANGUAGES"]:
            abort(404)
        service.reset_wording(event.id, kind, language)
        db.session.commit()
