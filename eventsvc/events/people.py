"""An event's people as its organizers pick them: each with who they are to this event.

Pickers (the agenda's speaker picker, the award recipient and presenter pickers) list only the
event's own people (people.models: a person belongs to one event), each with their organization
and what the event knows them as, so that two guests of one name are told apart: the guest's
category where registration has one (``PERSON_LABELERS``, which registration fills), else their
role on stage.
"""

from collections.abc import Callable

from sqlalchemy import select

from eventsvc.core.i18n import local
from eventsvc.events.labels import ROLE_LABELS
from eventsvc.events.models import AgendaItem, Event, Participation, SpeechRecord
from eventsvc.extensions import db
from eventsvc.people.models import Person

#: ``labeler(event, person_ids) -> {person_id: label}``: what the event knows its people as; the
#: first labeler that names someone wins (registration: the guest's category)
PERSON_LABELERS: list[Callable[[Event, list[int]], dict[int, str]]] = []


def labels_people(labeler: Callable[[Event, list[int]], dict[int, str]]):
    """Decorator: ``describe`` asks ``labeler`` before the roles on stage."""
    PERSON_LABELERS.append(labeler)
    return labeler


def stage_roles(event: Event, person_ids: list[int]) -> dict[int, str]:
    """Each person's first role on the event's stage (a speech counts as speaker)."""
    if not person_ids:
        return {}
    roles: dict[int, str] = {}
    rows = db.session.execute(
        select(Participation.person_id, Participation.role).join(AgendaItem)
        .where(AgendaItem.event_id == event.id, Participation.person_id.in_(person_ids))
        .order_by(AgendaItem.starts_at, Participation.position, Participation.id))
    for person_id, role in rows:
        roles.setdefault(person_id, str(ROLE_LABELS.get(role.value, role.value)))
    speakers = db.session.scalars(
        select(SpeechRecord.speaker_id).join(AgendaItem)
        .where(AgendaItem.event_id == event.id, SpeechRecord.speaker_id.in_(person_ids)))
    for person_id in speakers:
        roles.setdefault(person_id, str(ROLE_LABELS["speaker"]))
    return roles


def describe(event: Event, people: list[Person]) -> list[Person]:
    """The people, each given ``category``: what this event knows them as (or None)."""
    ids = [p.id for p in people]
    labels: dict[int, str] = {}
    for labeler in [*PERSON_LABELERS, stage_roles]:
        missing = [i for i in ids if i not in labels]
        if not missing:
            break
        for person_id, label in labeler(event, missing).items():
            labels.setdefault(person_id, label)
    for person in people:
        person.category = labels.get(person.id)
    return people


def picker_label(person: Person) -> str:
    """"Wang Wei · 王伟 — Gold Star Charging · VIP": enough to tell namesakes apart."""
    name = " · ".join(x for x in (person.name, person.name_local) if x)
    org = person.organization
    about = [org.short_name or local(org, "name") if org else None, getattr(person, "category", None)]
    about = [x for x in about if x]
    return f"{name} — {' · '.join(about)}" if about else name
