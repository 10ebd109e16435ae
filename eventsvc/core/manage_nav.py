"""The organizer's tabs for one event, shared by every capability's pages.

Core owns the list and knows no capability: each capability adds its tabs when its
organizer views are imported, with a position that orders them left to right::

    add_tab("badges.badge_list", _l("Badges"), ("badges.",), position=70)

Today: Overview 10, Agenda 20, People 25, Rooms 30 (events); Invitations 40, Registrations 50,
Categories 60, Questions 65 (registration); Badges 70; Awards 80; Arrivals 90, Scanner 100 (checkin);
Event settings 110, Team 115 (events); Registration settings 120, E-mails 125, Outbox 127
(registration); Webhooks 128; Audit trail 130 (events).

A tab appears only if its endpoint is registered in the app, and is current when the
request's endpoint starts with one of its prefixes.
"""

from typing import NamedTuple

from flask import current_app, request, url_for


class Tab(NamedTuple):
    position: int
    endpoint: str
    label: str  # a lazy string: translated when the page is drawn
    prefixes: tuple[str, ...]


#: every tab, kept ordered by position
TABS: list[Tab] = []


def add_tab(endpoint: str, label, prefixes: tuple[str, ...], *, position: int) -> None:
    if any(tab.endpoint == endpoint for tab in TABS):
        raise ValueError(f"tab {endpoint!r} is added twice")
    TABS.append(Tab(position, endpoint, label, prefixes))
    TABS.sort(key=lambda tab: tab.position)


def manage_tabs(event) -> list[tuple[str, str, bool]]:
    endpoint = request.endpoint or ""
    known = current_app.view_functions
    return [(url_for(tab.endpoint, slug=event.slug), tab.label, endpoint.startswith(tab.prefixes))
            for tab in TABS if tab.endpoint in known]
