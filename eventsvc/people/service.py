"""People and organizations: search as you type, create (also inline from a session form), edit.

The rules for names, e-mail addresses and finding an organization are people.identity's.
"""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventsvc.accounts.models import EventRole, EventRoleKind, User
from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.models import Organization, OrganizationKind, Person

PERSON_FIELDS = ("name", "name_local", "position", "position_local", "organization_id", "email", "phone",
                 "bio", "bio_local", "language")
ORGANIZATION_FIELDS = ("name", "name_local", "short_name", "kind", "website")
SEARCH_LIMIT = 10


def may_edit_people(user: User) -> bool:
    """People are shared by all events: administrators and organizers of any event edit them."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or bool(db.session.scalar(select(exists().where(
        EventRole.user_id == user.id, EventRole.role == EventRoleKind.ORGANIZER))))


def require_people_editor(user: User) -> None:
    if not may_edit_people(user):
        raise PermissionDenied("not_organizer", _("Only organizers edit people and organizations."))


def _like(text: str) -> str:
    return "%" + text.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"


def search_people(query: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    query = (query or "").strip()
    if not query:
        return []
    pattern = _like(query)
    return list(db.session.scalars(
        select(Person).outerjoin(Organization, Person.organization_id == Organization.id)
        .where(or_(func.lower(Person.name).like(pattern), Person.name_local.like(pattern),
                   func.lower(Organization.name).like(pattern), func.lower(Organization.short_name).like(pattern),
                   Organization.name_local.like(pattern)))
        .options(selectinload(Person.organization))
        .order_by(Person.name, Person.id).limit(limit)).all())


def search_organizations(query: str, limit: int = SEARCH_LIMIT) -> list[Organization]:
    query = (query or "").strip()
    if not query:
        return []
    pattern = _like(query)
    return list(db.session.scalars(
        select(Organization).where(or_(func.lower(Organization.name).like(pattern),
                                       func.lower(Organization.short_name).like(pattern),
                                       Organization.name_local.like(pattern)))
        .order_by(Organization.name).limit(limit)).all())


def _clean(data: dict, fields) -> dict:
    out = {}
    for key in fields:
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = value.strip() or None
            out[key] = value
    return out


def organization_by_id(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("unknown_organization", _("No such organization."), field="organization_id")
    return org


def _check_organization(org: Organization) -> None:
    if not (org.name or "").strip():
        raise ServiceError("name_required", _("Give the organization's name."), field="name")
    org.name = org.name.strip()
    if identity.find_organization(org.name, org.name_local, exclude_id=org.id) is not None:
        raise _organization_exists()


def _organization_exists() -> ServiceError:
    return ServiceError("organization_exists", _("An organization with this name exists already."), field="name")


def _add_or_refuse(row, error: ServiceError) -> None:
    """Insert in a savepoint: a unique constraint that refuses it (a twin created at the same
    instant) gives the error instead of a failed transaction."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise error from None


def create_organization(data: dict) -> Organization:
    """An organization created on purpose (the API's POST): refused if it exists already; the paths
    that only need one (a person's organization, imports) use identity.find_or_create_organization."""
    values = _clean(data, ORGANIZATION_FIELDS)
    values["kind"] = OrganizationKind(values.get("kind") or "other")
    org = Organization(**values)
    with db.session.no_autoflush:
        _check_organization(org)
    _add_or_refuse(org, _organization_exists())
    record("organization.created", obj=org, name=org.name)
    return org


def update_organization(org: Organization, data: dict) -> Organization:
    values = _clean(data, ORGANIZATION_FIELDS)
    if "kind" in values:
        values["kind"] = OrganizationKind(values["kind"] or "other")
    with db.session.no_autoflush:
        for key, value in values.items():
            setattr(org, key, value)
        _check_organization(org)
    try:
        db.session.flush()
    except IntegrityError:  # renamed like another one at the same instant
        raise _organization_exists() from None
    record("organization.updated", obj=org)
    return org


def delete_organization(org: Organization) -> None:
    record("organization.deleted", obj=org, name=org.name)
    db.session.delete(org)
    _flush_or_conflict("organization_in_use", _("This organization is still referenced (awards or programs)."))


def _flush_or_conflict(code: str, message: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(code, message) from None


def person_by_id(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("unknown_person", _("No such person."), field="person_id")
    return person


def _apply_person(person: Person, data: dict) -> None:
    """The people API's fields; names, e-mail and language follow the rules of people.identity."""
    values = _clean(data, PERSON_FIELDS)
    if values.get("organization_id") is not None:
        organization_by_id(values["organization_id"])
    if data.get("organization_name"):
        values["organization_id"] = identity.find_or_create_organization(data["organization_name"]).id
    if "name" in values or person.name is None:
        values["name"] = identity.normalise_name(values.get("name"))
    if values.get("email"):
        values["email"] = identity.normalise_email(values["email"])
    if "language" in values:
        values["language"] = identity.normalise_language(values["language"])
    for key, value in values.items():
        setattr(person, key, value)
    if person.email:
        taken = db.session.scalar(select(Person.id).where(Person.email == person.email))
        if taken is not None and taken != person.id:
            raise _email_taken()


def _email_taken() -> ServiceError:
    return ServiceError("email_taken", _("Another person has this e-mail address."), field="email")


def create_person(data: dict) -> Person:
    """A person; ``organization_name`` finds or creates the organization (any case, Chinese or short name)."""
    person = Person(language="en")
    with db.session.no_autoflush:
        _apply_person(person, data)
    _add_or_refuse(person, _email_taken())
    record("person.created", obj=person, name=person.name)
    return person


def update_person(person: Person, data: dict) -> Person:
    with db.session.no_autoflush:
        _apply_person(person, data)
    try:
        db.session.flush()
    except IntegrityError:  # the address was given to someone else at the same instant
        raise _email_taken() from None
    record("person.updated", obj=person)
    return person


#: Other capabilities' reasons to keep a person: ``guard(person)`` raises Conflict while their
#: records need them (registration: invitations and registrations). Added at their import time.
PERSON_DELETE_GUARDS: list[Callable[[Person], None]] = []


def delete_person(person: Person) -> None:
    for guard in PERSON_DELETE_GUARDS:
        guard(person)
    record("person.deleted", obj=person, name=person.name)
    db.session.delete(person)
    _flush_or_conflict("person_in_use", _("This person gave speeches or received awards; keep them."))
