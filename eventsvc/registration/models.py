"""Guest categories, invitations, registrations and seats in seat-limited sessions."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.core.colors import text_color_on
from eventsvc.core.types import Timestamps, UTCDateTime, enum_column, utcnow
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.registration.enums import (
    InvitationStatus,
    RegistrationSource,
    RegistrationStatus,
    SeatStatus,
)


class Category(Timestamps, db.Model):
    """A guest category of an event (VIP, Guest, Speaker, Press, Staff...), with its badge colour."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: stable machine name, e.g. "vip"
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    label_local: Mapped[str | None] = mapped_column(String(100))
    #: badge band colour, "#rrggbb"
    color: Mapped[str] = mapped_column(String(7), default="#4a5568")
    position: Mapped[int] = mapped_column(default=0)
    #: shown first on the arrivals dashboard when not yet arrived
    is_vip: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()

    def display_label(self, locale: str = "en") -> str:
        return self.label_local if locale.startswith("zh") and self.label_local else self.label

    @property
    def text_color(self) -> str:
        """Black or white, for text on the category's colour (core.colors decides)."""
        return text_color_on(self.color)


invitation_sessions = Table(
    "invitation_sessions",
    db.metadata,
    Column("invitation_id", ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True),
    Column("agenda_item_id", ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True),
)


class Invitation(Timestamps, db.Model):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    #: personal message added to the invitation e-mail
    message: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: a link issued before guest_links existed (hex SHA-256 of its token), still accepted until it
    #: expires; new links are rows of guest_links, and an organizer's resend clears this one
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, "invitation_status"), default=InvitationStatus.DRAFT, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(default=0)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship()
    category: Mapped[Category | None] = relationship()
    sessions: Mapped[list[AgendaItem]] = relationship(secondary=invitation_sessions)


class Registration(Timestamps, db.Model):
    """A person's attendance at an event; the badge is derived from it."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"), default=RegistrationStatus.PENDING)
    source: Mapped[RegistrationSource] = mapped_column(
        enum_column(RegistrationSource, "registration_source"), default=RegistrationSource.SELF)
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: when the guest joined the waitlist; the waitlist is served in this order
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a portal link issued before guest_links existed (hex SHA-256 of its token), still accepted
    #: until it expires; new links are rows of guest_links
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: raised on every re-issue; badge codes of older versions are refused as revoked
    badge_version: Mapped[int] = mapped_column(default=1)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_printed_version: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship()
    category: Mapped[Category | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    #: the organization the organizer named this guest a representative of, at this event: the
    #: guest portal shows that organization's certificates to its representatives only
    represents_organization: Mapped[Organization | None] = relationship(
        secondary=lambda: organization_representatives, uselist=False)
    seats: Mapped[list["SessionSeat"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan")


#: guests whom the organizer named representatives of an organization at the guest's event (one
#: organization per registration). A table of its own, so that adding it changes no existing table.
organization_representatives = Table(
    "organization_representatives",
    db.metadata,
    Column("registration_id", ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
)


class GuestLink(db.Model):
    """One personal link to the guest portal, for an invitation or a registration.

    A guest may hold several live links at once: every e-mail that carries a link adds
    one, and the older ones keep working until they expire. So a stranger who types a
    guest's address into the public form gets a mail sent to that address, but cannot
    stop the guest's links from working. An organizer's resend of an invitation
    replaces its links; a withdrawn invitation stops all of them.
    """

    __tablename__ = "guest_links"
    __table_args__ = (
        CheckConstraint("(invitation_id IS NULL) <> (registration_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    #: hex SHA-256 of the link token; the token itself is only ever in the e-mail
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation | None] = relationship()
    registration: Mapped[Registration | None] = relationship()


class SessionSeat(Timestamps, db.Model):
    """A registration's seat in a session that needs separate registration."""

    __tablename__ = "session_seats"
    __table_args__ = (
        UniqueConstraint("registration_id", "agenda_item_id"),
        Index("ix_session_seats_item_status", "agenda_item_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    status: Mapped[SeatStatus] = mapped_column(enum_column(SeatStatus, "seat_status"))
    #: waitlist order within the session
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="seats")
    agenda_item: Mapped[AgendaItem] = relationship()
