"""The values of a guest e-mail's placeholders (``eventsvc.mail.wording``), in the guest's language.

Every message a guest gets is filled from here, so that the preview shows what the guest
will read: the same names, dates and links, only the link is an example one (a preview
must not hand out a guest's key).
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import func, select

from eventsvc.core.i18n import format_date_range, format_event_datetime, format_event_time, local
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.mail.service import public_url, queue_once
from eventsvc.people.models import Person
from eventsvc.registration.links import issue_link, portal_url
from eventsvc.registration.models import Registration


def guest_values(event: Event, person: Person, language: str, link: str, *, events: dict | None = None,
                 **extra) -> dict[str, str]:
    """The common placeholders (name, title, dates, venue, personal link) plus ``extra``.

    ``events``: a dict remembering the event's own values per language, for many guests at once."""
    slot = (event.id, language)
    if events is None or slot not in events:
        with force_locale(language):
            common = {
                "event_title": local(event, "title", language),
                "event_dates": format_date_range(event.start_date, event.end_date),
                "venue": local(event, "venue", language) or local(event, "city", language) or "—",
            }
        if events is None:
            events = {}
        events[slot] = common
    values = {"guest_name": local(person, "name", language), **events[slot], "portal_link": link,
              "badge_link": f"{link}/badge"}
    values.update({key: "" if value is None else str(value) for key, value in extra.items()})
    return values


def tell_guest(registration: Registration, kind: str, *, dedupe_key: str, **extra) -> bool:
    """Queue one guest e-mail of ``kind`` with a fresh portal link, at most once per ``dedupe_key``.

    An ``extra`` value starting with "/" is a page under the guest's link (``certificate_link=
    "/certificates/7.pdf"``). Whether it was queued (not when the guest has no address, or
    when this key went out already).
    """
    person = registration.person
    if not person.email:
        return False
    link = portal_url(issue_link(registration))
    values = guest_values(registration.event, person, registration.language, link,
                          **{key: (link + value if value.startswith("/") else value) for key, value in extra.items()})
    return queue_once(dedupe_key, kind=kind, to_address=person.email, to_name=person.name,
                      language=registration.language, event_id=registration.event_id, values=values) is not None


def example_link() -> str:
    return public_url("/g/example-personal-link")


def first_day_agenda(event: Event, language: str) -> str:
    """The agenda of the event's first day, a line per session ("09:00 Opening plenary"), in one query."""
    first = db.session.scalar(select(func.min(AgendaItem.starts_at)).where(AgendaItem.event_id == event.id))
    if first is None:
        return ""
    zone = ZoneInfo(event.timezone)
    day = (first if first.tzinfo else first.replace(tzinfo=ZoneInfo("UTC"))).astimezone(zone).date()
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)
                               .order_by(AgendaItem.starts_at, AgendaItem.id)).all()
    with force_locale(language):
        return "\n".join(f"{format_event_time(item.starts_at, event.timezone)} {local(item, 'title', language)}"
                         for item in items if _day(item.starts_at, zone) == day)


def _day(moment: datetime, zone: ZoneInfo):
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))).astimezone(zone).date()


def event_start_text(starts: datetime, event: Event, language: str) -> str:
    with force_locale(language):
        return format_event_datetime(starts, event.timezone)


def event_starts_at(event: Event) -> datetime:
    """When the event begins: its first agenda item, else its first day's midnight where it takes place."""
    first = db.session.scalar(select(func.min(AgendaItem.starts_at)).where(AgendaItem.event_id == event.id))
    if first is not None:
        return first if first.tzinfo else first.replace(tzinfo=ZoneInfo("UTC"))
    return datetime.combine(event.start_date, time(0), ZoneInfo(event.timezone))
