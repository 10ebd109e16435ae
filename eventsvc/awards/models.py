"""Award programs (a license, a certificate, an honour) and the awards they grant."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.awards.enums import AwardProgramKind, AwardStatus
from eventsvc.core.types import Timestamps, UTCDateTime, enum_column, utcnow
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person


class AwardProgram(Timestamps, db.Model):
    __tablename__ = "award_programs"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        UniqueConstraint("number_prefix"),
        CheckConstraint("next_sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[AwardProgramKind] = mapped_column(enum_column(AwardProgramKind, "award_program_kind"))
    #: e.g. "High Quality Charging Action — Shining 100 Stations Plan"
    name: Mapped[str] = mapped_column(String(300))
    name_local: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    #: certificate numbers are PREFIX-YEAR-000123; the prefix is unique across programs
    number_prefix: Mapped[str] = mapped_column(String(20))
    number_digits: Mapped[int] = mapped_column(default=4)
    #: next sequence number to hand out; numbers are never reused
    next_sequence: Mapped[int] = mapped_column(default=1)
    #: validity of an award from its issue date, in months; NULL means no expiry
    validity_months: Mapped[int | None]

    event: Mapped[Event] = relationship()
    issuer: Mapped[Organization | None] = relationship()
    awards: Mapped[list["Award"]] = relationship(back_populates="program", order_by="Award.position")


class Award(Timestamps, db.Model):
    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("certificate_number"),
        UniqueConstraint("verification_code"),
        CheckConstraint(
            "recipient_organization_id IS NOT NULL OR recipient_person_id IS NOT NULL",
            name="has_recipient"),
        CheckConstraint("valid_until IS NULL OR valid_until >= issue_date", name="validity_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("award_programs.id", ondelete="CASCADE"), index=True)
    recipient_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    recipient_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    citation: Mapped[str | None] = mapped_column(Text)
    citation_local: Mapped[str | None] = mapped_column(Text)
    #: the person on stage who hands it over
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: the ceremony session where it is presented
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True)
    #: order of presentation within the ceremony
    position: Mapped[int] = mapped_column(default=0)
    #: e.g. "SH100-2023-0001"; unique everywhere, so a number alone identifies a certificate
    certificate_number: Mapped[str] = mapped_column(String(60))
    #: unguessable code in the certificate's QR; numbers alone cannot list recipients
    verification_code: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AwardStatus] = mapped_column(
        enum_column(AwardStatus, "award_status"), default=AwardStatus.PLANNED)
    presented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    program: Mapped[AwardProgram] = relationship(back_populates="awards")
    recipient_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[recipient_organization_id])
    recipient_person: Mapped[Person | None] = relationship(foreign_keys=[recipient_person_id])
    presenter: Mapped[Person | None] = relationship(foreign_keys=[presenter_id])
    agenda_item: Mapped[AgendaItem | None] = relationship()



class AttendanceRule(Timestamps, db.Model):
    """An organizer's rule for certificates of attendance: one per session, or one for the whole event.

    A session rule asks for at least ``min_percent`` of the session's scheduled minutes inside its
    door (eventsvc.checkin.attendance decides the minutes); the whole-event rule (no session) asks
    for a check-in at the entrance. Certificates are numbered like award certificates, from the
    rule's own prefix (unique across rules and award programs, so a number alone identifies one).
    """

    __tablename__ = "attendance_rules"
    __table_args__ = (
        UniqueConstraint("number_prefix"),
        UniqueConstraint("event_id", "agenda_item_id"),
        # one whole-event rule per event (NULLs are distinct in the constraint above)
        Index("uq_attendance_rules_whole_event", "event_id", unique=True,
              sqlite_where=text("agenda_item_id IS NULL"), postgresql_where=text("agenda_item_id IS NULL")),
        CheckConstraint("min_percent IS NULL OR (min_percent >= 1 AND min_percent <= 100)",
                        name="percent_range"),
        CheckConstraint("next_sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: the session; NULL means the whole event (checked in at the entrance)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    #: a session rule's share of the scheduled minutes a guest must be inside; NULL for the whole event
    min_percent: Mapped[int | None]
    number_prefix: Mapped[str] = mapped_column(String(20))
    number_digits: Mapped[int] = mapped_column(default=4)
    next_sequence: Mapped[int] = mapped_column(default=1)
    last_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()


class AttendanceCertificate(db.Model):
    """A certificate of attendance: one per guest and rule, ever (the unique constraint)."""

    __tablename__ = "attendance_certificates"
    __table_args__ = (
        UniqueConstraint("rule_id", "registration_id"),
        UniqueConstraint("certificate_number"),
        UniqueConstraint("verification_code"),
        Index("ix_attendance_certificates_registration", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("attendance_rules.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    certificate_number: Mapped[str] = mapped_column(String(60))
    verification_code: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    #: minutes inside the session when it was issued (a session rule); NULL for the whole event
    minutes_present: Mapped[int | None]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    rule: Mapped[AttendanceRule] = relationship()
    person: Mapped[Person] = relationship()
