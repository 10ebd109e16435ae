"""Award programs (a license, a certificate, an honour) and the awards they grant."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.awards.enums import AwardProgramKind, AwardStatus
from eventsvc.core.types import Timestamps, UTCDateTime, enum_column
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

