"""Imports every model, so that the metadata is complete for Alembic and the app."""

from eventsvc.accounts.models import ApiToken, EventRole, PasswordLink, User
from eventsvc.audit.models import AuditEvent
from eventsvc.awards.models import AttendanceCertificate, AttendanceRule, Award, AwardProgram
from eventsvc.badges.models import BadgeKey
from eventsvc.checkin.models import CheckIn
from eventsvc.core.jobs import BackgroundJob
from eventsvc.core.rate_limits import RateLimitHit
from eventsvc.core.tasks import PeriodicRun, WorkerHeartbeat
from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
from eventsvc.mail.models import MailTemplate, OutgoingMessage
from eventsvc.people.models import Organization, Person
from eventsvc.registration.models import (
    Category,
    GuestLink,
    Invitation,
    Registration,
    SessionSeat,
    invitation_sessions,
)
from eventsvc.registration.questions.models import (
    Answer,
    Choice,
    Question,
    answer_choices,
    question_categories,
)
from eventsvc.registration.reminders import ScheduledReminder
from eventsvc.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AgendaItem", "Answer", "ApiToken", "AttendanceCertificate", "AttendanceRule", "AuditEvent", "BackgroundJob", "Award", "AwardProgram", "BadgeKey", "Category",
    "CheckIn", "Choice", "Event", "EventRole", "GuestLink", "Invitation", "MailTemplate", "Organization",
    "OutgoingMessage", "Participation", "PasswordLink", "PeriodicRun", "Person", "Question", "RateLimitHit",
    "Registration", "Room", "ScheduledReminder", "SessionSeat",
    "SpeechRecord", "User", "WebhookDelivery", "WebhookEndpoint", "WorkerHeartbeat", "answer_choices", "invitation_sessions", "question_categories",
]
