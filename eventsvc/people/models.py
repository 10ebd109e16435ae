"""Organizations and people: guests, speakers and presenters are all people.

Who owns them (SPEC rule 10): a person or an organization with an ``event_id`` belongs to that
event, and only that event's records refer to it; rows without one form the site-wide
directory, which only administrators read or edit. The same guest at two events is two rows,
so that what one event's organizers change never shows at another. Copying an event to its
next edition copies the people on stage (people.identity.carry_person).
"""

import enum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from eventsvc.core.types import Timestamps, enum_column
from eventsvc.extensions import db


class OrganizationKind(enum.StrEnum):
    GOVERNMENT = "government"
    CERTIFICATION_BODY = "certification_body"
    ASSOCIATION = "association"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    MEDIA = "media"
    OTHER = "other"


def name_key(name: str) -> str:
    """How organization names are compared: Unicode case folding, done here rather than by the
    database's lower() (SQLite's folds ASCII only, PostgreSQL's follows the server's locale), so
    that "Äpfel Corp" and "ÄPFEL CORP" are one name on both. Folding at most triples a name's
    length (300 → 900 characters, within PostgreSQL's index entry limit)."""
    return name.casefold()


def _name_key_default(context) -> str:
    return name_key(context.get_current_parameters()["name"])


class Organization(Timestamps, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event it belongs to; NULL: the administrators' site-wide directory
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: name in Latin script, e.g. "China Quality Certification Centre"; unique per event whatever
    #: its case (the index below)
    name: Mapped[str] = mapped_column(String(300))
    #: name_key(name), kept with the name (set by the ORM and by Core inserts alike); the unique
    #: index below is on it
    name_key: Mapped[str] = mapped_column(String(900), default=_name_key_default)
    #: name in local script, e.g. 中国质量认证中心
    name_local: Mapped[str | None] = mapped_column(String(300), index=True)
    #: short name, e.g. CQC
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), default=OrganizationKind.OTHER)
    website: Mapped[str | None] = mapped_column(String(300))

    people: Mapped[list["Person"]] = relationship(back_populates="organization")

    @validates("name")
    def _keep_name_key(self, _key, name):
        self.name_key = name_key(name) if name is not None else None
        return name

    def display_name(self, locale: str = "en") -> str:
        return (self.name_local if locale.startswith("zh") and self.name_local else self.name)


#: one organization per event and name whatever its case, so that two requests naming "CQC Centre"
#: and "cqc centre" at the same instant cannot create two (people.identity relies on it); the
#: directory (event_id NULL) counts as event 0
Index("uq_organizations_event_name_key", func.coalesce(Organization.event_id, 0), Organization.name_key,
      unique=True)


class Person(Timestamps, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event it belongs to; NULL: the administrators' site-wide directory
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: name in Latin script, e.g. "Xie Zhaoxu"
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: name in local script; left empty for real people whose characters we do not know
    name_local: Mapped[str | None] = mapped_column(String(200), index=True)
    #: honorific or position, e.g. "Party Secretary and Director"
    position: Mapped[str | None] = mapped_column(String(300))
    position_local: Mapped[str | None] = mapped_column(String(300))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    #: stored lower-case; one address is one person per event (the index below)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(Text)
    bio_local: Mapped[str | None] = mapped_column(Text)
    #: file name of the photo in the instance's uploads folder
    photo_path: Mapped[str | None] = mapped_column(String(300))
    #: preferred language for messages: "en" or "zh"
    language: Mapped[str] = mapped_column(String(8), default="en")

    organization: Mapped[Organization | None] = relationship(back_populates="people")

    @validates("name")
    def _keep_name_key(self, _key, name):
        self.name_key = name_key(name) if name is not None else None
        return name

    def display_name(self, locale: str = "en") -> str:
        return (self.name_local if locale.startswith("zh") and self.name_local else self.name)


#: one person per event and address, so that two registrations with one address at the same
#: instant make one person; the directory (event_id NULL) counts as event 0
Index("uq_people_event_email", func.coalesce(Person.event_id, 0), func.lower(Person.email), unique=True)
