"""The rules of award programs and awards: numbering, recipients, presenters, the ceremony order.

HTML views, the API and the import all call these functions; each raises
``ServiceError(code, message, field=...)`` and changes nothing when it refuses.
Callers commit.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import joinedload, selectinload

from eventsvc.audit.service import record
from eventsvc.audit.trail import subject_people
from eventsvc.awards.enums import AwardProgramKind, AwardStatus
from eventsvc.awards.links import verify_link
from eventsvc.awards.models import AttendanceRule, Award, AwardProgram
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.tokens import new_token
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem, Event, Participation
from eventsvc.events.service import copies_into_next_edition
from eventsvc.extensions import db
from eventsvc.people.identity import carry_organization
from eventsvc.people.models import Organization, Person
from eventsvc.registration.mail_values import tell_guest
from eventsvc.registration.models import Registration
from eventsvc.webhooks.enums import WebhookKind
from eventsvc.webhooks.service import emit

PREFIX_PATTERN = re.compile(r"^[A-Z0-9]{2,12}$")
MAX_DIGITS = 8
MAX_VALIDITY_MONTHS = 1200


# --- programs ---------------------------------------------------------------------------------

@dataclass
class ProgramData:
    kind: str
    name: str
    name_local: str | None = None
    description: str | None = None
    issuer_id: int | None = None
    number_prefix: str = ""
    number_digits: int = 4
    validity_months: int | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_program(event: Event, data: ProgramData, program: AwardProgram | None) -> None:
    try:
        AwardProgramKind(data.kind)
    except ValueError:
        raise ServiceError("bad_kind", _("Choose license, certificate or honour."), field="kind") from None
    if not _clean(data.name):
        raise ServiceError("name_required", _("Give the program a name."), field="name")
    prefix = (data.number_prefix or "").strip().upper()
    if not PREFIX_PATTERN.match(prefix):
        raise ServiceError("bad_prefix", _("The number prefix is 2 to 12 capital letters or digits, e.g. SH100."),
                           field="number_prefix")
    if not 1 <= int(data.number_digits or 0) <= MAX_DIGITS:
        raise ServiceError("bad_digits", _("Use 1 to 8 digits for the sequence."), field="number_digits")
    if data.validity_months is not None and not 1 <= data.validity_months <= MAX_VALIDITY_MONTHS:
        raise ServiceError("bad_validity", _("Validity is 1 to 1200 months, or empty for no expiry."),
                           field="validity_months")
    if data.issuer_id is not None and not _of_event(Organization, data.issuer_id, event.id):
        raise ServiceError("unknown_issuer", _("Choose an existing organization."), field="issuer_id")
    others = select(AwardProgram.id).where(AwardProgram.id != (program.id if program else -1))
    if prefix_taken(prefix, program_id=program.id if program else None):
        raise Conflict("prefix_taken", _("Another program already uses this prefix."), field="number_prefix")
    if db.session.scalar(others.where(AwardProgram.event_id == event.id,
                                      AwardProgram.name == data.name.strip())):
        raise Conflict("name_taken", _("This event already has a program of this name."), field="name")
    if program is not None and prefix != program.number_prefix and program.next_sequence > 1:
        raise Conflict("prefix_in_use", _("Numbers were already issued with this prefix; it cannot change."),
                       field="number_prefix")


def create_program(event: Event, data: ProgramData) -> AwardProgram:
    _check_program(event, data, None)
    program = AwardProgram(event=event, next_sequence=1)
    _apply_program(program, data)
    db.session.add(program)
    db.session.flush()
    record("award_program.created", event_id=event.id, obj=program, name=program.name)
    return program


def update_program(program: AwardProgram, data: ProgramData) -> AwardProgram:
    _check_program(program.event, data, program)
    _apply_program(program, data)
    record("award_program.updated", event_id=program.event_id, obj=program)
    return program


def _apply_program(program: AwardProgram, data: ProgramData) -> None:
    program.kind = AwardProgramKind(data.kind)
    program.name = data.name.strip()
    program.name_local = _clean(data.name_local)
    program.description = _clean(data.description)
    program.issuer_id = data.issuer_id
    program.number_prefix = data.number_prefix.strip().upper()
    program.number_digits = int(data.number_digits)
    program.validity_months = data.validity_months


def programs_of(event: Event) -> list[AwardProgram]:
    return db.session.scalars(
        select(AwardProgram).where(AwardProgram.event_id == event.id)
        .options(selectinload(AwardProgram.issuer)).order_by(AwardProgram.id)).all()


def program_of(event: Event, program_id: int) -> AwardProgram:
    program = db.session.get(AwardProgram, program_id)
    if program is None or program.event_id != event.id:
        raise NotFound("unknown_program", _("No such award program at this event."))
    return program


def award_counts(event: Event) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(Award.program_id, Award.status, func.count()).join(AwardProgram)
        .where(AwardProgram.event_id == event.id).group_by(Award.program_id, Award.status)).all()
    counts: dict[int, dict[str, int]] = {}
    for program_id, status, n in rows:
        counts.setdefault(program_id, {})[status.value] = n
    return counts


@copies_into_next_edition
def copy_programs(source: Event, copy: Event, _sessions: dict) -> None:
    """The next edition gets the same programs, numbering afresh (events.service.copy_event), each
    issued by the new edition's copy of its issuer."""
    for program in db.session.scalars(select(AwardProgram).where(AwardProgram.event_id == source.id)
                                      .options(selectinload(AwardProgram.issuer))):
        issuer = carry_organization(copy, program.issuer) if program.issuer is not None else None
        db.session.add(AwardProgram(
            event_id=copy.id, kind=program.kind, name=program.name, name_local=program.name_local,
            description=program.description, issuer=issuer,
            number_prefix=free_prefix(program.number_prefix, copy.start_date.year),
            number_digits=program.number_digits, next_sequence=1, validity_months=program.validity_months))


