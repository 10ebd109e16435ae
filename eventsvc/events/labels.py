"""Translated names of the agenda's kinds, roles and states as {value: label}, for forms and pages.

The labels themselves live with their enums (eventsvc/events/enums.py); these are views of them.
"""

from flask_babel import lazy_gettext as _l

from eventsvc.core.labels import choices
from eventsvc.events.enums import (
    EventKind,
    EventStatus,
    ParticipationRole,
    RegistrationMode,
    SessionKind,
    SpeechStatus,
)

KIND_LABELS = dict(choices(SessionKind))
ROLE_LABELS = dict(choices(ParticipationRole))
SPEECH_STATUS_LABELS = dict(choices(SpeechStatus))
EVENT_KIND_LABELS = dict(choices(EventKind))
EVENT_STATUS_LABELS = dict(choices(EventStatus))
REGISTRATION_MODE_LABELS = dict(choices(RegistrationMode))
LANGUAGE_LABELS = {"zh": _l("Chinese"), "en": _l("English")}


def kind_names() -> dict[str, str]:
    """The kinds' names in the current language, translated once for a page that shows many sessions."""
    return {key: str(label) for key, label in KIND_LABELS.items()}
