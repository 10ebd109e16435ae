"""Who someone is: the one way to find or create a person or an organization from what we are told.

Registration, invitations, spreadsheet imports, walk-ins, awards and the people API all come
here, so an address refused in one place is refused everywhere, and an organization named in
another case, by its Chinese name or by its short name is found instead of created twice.
The database has the last word: ``people.email`` and ``lower(organizations.name)`` are unique,
and a creation that loses a race with another request takes the row the winner wrote.

Functions work in the caller's transaction and never commit; they raise ServiceError.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person

LANGUAGES = ("en", "zh")
#: values per IN (...) list: well under the bound-parameter limits of SQLite (32766) and PostgreSQL
CHUNK = 2000


@dataclass(frozen=True)
class PersonDetails:
    """What we are told about a person: a form, an API call, a spreadsheet row (registration's
    GuestDetails until it switches to this)."""

    name: str
    #: one address is one person; None for people known by name only (speakers, award recipients)
    email: str | None = None
    name_local: str | None = None
    #: the organization's name, Chinese name or short name; None leaves a person's organization
    #: as it is, "" removes it
    organization: str | None = None
    #: the organization's name in local script, kept when the organization is created or lacks one
    organization_local: str | None = None
    position: str | None = None
    phone: str | None = None
    language: str = "en"


# --- the rules ------------------------------------------------------------------------------

def normalise_email(value: str | None, field: str = "email") -> str:
    """A deliverable-looking address, lower-cased: ``a@b`` and ``x@localhost`` are refused."""
    value = (value or "").strip()
    if not value:
        raise ServiceError("email_required", _("Enter an e-mail address."), field=field)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError("bad_email", _("“%(value)s” is not a valid e-mail address.", value=value),
                           field=field) from None


def normalise_name(value: str | None, field: str = "name", *, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError("name_required", _("Enter the name."), field=field)
    return _within(value, field, max_length)


def _optional(value: str | None, field: str, max_length: int) -> str | None:
    value = (value or "").strip()
    return _within(value, field, max_length) if value else None


def _within(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise ServiceError("too_long", _("Keep this to %(n)d characters or fewer.", n=max_length), field=field)
    return value


def normalise_language(value: str | None, field: str = "language") -> str:
    value = (value or "en").strip().lower()
    if value not in LANGUAGES:
        raise ServiceError("bad_language", _("Choose English or Chinese."), field=field)
    return value


def check_details(details: PersonDetails) -> PersonDetails:
    """The details cleaned by the rules above (trimmed, e-mail normalised), or ServiceError."""
    return PersonDetails(
        name=normalise_name(details.name),
        email=normalise_email(details.email) if (details.email or "").strip() else None,
        name_local=_optional(details.name_local, "name_local", 200),
        organization=(None if details.organization is None
                      else _optional(details.organization, "organization", 300) or ""),
        organization_local=_optional(details.organization_local, "organization_local", 300),
        position=_optional(details.position, "position", 300),
        phone=_optional(details.phone, "phone", 50),
        language=normalise_language(details.language),
    )


# --- organizations --------------------------------------------------------------------------

class _OrganizationIndex:
    """Organizations by lower-case name, local name and lower-case short name; the oldest wins."""

    def __init__(self, organizations: Iterable[Organization] = ()):
        self.by_name: dict[str, Organization] = {}
        self.by_local: dict[str, Organization] = {}
        self.by_short: dict[str, Organization] = {}
        for org in sorted(organizations, key=lambda o: o.id):
            self.add(org)

    def add(self, org: Organization) -> None:
        self.by_name.setdefault(org.name.lower(), org)
        if org.name_local:
            self.by_local.setdefault(org.name_local, org)
        if org.short_name:
            self.by_short.setdefault(org.short_name.lower(), org)

    def find(self, name: str, name_local: str | None) -> Organization | None:
        """The name as a name, a local name or a short name first; then the local name given."""
        found = (self.by_name.get(name.lower()) or self.by_local.get(name)
                 or self.by_short.get(name.lower()))
        if found is None and name_local:
            found = self.by_local.get(name_local) or self.by_name.get(name_local.lower())
        return found


def _candidates(texts: Iterable[str]) -> list[Organization]:
    """Every organization whose name, local name or short name is one of these texts."""
    texts = sorted({t for t in texts if t})
    found: dict[int, Organization] = {}
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start:start + CHUNK]
        lowered = sorted({t.lower() for t in chunk})
        for org in db.session.scalars(select(Organization).where(or_(
                func.lower(Organization.name).in_(lowered), Organization.name_local.in_(chunk),
                func.lower(Organization.short_name).in_(lowered)))):
            found[org.id] = org
    return list(found.values())


def _organization_names(name: str | None, name_local: str | None) -> tuple[str, str | None]:
    """(name, local name) trimmed; a local name alone is the name too."""
    name_local = _optional(name_local, "organization_local", 300)
    name = _optional(name, "organization", 300) or name_local
    if not name:
        raise ServiceError("organization_required", _("Give the organization's name."), field="organization")
    return name, name_local


def find_organization(name: str, name_local: str | None = None, *,
                      exclude_id: int | None = None) -> Organization | None:
    """An organization by its name (any case), local name or short name, else by the local name
    given; ``exclude_id`` leaves one out (is another organization named so?)."""
    name, name_local = _organization_names(name, name_local)
    candidates = [o for o in _candidates([name, name_local]) if o.id != exclude_id]
    return _OrganizationIndex(candidates).find(name, name_local)


def find_or_create_organization(name: str | None, name_local: str | None = None) -> Organization:
    """The organization so named, created once; a local name it lacks is filled in.

    ``name`` may be empty when ``name_local`` is given: the local name is then the name too.
    """
    return find_or_create_organizations([(name, name_local)])[0]


def find_or_create_organizations(names: Sequence[tuple[str | None, str | None]]) -> list[Organization]:
    """Many at once (imports): the organization of each (name, name_local) pair, in order, in a
    few statements; pairs naming the same new organization get the one created."""
    wanted = [_organization_names(name, name_local) for name, name_local in names]
    distinct = list(dict.fromkeys(wanted))
    texts = [text for pair in distinct for text in pair if text]
    index = _OrganizationIndex(_candidates(texts))
    for pair in distinct:
        _fill_in(index.find(*pair), pair[1], index)
    planned, rows = _OrganizationIndex(), []
    for name, name_local in distinct:  # after filling in: a local name alone may now find one
        if index.find(name, name_local) is None and planned.find(name, name_local) is None:
            planned.add(Organization(name=name, name_local=name_local))  # a stand-in, never added
            rows.append({"name": name, "name_local": name_local})
    if rows:
        rows.sort(key=lambda row: row["name"].lower())  # the same order in every transaction: no deadlock
        if not _insert_rows(Organization, rows):
            # another request created some of them since we looked: again one at a time, each
            # finding what the other wrote
            found = {pair: _find_or_create_one(*pair) for pair in sorted(distinct, key=lambda p: p[0].lower())}
            return [found[pair] for pair in wanted]
        index = _OrganizationIndex(_candidates(texts))
    found = {pair: index.find(*pair) for pair in distinct}
    return [found[pair] for pair in wanted]


def _fill_in(org: Organization | None, name_local: str | None, index: _OrganizationIndex | None = None) -> None:
    """Give a known organization the local name it lacked (an award import naming an organization
    we knew in English only, say)."""
    if org is not None and name_local and not org.name_local:
        org.name_local = name_local
        if index is not None:
            index.add(org)


def _find_or_create_one(name: str, name_local: str | None) -> Organization:
    org = find_organization(name, name_local)
    if org is None:
        _insert_rows(Organization, [{"name": name, "name_local": name_local}])  # or another request did
        org = find_organization(name, name_local)
        if org is None:
            raise ServiceError("organization_conflict", _("Try again: the organization changed meanwhile."),
                               field="organization")
    _fill_in(org, name_local)
    return org


def _insert_rows(model, rows: list[dict]) -> bool:
    """INSERT the rows (a statement per page of rows, not per row) in a savepoint; False, with
    nothing inserted, when a unique constraint refuses one: another request created it meanwhile.
    The caller reads the rows back. Callers sort the rows by their unique key, so that two
    transactions inserting some of the same keys wait for each other instead of deadlocking."""
    try:
        with db.session.begin_nested():
            db.session.execute(insert(model.__table__), rows)  # Core: one executemany, None kept
    except IntegrityError:
        return False
    return True


# --- people ---------------------------------------------------------------------------------

def _people_by_email(emails: Iterable[str]) -> dict[str, Person]:
    emails = sorted(set(emails))
    found = {}
    for start in range(0, len(emails), CHUNK):
        found.update((p.email, p) for p in db.session.scalars(
            select(Person).where(Person.email.in_(emails[start:start + CHUNK]))))
    return found


def _org_key(details: PersonDetails) -> tuple[str, str | None] | None:
    if not (details.organization or details.organization_local):
        return None
    return _organization_names(details.organization, details.organization_local)


def _organization_of(details: PersonDetails) -> Organization | None:
    key = _org_key(details)
    return find_or_create_organization(*key) if key else None


def _apply(person: Person, details: PersonDetails, organization: Organization | None) -> None:
    person.name = details.name
    person.name_local = details.name_local
    person.position = details.position
    person.phone = details.phone
    person.language = details.language
    if details.organization is not None or details.organization_local:
        person.organization = organization


def _person_row(details: PersonDetails, organization: Organization | None) -> dict:
    return {"email": details.email, "name": details.name, "name_local": details.name_local,
            "position": details.position, "phone": details.phone, "language": details.language,
            "organization_id": organization.id if organization else None}


def apply_details(person: Person, details: PersonDetails) -> None:
    """A change of a person's details (portal, forms): every field is replaced; the e-mail stays."""
    details = check_details(replace(details, email=None))
    _apply(person, details, _organization_of(details))


