"""API shapes of badges and the keys that verify them."""

import base64

from marshmallow import Schema, validate

from eventsvc.badges.layout import LAYOUTS, SINGLE
from eventsvc.core import fields


class Base64Bytes(fields.Field):
    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.b64encode(value).decode()


class BadgeKeySchema(Schema):
    key_id = fields.Int(metadata={"description": "carried in byte 2 of every code"})
    public_key = Base64Bytes(metadata={"description": "raw 32-byte Ed25519 public key, base64"})
    active = fields.Bool(metadata={"description": "new badges are signed with the active key"})
    created_at = fields.AwareDateTime()


class CodeFormatSchema(Schema):
    encoding = fields.Str()
    version = fields.Int()
    bytes = fields.Int()
    layout = fields.Str()


class BadgeKeysSchema(Schema):
    event_id = fields.Int()
    event_slug = fields.Str()
    algorithm = fields.Str()
    code_format = fields.Nested(CodeFormatSchema)
    keys = fields.List(fields.Nested(BadgeKeySchema))


class BadgeSchema(Schema):
    registration_id = fields.Int()
    badge_version = fields.Int()
    code = fields.Str(metadata={"description": "what the badge's QR carries"})
    printed_at = fields.AwareDateTime(allow_none=True)
    printed_version = fields.Int(allow_none=True)


class ReissueSchema(Schema):
    reason = fields.Str(load_default="", validate=validate.Length(max=300),
                        metadata={"description": "why (lost, damaged...), kept in the audit log"})


class BadgePdfQuerySchema(Schema):
    layout = fields.Str(load_default=SINGLE, validate=validate.OneOf(LAYOUTS), metadata={
        "description": "single: one A6 page; sheet: the badge on an A4 sheet with cut marks"})


class StationPrintSchema(Schema):
    registration_id = fields.Int(required=True, metadata={"description": "the guest checked in (the scan answer's person.registration_id)"})
    confirm = fields.Bool(load_default=False, metadata={
        "description": "staff confirm a reprint (the badge was already printed); without it a reprint is refused (409)"})
    reissue = fields.Bool(load_default=False, metadata={
        "description": "issue a new badge first (older codes are refused from now on); needs confirm"})
    reason = fields.Str(load_default="", validate=validate.Length(max=300))


class StationPrintAnswerSchema(Schema):
    kind = fields.Str(metadata={"description": "first or reprint"})
    registration_id = fields.Int()
    badge_version = fields.Int()
    reissued = fields.Bool()
    station_id = fields.Int()
    station_name = fields.Str()
    layout = fields.Str()
    print_count = fields.Int()
    reprint_count = fields.Int()
    label_url = fields.Str(metadata={"description": "the HTML label the station's browser prints"})
    label_pdf_url = fields.Str(metadata={"description": "the same label as a PDF"})
    sent_to_printer = fields.Bool(metadata={
        "description": "true: the server sent the label to the station's CUPS queue; false: the browser prints label_url"})
