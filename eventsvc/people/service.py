"""People and organizations of an event: search as you type, create (also inline from a session
form), edit, delete.

Every function works among the people of one event (``None``: the administrators' directory):
a row of another event is not found. Who may call them is decided once, by the routes:
events.permissions for an event's people (organizers write, staff read), ``require_administrator``
for the directory. The rules for names, e-mail addresses and finding an organization are
people.identity's.
"""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventsvc.accounts.models import User
from eventsvc.audit.service import record
from eventsvc.audit.trail import subject_people
from eventsvc.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from eventsvc.core.text import clean_line
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.identity import Owner, owned_by, owner_id, owner_of
from eventsvc.people.models import Organization, OrganizationKind, Person

PERSON_FIELDS = ("name", "name_local", "position", "position_local", "organization_id", "email", "phone",
                 "bio", "bio_local", "language")
ORGANIZATION_FIELDS = ("name", "name_local", "short_name", "kind", "website")
#: texts of many lines; every other text field is one line (core.text.clean_line)
MULTILINE_FIELDS = ("bio", "bio_local")
SEARCH_LIMIT = 10


def may_use_directory(user: User | None) -> bool:
    """The site-wide directory (people of no event) is the administrators' alone."""
    return user is not None and user.is_authenticated and user.is_admin


def require_administrator(user: User | None) -> None:
    if not may_use_directory(user):
        raise PermissionDenied("not_administrator",
                               _("Only administrators use the site-wide directory; open an event's people instead."))


def _like(text: str) -> str:
    return "%" + text.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"


def search_people(event: Owner | None, query: str, limit: int = SEARCH_LIMIT, offset: int = 0) -> list[Person]:
    """The event's people matching a name, local name, organization or e-mail; an empty query
    lists the first ones by name (``offset``: skip that many, for a list's later pages)."""
    query = (query or "").strip()
    select_people = (select(Person).outerjoin(Organization, Person.organization_id == Organization.id)
                     .where(owned_by(Person, owner_id(event))))
    if query:
        pattern = _like(query)
        select_people = select_people.where(or_(
            func.lower(Person.name).like(pattern), Person.name_local.like(pattern),
            func.lower(Person.email).like(pattern), func.lower(Organization.name).like(pattern),
            func.lower(Organization.short_name).like(pattern), Organization.name_local.like(pattern)))
    return list(db.session.scalars(select_people.options(selectinload(Person.organization))
                                   .order_by(Person.name, Person.id).offset(offset).limit(limit)).all())


def search_organizations(event: Owner | None, query: str, limit: int = SEARCH_LIMIT) -> list[Organization]:
    """The event's organizations matching a name, short name or local name; an empty query lists
    the first ones by name."""
    query = (query or "").strip()
    select_orgs = select(Organization).where(owned_by(Organization, owner_id(event)))
    if query:
        pattern = _like(query)
        select_orgs = select_orgs.where(or_(func.lower(Organization.name).like(pattern),
                                            func.lower(Organization.short_name).like(pattern),
                                            Organization.name_local.like(pattern)))
    return list(db.session.scalars(select_orgs.order_by(Organization.name, Organization.id).limit(limit)).all())


def organizations_of(event: Owner | None) -> list[Organization]:
    """All the event's organizations by name (select lists)."""
    return list(db.session.scalars(select(Organization).where(owned_by(Organization, owner_id(event)))
                                   .order_by(Organization.name, Organization.id)).all())


def _clean(data: dict, fields) -> dict:
    out = {}
    for key in fields:
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = (value.strip() if key in MULTILINE_FIELDS else clean_line(value)) or None
            out[key] = value
    return out


def organization_of(event: Owner | None, org_id: int | None, field: str = "organization_id") -> Organization:
    """The event's organization with this id; 404 for another event's (as if it did not exist)."""
    org = db.session.get(Organization, org_id) if org_id is not None else None
    if org is None or org.event_id != owner_id(event):
        raise NotFound("unknown_organization", _("No such organization."), field=field)
    return org


