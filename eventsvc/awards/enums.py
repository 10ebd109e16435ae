"""Kinds and states of award programs and awards."""

import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from eventsvc.core.labels import labelled


@labelled({"license": _l("License"), "certificate": _l("Certificate"), "honour": _l("Honour")})
class AwardProgramKind(enum.StrEnum):
    LICENSE = "license"
    CERTIFICATE = "certificate"
    HONOUR = "honour"


@labelled({"planned": lazy_pgettext("award status", "Planned"), "presented": _l("Presented"),
           "revoked": lazy_pgettext("award status", "Revoked")})
class AwardStatus(enum.StrEnum):
    PLANNED = "planned"
    PRESENTED = "presented"
    REVOKED = "revoked"
