"""States and kinds of the agenda, in one leaf module."""

import enum


class EventKind(enum.StrEnum):
    FORUM = "forum"
    CONFERENCE = "conference"
    SUMMIT = "summit"
    SEMINAR = "seminar"
    OTHER = "other"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RegistrationMode(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITATION = "invitation"


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


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ParticipationRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    PANELIST = "panelist"
    HOST = "host"
    PRESENTER = "presenter"
    GUEST_OF_HONOUR = "guest_of_honour"


class SpeechStatus(enum.StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
