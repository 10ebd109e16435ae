"""API shapes of registration questions and answers."""

from marshmallow import Schema, validate

from eventsvc.core import fields
from eventsvc.registration.enums import QuestionKind


class ChoiceSchema(Schema):
    key = fields.Str(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "an existing choice's key (it keeps its answers); leave out for a new choice"})
    label = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    label_local = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    hidden = fields.Bool(dump_only=True, metadata={
        "description": "removed after guests chose it: no longer offered, still shown on their answers"})


class QuestionSchema(Schema):
    id = fields.Int(dump_only=True)
    key = fields.Str(validate=validate.Length(max=40), metadata={
        "description": "stable name: the answers' key in the API and the spreadsheet column; made from the label when left out"})
    kind = fields.enum_field(QuestionKind, required=True)
    label = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    label_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    help = fields.Str(allow_none=True, validate=validate.Length(max=1000))
    help_local = fields.Str(allow_none=True, validate=validate.Length(max=1000))
    required = fields.Bool()
    hidden = fields.Bool(metadata={"description": "no longer asked; its answers stay"})
    position = fields.Int(metadata={"description": "1 is asked first; setting it moves the question"})
    categories = fields.List(fields.Str(), metadata={
        "description": "codes of the categories asked; empty: every guest"})
    choices = fields.List(fields.Nested(ChoiceSchema), metadata={
        "description": "single and multiple choice questions: the choices in order; a choice left out is "
                       "deleted, or hidden once answered"})


class QuestionDumpSchema(QuestionSchema):
    categories = fields.Function(lambda q: [c.code for c in q.categories],
                                 metadata={"type": "array", "items": {"type": "string"}})
    kind = fields.Function(lambda q: q.kind.value, metadata={"type": "string"})


class QuestionPatchSchema(QuestionSchema):
    """Any subset of a question's fields (used with partial=True)."""


class AnswersSchema(Schema):
    answers = fields.Dict(keys=fields.Str(), values=fields.Raw(allow_none=True), required=True, metadata={
        "description": "by question key: text, a number, \"YYYY-MM-DD\", true/false, a choice key (or "
                       "label), a list of choice keys; null clears. Questions left out keep their answer."})
