"""API shapes of events and their agenda."""

from marshmallow import Schema, fields, validate

from eventsvc.events.enums import EventStatus


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
    venue = fields.Str(allow_none=True)
    venue_local = fields.Str(allow_none=True)
    city = fields.Str(allow_none=True)
    city_local = fields.Str(allow_none=True)
    start_date = fields.Date()
    end_date = fields.Date()
    timezone = fields.Str()
    registration_mode = fields.Str()
    capacity = fields.Int(allow_none=True)


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
    status = fields.Str()


class EventListQuerySchema(Schema):
    status = fields.Str(validate=validate.OneOf([s.value for s in EventStatus]),
                        metadata={"description": "only events in this status"})
