"""Scheduled registration work, run by the workers once per period: invitations whose links
have all expired become "expired" (through the lifecycle), and each event's pre-event reminder
goes to its confirmed guests once, REMINDER_HOURS before the event starts."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from eventsvc.core import tasks
from eventsvc.core.types import utcnow
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.mail.service import queue_message
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.links import issue_link, portal_url
from eventsvc.registration.models import Registration


@tasks.periodic("invitations_expire", every="REGISTRATION_SCHEDULE_SECONDS")
def expire_invitations() -> int:
    db.session.connection(execution_options={"sqlite_immediate": True})
    count = lifecycle.expire_invitations()
    db.session.commit()
    return count


def event_starts_at(event: Event) -> datetime:
    """When the event begins: its first agenda item, else its first day's midnight where it takes place."""
    first = db.session.scalar(select(func.min(AgendaItem.starts_at)).where(AgendaItem.event_id == event.id))
    if first is not None:
        return first if first.tzinfo else first.replace(tzinfo=ZoneInfo("UTC"))
    return datetime.combine(event.start_date, time(0), ZoneInfo(event.timezone))


def reminder_due(event: Event, now: datetime) -> bool:
    if event.reminder_hours_before is None or event.reminder_sent_at is not None:
        return False
    starts = event_starts_at(event)
    return starts - timedelta(hours=event.reminder_hours_before) <= now < starts


def send_event_reminder(event_id: int, now: datetime | None = None) -> int:
    """Queue the reminder to every confirmed guest, once: the event's reminder_sent_at is set by
    a conditional UPDATE in the same transaction as the messages. How many were queued."""
    now = now or utcnow()
    db.session.connection(execution_options={"sqlite_immediate": True})
    claimed = db.session.execute(
        update(Event).where(Event.id == event_id, Event.reminder_sent_at.is_(None),
                            Event.reminder_hours_before.is_not(None))
        .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return 0
    event = db.session.get(Event, event_id)
    guests = db.session.scalars(
        select(Registration).where(Registration.event_id == event_id,
                                   Registration.status == RegistrationStatus.CONFIRMED)
        .options(selectinload(Registration.person)).order_by(Registration.id)).all()
    starts = event_starts_at(event).astimezone(ZoneInfo(event.timezone))
    queued = 0
    for registration in guests:
        person = registration.person
        if not person.email:
            continue
        queue_message(kind="event_reminder", to_address=person.email, to_name=person.name,
                      template="event_reminder", language=registration.language, event_id=event_id,
                      event=event, person=person, starts=starts,
                      link=portal_url(issue_link(registration)))
        queued += 1
    db.session.commit()
    return queued


@tasks.periodic("event_reminders", every="REGISTRATION_SCHEDULE_SECONDS")
def send_due_reminders() -> int:
    """Send every reminder that is due now (published events only)."""
    now = utcnow()
    candidates = db.session.scalars(select(Event).where(
        Event.reminder_hours_before.is_not(None), Event.reminder_sent_at.is_(None),
        Event.status == EventStatus.PUBLISHED,
        Event.end_date >= (now - timedelta(days=1)).date())).all()
    due = [event.id for event in candidates if reminder_due(event, now)]
    db.session.rollback()
    return sum(send_event_reminder(event_id, now) for event_id in due)
