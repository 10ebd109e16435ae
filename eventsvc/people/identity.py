"""Who someone is: the one way to find or create a person or an organization from what we are told.

Registration, invitations, spreadsheet imports, walk-ins, awards and the people API all come
here, so an address refused in one place is refused everywhere, and an organization named in
another case, by its Chinese name or by its short name is found instead of created twice.

Every function takes the event whose people it looks among (people.models: a person or an
organization belongs to one event; ``None`` is the administrators' directory): a guest of
another event with the same address is another person, never found, shown or changed here.
The database has the last word: ``(event, lower(email))`` and ``(event, lower(name))`` are
unique, and a creation that loses a race with another request takes the row the winner wrote.

Functions work in the caller's transaction and never commit; they raise ServiceError.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from eventsvc.core.appends import every_column, inserted
from eventsvc.core.errors import ServiceError
from eventsvc.core.text import clean_line
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person, name_key

LANGUAGES = ("en", "zh")
#: columns a copy for another event carries (carry_person, carry_organization)
PERSON_COPIED = ("name", "name_local", "position", "position_local", "email", "phone", "bio", "bio_local",
                 "photo_path", "language")
ORGANIZATION_COPIED = ("name", "name_local", "short_name", "kind", "website")
#: values per IN (...) list: well under the bound-parameter limits of SQLite (32766) and PostgreSQL
CHUNK = 2000


class Owner(Protocol):
    """The event people belong to (events.models.Event, which this layer does not import)."""

    id: int


@dataclass(frozen=True)
class _EventRef:
    id: int


def owner_id(event: Owner | None) -> int | None:
    return event.id if event is not None else None


def owner_of(row: Person | Organization) -> Owner | None:
    """The event a person or organization belongs to, as these functions take it."""
    return _EventRef(row.event_id) if row.event_id is not None else None


def owned_by(model, event_id: int | None):
    """The SQL condition: rows of ``model`` (Person or Organization) belonging to this event."""
    return model.event_id.is_(None) if event_id is None else model.event_id == event_id


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
        return _normalised(value)
    except EmailNotValidError:
        raise ServiceError("bad_email", _("“%(value)s” is not a valid e-mail address.", value=value),
                           field=field) from None


def address_or_none(value: str | None) -> str | None:
    """``normalise_email``'s address, or None where it would refuse. Nothing is translated: a
    rate limit counting on its own connection before the request's first query calls this
    (a message would pick the signed-in user's language, and that query would start the request's
    transaction first, IMMEDIATE on SQLite, locking out the count's)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return _normalised(value)
    except EmailNotValidError:
        return None


@lru_cache(maxsize=50_000)
def _normalised(value: str) -> str:
    """The address checked once (an import checks a row, then finds its person): refusals raise,
    and are not remembered."""
    return validate_email(value, check_deliverability=False).normalized.lower()


def normalise_name(value: str | None, field: str = "name", *, max_length: int = 200) -> str:
    """The name on one line: control characters (a CR/LF would reach mail headers) become spaces."""
    value = clean_line(value or "")
    if not value:
        raise ServiceError("name_required", _("Enter the name."), field=field)
    return _within(value, field, max_length)


def _optional(value: str | None, field: str, max_length: int) -> str | None:
    value = clean_line(value or "")
    return _within(value, field, max_length) if value else None


def _within(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise ServiceError("too_long", ngettext("Keep this to %(n)d character or fewer.",
                                                     "Keep this to %(n)d characters or fewer.", max_length, n=max_length), field=field)
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
    """Organizations by name key (models.name_key: case-folded), local name and case-folded short
    name; the oldest wins."""

    def __init__(self, organizations: Iterable[Organization] = ()):
        self.by_name: dict[str, Organization] = {}
        self.by_local: dict[str, Organization] = {}
        self.by_short: dict[str, Organization] = {}
        for org in sorted(organizations, key=lambda o: o.id):
            self.add(org)

    def add(self, org: Organization) -> None:
        self.by_name.setdefault(name_key(org.name), org)
        if org.name_local:
            self.by_local.setdefault(org.name_local, org)
        if org.short_name:
            self.by_short.setdefault(name_key(org.short_name), org)

    def find(self, name: str, name_local: str | None) -> Organization | None:
        """The name as a name, a local name or a short name first; then the local name given."""
        found = (self.by_name.get(name_key(name)) or self.by_local.get(name)
                 or self.by_short.get(name_key(name)))
        if found is None and name_local:
            found = self.by_local.get(name_local) or self.by_name.get(name_key(name_local))
        return found


def _candidates(event_id: int | None, texts: Iterable[str]) -> list[Organization]:
    """Every organization of the event whose name, local name or short name is one of these texts."""
    texts = sorted({t for t in texts if t})
    found: dict[int, Organization] = {}
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start:start + CHUNK]
        keys = sorted({name_key(t) for t in chunk})
        for org in db.session.scalars(select(Organization).where(owned_by(Organization, event_id), or_(
                Organization.name_key.in_(keys), Organization.name_local.in_(chunk),
                func.lower(Organization.short_name).in_(keys)))):
            found[org.id] = org
    return list(found.values())


def _organization_names(name: str | None, name_local: str | None) -> tuple[str, str | None]:
    """(name, local name) trimmed; a local name alone is the name too."""
    name_local = _optional(name_local, "organization_local", 300)
    name = _optional(name, "organization", 300) or name_local
    if not name:
        raise ServiceError("organization_required", _("Give the organization's name."), field="organization")
    return name, name_local


def find_organization(event: Owner | None, name: str, name_local: str | None = None, *,
                      exclude_id: int | None = None) -> Organization | None:
    """An organization of the event by its name (any case), local name or short name, else by the
    local name given; ``exclude_id`` leaves one out (is another organization named so?)."""
    return _find_organization(owner_id(event), name, name_local, exclude_id=exclude_id)


def _find_organization(event_id: int | None, name: str, name_local: str | None = None, *,
                       exclude_id: int | None = None) -> Organization | None:
    name, name_local = _organization_names(name, name_local)
    candidates = [o for o in _candidates(event_id, [name, name_local]) if o.id != exclude_id]
    return _OrganizationIndex(candidates).find(name, name_local)


def find_or_create_organization(event: Owner | None, name: str | None,
                                name_local: str | None = None) -> Organization:
    """The event's organization so named, created once; a local name it lacks is filled in.

    ``name`` may be empty when ``name_local`` is given: the local name is then the name too.
    """
    return _find_or_create_organizations(owner_id(event), [(name, name_local)])[0]


def find_or_create_organizations(event: Owner | None,
                                 names: Sequence[tuple[str | None, str | None]]) -> list[Organization]:
    """Many at once (imports): the event's organization of each (name, name_local) pair, in order,
    in a few statements; pairs naming the same new organization get the one created."""
    return _find_or_create_organizations(owner_id(event), names)


def _find_or_create_organizations(event_id: int | None,
                                  names: Sequence[tuple[str | None, str | None]]) -> list[Organization]:
    wanted = [_organization_names(name, name_local) for name, name_local in names]
    distinct = list(dict.fromkeys(wanted))
    texts = [text for pair in distinct for text in pair if text]
    index = _OrganizationIndex(_candidates(event_id, texts))
    for pair in distinct:
        _fill_in(index.find(*pair), *pair, index)
    planned, rows = _OrganizationIndex(), []
    for name, name_local in distinct:  # after filling in: a local name alone may now find one
        if index.find(name, name_local) is None and planned.find(name, name_local) is None:
            planned.add(Organization(name=name, name_local=name_local))  # a stand-in, never added
            rows.append({"event_id": event_id, "name": name, "name_key": name_key(name), "name_local": name_local})
    if rows:
        rows.sort(key=lambda row: name_key(row["name"]))  # the same order in every transaction: no deadlock
        if not _insert_rows(Organization, rows):
            # another request created some of them since we looked: again one at a time, each
            # finding what the other wrote
            found = {pair: _find_or_create_one(event_id, *pair)
                     for pair in sorted(distinct, key=lambda p: name_key(p[0]))}
            return [found[pair] for pair in wanted]
        index = _OrganizationIndex(_candidates(event_id, texts))
    found = {pair: index.find(*pair) for pair in distinct}
    return [found[pair] for pair in wanted]


def _fill_in(org: Organization | None, name: str, name_local: str | None,
             index: _OrganizationIndex | None = None) -> None:
    """Give a known organization the name in the other script that it lacked, never replacing one
    it has (local_name_clash finds those for imports to refuse):

    - known in English only, told its Chinese name too: the Chinese name is kept beside it;
    - known by its Chinese name only (its name was that Chinese name), told a Latin name too: the
      Latin name becomes its name, the Chinese one its local name.
    """
    if org is None or not name_local or org.name_local:
        return
    if (name != name_local and name_key(org.name) == name_key(name_local)
            and name_key(name) != name_key(org.short_name or "")):
        org.name = name  # no other organization of the event has this name: it would have been found
    org.name_local = name_local
    if index is not None:
        index.add(org)


@dataclass(frozen=True)
class LocalNameClash:
    """A (name, Chinese name) pair that finds ``organization`` with a Chinese name not its own."""

    organization: Organization
    #: the Chinese name given
    given: str
    #: the other organization of the event that has the Chinese name given, if one does
    owner: Organization | None = None


def local_name_clash(event: Owner | None, name: str | None, name_local: str | None) -> LocalNameClash | None:
    """Whether a Chinese name given with a name contradicts the organization the name finds: it
    has another Chinese name, or another organization of the event is called so.

    ``find_or_create_organization`` keeps the stored names in that case (an import of a typo
    must not rename an organization its other pages and certificates show); imports ask this
    first and refuse the row with a sentence, so the organizer corrects the file or the
    organization on purpose."""
    name, name_local = _organization_names(name, name_local)
    if not name_local or name == name_local:
        return None
    index = _OrganizationIndex(_candidates(owner_id(event), [name, name_local]))
    org = index.find(name, name_local)
    if org is None:
        return None
    if org.name_local and org.name_local != name_local:
        return LocalNameClash(org, name_local)
    owner = index.by_local.get(name_local) or index.by_name.get(name_key(name_local))
    if owner is not None and owner.id != org.id:
        return LocalNameClash(org, name_local, owner)
    return None


def _find_or_create_one(event_id: int | None, name: str, name_local: str | None) -> Organization:
    org = _find_organization(event_id, name, name_local)
    if org is None:  # we insert it, or another request did
        _insert_rows(Organization, [{"event_id": event_id, "name": name, "name_key": name_key(name),
                                     "name_local": name_local}])
        org = _find_organization(event_id, name, name_local)
        if org is None:
            raise ServiceError("organization_conflict", _("Try again: the organization changed meanwhile."),
                               field="organization")
    _fill_in(org, name, name_local)
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

def _people_by_email(event_id: int | None, emails: Iterable[str]) -> dict[str, Person]:
    emails = sorted(set(emails))
    found = {}
    for start in range(0, len(emails), CHUNK):
        found.update((p.email, p) for p in db.session.scalars(select(Person).where(
            owned_by(Person, event_id), Person.email.in_(emails[start:start + CHUNK]))))
    return found


def email_taken(event: Owner | None, email: str | None, *, exclude_id: int | None = None) -> bool:
    """Is this address another person's at this event (or in the directory)?"""
    if not email:
        return False
    person = _people_by_email(owner_id(event), [email]).get(email)
    return person is not None and person.id != exclude_id


def _org_key(details: PersonDetails) -> tuple[str, str | None] | None:
    if not (details.organization or details.organization_local):
        return None
    return _organization_names(details.organization, details.organization_local)


def _organization_of(event_id: int | None, details: PersonDetails) -> Organization | None:
    key = _org_key(details)
    return _find_or_create_organizations(event_id, [key])[0] if key else None


def _apply(person: Person, details: PersonDetails, organization: Organization | None) -> None:
    person.name = details.name
    person.name_local = details.name_local
    person.position = details.position
    person.phone = details.phone
    person.language = details.language
    if details.organization is not None or details.organization_local:
        person.organization = organization


def _person_row(event_id: int | None, details: PersonDetails, organization: Organization | None) -> dict:
    return {"event_id": event_id, "email": details.email, "name": details.name, "name_local": details.name_local,
            "position": details.position, "phone": details.phone, "language": details.language,
            "organization_id": organization.id if organization else None}


def apply_details(person: Person, details: PersonDetails) -> None:
    """A change of a person's details (portal, forms): every field is replaced; the e-mail stays.
    The organization named is one of the person's own event."""
    details = check_details(replace(details, email=None))
    _apply(person, details, _organization_of(person.event_id, details))


def _require_email(details: PersonDetails) -> PersonDetails:
    details = check_details(details)
    if not details.email:
        normalise_email(None)  # raises email_required
    return details


def _person_with(event_id: int | None, email: str) -> Person:
    """The person just created with this address, by us or by another request."""
    person = _people_by_email(event_id, [email]).get(email)
    if person is None:
        raise ServiceError("person_conflict", _("Try again: this person changed meanwhile."), field="email")
    return person


#: built once per dialect, the row given as parameters (every registration runs it)
_INSERT_PERSON = {name: dialect.insert(Person.__table__).on_conflict_do_nothing().returning(*every_column(Person))
                  for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def _insert_person(row: dict) -> Person | None:
    """A new person in one statement (INSERT … ON CONFLICT DO NOTHING RETURNING, no savepoint);
    None when the address is already the event's: another request inserted it meanwhile."""
    return inserted(Person, _INSERT_PERSON[db.session.get_bind().dialect.name], row)


def find_or_create_person(event: Owner | None, details: PersonDetails, *, update: bool = False) -> Person:
    """The event's person with this e-mail, created if new; ``update`` applies the details to one
    we knew. Another event's guest with this address is not looked at."""
    return _find_or_create_person(owner_id(event), details, update=update)[0]


def find_or_create_person_new(event: Owner | None, details: PersonDetails) -> tuple[Person, bool]:
    """``find_or_create_person``, and whether the person was created now: a new person has
    nothing stored yet (no registration, invitation or answers to look up)."""
    return _find_or_create_person(owner_id(event), details)


def _find_or_create_person(event_id: int | None, details: PersonDetails, *,
                           update: bool = False) -> tuple[Person, bool]:
    details = _require_email(details)
    if not update and _org_key(details) is None:
        # no organization to find or create first: try the insert at once (one statement
        # for a new person); the address already known inserts nothing and is read below
        person = _insert_person(_person_row(event_id, details, None))
        if person is not None:
            return person, True
        return _person_with(event_id, details.email), False
    person = _people_by_email(event_id, [details.email]).get(details.email)
    if person is None:
        person = _insert_person(_person_row(event_id, details, _organization_of(event_id, details)))
        if person is not None:
            return person, True
        person = _person_with(event_id, details.email)  # another request created them meanwhile
    if update:
        _apply(person, details, _organization_of(event_id, details))
    return person, False


def find_or_create_people(event: Owner | None, details: Iterable[PersonDetails], *,
                          update: bool = False) -> dict[str, Person]:
    """Many at once (imports): {email: the event's person}, in a few statements whatever the
    number of rows. The first row of an address wins; ``update`` applies the details to the
    people we knew.
    """
    event_id = owner_id(event)
    rows: dict[str, PersonDetails] = {}
    for row in details:
        row = _require_email(row)
        rows.setdefault(row.email, row)
    people = _people_by_email(event_id, rows)
    touched = [row for email, row in rows.items() if update or email not in people]
    keys = [key for key in map(_org_key, touched) if key]
    organizations = dict(zip(keys, _find_or_create_organizations(event_id, keys), strict=True))

    def organization(row: PersonDetails) -> Organization | None:
        key = _org_key(row)
        return organizations[key] if key else None

    new = [row for row in touched if row.email not in people]
    for row in touched:
        if row.email in people:
            _apply(people[row.email], row, organization(row))
    if new:
        new.sort(key=lambda row: row.email)  # the same order in every transaction: no deadlock
        if not _insert_rows(Person, [_person_row(event_id, row, organization(row)) for row in new]):
            # someone registered one of these addresses meanwhile: one at a time, each finding theirs
            return {email: _find_or_create_person(event_id, rows[email], update=update)[0] for email in sorted(rows)}
        people.update(_people_by_email(event_id, (row.email for row in new)))
    return people


def email_taken_error() -> ServiceError:
    return ServiceError("email_taken", _("Another person has this e-mail address."), field="email")


def add_person(event: Owner | None, details: PersonDetails) -> Person:
    """A new person of the event, without looking for one (people known by name only, or created
    by an organizer); refused when the address is someone's already at this event."""
    event_id = owner_id(event)
    details = check_details(details)
    if email_taken(event, details.email):
        raise email_taken_error()
    person = Person(**_person_row(event_id, details, _organization_of(event_id, details)))
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        raise email_taken_error() from None
    return person


# --- the next edition -------------------------------------------------------------------------

def carry_organization(event: Owner, org: Organization) -> Organization:
    """The event's copy of another event's organization (the next edition): the one of that name
    if it has one, else a new row with the same details."""
    found = _find_organization(event.id, org.name, org.name_local)
    if found is not None:
        return found
    copy = Organization(event_id=event.id, **{k: getattr(org, k) for k in ORGANIZATION_COPIED})
    db.session.add(copy)
    return copy


def carry_person(event: Owner, person: Person, organizations: dict[int, Organization] | None = None) -> Person:
    """The event's copy of another event's person (the next edition), with their organization;
    the event's person with the same address if there is one. ``organizations`` remembers the
    copies made ({source id: copy}) across calls."""
    organizations = {} if organizations is None else organizations
    if person.email:
        found = _people_by_email(event.id, [person.email]).get(person.email)
        if found is not None:
            return found
    org = None
    if person.organization is not None:
        if person.organization_id not in organizations:
            organizations[person.organization_id] = carry_organization(event, person.organization)
        org = organizations[person.organization_id]
    copy = Person(event_id=event.id, organization=org, **{k: getattr(person, k) for k in PERSON_COPIED})
    db.session.add(copy)
    return copy
