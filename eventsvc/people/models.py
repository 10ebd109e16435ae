"""Organizations and people: guests, speakers and presenters are all people."""

import enum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Organization(Timestamps, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: name in Latin script, e.g. "China Quality Certification Centre"; unique whatever its case
    #: (the index below); the exact-case constraint is the original one, kept
    name: Mapped[str] = mapped_column(String(300), unique=True)
    #: name in local script, e.g. 中国质量认证中心
    name_local: Mapped[str | None] = mapped_column(String(300), index=True)
    #: short name, e.g. CQC
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), default=OrganizationKind.OTHER)
    website: Mapped[str | None] = mapped_column(String(300))

    people: Mapped[list["Person"]] = relationship(back_populates="organization")

    def display_name(self, locale: str = "en") -> str:
        return (self.name_local if locale.startswith("zh") and self.name_local else self.name)


#: one organization per name whatever its case, so that two requests naming "CQC Centre" and
#: "cqc centre" at the same instant cannot create two (people.identity relies on it)
Index("uq_organizations_lower_name", func.lower(Organization.name), unique=True)


class Person(Timestamps, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: name in Latin script, e.g. "Xie Zhaoxu"
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: name in local script; left empty for real people whose characters we do not know
    name_local: Mapped[str | None] = mapped_column(String(200), index=True)
    #: honorific or position, e.g. "Party Secretary and Director"
    position: Mapped[str | None] = mapped_column(String(300))
    position_local: Mapped[str | None] = mapped_column(String(300))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    #: stored lower-case; unique so that one address is one person
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(Text)
    bio_local: Mapped[str | None] = mapped_column(Text)
    #: file name of the photo in the instance's uploads folder
    photo_path: Mapped[str | None] = mapped_column(String(300))
    #: preferred language for messages: "en" or "zh"
    language: Mapped[str] = mapped_column(String(8), default="en")

    organization: Mapped[Organization | None] = relationship(back_populates="people")

    def display_name(self, locale: str = "en") -> str:
        return (self.name_local if locale.startswith("zh") and self.name_local else self.name)
