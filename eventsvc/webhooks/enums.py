"""What a webhook can announce, and where a delivery stands."""

import enum

from flask_babel import lazy_gettext as _l


class WebhookKind(enum.StrEnum):
    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_CHANGED = "registration.changed"
    INVITATION_ANSWERED = "invitation.answered"
    CHECKIN_RECORDED = "checkin.recorded"
    AWARD_PRESENTED = "award.presented"
    CERTIFICATE_ISSUED = "certificate.issued"
    #: the "Send test" button's delivery; every endpoint gets it, whatever it subscribed to
    TEST = "webhook.test"


#: the kinds an organizer can choose, with their labels
SUBSCRIBABLE = {
    WebhookKind.REGISTRATION_CREATED: _l("Registration created"),
    WebhookKind.REGISTRATION_CHANGED: _l("Registration changed"),
    WebhookKind.INVITATION_ANSWERED: _l("Invitation answered"),
    WebhookKind.CHECKIN_RECORDED: _l("Check-in recorded"),
    WebhookKind.AWARD_PRESENTED: _l("Award presented"),
    WebhookKind.CERTIFICATE_ISSUED: _l("Certificate issued"),
}


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Pending"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
}