def _check_organization(org: Organization) -> None:
    if not (org.name or "").strip():
        raise ServiceError("name_required", _("Give the organization's name."), field="name")
    org.name = org.name.strip()
    if identity.find_organization(owner_of(org), org.name, org.name_local, exclude_id=org.id) is not None:
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


def create_organization(event: Owner | None, data: dict) -> Organization:
    """An organization of the event created on purpose (the API's POST): refused if the event has
    it already; the paths that only need one (a person's organization, imports) use
    identity.find_or_create_organization."""
    values = _clean(data, ORGANIZATION_FIELDS)
    values["kind"] = OrganizationKind(values.get("kind") or "other")
    org = Organization(event_id=owner_id(event), **values)
    with db.session.no_autoflush:
        _check_organization(org)
    _add_or_refuse(org, _organization_exists())
    record("organization.created", event_id=org.event_id, obj=org, name=org.name)
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
    record("organization.updated", event_id=org.event_id, obj=org)
    return org


def delete_organization(org: Organization) -> None:
    record("organization.deleted", event_id=org.event_id, obj=org, name=org.name)
    db.session.delete(org)
    _flush_or_conflict("organization_in_use", _("This organization is still referenced (awards or programs)."))


def _flush_or_conflict(code: str, message: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(code, message) from None


def person_of(event: Owner | None, person_id: int | None, field: str = "person_id") -> Person:
    """The event's person with this id; 404 for another event's (as if they did not exist)."""
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None or person.event_id != owner_id(event):
        raise NotFound("unknown_person", _("No such person."), field=field)
    return person


def _apply_person(person: Person, data: dict) -> None:
    """The people API's fields; names, e-mail and language follow the rules of people.identity;
    the organization is one of the person's own event."""
    values = _clean(data, PERSON_FIELDS)
    if values.get("organization_id") is not None:
        organization_of(owner_of(person), values["organization_id"])
    if data.get("organization_name"):
        values["organization_id"] = identity.find_or_create_organization(
            owner_of(person), data["organization_name"]).id
    if "name" in values or person.name is None:
        values["name"] = identity.normalise_name(values.get("name"))
    if values.get("email"):
        values["email"] = identity.normalise_email(values["email"])
    if "language" in values:
        values["language"] = identity.normalise_language(values["language"])
    for key, value in values.items():
        setattr(person, key, value)
    if identity.email_taken(owner_of(person), person.email, exclude_id=person.id):
        raise _email_taken()


def _email_taken() -> ServiceError:
    return identity.email_taken_error()


def create_person(event: Owner | None, data: dict) -> Person:
    """A person of the event; ``organization_name`` finds or creates the event's organization
    (any case, Chinese or short name)."""
    person = Person(event_id=owner_id(event), language="en")
    with db.session.no_autoflush:
        _apply_person(person, data)
    _add_or_refuse(person, _email_taken())
    record("person.created", event_id=person.event_id, obj=person, name=person.name)
    return person


def update_person(person: Person, data: dict) -> Person:
    with db.session.no_autoflush:
        _apply_person(person, data)
    try:
        db.session.flush()
    except IntegrityError:  # the address was given to someone else at the same instant
        raise _email_taken() from None
    record("person.updated", event_id=person.event_id, obj=person)
    return person


#: Other capabilities' reasons to keep a person: ``guard(person)`` raises Conflict while their
#: records need them (registration: invitations and registrations). Added at their import time.
PERSON_DELETE_GUARDS: list[Callable[[Person], None]] = []


def delete_person(person: Person) -> None:
    for guard in PERSON_DELETE_GUARDS:
        guard(person)
    record("person.deleted", event_id=person.event_id, obj=person, name=person.name)
    db.session.delete(person)
    _flush_or_conflict("person_in_use", _("This person gave speeches or received awards; keep them."))


@subject_people("Person")
def _person_is_their_own_subject():
    return select(Person.id.label("object_id"), Person.id.label("person_id"))