def free_prefix(prefix: str, year: int) -> str:
    """The next edition's prefix for ``prefix`` (an award program's or an attendance rule's):
    prefixes are unique across both, so the copy's carries the new year, e.g. SH100-24."""
    base = f"{prefix[:14]}-{year % 100:02d}"
    candidate, n = base, 2
    while prefix_taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# --- numbers ----------------------------------------------------------------------------------

def next_certificate_number(program, year: int) -> str:
    """Take the next sequence number of a numbering owner (an award program, or an attendance
    certificate rule: both have ``number_prefix``, ``number_digits`` and ``next_sequence``);
    numbers are never handed out twice.

    One conditional UPDATE ... RETURNING: PostgreSQL locks the owner's row until our
    commit, so a concurrent issuer waits and gets the following number; SQLite write
    transactions are serialized (BEGIN IMMEDIATE). A rolled-back issue rolls the counter
    back with it, so no number is ever issued and then given again.
    """
    model = type(program)
    sequence = db.session.execute(
        update(model).where(model.id == program.id)
        .values(next_sequence=model.next_sequence + 1)
        .returning(model.next_sequence)
        .execution_options(synchronize_session=False)).scalar_one() - 1
    db.session.expire(program, ["next_sequence"])
    return f"{program.number_prefix}-{year}-{sequence:0{program.number_digits}d}"


def prefix_taken(prefix: str, *, program_id: int | None = None, rule_id: int | None = None) -> bool:
    """Is this certificate number prefix used by another award program or attendance rule?
    Prefixes are unique across both, so that a number alone identifies one certificate.

    The prefix is claimed first (on PostgreSQL a transaction-level advisory lock on it, which
    SQLite's write lock makes needless): two requests saving one prefix at once, a program and a
    rule or two of either, are answered one after the other, so the second sees the first."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                           {"key": f"certificate-prefix:{prefix}"})
    return bool(db.session.scalar(select(AwardProgram.id).where(
        AwardProgram.number_prefix == prefix, AwardProgram.id != (program_id or -1))) or db.session.scalar(
        select(AttendanceRule.id).where(AttendanceRule.number_prefix == prefix,
                                        AttendanceRule.id != (rule_id or -1))))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where that month is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(program: AwardProgram, issue_date: date) -> date | None:
    """Last day of validity: issue date plus the program's months, minus one day."""
    if not program.validity_months:
        return None
    return add_months(issue_date, program.validity_months) - timedelta(days=1)


