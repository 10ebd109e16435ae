"""Translated names of the agenda's kinds, roles and states, for pages and forms."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "plenary": _l("Plenary"), "seminar": _l("Seminar"), "launching_ceremony": _l("Launching ceremony"),
    "award_ceremony": _l("Award ceremony"), "council_meeting": _l("Council meeting"), "panel": _l("Panel"),
    "break": _l("Break"), "reception": _l("Reception"), "other": _l("Other"),
}
ROLE_LABELS = {
    "speaker": _l("Speaker"), "moderator": _l("Moderator"), "panelist": _l("Panelist"), "host": _l("Host"),
    "presenter": _l("Presenter"), "guest_of_honour": _l("Guest of honour"),
}
SPEECH_STATUS_LABELS = {"planned": _l("Planned"), "delivered": _l("Delivered"), "cancelled": _l("Cancelled")}
EVENT_KIND_LABELS = {"forum": _l("Forum"), "conference": _l("Conference"), "summit": _l("Summit"),
                     "seminar": _l("Seminar"), "other": _l("Other")}
EVENT_STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}
REGISTRATION_MODE_LABELS = {"open": _l("Open to anyone"), "approval": _l("Approval required"),
                            "invitation": _l("Invitation only")}
LANGUAGE_LABELS = {"zh": _l("Chinese"), "en": _l("English")}
