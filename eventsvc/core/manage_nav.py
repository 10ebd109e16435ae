"""The organizer's tabs for one event, shared by every capability's pages.

A tab appears only if its capability registered the endpoint, and is current when
the request's endpoint starts with one of its prefixes.
"""

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

TABS = [
    ("manage.event_overview", _l("Overview"), ("manage.event_overview",)),
    ("agenda.overview", _l("Agenda"), ("agenda.",)),
    ("manage.rooms", _l("Rooms"), ("manage.room",)),
    ("registration_manage.invitations", _l("Invitations"), ("registration_manage.invitation",)),
    ("registration_manage.registrations", _l("Registrations"), ("registration_manage.registration",)),
    ("registration_manage.categories", _l("Categories"), ("registration_manage.categor",)),
    ("badges.badge_list", _l("Badges"), ("badges.",)),
    ("awards.programs", _l("Awards"), ("awards.",)),
    ("checkin.arrivals", _l("Arrivals"), ("checkin.arrivals",)),
    ("checkin.scanner", _l("Scanner"), ("checkin.scanner", "checkin.walk_in")),
    ("manage.event_edit", _l("Event settings"), ("manage.event_edit", "manage.event_copy")),
    ("registration_manage.settings", _l("Registration settings"), ("registration_manage.settings",)),
]


def manage_tabs(event) -> list[tuple[str, str, bool]]:
    endpoint = request.endpoint or ""
    known = current_app.view_functions
    return [(url_for(name, slug=event.slug), label, endpoint.startswith(prefixes))
            for name, label, prefixes in TABS if name in known]
