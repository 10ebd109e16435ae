"""Kinds and states of award programs and awards."""

import enum


class AwardProgramKind(enum.StrEnum):
    LICENSE = "license"
    CERTIFICATE = "certificate"
    HONOUR = "honour"


class AwardStatus(enum.StrEnum):
    PLANNED = "planned"
    PRESENTED = "presented"
    REVOKED = "revoked"