# --- awards -----------------------------------------------------------------------------------

@dataclass
class AwardData:
    recipient_organization_id: int | None = None
    recipient_person_id: int | None = None
    citation: str | None = None
    citation_local: str | None = None
    presenter_id: int | None = None
    agenda_item_id: int | None = None
    #: order in the ceremony; None puts it last
    position: int | None = None
    issue_date: date | None = None


def stage_people(agenda_item: AgendaItem) -> list[Person]:
    """Everyone with a role in the ceremony session: only they can hand an award over."""
    return [p.person for p in agenda_item.participations]


def _of_event(model, row_id: int, event_id: int) -> bool:
    """Is this person or organization one of the event's own?"""
    return db.session.scalar(select(model.event_id).where(model.id == row_id)) == event_id


def _check_award(program: AwardProgram, data: AwardData) -> AgendaItem | None:
    if data.recipient_organization_id is None and data.recipient_person_id is None:
        raise ServiceError("recipient_required", _("Choose the recipient organization or person."),
                           field="recipient_organization_id")
    if data.recipient_organization_id is not None and \
            not _of_event(Organization, data.recipient_organization_id, program.event_id):
        raise ServiceError("unknown_organization", _("Choose an existing organization."),
                           field="recipient_organization_id")
    if data.recipient_person_id is not None and not _of_event(Person, data.recipient_person_id, program.event_id):
        raise ServiceError("unknown_person", _("Choose an existing person."), field="recipient_person_id")
    if data.issue_date is None:
        raise ServiceError("issue_date_required", _("Give the issue date."), field="issue_date")
    if data.position is not None and not 0 <= data.position <= 100000:
        raise ServiceError("bad_position", _("The order is a number from 0 to 100000."), field="position")
    item = None
    if data.agenda_item_id is not None:
        item = db.session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.event_id != program.event_id:
            raise ServiceError("unknown_session", _("Choose a session of this event."), field="agenda_item_id")
    if data.presenter_id is not None:
        if item is None:
            raise ServiceError("session_required", _("Choose the ceremony session the presenter is on stage at."),
                               field="agenda_item_id")
        if data.presenter_id not in {p.person_id for p in item.participations}:
            raise ServiceError("presenter_not_on_stage",
                               _("The presenter must have a role in the ceremony session."), field="presenter_id")
    return item


def _last_position(program: AwardProgram, agenda_item_id: int | None) -> int:
    query = select(func.max(Award.position)).join(AwardProgram)
    if agenda_item_id is None:
        query = query.where(Award.program_id == program.id, Award.agenda_item_id.is_(None))
    else:
        query = query.where(Award.agenda_item_id == agenda_item_id)
    return db.session.scalar(query) or 0


def create_award(program: AwardProgram, data: AwardData, *, audit: bool = True) -> Award:
    _check_award(program, data)
    position = data.position if data.position is not None else _last_position(program, data.agenda_item_id) + 1
    award = Award(
        program=program, certificate_number=next_certificate_number(program, data.issue_date.year),
        verification_code=new_token(), issue_date=data.issue_date,
        valid_until=validity_end(program, data.issue_date), status=AwardStatus.PLANNED, position=position)
    _apply_award(award, data)
    db.session.add(award)
    db.session.flush()
    if audit:
        record("award.created", event_id=program.event_id, obj=award, number=award.certificate_number)
    return award


