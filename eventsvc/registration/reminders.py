"""Scheduled reminders: "N days / hours before the event", to confirmed guests or to non-responders.

An event has a few of them (``ScheduledReminder``). The workers' periodic task
(``schedule.send_due_reminders``) sends each one once when its moment has passed:

- the reminder is claimed by a conditional UPDATE (``sent_at`` from NULL to now) in the same
  transaction that queues its messages, so two workers, two beats or a restart never send it
  twice: the second UPDATE finds it taken and changes nothing;
- each message carries a ``dedupe_key`` ("reminder:<id>:<registration or invitation id>"),
  unique in the outbox, so even a second writer could not give one guest two copies.

Confirmed guests get the pre-event reminder (``event_reminder``: badge link and the first day's
agenda); non-responders (invitations sent or opened, not answered) get the invitation reminder
with a fresh link (``invitation_reminder``).
"""

import enum
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.errors import ServiceError
from eventsvc.core.labels import choices, labelled
from eventsvc.core.types import UTCDateTime, enum_column, utcnow
from eventsvc.events.models import Event
from eventsvc.events.service import copies_into_next_edition
from eventsvc.extensions import db
from eventsvc.mail.models import MailTemplate

#: the longest lead an organizer may set: 60 days
MAX_HOURS = 60 * 24


@labelled({"confirmed": _l("Confirmed guests (badge link and the first day's agenda)"),
           "unanswered": _l("Invited guests who have not answered")})
class ReminderAudience(enum.StrEnum):
    CONFIRMED = "confirmed"
    UNANSWERED = "unanswered"


AUDIENCE_LABELS = {ReminderAudience(value): text for value, text in choices(ReminderAudience)}


class ScheduledReminder(db.Model):
    __tablename__ = "scheduled_reminders"
    __table_args__ = (
        UniqueConstraint("event_id", "audience", "hours_before"),
        CheckConstraint(f"hours_before BETWEEN 1 AND {MAX_HOURS}", name="hours_before_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    audience: Mapped[ReminderAudience] = mapped_column(enum_column(ReminderAudience, "reminder_audience"))
    #: how long before the event's first session (or its first day's midnight) it goes out
    hours_before: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a worker took it and queued its messages: it goes out once
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how many messages it queued
    sent_count: Mapped[int | None]


def reminders_of(event: Event) -> list[ScheduledReminder]:
    return db.session.scalars(select(ScheduledReminder).where(ScheduledReminder.event_id == event.id)
                              .order_by(ScheduledReminder.hours_before.desc(), ScheduledReminder.id)).all()


def add_reminder(event: Event, audience: str, amount: int | None, unit: str) -> ScheduledReminder:
    """Schedule one reminder ``amount`` hours or days before the event. The caller commits."""
    try:
        audience = ReminderAudience(audience)
    except ValueError:
        raise ServiceError("unknown_audience", _("Choose who gets the reminder."), field="audience") from None
    if unit not in ("hours", "days"):
        raise ServiceError("unknown_unit", _("Choose hours or days."), field="unit")
    if amount is None or amount < 1:
        raise ServiceError("amount_required", _("Give a number of hours or days, at least 1."), field="amount")
    hours = amount * (24 if unit == "days" else 1)
    if hours > MAX_HOURS:
        raise ServiceError("too_early", _("A reminder goes at most 60 days before the event."), field="amount")
    exists = db.session.scalar(select(ScheduledReminder.id).where(
        ScheduledReminder.event_id == event.id, ScheduledReminder.audience == audience,
        ScheduledReminder.hours_before == hours))
    if exists is not None:
        raise ServiceError("reminder_exists", _("This reminder is already scheduled."), field="amount",
                           status=409)
    reminder = ScheduledReminder(event_id=event.id, audience=audience, hours_before=hours)
    db.session.add(reminder)
    db.session.flush()
    return reminder


def remove_reminder(event: Event, reminder_id: int) -> None:
    """Remove a reminder that has not gone out yet (one that has is history). The caller commits."""
    reminder = db.session.scalar(select(ScheduledReminder).where(
        ScheduledReminder.id == reminder_id, ScheduledReminder.event_id == event.id))
    if reminder is None:
        raise ServiceError("not_found", _("No such reminder at this event."), status=404)
    if reminder.sent_at is not None:
        raise ServiceError("reminder_sent", _("This reminder has already gone out."), status=409)
    db.session.delete(reminder)


@copies_into_next_edition
def copy_guest_mail(source: Event, copy: Event, _sessions: dict) -> None:
    """The next edition keeps the organizer's wording of every e-mail and the reminders' schedule
    (none of them sent yet there)."""
    for template in db.session.scalars(select(MailTemplate).where(MailTemplate.event_id == source.id)):
        db.session.add(MailTemplate(event_id=copy.id, kind=template.kind, language=template.language,
                                    subject=template.subject, body=template.body))
    for reminder in reminders_of(source):
        db.session.add(ScheduledReminder(event_id=copy.id, audience=reminder.audience,
                                         hours_before=reminder.hours_before))
