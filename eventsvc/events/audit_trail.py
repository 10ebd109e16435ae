"""An event's audit trail as its organizers read it: who did what to whom, and when.

audit.trail reads the entries; this adds the names: the acting account (or the guest, the
system), the person an entry is about, and a sentence per action. A page costs the same few
queries at any length: the entries, one per kind of row they are about, the people, the users.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from eventsvc.accounts.models import User
from eventsvc.audit import trail
from eventsvc.audit.models import AuditEvent
from eventsvc.audit.trail import TrailFilter
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people.models import Person

#: what each kind of action is called in the filter (unknown kinds show their code)
KIND_LABELS = {
    "registration": _l("Registrations"), "invitation": _l("Invitations"), "badge": _l("Badges"),
    "checkin": _l("Check-ins"), "award": _l("Awards"), "award_program": _l("Award programs"),
    "attendance_rule": _l("Attendance certificate rules"), "attendance_certificate": _l("Certificates of attendance"),
    "event": _l("Event settings"), "team": _l("Team"), "category": _l("Categories"), "room": _l("Rooms"),
    "session": _l("Sessions"), "participation": _l("People on stage"), "speech": _l("Speeches"),
    "person": _l("People"), "organization": _l("Organizations"), "question": _l("Questions"),
    "answers": _l("Answers"), "account": _l("Accounts"), "print_station": _l("Print stations"),
}

#: a sentence per action (unknown actions show their code)
ACTION_LABELS = {
    "registration.created": _l("Registered"), "registration.approved": _l("Registration approved"),
    "registration.confirmed": _l("Registration confirmed"), "registration.waitlisted": _l("Put on the waitlist"),
    "registration.rejected": _l("Registration rejected"), "registration.cancelled": _l("Registration cancelled"),
    "registration.renewed": _l("Registered again"), "registration.promoted": _l("Promoted from the waitlist"),
    "registration.representation_changed": _l("Representation changed"),
    "invitation.created": _l("Invitation created"), "invitation.imported": _l("Invitations imported"),
    "invitation.sent": _l("Invitation sent"), "invitation.reminded": _l("Invitation reminder sent"),
    "invitation.accepted": _l("Invitation accepted"), "invitation.declined": _l("Invitation declined"),
    "invitation.revoked": _l("Invitation revoked"),
    "badge.reissued": _l("Badge re-issued"),
    "badge.printed": _l("Badge printed at a station"), "badge.reprinted": _l("Badge reprinted at a station"),
    "print_station.created": _l("Print station added"), "print_station.updated": _l("Print station changed"),
    "print_station.deleted": _l("Print station deleted"),
    "checkin.walk_in": _l("Walk-in registered at the desk"), "checkin.undone": _l("Check-in undone"),
    "checkin.kiosk_started": _l("Self check-in kiosk started"), "checkin.kiosk_left": _l("Self check-in kiosk left"),
    "award.created": _l("Award added"), "award.updated": _l("Award changed"), "award.presented": _l("Award presented"),
    "award.presented_undone": _l("Award presentation undone"), "award.revoked": _l("Award revoked"),
    "award.imported": _l("Awards imported"), "award_program.created": _l("Award program added"),
    "award_program.updated": _l("Award program changed"),
    "attendance_rule.created": _l("Attendance certificate rule added"),
    "attendance_rule.deleted": _l("Attendance certificate rule deleted"),
    "attendance_certificate.issued": _l("Certificates of attendance issued"),
    "attendance_certificate.revoked": _l("Certificate of attendance revoked"),
    "event.created": _l("Event created"), "event.updated": _l("Event settings changed"),
    "event.status": _l("Event status changed"), "event.copied": _l("Event copied from another"),
    "event.registration_settings": _l("Registration settings changed"),
    "team.member_invited": _l("Team member invited"), "team.link_resent": _l("Team member's link sent again"),
    "team.role_changed": _l("Team role changed"), "team.member_removed": _l("Team member removed"),
    "category.created": _l("Category added"), "category.updated": _l("Category changed"),
    "category.deleted": _l("Category deleted"),
    "question.created": _l("Question added"), "question.updated": _l("Question changed"),
    "question.moved": _l("Question moved"), "question.deleted": _l("Question deleted"),
    "answers.updated": _l("Answers changed"),
    "account.password_set": _l("Password set"), "account.event_creator_granted": _l("Allowed to create events"),
    "room.created": _l("Room added"), "room.updated": _l("Room changed"), "room.deleted": _l("Room deleted"),
    "session.created": _l("Session added"), "session.updated": _l("Session changed"),
    "session.cancelled": _l("Session cancelled"), "session.deleted": _l("Session deleted"),
    "participation.added": _l("Put on stage"), "participation.updated": _l("Role on stage changed"),
    "participation.removed": _l("Taken off stage"),
    "speech.added": _l("Speech added"), "speech.updated": _l("Speech changed"), "speech.deleted": _l("Speech deleted"),
    "speech.slides": _l("Slides uploaded"),
    "person.created": _l("Person added"), "person.updated": _l("Person changed"), "person.deleted": _l("Person deleted"),
    "person.photo_set": _l("Photo uploaded"), "person.photo_removed": _l("Photo removed"),
    "organization.created": _l("Organization added"), "organization.updated": _l("Organization changed"),
    "organization.deleted": _l("Organization deleted"),
}

#: who acted when no account did (registration.transitions.Actor and the CLI)
ACTOR_LABELS = {"guest": _l("The guest"), "system": _l("The system"), "staff": _l("Door staff"),
                "organizer": _l("An organizer"), "cli": _l("Command line")}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass
class TrailRow:
    entry: AuditEvent
    #: the account that acted, if one did
    user: User | None
    #: the person the entry is about, if it is about one
    subject: Person | None

    @property
    def at(self) -> datetime:
        return self.entry.at

    @property
    def actor_label(self) -> str:
        if self.user is not None:
            return self.user.name or self.user.email
        return str(ACTOR_LABELS.get(self.entry.actor or "", self.entry.actor or ""))

    @property
    def details_text(self) -> str:
        details = self.entry.details or {}
        return " · ".join(f"{key}: {value}" for key, value in details.items() if value not in (None, ""))


def trail_filter(event: Event, *, kind: str | None = None, who: str | None = None, user_id: int | None = None,
                 person_id: int | None = None) -> TrailFilter:
    """The filter of the trail page: ``who`` is part of an account's name or e-mail (who acted) or
    of a person's name, Chinese name or e-mail at this event (whom it was about); ``user_id`` and
    ``person_id`` name one exactly."""
    users = people = None
    who = (who or "").strip()
    if who:
        pattern = "%" + who.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        users = select(User.id).where(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
        people = select(Person.id).where(Person.event_id == event.id, or_(
            func.lower(Person.name).like(pattern), Person.name_local.like(pattern),
            func.lower(Person.email).like(pattern)))
    if user_id is not None:
        users = select(User.id).where(User.id == user_id)
    if person_id is not None:
        people = select(Person.id).where(Person.id == person_id, Person.event_id == event.id)
    return TrailFilter(kind=kind or None, users=users, people=people)


def rows_of(entries: list[AuditEvent]) -> list[TrailRow]:
    """The entries with their accounts and people: three queries (plus one per kind of row)."""
    subjects = trail.subjects(entries)
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(set(subjects.values()))))} \
        if subjects else {}
    user_ids = {e.user_id for e in entries if e.user_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return [TrailRow(entry, users.get(entry.user_id), people.get(subjects.get(entry.id))) for entry in entries]


def page_of(event: Event, where: TrailFilter, number: int, size: int) -> tuple[list[TrailRow], bool]:
    entries, more = trail.page(event.id, where, number=number, size=size)
    return rows_of(entries), more


def export_rows(event: Event, where: TrailFilter, time_of):
    """The rows of the trail's export, ``time_of(datetime)`` writing a time in the event's zone."""
    for chunk in trail.all_entries(event.id, where):
        for row in rows_of(chunk):
            entry = row.entry
            yield [time_of(entry.at), action_label(entry.action), entry.action, kind_label(trail.kind_of(entry.action)),
                   row.actor_label, row.user.email if row.user else "",
                   row.subject.name if row.subject else "", row.subject.name_local or "" if row.subject else "",
                   entry.object_type or "", entry.object_id if entry.object_id is not None else "",
                   row.details_text]
