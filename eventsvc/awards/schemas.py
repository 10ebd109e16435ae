"""API shapes of award programs and awards."""

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from eventsvc.awards.enums import AwardProgramKind
from eventsvc.core import fields


class PartySchema(Schema):
    id = fields.Int()
    name = fields.Str()
    name_local = fields.Str(allow_none=True)


class ProgramSchema(Schema):
    id = fields.Int(dump_only=True)
    kind = fields.enum_field(AwardProgramKind, required=True)
    name = fields.Str(required=True, validate=validate.Length(1, 300))
    name_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    description = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    issuer_id = fields.Int(allow_none=True)
    issuer = fields.Nested(PartySchema, dump_only=True, allow_none=True)
    number_prefix = fields.Str(required=True, validate=validate.Length(2, 12),
                               metadata={"description": "numbers read PREFIX-YEAR-0001"})
    number_digits = fields.Int(load_default=4, validate=validate.Range(1, 8))
    validity_months = fields.Int(allow_none=True, validate=validate.Range(1, 1200))
    next_sequence = fields.Int(dump_only=True)


class AwardInSchema(Schema):
    recipient_organization_id = fields.Int(allow_none=True)
    recipient_person_id = fields.Int(allow_none=True)
    citation = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    citation_local = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    presenter_id = fields.Int(allow_none=True, metadata={"description": "someone with a role in the session"})
    agenda_item_id = fields.Int(allow_none=True, metadata={"description": "the ceremony session"})
    position = fields.Int(allow_none=True, validate=validate.Range(0, 100000))
    issue_date = fields.Date(metadata={"description": "required when creating"})


class AwardSchema(Schema):
    id = fields.Int()
    program_id = fields.Int()
    certificate_number = fields.Str()
    verification_url = fields.Str(metadata={"description": "the URL in the certificate's QR code"})
    status = fields.Str()
    issue_date = fields.Date()
    valid_until = fields.Date(allow_none=True)
    recipient_organization = fields.Nested(PartySchema, allow_none=True)
    recipient_person = fields.Nested(PartySchema, allow_none=True)
    citation = fields.Str(allow_none=True)
    citation_local = fields.Str(allow_none=True)
    presenter = fields.Nested(PartySchema, allow_none=True)
    agenda_item_id = fields.Int(allow_none=True)
    position = fields.Int()
    presented_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    revocation_reason = fields.Str(allow_none=True)


class RevokeSchema(Schema):
    reason = fields.Str(required=True, validate=validate.Length(1, 1000))


class ProgramPatchSchema(ProgramSchema):
    """Any subset of a program's fields (used with partial=True)."""


class AwardPatchSchema(AwardInSchema):
    """Any subset of an award's fields (used with partial=True)."""


class AwardImportSchema(Schema):
    agenda_item_id = fields.Int(allow_none=True, metadata={"description": "the ceremony session"})
    issue_date = fields.Date(required=True)


class AwardImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "a .csv or .xlsx file with a header line"})
