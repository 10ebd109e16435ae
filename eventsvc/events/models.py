"""Events, their rooms and agenda, who takes part, and the speeches given.

The agenda item model is ``AgendaItem`` (table ``agenda_items``): "session" would
collide with the SQLAlchemy session.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.core.types import Timestamps, UTCDateTime, enum_column
from eventsvc.events.enums import (
    EventKind,
    EventStatus,
    ParticipationRole,
    RegistrationMode,
    SessionKind,
    SessionStatus,
    SpeechStatus,
)
from eventsvc.extensions import db
from eventsvc.people.models import Person


class Event(Timestamps, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="within_capacity"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: used in every URL, e.g. "ev100-2023"
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_local: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"), default=EventKind.FORUM)
    description: Mapped[str | None] = mapped_column(Text)
    description_local: Mapped[str | None] = mapped_column(Text)
    venue: Mapped[str | None] = mapped_column(String(300))
    venue_local: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    city_local: Mapped[str | None] = mapped_column(String(100))
    #: first and last day, in the event's own time zone
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    #: IANA zone, e.g. Asia/Shanghai; times are stored in UTC and shown in this zone
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT, index=True)
    registration_mode: Mapped[RegistrationMode] = mapped_column(
        enum_column(RegistrationMode, "registration_mode"), default=RegistrationMode.INVITATION)
    #: confirmed registrations allowed; NULL means no limit
    capacity: Mapped[int | None]
    #: confirmed registrations, kept by the registration service under a row lock;
    #: the CHECK constraint above makes over-booking impossible even for a buggy caller
    confirmed_count: Mapped[int] = mapped_column(default=0)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: staff may register walk-ins at the desk
    allow_walk_ins: Mapped[bool] = mapped_column(default=False)
    #: the event this one was copied from (next year's edition)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))

    rooms: Mapped[list["Room"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Room.position")
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="AgendaItem.starts_at")

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.status == EventStatus.ARCHIVED

    def display_title(self, locale: str = "en") -> str:
        return self.title_local if locale.startswith("zh") and self.title_local else self.title


class Room(Timestamps, db.Model):
    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_local: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int | None]
    #: order of the room's column in the agenda overview
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="rooms")

    def display_name(self, locale: str = "en") -> str:
        return self.name_local if locale.startswith("zh") and self.name_local else self.name


def _new_uid() -> str:
    return str(uuid.uuid4())


class AgendaItem(Timestamps, db.Model):
    """A session of the agenda: a plenary, seminar, ceremony, meeting or break."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        CheckConstraint("capacity IS NULL OR seats_taken <= capacity", name="within_capacity"),
        CheckConstraint("seats_taken >= 0", name="seats_taken_positive"),
        Index("ix_agenda_items_event_start", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(String(300))
    title_local: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    description_local: Mapped[str | None] = mapped_column(Text)
    #: UTC; entered and shown in the event's zone
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    #: seats of its own; NULL means the room or the event limits it
    capacity: Mapped[int | None]
    #: confirmed seats, kept by the registration service under a row lock
    seats_taken: Mapped[int] = mapped_column(default=0)
    #: guests must book a seat separately (seminars with limited seats): only those with one are admitted
    requires_registration: Mapped[bool] = mapped_column(default=False)
    #: only guests invited to this session are admitted (closed council meetings)
    is_closed: Mapped[bool] = mapped_column(default=False)
    #: its door answers "room full" to an entry while the room holds its capacity (checkin/occupancy.py)
    refuse_when_full: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED)
    #: iCalendar UID, stable across edits and copies of the row
    ical_uid: Mapped[str] = mapped_column(String(64), unique=True, default=_new_uid)
    #: iCalendar SEQUENCE, raised on every edit that calendar apps must pick up
    ical_sequence: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    room: Mapped[Room | None] = relationship()
    participations: Mapped[list["Participation"]] = relationship(
        back_populates="agenda_item", cascade="all, delete-orphan", order_by="Participation.position")
    speeches: Mapped[list["SpeechRecord"]] = relationship(
        back_populates="agenda_item", cascade="all, delete-orphan", order_by="SpeechRecord.position")

    def display_title(self, locale: str = "en") -> str:
        return self.title_local if locale.startswith("zh") and self.title_local else self.title


class Participation(Timestamps, db.Model):
    """A person's role in a session, in stage order."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("agenda_item_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[ParticipationRole] = mapped_column(enum_column(ParticipationRole, "participation_role"))
    position: Mapped[int] = mapped_column(default=0)

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="participations")
    person: Mapped[Person] = relationship()


class SpeechRecord(Timestamps, db.Model):
    """A speech planned or given in a session; the delivered ones are the proceedings."""

    __tablename__ = "speech_records"
    __table_args__ = (
        CheckConstraint("planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start",
                        name="planned_ordered"),
        CheckConstraint("actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start",
                        name="actual_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    #: the theme, e.g. "Testing and Certification Boosts the High-quality Development ..."
    title: Mapped[str] = mapped_column(String(500))
    title_local: Mapped[str | None] = mapped_column(String(500))
    abstract: Mapped[str | None] = mapped_column(Text)
    #: the abstract in Chinese (Chinese pages fall back to ``abstract``)
    abstract_local: Mapped[str | None] = mapped_column(Text)
    #: language of delivery: "en", "zh", ...
    language: Mapped[str] = mapped_column(String(8), default="zh")
    position: Mapped[int] = mapped_column(default=0)
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[SpeechStatus] = mapped_column(
        enum_column(SpeechStatus, "speech_status"), default=SpeechStatus.PLANNED)
    #: written afterwards for the proceedings
    summary: Mapped[str | None] = mapped_column(Text)
    summary_local: Mapped[str | None] = mapped_column(Text)
    #: stored file name of the slides PDF in the instance uploads folder
    slides_path: Mapped[str | None] = mapped_column(String(300))
    slides_filename: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="speeches")
    speaker: Mapped[Person] = relationship()

    def display_title(self, locale: str = "en") -> str:
        return self.title_local if locale.startswith("zh") and self.title_local else self.title
