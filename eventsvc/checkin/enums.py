"""Scan answers and directions (SPEC rule 6)."""

import enum

from flask_babel import lazy_gettext as _l

from eventsvc.core.labels import labelled


@labelled({
    "ok": _l("Checked in"), "already_checked_in": _l("Already checked in"), "not_admitted": _l("Not admitted"),
    "cancelled": _l("Cancelled"), "revoked": _l("Badge revoked"), "wrong_event": _l("Wrong event"),
    "invalid": _l("Invalid badge"), "room_full": _l("Room full"),
})
class ScanResult(enum.StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_ADMITTED = "not_admitted"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    INVALID = "invalid"
    #: a session door set to refuse entry when its room is full (checkin/occupancy.py)
    ROOM_FULL = "room_full"


@labelled({"in": _l("Entry"), "out": _l("Exit")})
class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"
