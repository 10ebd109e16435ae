"""Certificates of attendance: the organizer's rules, issuing, revoking, and a guest's own.

Awards owns every certificate the event hands out (numbers, verification codes, the PDF and the
public /verify page); who qualifies for one of attendance is checkin's to say
(``eventsvc.checkin.certificates``, from the scans at the doors), and it calls :func:`issue`
with its answer. Each function raises ``ServiceError`` and changes nothing when it refuses;
callers commit.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventsvc.audit.service import record
from eventsvc.audit.trail import subject_people
from eventsvc.awards.links import verify_link
from eventsvc.awards.models import AttendanceCertificate, AttendanceRule
from eventsvc.awards.service import (
    PREFIX_PATTERN,
    free_prefix,
    next_certificate_number,
    prefix_taken,
)
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.tokens import new_token
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.service import copies_into_next_edition
from eventsvc.extensions import db
from eventsvc.registration.mail_values import tell_guest
from eventsvc.registration.models import Registration
from eventsvc.webhooks.enums import WebhookKind
from eventsvc.webhooks.service import emit

DEFAULT_PERCENT = 80


@dataclass
class RuleData:
    #: None: the whole event (checked in at the entrance)
    agenda_item_id: int | None
    min_percent: int | None
    number_prefix: str


def rules_of(event: Event) -> list[AttendanceRule]:
    return list(db.session.scalars(
        select(AttendanceRule).where(AttendanceRule.event_id == event.id)
        .options(joinedload(AttendanceRule.agenda_item))
        .outerjoin(AgendaItem, AttendanceRule.agenda_item_id == AgendaItem.id)
        .order_by(AttendanceRule.agenda_item_id.is_not(None), AgendaItem.starts_at, AttendanceRule.id)))


def rule_of(event: Event, rule_id: int) -> AttendanceRule:
    rule = db.session.get(AttendanceRule, rule_id)
    if rule is None or rule.event_id != event.id:
        raise NotFound("unknown_rule", _("No such attendance certificate rule at this event."))
    return rule


def certificate_counts(event: Event) -> dict[int, int]:
    """Rule id → certificates issued under it (revoked ones included)."""
    return dict(db.session.execute(
        select(AttendanceCertificate.rule_id, func.count()).join(AttendanceRule)
        .where(AttendanceRule.event_id == event.id).group_by(AttendanceCertificate.rule_id)).all())


def create_rule(event: Event, data: RuleData) -> AttendanceRule:
    """One rule per session and one for the whole event; the prefix is unique across rules and
    award programs (a certificate number alone says which certificate it is)."""
    prefix = (data.number_prefix or "").strip().upper()
    if data.agenda_item_id is not None:
        item = db.session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.event_id != event.id:
            raise ServiceError("unknown_session", _("Choose a session of this event."), field="agenda_item_id")
        if data.min_percent is None or not 1 <= data.min_percent <= 100:
            raise ServiceError("bad_percent", _("The share of the session is 1 to 100 %."), field="min_percent")
        percent = data.min_percent
    else:
        percent = None
    if not PREFIX_PATTERN.match(prefix):
        raise ServiceError("bad_prefix", _("The number prefix is 2 to 12 capital letters or digits, e.g. SH100."),
                           field="number_prefix")
    if prefix_taken(prefix):
        raise Conflict("prefix_taken", _("Another program already uses this prefix."), field="number_prefix")
    same_scope = select(AttendanceRule.id).where(AttendanceRule.event_id == event.id)
    same_scope = same_scope.where(AttendanceRule.agenda_item_id == data.agenda_item_id) \
        if data.agenda_item_id is not None else same_scope.where(AttendanceRule.agenda_item_id.is_(None))
    if db.session.scalar(same_scope):
        raise Conflict("rule_exists", _("There is already a rule for this session."), field="agenda_item_id")
    rule = AttendanceRule(event_id=event.id, agenda_item_id=data.agenda_item_id, min_percent=percent,
                          number_prefix=prefix, number_digits=4, next_sequence=1)
    try:
        with db.session.begin_nested():  # a double-click's twin, saved a moment earlier: refused, not a 500
            db.session.add(rule)
            db.session.flush()
    except IntegrityError:
        raise Conflict("rule_exists", _("There is already a rule for this session."),
                       field="agenda_item_id") from None
    record("attendance_rule.created", event_id=event.id, obj=rule, prefix=prefix,
           agenda_item_id=data.agenda_item_id, min_percent=percent)
    return rule


@copies_into_next_edition
def copy_rules(source: Event, copy: Event, sessions: dict[int, AgendaItem]) -> None:
    """The next edition keeps the organizer's certificate rules: the whole-event rule, and each
    session's rule on that session's copy, with the same share; numbering starts afresh under a
    prefix carrying the new year (``free_prefix``, as award programs do)."""
    for rule in db.session.scalars(select(AttendanceRule).where(AttendanceRule.event_id == source.id)
                                   .order_by(AttendanceRule.id)):
        db.session.add(AttendanceRule(
            event_id=copy.id, agenda_item=sessions[rule.agenda_item_id] if rule.agenda_item_id else None,
            min_percent=rule.min_percent, number_prefix=free_prefix(rule.number_prefix, copy.start_date.year),
            number_digits=rule.number_digits, next_sequence=1))


def delete_rule(rule: AttendanceRule) -> None:
    """Only a rule that has issued nothing goes (issued numbers must keep verifying)."""
    if db.session.scalar(select(AttendanceCertificate.id).where(AttendanceCertificate.rule_id == rule.id)):
        raise Conflict("rule_in_use", _("Certificates were issued under this rule; it cannot be deleted."))
    record("attendance_rule.deleted", event_id=rule.event_id, obj=rule, prefix=rule.number_prefix)
    db.session.delete(rule)
    db.session.flush()


def lock_rule(rule_id: int) -> AttendanceRule:
    """The rule's row, locked until the commit: two issue runs of one rule take turns."""
    return db.session.execute(select(AttendanceRule).where(AttendanceRule.id == rule_id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()


def issue(rule: AttendanceRule, qualifying: dict[int, int | None], *, today: date | None = None) \
        -> list[AttendanceCertificate]:
    """A certificate for every qualifying registration (id → minutes present, or None for the
    whole event) that has none under this rule yet; those who have one get nothing more.

    The rule's row is locked first, so a second run at the same instant waits and then sees the
    first one's certificates; the unique (rule, registration) constraint stands behind it.
    """
    rule = lock_rule(rule.id)
    if not qualifying:
        return []
    already = set(db.session.scalars(select(AttendanceCertificate.registration_id)
                                     .where(AttendanceCertificate.rule_id == rule.id)))
    new_ids = sorted(set(qualifying) - already)
    if not new_ids:
        return []
    people = dict(db.session.execute(select(Registration.id, Registration.person_id).where(
        Registration.id.in_(new_ids), Registration.event_id == rule.event_id)).all())
    today = today or date.today()
    issued = []
    for registration_id in new_ids:
        if registration_id not in people:  # not a guest of this event: never certified here
            continue
        certificate = AttendanceCertificate(
            rule_id=rule.id, registration_id=registration_id, person_id=people[registration_id],
            certificate_number=next_certificate_number(rule, today.year), verification_code=new_token(),
            issue_date=today, minutes_present=qualifying[registration_id], issued_at=utcnow())
        db.session.add(certificate)
        issued.append(certificate)
    rule.last_issued_at = utcnow()
    db.session.flush()
    if issued:
        record("attendance_certificate.issued", event_id=rule.event_id, obj=rule, count=len(issued))
    registrations = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.id.in_([c.registration_id for c in issued])))} if issued else {}
    for certificate in issued:
        emit(rule.event_id, WebhookKind.CERTIFICATE_ISSUED, lambda c=certificate: _payload(c, rule))
        # the guest's e-mail with the link to it (the award certificates' message, once per certificate)
        tell_guest(registrations[certificate.registration_id], "certificate_available",
                   dedupe_key=f"attendance-certificate:{certificate.id}",
                   certificate_link=f"/attendance-certificates/{certificate.id}.pdf")
    return issued


