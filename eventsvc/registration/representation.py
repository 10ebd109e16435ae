"""Which organization a guest represents at an event.

Only the organizer says so (never the organization a guest typed into a form): the guest
portal shows an organization's certificates to its representatives alone. The link belongs
to the registration, so it holds for one event; the award pages set and remove it.
"""

from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from eventsvc.audit.service import record
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.registration.models import Registration, organization_representatives
from eventsvc.registration.transitions import ACTIVE  # representatives are guests still coming

_links = organization_representatives.c


def _with_person():
    return selectinload(Registration.person).selectinload(Person.organization)


def representatives(event_id: int, organization_id: int) -> list[Registration]:
    """The guests the organizer linked to this organization at this event, by name."""
    return list(db.session.scalars(
        select(Registration).join(organization_representatives, _links.registration_id == Registration.id)
        .join(Registration.person)
        .where(Registration.event_id == event_id, _links.organization_id == organization_id)
        .options(_with_person()).order_by(Person.name, Registration.id)))


def counts(event_id: int) -> dict[int, int]:
    """How many representatives each organization has at this event (one query)."""
    return dict(db.session.execute(
        select(_links.organization_id, func.count())
        .join(Registration, _links.registration_id == Registration.id)
        .where(Registration.event_id == event_id).group_by(_links.organization_id)).all())


def candidates(event_id: int, organization_id: int) -> list[Registration]:
    """Guests of this event who may be named: those who gave this organization first, then by name."""
    named = exists().where(_links.registration_id == Registration.id, _links.organization_id == organization_id)
    same = case((Person.organization_id == organization_id, 0), else_=1)
    return list(db.session.scalars(
        select(Registration).join(Registration.person)
        .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE), ~named)
        .options(_with_person()).order_by(same, Person.name, Registration.id)))


def set_representation(registration: Registration, organization: Organization | None) -> bool:
    """Name the guest a representative of the organization here (None: no longer). A guest
    represents one organization at a time. False when it already was so: nothing changed."""
    previous = registration.represents_organization
    if previous is organization:
        return False
    if organization is not None and registration.status not in ACTIVE:
        raise ServiceError("not_active", _("%(name)s is not coming to this event: they cannot represent "
                                           "an organization here.", name=registration.person.name),
                           field="registration_id")
    registration.represents_organization = organization
    record("registration.representation_changed", event_id=registration.event_id, obj=registration,
           organization_id=organization.id if organization else None,
           previous_organization_id=previous.id if previous else None)
    return True