def _require_email(details: PersonDetails) -> PersonDetails:
    details = check_details(details)
    if not details.email:
        normalise_email(None)  # raises email_required
    return details


def _person_with(email: str) -> Person:
    """The person just created with this address, by us or by another request."""
    person = _people_by_email([email]).get(email)
    if person is None:
        raise ServiceError("person_conflict", _("Try again: this person changed meanwhile."), field="email")
    return person


def find_or_create_person(details: PersonDetails, *, update: bool = False) -> Person:
    """The person with this e-mail, created if new; ``update`` applies the details to one we knew."""
    details = _require_email(details)
    person = _people_by_email([details.email]).get(details.email)
    if person is None:
        inserted = _insert_rows(Person, [_person_row(details, _organization_of(details))])
        person = _person_with(details.email)
        if inserted:
            return person
    if update:
        _apply(person, details, _organization_of(details))
    return person


def find_or_create_people(details: Iterable[PersonDetails], *, update: bool = False) -> dict[str, Person]:
    """Many at once (imports): {email: person}, in a few statements whatever the number of rows.

    The first row of an address wins; ``update`` applies the details to the people we knew.
    """
    rows: dict[str, PersonDetails] = {}
    for row in details:
        row = _require_email(row)
        rows.setdefault(row.email, row)
    people = _people_by_email(rows)
    touched = [row for email, row in rows.items() if update or email not in people]
    keys = [key for key in map(_org_key, touched) if key]
    organizations = dict(zip(keys, find_or_create_organizations(keys), strict=True))

    def organization(row: PersonDetails) -> Organization | None:
        key = _org_key(row)
        return organizations[key] if key else None

    new = [row for row in touched if row.email not in people]
    for row in touched:
        if row.email in people:
            _apply(people[row.email], row, organization(row))
    if new:
        new.sort(key=lambda row: row.email)  # the same order in every transaction: no deadlock
        if not _insert_rows(Person, [_person_row(row, organization(row)) for row in new]):
            # someone registered one of these addresses meanwhile: one at a time, each finding theirs
            return {email: find_or_create_person(rows[email], update=update) for email in sorted(rows)}
        people.update(_people_by_email(row.email for row in new))
    return people


def add_person(details: PersonDetails) -> Person:
    """A new person, without looking for one (people known by name only, or created by an
    organizer); refused when the e-mail address is someone's already."""
    details = check_details(details)
    taken = ServiceError("email_taken", _("Another person has this e-mail address."), field="email")
    if details.email and _people_by_email([details.email]):
        raise taken
    person = Person(**_person_row(details, _organization_of(details)))
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        raise taken from None
    return person
