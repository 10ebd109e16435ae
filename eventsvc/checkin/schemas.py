"""API shapes of scans, the offline roster and the arrivals figures."""

from marshmallow import Schema, validate

from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.core import fields


class ScanSchema(Schema):
    code = fields.Str(validate=validate.Length(min=1, max=400),
                      metadata={"description": "the badge's QR content; or send registration_id"})
    registration_id = fields.Int(metadata={"description": "manual check-in of a guest found by search"})
    gate = fields.Str(required=True, validate=validate.Length(min=1, max=40),
                      metadata={"description": "'entrance' or 'session-<id>'"})
    nonce = fields.Str(required=True, validate=validate.Length(min=1, max=64),
                       metadata={"description": "client-generated, unique per scan; a retry sends the same"})
    direction = fields.enum_field(Direction, load_default="in")
    device_time = fields.AwareDateTime(allow_none=True, metadata={"description": "the device's clock at the scan"})
    device = fields.Str(allow_none=True, validate=validate.Length(max=100))
    undone = fields.Bool(load_default=False,
                         metadata={"description": "offline uploads: the check-in was taken back on the device"})


class BatchSchema(Schema):
    scans = fields.List(fields.Nested(ScanSchema), required=True, validate=validate.Length(min=1, max=1000))


class ScanPersonSchema(Schema):
    registration_id = fields.Int()
    name = fields.Str()
    name_local = fields.Str(allow_none=True)
    position = fields.Str(allow_none=True)
    organization = fields.Str(allow_none=True)
    organization_local = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    category_local = fields.Str(allow_none=True)
    category_code = fields.Str(allow_none=True)
    category_color = fields.Str(allow_none=True)
    category_text_color = fields.Str(allow_none=True, metadata={"description": "black or white, whichever reads on category_color"})
    is_vip = fields.Bool()
    photo = fields.Str(allow_none=True)


class FirstScanSchema(Schema):
    at = fields.AwareDateTime()
    gate = fields.Str()
    gate_label = fields.Str()


class OccupancySchema(Schema):
    session_id = fields.Int()
    label = fields.Str(metadata={"description": "the room's name, else the session's title"})
    inside = fields.Int(metadata={"description": "people inside now (latest scan at this door is an entry)"})
    capacity = fields.Int(allow_none=True, metadata={"description": "the room's capacity, else the session's seats"})
    is_full = fields.Bool()
    refuses_when_full = fields.Bool(metadata={"description": "this door answers room_full while the room is full"})


class ScanAnswerSchema(Schema):
    checkin_id = fields.Int()
    result = fields.Str(metadata={"enum": [r.value for r in ScanResult]})
    reason = fields.Str(allow_none=True)
    message = fields.Str(metadata={"description": "a sentence in the staff member's language"})
    gate = fields.Str()
    direction = fields.Str()
    nonce = fields.Str()
    scanned_at = fields.AwareDateTime()
    is_duplicate = fields.Bool()
    replayed = fields.Bool(metadata={"description": "true when this nonce was already recorded"})
    person = fields.Nested(ScanPersonSchema, allow_none=True)
    first_scan = fields.Nested(FirstScanSchema, allow_none=True)
    occupancy = fields.Nested(OccupancySchema, allow_none=True,
                              metadata={"description": "at a session door: who is inside its room now"})


class BatchAnswerSchema(Schema):
    answers = fields.List(fields.Nested(ScanAnswerSchema))


class UndoAnswerSchema(Schema):
    checkin_id = fields.Int()
    undone_at = fields.AwareDateTime()
    gate = fields.Str()
    count = fields.Int()


class KeysSchema(Schema):
    event_id = fields.Int()
    algorithm = fields.Str()
    public_keys = fields.Dict(keys=fields.Str(), values=fields.Str(),
                              metadata={"description": "key id → raw 32-byte public key, base64"})


class RosterSchema(Schema):
    event_id = fields.Int()
    slug = fields.Str()
    timezone = fields.Str()
    generated_at = fields.Str()
    public_keys = fields.Dict(keys=fields.Str(), values=fields.Str())
    sessions = fields.List(fields.Dict())
    registrations = fields.List(fields.Dict())


class GateQuerySchema(Schema):
    gate = fields.Str(required=True, validate=validate.Length(min=1, max=40))


class GateCountSchema(Schema):
    gate = fields.Str()
    count = fields.Int()
    occupancy = fields.Nested(OccupancySchema, allow_none=True,
                              metadata={"description": "at a session door: who is inside its room now"})


class SearchQuerySchema(Schema):
    q = fields.Str(required=True, validate=validate.Length(min=1, max=100))


class SearchResultSchema(Schema):
    registration_id = fields.Int()
    status = fields.Str()
    name = fields.Str()
    name_local = fields.Str(allow_none=True)
    organization = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    checked_in = fields.Dict()


class RoomOccupancySchema(Schema):
    session_id = fields.Int()
    gate = fields.Str()
    session = fields.Str()
    room = fields.Str(allow_none=True)
    inside = fields.Int(metadata={"description": "people inside now: their latest scan at this door is an entry"})
    capacity = fields.Int(allow_none=True, metadata={"description": "the room's capacity, else the session's seats"})
    is_full = fields.Bool()
    refuses_when_full = fields.Bool()
    state = fields.Str(metadata={"description": "live, upcoming or ended"})
    time = fields.Str(metadata={"description": "start–end in the event's zone"})


class ArrivalsSchema(Schema):
    rooms = fields.List(fields.Nested(RoomOccupancySchema))
    expected = fields.Int()
    arrived = fields.Int()
    by_category = fields.List(fields.Dict())
    by_gate = fields.List(fields.Dict())
    over_time = fields.List(fields.Dict())
    vips_missing = fields.List(fields.Dict())
    vips_expected = fields.Int(metadata={"description": "Confirmed guests in VIP categories"})
    vip_state = fields.Str(metadata={"description": "none (no VIP on the list), all_arrived or missing"})
    generated_at = fields.Str()
    updated = fields.Str(metadata={"description": "generated_at as a time in the event's zone and the caller's language"})
    zone = fields.Str(metadata={"description": "The event's time zone, named in the caller's language"})


class KioskCheckInSchema(Schema):
    email = fields.Str(required=True, validate=validate.Length(min=1, max=254))
    code = fields.Str(required=True, validate=validate.Length(min=1, max=40),
                      metadata={"description": "the guest's check-in code (shown in the guest's portal)"})
    gate = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    nonce = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    device = fields.Str(allow_none=True, validate=validate.Length(max=100))


class KioskExitSchema(Schema):
    pin = fields.Str(required=True, validate=validate.Length(min=1, max=20))


class KioskExitAnswerSchema(Schema):
    left = fields.Bool()
