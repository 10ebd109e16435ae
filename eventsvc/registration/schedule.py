"""Scheduled registration work, run by the workers once per period: invitations whose links
have all expired become "expired" (through the lifecycle), and each event's scheduled reminders
(``reminders.py``) go out once each when their moment has passed."""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from eventsvc.core import tasks
from eventsvc.core.types import utcnow
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.mail.service import queue_message
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus
from eventsvc.registration.invitations import send_invitation
from eventsvc.registration.links import issue_link, portal_url
from eventsvc.registration.mail_values import (
    event_start_text,
    event_starts_at,
    first_day_agenda,
    guest_values,
)
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.reminders import ReminderAudience, ScheduledReminder


@tasks.periodic("invitations_expire", every="REGISTRATION_SCHEDULE_SECONDS")
def expire_invitations() -> int:
    db.session.connection(execution_options={"sqlite_immediate": True})
    count = lifecycle.expire_invitations()
    db.session.commit()
    return count


def reminder_due(reminder: ScheduledReminder, starts: datetime, now: datetime) -> bool:
    return reminder.sent_at is None and starts - timedelta(hours=reminder.hours_before) <= now < starts


def send_reminder(reminder_id: int, now: datetime | None = None) -> int:
    """Queue one scheduled reminder to its guests, once: ``sent_at`` is set by a conditional UPDATE
    in the same transaction as the messages, each message keyed by reminder and guest. How many."""
    now = now or utcnow()
    db.session.connection(execution_options={"sqlite_immediate": True})
    claimed = db.session.execute(
        update(ScheduledReminder).where(ScheduledReminder.id == reminder_id, ScheduledReminder.sent_at.is_(None))
        .values(sent_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return 0
    reminder = db.session.get(ScheduledReminder, reminder_id)
    event = db.session.get(Event, reminder.event_id)
    if reminder.audience == ReminderAudience.UNANSWERED:
        queued = _remind_unanswered(event, reminder)
    else:
        queued = _remind_confirmed(event, reminder)
    reminder.sent_count = queued
    db.session.commit()
    return queued


def _remind_confirmed(event: Event, reminder: ScheduledReminder) -> int:
    guests = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == RegistrationStatus.CONFIRMED)
        .options(selectinload(Registration.person)).order_by(Registration.id)).all()
    starts = event_starts_at(event)
    agenda = {language: first_day_agenda(event, language) for language in {g.language for g in guests}}
    queued = 0
    for registration in guests:
        person = registration.person
        if not person.email:
            continue
        language = registration.language
        queue_message(kind="event_reminder", to_address=person.email, to_name=person.name, language=language,
                      event_id=event.id, dedupe_key=f"reminder:{reminder.id}:r{registration.id}",
                      values=guest_values(event, person, language, portal_url(issue_link(registration)),
                                          event_start=event_start_text(starts, event, language),
                                          agenda=agenda[language]))
        queued += 1
    return queued


def _remind_unanswered(event: Event, reminder: ScheduledReminder) -> int:
    lifecycle.expire_invitations(event.id)
    pending = db.session.scalars(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.status.in_((InvitationStatus.SENT, InvitationStatus.OPENED)))
        .options(selectinload(Invitation.person), selectinload(Invitation.category))
        .order_by(Invitation.id)).all()
    queued = 0
    for invitation in pending:
        if not invitation.person.email:
            continue
        send_invitation(invitation, reminder=True, dedupe_key=f"reminder:{reminder.id}:i{invitation.id}")
        queued += 1
    return queued


@tasks.periodic("event_reminders", every="REGISTRATION_SCHEDULE_SECONDS")
def send_due_reminders() -> int:
    """Send every scheduled reminder that is due now (published events only)."""
    now = utcnow()
    candidates = db.session.execute(
        select(ScheduledReminder, Event).join(Event, Event.id == ScheduledReminder.event_id).where(
            ScheduledReminder.sent_at.is_(None), Event.status == EventStatus.PUBLISHED,
            Event.end_date >= (now - timedelta(days=1)).date())).all()
    starts: dict[int, datetime] = {}
    due = []
    for reminder, event in candidates:
        if event.id not in starts:
            starts[event.id] = event_starts_at(event)
        if reminder_due(reminder, starts[event.id], now):
            due.append(reminder.id)
    db.session.rollback()
    return sum(send_reminder(reminder_id, now) for reminder_id in due)
