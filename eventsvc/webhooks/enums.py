"""What a webhook can announce, and where a delivery stands."""

import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from eventsvc.core.labels import choices, labelled


@labelled({"registration.created": _l("Registration created"), "registration.changed": _l("Registration changed"),
           "invitation.answered": _l("Invitation answered"), "checkin.recorded": _l("Check-in recorded"),
           "award.presented": _l("Award presented"), "certificate.issued": _l("Certificate issued"),
           "webhook.test": lazy_pgettext("webhook delivery", "Test")})
class WebhookKind(enum.StrEnum):
    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_CHANGED = "registration.changed"
    INVITATION_ANSWERED = "invitation.answered"
    CHECKIN_RECORDED = "checkin.recorded"
    AWARD_PRESENTED = "award.presented"
    CERTIFICATE_ISSUED = "certificate.issued"
    #: the "Send test" button's delivery; every endpoint gets it, whatever it subscribed to
    TEST = "webhook.test"


#: the kinds an organizer can choose (the test delivery goes to every endpoint)
SUBSCRIBABLE = [kind for kind in WebhookKind if kind is not WebhookKind.TEST]


def subscribable_choices() -> list[tuple["WebhookKind", object]]:
    """(kind, lazy label) for a form's checkboxes."""
    return [(WebhookKind(value), text) for value, text in choices(WebhookKind) if value != WebhookKind.TEST]


@labelled({"pending": lazy_pgettext("webhook delivery", "Pending"),
           "delivered": lazy_pgettext("webhook delivery", "Delivered"),
           "failed": lazy_pgettext("webhook delivery", "Failed")})
class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
