"""Scan answers and directions (SPEC rule 6)."""

import enum


class ScanResult(enum.StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_ADMITTED = "not_admitted"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    INVALID = "invalid"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"