def update_award(award: Award, data: AwardData) -> Award:
    """Change recipient, citation, presenter, session or order; the number and dates stay."""
    if award.status == AwardStatus.REVOKED:
        raise Conflict("revoked", _("A revoked award cannot be changed."))
    data.issue_date = award.issue_date
    _check_award(award.program, data)
    if data.position is None:
        data.position = award.position
    _apply_award(award, data)
    record("award.updated", event_id=award.program.event_id, obj=award)
    return award


def _apply_award(award: Award, data: AwardData) -> None:
    award.recipient_organization_id = data.recipient_organization_id
    award.recipient_person_id = data.recipient_person_id
    award.citation = _clean(data.citation)
    award.citation_local = _clean(data.citation_local)
    award.presenter_id = data.presenter_id
    award.agenda_item_id = data.agenda_item_id
    if data.position is not None:
        award.position = data.position


def mark_presented(award: Award) -> Award:
    """planned → presented; pressing the button twice (two phones) is harmless."""
    if award.status == AwardStatus.REVOKED:
        raise Conflict("revoked", _("This award was revoked; it cannot be presented."))
    if award.status == AwardStatus.PRESENTED:
        return award
    award.status = AwardStatus.PRESENTED
    award.presented_at = utcnow()
    record("award.presented", event_id=award.program.event_id, obj=award, number=award.certificate_number)
    emit(award.program.event_id, WebhookKind.AWARD_PRESENTED, lambda: {
        "award_id": award.id, "program": award.program.name, "certificate_number": award.certificate_number,
        "recipient_person_id": award.recipient_person_id,
        "recipient_organization_id": award.recipient_organization_id,
        "presented_at": award.presented_at.isoformat()})
    emit(award.program.event_id, WebhookKind.CERTIFICATE_ISSUED, lambda: certificate_issued_payload(award))
    _tell_certificate(award)
    return award


def certificate_issued_payload(award: Award) -> dict:
    """The "certificate.issued" webhook's data for an award certificate: sent when it is presented
    (a planned one does not verify yet), again if it is presented again after an undo."""
    return {"certificate_kind": "award", "certificate_number": award.certificate_number,
            "verification_url": verify_link(award.verification_code),
            "registration_id": db.session.scalar(select(Registration.id).where(
                Registration.event_id == award.program.event_id,
                Registration.person_id == award.recipient_person_id)) if award.recipient_person_id else None,
            "person_id": award.recipient_person_id, "recipient_organization_id": award.recipient_organization_id,
            "rule_id": None, "agenda_item_id": award.agenda_item_id, "min_percent": None, "minutes_present": None,
            "award_id": award.id, "issue_date": award.issue_date.isoformat(),
            "issued_at": award.presented_at.isoformat()}


def _tell_certificate(award: Award) -> None:
    """The recipient registered at the event gets their certificate's link, once per award
    (presenting it again after an undo sends nothing more)."""
    if award.recipient_person_id is None:
        return
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == award.program.event_id, Registration.person_id == award.recipient_person_id))
    if registration is not None:
        tell_guest(registration, "certificate_available", dedupe_key=f"certificate:{award.id}",
                   certificate_link=f"/certificates/{award.id}.pdf")


def undo_presented(award: Award) -> Award:
    """A mis-tap on the stage: back to planned."""
    if award.status == AwardStatus.PRESENTED:
        award.status = AwardStatus.PLANNED
        award.presented_at = None
        record("award.presented_undone", event_id=award.program.event_id, obj=award)
    return award


def revoke_award(award: Award, reason: str | None) -> Award:
    """Revoke for good, with a reason for the organizers (verification shows only the date). The number stays used."""
    reason = _clean(reason)
    if not reason:
        raise ServiceError("reason_required", _("Give the reason for the revocation."), field="reason")
    if len(reason) > 1000:
        raise ServiceError("reason_too_long", _("Keep the reason under 1000 characters."), field="reason")
    if award.status == AwardStatus.REVOKED:
        raise Conflict("already_revoked", _("This award is already revoked."))
    award.status = AwardStatus.REVOKED
    award.revoked_at = utcnow()
    award.revocation_reason = reason
    record("award.revoked", event_id=award.program.event_id, obj=award, number=award.certificate_number,
           reason=reason)
    return award


