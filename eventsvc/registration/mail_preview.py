"""The preview of a guest e-mail: a real guest of the event picked by the organizer (or the first).

Values come from ``mail_values`` as for the real message; only the link is an example one.
"""

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsvc.core.i18n import local
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.invitations import fill_placeholders
from eventsvc.registration.mail_values import (
    event_start_text,
    event_starts_at,
    example_link,
    first_day_agenda,
    guest_values,
)
from eventsvc.registration.models import Invitation, Registration


@dataclass
class PreviewGuest:
    """A guest of the event a preview can be written for: their registration or invitation."""

    person: Person
    registration: Registration | None
    invitation: Invitation | None


#: guests offered in the preview's picker
PREVIEW_CHOICES = 200


def preview_guests(event: Event) -> list[PreviewGuest]:
    """The event's guests (registered first, then invited), for the preview's picker, in two queries."""
    guests: dict[int, PreviewGuest] = {}
    for registration in db.session.scalars(
            select(Registration).where(Registration.event_id == event.id).options(
                selectinload(Registration.person), selectinload(Registration.invitation))
            .order_by(Registration.id).limit(PREVIEW_CHOICES)):
        guests[registration.person_id] = PreviewGuest(registration.person, registration, registration.invitation)
    if len(guests) < PREVIEW_CHOICES:
        for invitation in db.session.scalars(
                select(Invitation).where(Invitation.event_id == event.id).options(
                    selectinload(Invitation.person), selectinload(Invitation.category))
                .order_by(Invitation.id).limit(PREVIEW_CHOICES)):
            guests.setdefault(invitation.person_id, PreviewGuest(invitation.person, None, invitation))
    return list(guests.values())[:PREVIEW_CHOICES]


def preview_values(event: Event, kind: str, language: str, guest: PreviewGuest | None) -> dict[str, str]:
    """The placeholders of ``kind`` for this guest (an example guest when the event has none yet)."""
    if guest:
        person = guest.person
    else:
        with force_locale(language):  # the example guest is named in the message's language
            person = Person(name=_("Guest name"))
    link = example_link()
    invitation = guest.invitation if guest else None
    session = db.session.scalar(select(AgendaItem).where(AgendaItem.event_id == event.id)
                                .order_by(AgendaItem.requires_registration.desc(), AgendaItem.starts_at)
                                .limit(1))
    return guest_values(
        event, person, language, link,
        personal_message=fill_placeholders(invitation.message, invitation) if invitation else "",
        session_title=local(session, "title", language) if session else "",
        event_start=event_start_text(event_starts_at(event), event, language),
        agenda=first_day_agenda(event, language),
        certificate_link=f"{link}/certificate")