def _payload(certificate: AttendanceCertificate, rule: AttendanceRule) -> dict:
    """The "certificate.issued" webhook's data for a certificate of attendance (docs/webhooks.md)."""
    return {"certificate_kind": "attendance", "certificate_number": certificate.certificate_number,
            "verification_url": verify_link(certificate.verification_code),
            "registration_id": certificate.registration_id, "person_id": certificate.person_id,
            "recipient_organization_id": None, "rule_id": rule.id, "agenda_item_id": rule.agenda_item_id,
            "min_percent": rule.min_percent, "minutes_present": certificate.minutes_present,
            "award_id": None, "issue_date": certificate.issue_date.isoformat(),
            "issued_at": certificate.issued_at.isoformat()}


def revoke(certificate: AttendanceCertificate, reason: str | None) -> AttendanceCertificate:
    """Revoke for good (a mistaken scan, say); /verify then says revoked and when, never why.
    The guest keeps their place under the rule: a later issue run does not give it back."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Give the reason for the revocation."), field="reason")
    if len(reason) > 1000:
        raise ServiceError("reason_too_long", _("Keep the reason under 1000 characters."), field="reason")
    if certificate.revoked_at is not None:
        raise Conflict("already_revoked", _("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason
    record("attendance_certificate.revoked", event_id=certificate.rule.event_id, obj=certificate,
           number=certificate.certificate_number, reason=reason)
    return certificate


def certificate_loads():
    return (joinedload(AttendanceCertificate.rule).joinedload(AttendanceRule.event),
            joinedload(AttendanceCertificate.rule).joinedload(AttendanceRule.agenda_item),
            joinedload(AttendanceCertificate.person))


def certificates_of_rule(rule: AttendanceRule) -> list[AttendanceCertificate]:
    return list(db.session.scalars(select(AttendanceCertificate).where(AttendanceCertificate.rule_id == rule.id)
                                   .options(*certificate_loads()).order_by(AttendanceCertificate.id)))


def certificate_of_rule(rule: AttendanceRule, certificate_id: int) -> AttendanceCertificate:
    certificate = db.session.get(AttendanceCertificate, certificate_id)
    if certificate is None or certificate.rule_id != rule.id:
        raise NotFound("unknown_certificate", _("No such certificate under this rule."))
    return certificate


def certificates_of_registration(registration_id: int) -> list[AttendanceCertificate]:
    """A guest's certificates of attendance (revoked ones too: the portal says so)."""
    return list(db.session.scalars(
        select(AttendanceCertificate).where(AttendanceCertificate.registration_id == registration_id)
        .options(*certificate_loads()).order_by(AttendanceCertificate.id)))


def by_code(code: str) -> AttendanceCertificate | None:
    return db.session.scalar(select(AttendanceCertificate).where(AttendanceCertificate.verification_code == code)
                             .options(*certificate_loads()))


def by_number(number: str) -> AttendanceCertificate | None:
    return db.session.scalar(select(AttendanceCertificate).where(
        AttendanceCertificate.certificate_number == number).options(*certificate_loads()))


@subject_people("AttendanceCertificate")
def _certificate_subjects():
    """An audit entry about a certificate of attendance is about its guest."""
    return select(AttendanceCertificate.id.label("object_id"), AttendanceCertificate.person_id.label("person_id"))
