"""The API's webhook endpoints: what a caller sends and what it gets back."""

from marshmallow import Schema, validate

from eventsvc.core import fields
from eventsvc.webhooks.enums import SUBSCRIBABLE

KIND_VALUES = [kind.value for kind in SUBSCRIBABLE]


class EndpointSchema(Schema):
    id = fields.Int(dump_only=True)
    url = fields.Str(required=True, validate=validate.Length(max=500),
                     metadata={"description": "https:// on a public address"})
    description = fields.Str(allow_none=True, validate=validate.Length(max=200))
    kinds = fields.Function(lambda endpoint: endpoint.kind_list, dump_only=True)
    secret_hint = fields.Str(dump_only=True, metadata={"description": "the secret's last four characters"})
    created_at = fields.AwareDateTime(dump_only=True)


class EndpointCreateSchema(Schema):
    url = fields.Str(required=True, validate=validate.Length(max=500),
                     metadata={"description": "https:// on a public address"})
    description = fields.Str(allow_none=True, validate=validate.Length(max=200))
    kinds = fields.List(fields.Str(validate=validate.OneOf(KIND_VALUES)), required=True,
                        validate=validate.Length(min=1, max=len(KIND_VALUES)))


class EndpointCreatedSchema(EndpointSchema):
    secret = fields.Str(dump_only=True, metadata={
        "description": "the signing secret: in this answer only, never shown again"})
