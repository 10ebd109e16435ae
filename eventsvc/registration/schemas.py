"""API shapes of invitations and registrations."""

from marshmallow import Schema, validate

from eventsvc.core import fields
from eventsvc.people.schemas import EmailAddress
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus
from eventsvc.registration.transitions import REGISTRATION, Actor, allowed_actions


class GuestPersonSchema(Schema):
    """A guest as organizers see them (with e-mail); the public person shape is people.PersonSchema."""

    id = fields.Int(dump_only=True)
    name = fields.Str()
    name_local = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True, metadata={"description": "none for a guest registered without one"})
    position = fields.Str(allow_none=True)
    organization = fields.Function(lambda p: p.organization.name if p.organization else None,
                                   metadata={"type": "string", "nullable": True})


class CategorySchema(Schema):
    id = fields.Int()
    code = fields.Str()
    label = fields.Str()
    label_local = fields.Str(allow_none=True)
    color = fields.Str()


class SeatSchema(Schema):
    session_id = fields.Int(attribute="agenda_item_id")
    status = fields.Function(lambda s: s.status.value)


class InvitationSchema(Schema):
    id = fields.Int()
    person = fields.Nested(GuestPersonSchema)
    category = fields.Nested(CategorySchema, allow_none=True)
    status = fields.Function(lambda i: i.status.value)
    language = fields.Str()
    sent_at = fields.AwareDateTime(allow_none=True)
    opened_at = fields.AwareDateTime(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)
    decline_reason = fields.Str(allow_none=True)
    session_ids = fields.Function(lambda i: [s.id for s in i.sessions])
    answers = fields.Function(lambda i: getattr(i, "answers_by_key", {}), metadata={
        "type": "object", "description": "answers given so far (an import's, or the guest's), by question key"})


class InvitationCreateSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    email = EmailAddress(required=True)
    name_local = fields.Str(load_default=None, validate=validate.Length(max=200))
    organization = fields.Str(load_default=None, validate=validate.Length(max=300))
    position = fields.Str(load_default=None, validate=validate.Length(max=300))
    phone = fields.Str(load_default=None, validate=validate.Length(max=50))
    language = fields.Str(load_default="en", validate=validate.OneOf(["en", "zh"]))
    category = fields.Str(load_default=None, metadata={"description": "category code"})
    session_ids = fields.List(fields.Int(), load_default=list)
    message = fields.Str(load_default=None, validate=validate.Length(max=4000))
    send = fields.Bool(load_default=True)
    answers = fields.Dict(keys=fields.Str(), values=fields.Raw(allow_none=True), load_default=dict, metadata={
        "description": "answers to the event's questions by question key (see PATCH …/registrations/<id>/answers)"})


class ImportArgsSchema(Schema):
    dry_run = fields.Bool(load_default=False, metadata={"description": "only check the file"})
    send = fields.Bool(load_default=True)


class ImportFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportResultSchema(Schema):
    dry_run = fields.Bool()
    count = fields.Int()
    rows = fields.List(fields.Dict())


class RegistrationSchema(Schema):
    id = fields.Int()
    person = fields.Nested(GuestPersonSchema)
    category = fields.Nested(CategorySchema, allow_none=True)
    status = fields.Function(lambda r: r.status.value)
    source = fields.Function(lambda r: r.source.value)
    language = fields.Str()
    waitlisted_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    seats = fields.Nested(SeatSchema, many=True)
    answers = fields.Function(lambda r: getattr(r, "answers_by_key", {}), metadata={
        "type": "object", "description": "answers to the event's questions by question key (see …/questions): "
        "text, a number, \"YYYY-MM-DD\", true, a choice key or a list of choice keys"})
    actions = fields.Function(
        lambda r: allowed_actions(REGISTRATION, r.status, Actor.ORGANIZER),
        metadata={"description": "what an organizer may do now: POST …/registrations/<id>/<action>"})


class RegistrationCreateSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    email = EmailAddress(required=True)
    name_local = fields.Str(load_default=None, validate=validate.Length(max=200))
    organization = fields.Str(load_default=None, validate=validate.Length(max=300))
    position = fields.Str(load_default=None, validate=validate.Length(max=300))
    phone = fields.Str(load_default=None, validate=validate.Length(max=50))
    language = fields.Str(load_default="en", validate=validate.OneOf(["en", "zh"]))
    category = fields.Str(load_default=None)
    session_ids = fields.List(fields.Int(), load_default=list)
    notify = fields.Bool(load_default=True, metadata={"description": "e-mail the guest their status and link"})
    needs_approval = fields.Bool(load_default=None, allow_none=True,
                                 metadata={"description": "pending until approved; default: the event's mode"})
    answers = fields.Dict(keys=fields.Str(), values=fields.Raw(allow_none=True), load_default=dict, metadata={
        "description": "answers to the event's questions by question key (see PATCH …/registrations/<id>/answers)"})


class ListArgsSchema(Schema):
    q = fields.Str(load_default=None, validate=validate.Length(max=200))
    category = fields.Str(load_default=None, metadata={"description": "a category's id, or 'none'"})
    question = fields.Int(load_default=None, metadata={"description": "with answer: filter by a question's id"})
    answer = fields.Str(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "the answer to ``question``: a choice (key or label), yes/no, part of a text; empty: answered"})
    page = fields.Int(load_default=1, minimum=1)


class InvitationListArgsSchema(ListArgsSchema):
    status = fields.enum_field(InvitationStatus, load_default=None)


class RegistrationListArgsSchema(ListArgsSchema):
    status = fields.enum_field(RegistrationStatus, load_default=None)
