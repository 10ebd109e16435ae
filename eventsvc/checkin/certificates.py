"""Who qualifies for a certificate of attendance: the one owner of that rule.

* A session rule: at least ``min_percent`` % of the session's scheduled minutes inside its door,
  the minutes as ``eventsvc.checkin.attendance.minutes_inside`` counts them (50 of 60 minutes
  meet an 80 % rule, which asks for 48; 40 do not).
* The whole-event rule: an admitted, not undone entry at the event's entrance.

Either way only confirmed registrations qualify (a cancelled guest's old scans earn nothing).
Issuing is an organizer's action once the session (or the event's last day) has ended;
``eventsvc.awards.attendance.issue`` numbers the certificates and never gives one twice.
"""

import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from eventsvc.awards import attendance as certificates
from eventsvc.awards.models import AttendanceCertificate, AttendanceRule
from eventsvc.checkin.attendance import minutes_inside
from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.checkin.models import ENTRANCE_GATE, CheckIn
from eventsvc.core.errors import Conflict
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration


def required_minutes(rule: AttendanceRule) -> int | None:
    """Minutes a guest must be inside for a session rule (rounded up); None for the whole event."""
    item = rule.agenda_item
    if item is None:
        return None
    scheduled = (item.ends_at - item.starts_at).total_seconds() / 60
    return math.ceil(scheduled * rule.min_percent / 100 - 1e-9)


def ends_at(rule: AttendanceRule) -> datetime:
    """When issuing becomes possible: the session's end, or midnight after the event's last day."""
    if rule.agenda_item is not None:
        return rule.agenda_item.ends_at
    event = rule.event
    return datetime.combine(event.end_date + timedelta(days=1), time(), ZoneInfo(event.timezone))


def has_ended(rule: AttendanceRule, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= ends_at(rule)


def qualifying(rule: AttendanceRule) -> dict[int, int | None]:
    """Registration id → minutes present (None for the whole event) of every guest the rule certifies."""
    confirmed = set(db.session.scalars(select(Registration.id).where(
        Registration.event_id == rule.event_id, Registration.status == RegistrationStatus.CONFIRMED)))
    if rule.agenda_item is not None:
        need = required_minutes(rule)
        return {rid: minutes for rid, minutes in minutes_inside(rule.agenda_item).items()
                if minutes >= need and rid in confirmed}
    entered = db.session.scalars(select(CheckIn.registration_id).distinct().where(
        CheckIn.event_id == rule.event_id, CheckIn.gate == ENTRANCE_GATE, CheckIn.direction == Direction.IN,
        CheckIn.result == ScanResult.OK, CheckIn.undone_at.is_(None), CheckIn.registration_id.is_not(None)))
    return {rid: None for rid in entered if rid in confirmed}


def issue_certificates(rule: AttendanceRule, now: datetime | None = None) -> list[AttendanceCertificate]:
    """The organizer's "Issue certificates": after the end, to everyone who qualifies and has none
    under this rule yet (run it again after late uploads: only the newly qualifying get one)."""
    if not has_ended(rule, now):
        raise Conflict("not_ended", _("Certificates can be issued once the session has ended."))
    return certificates.issue(rule, qualifying(rule))
