"""API shapes of events and their agenda."""

from marshmallow import Schema, validate

from eventsvc.core import fields
from eventsvc.core.input import MAX_POSITION
from eventsvc.events.enums import (
    EventKind,
    EventStatus,
    ParticipationRole,
    RegistrationMode,
    SessionKind,
    SessionStatus,
    SpeechStatus,
)


class RoomSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str()
    name_local = fields.Str(allow_none=True)
    capacity = fields.Int(allow_none=True)


class EventSchema(Schema):
    id = fields.Int(dump_only=True)
    slug = fields.Str()
    title = fields.Str()
    title_local = fields.Str(allow_none=True)
    kind = fields.Str()
    status = fields.Str()
    description = fields.Str(allow_none=True)
    description_local = fields.Str(allow_none=True)
    venue = fields.Str(allow_none=True)
    venue_local = fields.Str(allow_none=True)
    city = fields.Str(allow_none=True)
    city_local = fields.Str(allow_none=True)
    start_date = fields.Date()
    end_date = fields.Date()
    timezone = fields.Str()
    registration_mode = fields.Str()
    capacity = fields.Int(allow_none=True)
    confirmed_count = fields.Int(dump_only=True, metadata={"description": "guests confirmed now"})
    registration_opens_at = fields.AwareDateTime(allow_none=True, metadata={"description": "UTC"})
    registration_closes_at = fields.AwareDateTime(allow_none=True, metadata={"description": "UTC"})
    allow_walk_ins = fields.Bool()


class EventInSchema(Schema):
    """A new event's settings; the rules (address free, dates in order, a known zone, registration
    closing after it opens) are the service's, as on the event form: a refusal names the field."""

    slug = fields.Str(required=True, validate=validate.Length(min=1, max=80), metadata={
        "description": "the address: 3–80 lower-case letters, digits and hyphens"})
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    title_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    kind = fields.Str(validate=fields.one_of(EventKind))
    status = fields.Str(validate=fields.one_of(EventStatus), metadata={
        "description": "visibility: only a published event has public pages (a new event is a draft)"})
    description = fields.Str(allow_none=True)
    description_local = fields.Str(allow_none=True)
    venue = fields.Str(allow_none=True, validate=validate.Length(max=300))
    venue_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    city = fields.Str(allow_none=True, validate=validate.Length(max=100))
    city_local = fields.Str(allow_none=True, validate=validate.Length(max=100))
    start_date = fields.Date(required=True, metadata={"description": "first day, in the event's zone"})
    end_date = fields.Date(required=True, metadata={"description": "last day, in the event's zone"})
    timezone = fields.Str(validate=validate.Length(min=1, max=64), metadata={
        "description": "IANA zone, e.g. Asia/Shanghai (default UTC)"})
    registration_mode = fields.Str(validate=fields.one_of(RegistrationMode))
    capacity = fields.Int(allow_none=True, minimum=0, metadata={
        "description": "confirmed guests at most; null: no limit. Never below those confirmed (below_confirmed)"})
    registration_opens_at = fields.AwareDateTime(allow_none=True)
    registration_closes_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "after registration_opens_at (window_order)"})
    allow_walk_ins = fields.Bool(metadata={"description": "staff may register walk-ins at the desk"})


class EventPatchSchema(EventInSchema):
    """Any subset of the event's settings (used with partial=True)."""


class SessionSchema(Schema):
    id = fields.Int(dump_only=True)
    kind = fields.Str()
    title = fields.Str()
    title_local = fields.Str(allow_none=True)
    description = fields.Str(allow_none=True)
    starts_at = fields.AwareDateTime(metadata={"description": "UTC"})
    ends_at = fields.AwareDateTime(metadata={"description": "UTC"})
    room = fields.Nested(RoomSchema, allow_none=True)
    capacity = fields.Int(allow_none=True)
    requires_registration = fields.Bool()
    is_closed = fields.Bool()
    refuse_when_full = fields.Bool(metadata={"description": "its door refuses entry while the room is full"})
    status = fields.Str()


class EventListQuerySchema(Schema):
    status = fields.enum_field(EventStatus, metadata={"description": "only events in this status"})


# ---- input shapes of the agenda API (times are aware ISO 8601; any offset, stored in UTC) ----

class SessionInSchema(Schema):
    kind = fields.Str(required=True, validate=fields.one_of(SessionKind))
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    title_local = fields.Str(allow_none=True, validate=validate.Length(max=300))
    description = fields.Str(allow_none=True)
    description_local = fields.Str(allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    room_id = fields.Int(allow_none=True)
    capacity = fields.Int(allow_none=True, minimum=0)
    requires_registration = fields.Bool()
    is_closed = fields.Bool()
    refuse_when_full = fields.Bool()
    status = fields.Str(validate=fields.one_of(SessionStatus))
    confirm_overlaps = fields.Bool(load_default=False, metadata={
        "description": "save even though the session clashes with others (409 otherwise)"})


class SessionDetailSchema(SessionSchema):
    ical_uid = fields.Str(dump_only=True)
    ical_sequence = fields.Int(dump_only=True)
    title_local = fields.Str(allow_none=True)
    description_local = fields.Str(allow_none=True)


class PersonBriefSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str()
    name_local = fields.Str(allow_none=True)


class ParticipationSchema(Schema):
    id = fields.Int(dump_only=True)
    agenda_item_id = fields.Int(dump_only=True)
    person_id = fields.Int(required=True)
    person = fields.Nested(PersonBriefSchema, dump_only=True)
    role = fields.Str(required=True, validate=fields.one_of(ParticipationRole))
    position = fields.Int(allow_none=True, minimum=0, maximum=MAX_POSITION)
    confirm_overlaps = fields.Bool(load_only=True, load_default=False)


class ParticipationPatchSchema(Schema):
    role = fields.Str(validate=fields.one_of(ParticipationRole))
    position = fields.Int(minimum=0, maximum=MAX_POSITION)


class SpeechSchema(Schema):
    id = fields.Int(dump_only=True)
    agenda_item_id = fields.Int(dump_only=True)
    speaker_id = fields.Int(required=True)
    speaker = fields.Nested(PersonBriefSchema, dump_only=True)
    title = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    title_local = fields.Str(allow_none=True, validate=validate.Length(max=500))
    abstract = fields.Str(allow_none=True)
    abstract_local = fields.Str(allow_none=True, metadata={"description": "the abstract in Chinese"})
    language = fields.Str(validate=validate.Length(min=2, max=8))
    position = fields.Int(allow_none=True, minimum=0, maximum=MAX_POSITION)
    planned_start = fields.AwareDateTime(allow_none=True)
    planned_end = fields.AwareDateTime(allow_none=True)
    actual_start = fields.AwareDateTime(allow_none=True)
    actual_end = fields.AwareDateTime(allow_none=True)
    status = fields.Str(validate=fields.one_of(SpeechStatus))
    summary = fields.Str(allow_none=True)
    summary_local = fields.Str(allow_none=True, metadata={"description": "the summary in Chinese"})
    video_url = fields.Url(allow_none=True, schemes={"http", "https"})
    has_slides = fields.Method("_has_slides", dump_only=True)
    confirm_overlaps = fields.Bool(load_only=True, load_default=False)

    def _has_slides(self, speech):
        return bool(speech.slides_path)


class SessionPatchSchema(SessionInSchema):
    """Any subset of the session's fields (used with partial=True)."""


class SpeechPatchSchema(SpeechSchema):
    """Any subset of the speech's fields (used with partial=True)."""
