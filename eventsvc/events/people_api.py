"""JSON API: an event's own people and organizations (/api/v1/events/<slug>/people, /organizations).

Organizers of the event list, search, create, change and delete them; its staff read them;
anyone else gets 404, as if the event's people did not exist. The routes are people.api's, the
same ones the administrators' site-wide directory has; people of the event are described with
what the event knows them as (events.people), for pickers to tell namesakes apart.
"""

from flask_smorest import Blueprint

from eventsvc.events import people
from eventsvc.events.permissions import ORGANIZER, STAFF, event_for_role
from eventsvc.people.api import add_people_routes

blp = Blueprint("event_people_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="An event's own people (guests, speakers, recipients, presenters) and organizations")


def _reader(slug: str, **_url):
    return event_for_role(slug, STAFF, hide_from_outsiders=True)


def _writer(slug: str, **_url):
    return event_for_role(slug, ORGANIZER, hide_from_outsiders=True)


add_people_routes(blp, reader=_reader, writer=_writer, describe=people.describe)
