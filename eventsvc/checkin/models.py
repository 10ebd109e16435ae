"""Every scan at a door, accepted or refused."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.checkin.enums import Direction, ScanResult
from eventsvc.core.types import UTCDateTime, enum_column, utcnow
from eventsvc.extensions import db

#: the gate name of the event's main entrance; session doors are "session-<id>"
ENTRANCE_GATE = "entrance"


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # A retried upload never counts twice.
        UniqueConstraint("event_id", "nonce"),
        # At most one live entry per badge and gate: two simultaneous scans give one "ok".
        Index(
            "uq_checkins_first_entry",
            "registration_id",
            "gate",
            unique=True,
            sqlite_where=text("result = 'ok' AND direction = 'in' AND undone_at IS NULL"),
            postgresql_where=text("result = 'ok' AND direction = 'in' AND undone_at IS NULL"),
        ),
        Index("ix_checkins_event_scanned", "event_id", "scanned_at"),
        Index("ix_checkins_registration", "registration_id"),
        # who is inside a session's room now, and for how long (checkin/occupancy.py, attendance.py)
        Index("ix_checkins_agenda_item", "agenda_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: NULL when the code could not be tied to a registration (invalid, wrong event)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: "entrance" or "session-<id>"
    gate: Mapped[str] = mapped_column(String(40))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "scan_direction"), default=Direction.IN)
    result: Mapped[ScanResult] = mapped_column(enum_column(ScanResult, "scan_result"))
    #: server time the scan was recorded
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the device's clock when the scan was made (offline scans arrive later)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: client-generated, unique per event
    nonce: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str | None] = mapped_column(String(100))
    #: the scanned code, cut to a sane length, for refused scans' forensics
    code: Mapped[str | None] = mapped_column(String(200))
    #: badge version read from the code
    badge_version: Mapped[int | None]
    #: an offline scan that arrived after an earlier check-in of the same badge at the same gate
    is_duplicate: Mapped[bool] = mapped_column(default=False)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped["Registration | None"] = relationship()  # noqa: F821
