"""States of invitations, registrations and seats."""

import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from eventsvc.core.labels import labelled


@labelled({
    "draft": _l("Draft"), "sent": _l("Sent"), "opened": _l("Opened"), "accepted": _l("Accepted"),
    "declined": _l("Declined"), "expired": _l("Expired"), "revoked": lazy_pgettext("invitation status", "Revoked"),
})
class InvitationStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    OPENED = "opened"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    REVOKED = "revoked"


@labelled({
    "pending": _l("Pending approval"), "confirmed": _l("Confirmed"), "waitlisted": _l("Waitlisted"),
    "cancelled": _l("Cancelled"), "rejected": _l("Rejected"),
})
class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


@labelled({"invitation": _l("invited"), "self": _l("self-registered"), "walk_in": _l("walk-in"),
           "import": _l("imported")})
class RegistrationSource(enum.StrEnum):
    INVITATION = "invitation"
    SELF = "self"
    WALK_IN = "walk_in"
    IMPORT = "import"


@labelled({"confirmed": _l("Confirmed"), "waitlisted": _l("Waitlisted"), "cancelled": _l("Cancelled")})
class SeatStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


@labelled({
    "short_text": _l("Short text"), "long_text": _l("Long text"), "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"), "checkbox": _l("Checkbox (consent)"), "number": _l("Number"),
    "date": _l("Date"),
})
class QuestionKind(enum.StrEnum):
    """What a custom registration question asks for (registration.questions)."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    DATE = "date"

    @property
    def has_choices(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
