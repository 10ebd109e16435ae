"""States and kinds of the agenda, in one leaf module, each member with its translated label."""

import enum

from flask_babel import lazy_gettext as _l

from eventsvc.core.labels import labelled


@labelled({"forum": _l("Forum"), "conference": _l("Conference"), "summit": _l("Summit"),
           "seminar": _l("Seminar"), "other": _l("Other")})
class EventKind(enum.StrEnum):
    FORUM = "forum"
    CONFERENCE = "conference"
    SUMMIT = "summit"
    SEMINAR = "seminar"
    OTHER = "other"


@labelled({"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")})
class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


@labelled({"open": _l("Open to anyone"), "approval": _l("Approval required"),
           "invitation": _l("Invitation only")})
class RegistrationMode(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITATION = "invitation"


@labelled({
    "plenary": _l("Plenary"), "seminar": _l("Seminar"), "launching_ceremony": _l("Launching ceremony"),
    "award_ceremony": _l("Award ceremony"), "council_meeting": _l("Council meeting"), "panel": _l("Panel"),
    "break": _l("Break"), "reception": _l("Reception"), "other": _l("Other"),
})
class SessionKind(enum.StrEnum):
    PLENARY = "plenary"
    SEMINAR = "seminar"
    LAUNCHING_CEREMONY = "launching_ceremony"
    AWARD_CEREMONY = "award_ceremony"
    COUNCIL_MEETING = "council_meeting"
    PANEL = "panel"
    BREAK = "break"
    RECEPTION = "reception"
    OTHER = "other"


@labelled({"scheduled": _l("Scheduled"), "cancelled": _l("Cancelled")})
class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@labelled({
    "speaker": _l("Speaker"), "moderator": _l("Moderator"), "panelist": _l("Panelist"), "host": _l("Host"),
    "presenter": _l("Presenter"), "guest_of_honour": _l("Guest of honour"),
})
class ParticipationRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    PANELIST = "panelist"
    HOST = "host"
    PRESENTER = "presenter"
    GUEST_OF_HONOUR = "guest_of_honour"


@labelled({"planned": _l("Planned"), "delivered": _l("Delivered"), "cancelled": _l("Cancelled")})
class SpeechStatus(enum.StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
