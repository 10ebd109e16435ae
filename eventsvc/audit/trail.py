"""Reading one event's audit trail: entries newest first, filtered by kind and by person, and
whom each entry is about, in a fixed number of queries whatever the page's length.

An entry names the row it is about (``object_type``, ``object_id``), not a person: audit knows
no capability. So the capabilities say, for the rows they own, which person such a row is
about (``subject_people``): a registration its guest, an invitation its invitee, a check-in the
guest scanned, an award its recipient. The trail asks them once per kind of row on a page.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Select, false, func, or_, select

from eventsvc.audit.models import AuditEvent
from eventsvc.extensions import db

#: object_type -> a Select of two columns (object id, person id): whom such an entry is about;
#: filled by the capabilities that own the rows
SUBJECT_PEOPLE: dict[str, Callable[[], Select]] = {}


def subject_people(object_type: str):
    """Decorator: ``query()`` returns (object id, person id) for every ``object_type`` row."""

    def register(query: Callable[[], Select]):
        SUBJECT_PEOPLE[object_type] = query
        return query

    return register


def kind_of(action: str) -> str:
    """An action's kind: what comes before its first dot ("registration.confirmed": registration)."""
    return action.split(".", 1)[0]


@dataclass(frozen=True)
class TrailFilter:
    #: an action kind ("registration"), or None for all
    kind: str | None = None
    #: actors: a Select of user ids, or None for anyone
    users: Select | None = None
    #: subjects: a Select of person ids, or None for anyone
    people: Select | None = None


def kinds(event_id: int) -> list[str]:
    """The kinds of action the event's trail holds, for the filter's choices."""
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.event_id == event_id).distinct())
    return sorted({kind_of(action) for action in actions})


def _filtered(event_id: int, where: TrailFilter) -> Select:
    query = select(AuditEvent).where(AuditEvent.event_id == event_id)
    if where.kind:
        query = query.where(or_(AuditEvent.action == where.kind, AuditEvent.action.like(f"{where.kind}.%")))
    if where.users is not None or where.people is not None:
        about = []
        if where.users is not None:
            about.append(AuditEvent.user_id.in_(where.users.scalar_subquery()))
        if where.people is not None:
            people = where.people.scalar_subquery()
            for object_type, query_of in SUBJECT_PEOPLE.items():
                pairs = query_of().subquery()
                object_ids = select(pairs.c[0]).where(pairs.c[1].in_(people))
                about.append((AuditEvent.object_type == object_type) & AuditEvent.object_id.in_(object_ids))
        query = query.where(or_(*about) if about else false())
    return query


def page(event_id: int, where: TrailFilter, *, number: int, size: int) -> tuple[list[AuditEvent], bool]:
    """Page ``number`` (from 1) of the matching entries, newest first, and whether more follow."""
    rows = list(db.session.scalars(_filtered(event_id, where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .offset((number - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


def count(event_id: int, where: TrailFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(_filtered(event_id, where).subquery())) or 0


def all_entries(event_id: int, where: TrailFilter, *, chunk: int = 1000) -> Iterable[list[AuditEvent]]:
    """Every matching entry, newest first, in lists of ``chunk`` (an export's rows)."""
    query = _filtered(event_id, where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    offset = 0
    while rows := list(db.session.scalars(query.offset(offset).limit(chunk))):
        yield rows
        offset += len(rows)
        if len(rows) < chunk:
            break


def subjects(entries: list[AuditEvent]) -> dict[int, int]:
    """{entry id: person id} for the entries about a person: one query per kind of row present."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_type in SUBJECT_PEOPLE and entry.object_id is not None:
            wanted[entry.object_type].add(entry.object_id)
    person_of: dict[tuple[str, int], int] = {}
    for object_type, ids in wanted.items():
        pairs = SUBJECT_PEOPLE[object_type]().subquery()
        for object_id, person_id in db.session.execute(select(pairs).where(pairs.c[0].in_(ids))):
            if person_id is not None:
                person_of[(object_type, object_id)] = person_id
    return {entry.id: person_of[(entry.object_type, entry.object_id)] for entry in entries
            if (entry.object_type, entry.object_id) in person_of}
