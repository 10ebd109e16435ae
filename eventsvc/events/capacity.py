"""Changing an event's places or a session's seats: a registry the registration capability fills.

Capacity belongs to the registration lifecycle (who is confirmed, who is promoted when
places are added, why a capacity cannot go below the guests already confirmed), which
sits above events. The event and agenda services call these two functions; registration
registers its rules at import time (``registration/lifecycle.py``). Until it has, a plain
assignment is used (an app without registration has nobody to promote).
"""

from collections.abc import Callable

#: "event": f(event, capacity) and "session": f(agenda_item, capacity), filled by registration
HANDLERS: dict[str, Callable] = {}


def change_event_capacity(event, capacity: int | None) -> list:
    """Set the event's places; the guests promoted from the waitlist as a result (none without a handler)."""
    if capacity == event.capacity:
        return []
    handler = HANDLERS.get("event")
    if handler is None:
        event.capacity = capacity
        return []
    return handler(event, capacity) or []


def change_session_capacity(item, capacity: int | None) -> None:
    if capacity == item.capacity:
        return
    handler = HANDLERS.get("session")
    if handler is None or item.id is None:
        item.capacity = capacity
    else:
        handler(item, capacity)
