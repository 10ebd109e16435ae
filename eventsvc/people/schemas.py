"""API shapes of people and organizations."""

from marshmallow import Schema, ValidationError, validate

from eventsvc.core import fields
from eventsvc.core.errors import ServiceError
from eventsvc.people.identity import normalise_email
from eventsvc.people.models import OrganizationKind


class EmailAddress(fields.Str):
    """An e-mail address by people.identity's rule (the one registration uses), lower-cased.

    An empty value is None where None is allowed, so a client can clear an optional address.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not value.strip() and self.allow_none:
            return None
        try:
            return normalise_email(value)
        except ServiceError as error:
            raise ValidationError(error.message) from None

    def _validate(self, value):
        if value is not None:  # a cleared address: no length to check
            super()._validate(value)


class OrganizationSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    name_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    short_name = fields.Str(allow_none=True, validate=validate.Length(max=50))
    kind = fields.enum_field(OrganizationKind)
    website = fields.Url(allow_none=True, schemes={"http", "https"})


class PersonSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    name_local = fields.Str(allow_none=True, validate=validate.Length(max=200))
    position = fields.Str(allow_none=True, validate=validate.Length(max=300))
    position_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    organization_id = fields.Int(allow_none=True)
    organization_name = fields.Str(load_only=True, validate=validate.Length(min=1, max=300), metadata={
        "description": "find the organization by name, or create it"})
    organization = fields.Nested(OrganizationSchema, dump_only=True, allow_none=True)
    category = fields.Str(dump_only=True, allow_none=True, metadata={
        "description": "what the event knows them as (the guest's category, or a role on stage), "
                       "to tell namesakes apart"})
    #: written, never read back: staff read the people of their event too
    email = EmailAddress(allow_none=True, load_only=True, validate=validate.Length(max=254),
                         metadata={"format": "email"})
    phone = fields.Str(allow_none=True, validate=validate.Length(max=50), load_only=True)
    bio = fields.Str(allow_none=True)
    bio_local = fields.Str(allow_none=True, metadata={"description": "the biography in Chinese"})
    has_photo = fields.Method("_has_photo", dump_only=True, metadata={
        "description": "whether a photo is set (uploaded on the organizer's person form)"})
    language = fields.Str(validate=validate.OneOf(["en", "zh"]))

    def _has_photo(self, person) -> bool:
        return bool(person.photo_path)


class SearchArgs(Schema):
    q = fields.Str(load_default="", metadata={
        "description": "part of a name, local name, organization or e-mail address; empty: the first ones by name"})
    limit = fields.Int(load_default=10, validate=validate.Range(1, 100), metadata={"description": "at most this many"})


class PersonPatchSchema(PersonSchema):
    """Any subset of a person's fields (used with partial=True)."""


class OrganizationPatchSchema(OrganizationSchema):
    """Any subset of an organization's fields (used with partial=True)."""
