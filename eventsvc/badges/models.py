"""The Ed25519 key pairs that sign an event's badge codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eventsvc.core.types import UTCDateTime, utcnow
from eventsvc.extensions import db


class BadgeKey(db.Model):
    """One signing key of an event. Scanners get the public key; the private key stays here."""

    __tablename__ = "badge_keys"
    __table_args__ = (UniqueConstraint("event_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: small number carried in the badge code, so that keys can be rotated
    key_id: Mapped[int] = mapped_column(default=1)
    #: raw 32-byte Ed25519 public key
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: raw private key, encrypted with a key derived from BADGE_KEY_ENCRYPTION_KEY (or, where that
    #: is not set, SECRET_KEY): codes.py
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: new badges are signed with the active key; retired keys still verify
    active: Mapped[bool] = mapped_column(default=True)


class PrintStation(db.Model):
    """A browser next to a label printer at an event's desk: its label layout and what it printed."""

    __tablename__ = "print_stations"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: one of badges.layout.STATION_LAYOUTS
    layout: Mapped[str] = mapped_column(String(20))
    #: the printer's name (the CUPS queue, or what is written on it), for the organizer
    printer_name: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(String(500))
    #: the server sends each label to the CUPS queue ``printer_name`` (``lp``) instead of the
    #: station's browser printing it: for a printer attached to the server's network
    print_on_server: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_print_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: every label printed here, first prints and reprints
    print_count: Mapped[int] = mapped_column(default=0)
    reprint_count: Mapped[int] = mapped_column(default=0)
