"""Public verification of certificates: by the QR's code, or by the printed number.

The QR carries the award's unguessable verification code; that answer shows what
the certificate itself shows. A number alone is guessable (numbers are sequential),
so looking one up answers only whether such a certificate exists and its state,
never who holds it. Every lookup counts against a per-client limit kept in the
database, so that the limit holds across all server processes.

A certificate is valid only once it has been presented: a planned award (printed ahead of the
ceremony, perhaps) answers "not yet awarded" and nothing else, not even its recipient. A revoked
one says when it was revoked; the organizer's reason is their note, never shown publicly.

Certificates of attendance (eventsvc.awards.attendance) answer here too, under the same rules:
the QR's code shows the guest's name and the session, a number only its state. Every answer
says which kind of certificate it is (``kind``: "award" or "attendance").
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventsvc.awards import attendance
from eventsvc.awards.enums import AwardStatus
from eventsvc.awards.models import AttendanceCertificate, Award
from eventsvc.awards.service import award_loads
from eventsvc.core import rate_limits
from eventsvc.core.rate_limits import RateLimited  # noqa: F401 (the views catch it from here)
from eventsvc.extensions import db

VALID, NOT_AWARDED, EXPIRED, REVOKED, UNKNOWN = "valid", "not_awarded", "expired", "revoked", "unknown"
#: lookups per client and window: numbers are guessable, so they get the tighter limit; QR codes
#: are not, and a ceremony hall full of phones behind one Wi-Fi address scans many of them at once
DEFAULT_LIMITS = {"number": 30, "code": 120}
DEFAULT_WINDOW = 60


@dataclass
class Verdict:
    state: str
    award: Award | None
    #: True when found by the QR code: the answer may show the certificate's contents
    full: bool
    #: a certificate of attendance (then ``award`` is None)
    attendance: AttendanceCertificate | None = None

    @property
    def kind(self) -> str | None:
        return "attendance" if self.attendance is not None else "award" if self.award is not None else None

    def to_json(self) -> dict:
        """Only what the certificate shows (with the QR), or only the state (with a number)."""
        if self.attendance is not None:
            return self._attendance_json()
        body: dict = {"status": self.state}
        award = self.award
        if award is None or self.state == NOT_AWARDED:
            return body
        body.update({
            "kind": "award", "award_kind": award.program.kind.value,
            "certificate_number": award.certificate_number,
            "program": award.program.name,
            "program_local": award.program.name_local,
            "issuer": award.program.issuer.name if award.program.issuer else None,
            "issuer_local": award.program.issuer.name_local if award.program.issuer else None,
            "issue_date": award.issue_date.isoformat(),
            "valid_until": award.valid_until.isoformat() if award.valid_until else None,
        })
        if self.state == REVOKED:
            body["revoked_on"] = award.revoked_at.date().isoformat() if award.revoked_at else None
        if self.full:
            org, person, presenter = award.recipient_organization, award.recipient_person, award.presenter
            body.update({
                "recipient_organization": org.name if org else None,
                "recipient_organization_local": org.name_local if org else None,
                "recipient_person": person.name if person else None,
                "recipient_person_local": person.name_local if person else None,
                "presenter": presenter.name if presenter else None,
                "presenter_local": presenter.name_local if presenter else None,
                "citation": award.citation,
                "citation_local": award.citation_local,
            })
        return body

    def _attendance_json(self) -> dict:
        certificate = self.attendance
        rule, event = certificate.rule, certificate.rule.event
        item = rule.agenda_item
        body = {"status": self.state, "kind": "attendance", "certificate_number": certificate.certificate_number,
                "event": event.title, "event_local": event.title_local,
                "session": item.title if item else None, "session_local": item.title_local if item else None,
                "issue_date": certificate.issue_date.isoformat()}
        if self.state == REVOKED:
            body["revoked_on"] = certificate.revoked_at.date().isoformat()
        if self.full:
            body.update({"recipient_person": certificate.person.name,
                         "recipient_person_local": certificate.person.name_local})
        return body


def state_of(award: Award, today: date | None = None) -> str:
    """What verification answers for an award: the one place that decides it."""
    today = today or date.today()
    if award.status == AwardStatus.REVOKED:
        return REVOKED
    if award.status != AwardStatus.PRESENTED:
        return NOT_AWARDED
    if award.valid_until is not None and award.valid_until < today:
        return EXPIRED
    return VALID


def attendance_state(certificate: AttendanceCertificate) -> str:
    """A certificate of attendance is valid from its issue, for good, unless revoked."""
    return REVOKED if certificate.revoked_at is not None else VALID


def verify_code(code: str, today: date | None = None) -> Verdict:
    code = (code or "").strip()
    if not 20 <= len(code) <= 64:
        return Verdict(UNKNOWN, None, False)
    award = db.session.scalar(select(Award).where(Award.verification_code == code).options(*award_loads()))
    if award is not None:
        return Verdict(state_of(award, today), award, True)
    if (certificate := attendance.by_code(code)) is not None:
        return Verdict(attendance_state(certificate), None, True, certificate)
    return Verdict(UNKNOWN, None, False)


def verify_number(number: str, today: date | None = None) -> Verdict:
    number = (number or "").strip().upper()
    if not 0 < len(number) <= 60:
        return Verdict(UNKNOWN, None, False)
    award = db.session.scalar(select(Award).where(Award.certificate_number == number).options(*award_loads()))
    if award is not None:
        return Verdict(state_of(award, today), award, False)
    if (certificate := attendance.by_number(number)) is not None:
        return Verdict(attendance_state(certificate), None, False, certificate)
    return Verdict(UNKNOWN, None, False)


def count_lookup(client_address: str, kind: str = "number") -> None:
    """Count one lookup (kind "number" or "code") for this client; 429 above the limit in this window.

    Limits come from AWARDS_VERIFY_LIMIT (numbers), AWARDS_VERIFY_CODE_LIMIT (QR codes) and
    AWARDS_VERIFY_WINDOW_SECONDS; the count is the shared one of core.rate_limits (one
    upsert, committed at once, so a refused or unknown lookup counts too).
    """
    setting = "AWARDS_VERIFY_LIMIT" if kind == "number" else "AWARDS_VERIFY_CODE_LIMIT"
    rate_limits.hit(f"award_verify_{kind}", client_address or "unknown",
                    limit=int(current_app.config.get(setting, DEFAULT_LIMITS[kind])),
                    window=int(current_app.config.get("AWARDS_VERIFY_WINDOW_SECONDS", DEFAULT_WINDOW)),
                    message=_l("Too many verifications from your address. Try again in a minute."))