def award_of(event: Event, award_id: int) -> Award:
    award = db.session.scalar(
        select(Award).join(AwardProgram).where(Award.id == award_id, AwardProgram.event_id == event.id)
        .options(*award_loads()))
    if award is None:
        raise NotFound("unknown_award", _("No such award at this event."))
    return award


def award_loads():
    """Everything a certificate, the run sheet or a list row shows, joined into the one query
    (every relation here is many-to-one, so the join adds no rows)."""
    return (
        joinedload(Award.program).joinedload(AwardProgram.issuer),
        joinedload(Award.recipient_organization),
        joinedload(Award.recipient_person).joinedload(Person.organization),
        joinedload(Award.presenter),
        joinedload(Award.agenda_item),
    )


def awards_by_ids(ids: list[int]) -> list[Award]:
    db.session.expire_all()
    return db.session.scalars(select(Award).where(Award.id.in_(ids)).options(*award_loads())
                              .order_by(Award.id)).all()


def _in_stage_order(query):
    """Ceremony by start time (awards of no ceremony last), then the order within the ceremony:
    the run sheet's order, and the program page numbers its awards 1, 2, 3 … in it."""
    return query.outerjoin(AgendaItem, Award.agenda_item_id == AgendaItem.id).order_by(
        AgendaItem.starts_at.is_(None), AgendaItem.starts_at, Award.agenda_item_id, Award.position, Award.id)


def awards_of_program(program: AwardProgram) -> list[Award]:
    return db.session.scalars(_in_stage_order(
        select(Award).where(Award.program_id == program.id).options(*award_loads()))).all()


def run_sheet(event: Event) -> list[Award]:
    """Every award of the event in stage order."""
    return db.session.scalars(_in_stage_order(
        select(Award).join(AwardProgram).where(AwardProgram.event_id == event.id)
        .options(*award_loads()))).all()


def ceremony_sessions(event: Event) -> list[AgendaItem]:
    return db.session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == event.id)
        .options(selectinload(AgendaItem.participations).selectinload(Participation.person))
        .order_by(AgendaItem.starts_at, AgendaItem.id)).all()


def published_awards(event: Event) -> list[Award]:
    """What the public page lists: awards handed over at the ceremony and not revoked."""
    return db.session.scalars(
        select(Award).join(AwardProgram).where(AwardProgram.event_id == event.id,
                                               Award.status == AwardStatus.PRESENTED)
        .options(*award_loads()).order_by(AwardProgram.id, Award.certificate_number)).all()


def awards_of_guest(person: Person, event_id: int, represents_organization_id: int | None) -> list[Award]:
    """A guest's certificates at one event: those naming them, and, where the organizer linked them
    to an organization as its representative, that organization's where no person is named.
    The organization a guest typed into a form has no say here."""
    mine = Award.recipient_person_id == person.id
    if represents_organization_id is not None:
        mine = or_(mine, and_(Award.recipient_person_id.is_(None),
                              Award.recipient_organization_id == represents_organization_id))
    return db.session.scalars(
        select(Award).join(AwardProgram).where(mine, AwardProgram.event_id == event_id)
        .options(*award_loads()).order_by(Award.position, Award.id)).all()


def group_by_ceremony(awards: list[Award]) -> list[tuple[AgendaItem | None, list[Award]]]:
    """Consecutive awards of one ceremony session together, keeping the run-sheet order."""
    groups: list[tuple[AgendaItem | None, list[Award]]] = []
    for award in awards:
        if not groups or groups[-1][0] is not award.agenda_item:
            groups.append((award.agenda_item, []))
        groups[-1][1].append(award)
    return groups


@subject_people("Award")
def _award_subjects():
    """An audit entry about an award is about its recipient, when a person receives it."""
    return select(Award.id.label("object_id"), Award.recipient_person_id.label("person_id"))
