"""The figures on an event's overview page for organizers (/manage/e/<slug>).

Events shows its own (sessions, rooms, clashes); other capabilities add theirs with
``@overview_figures`` on a function ``(event) -> list[Figure]``, at import time
(registration: invitations and confirmed guests, in registration/lists.py). They follow
events' own, in the order they were added; events imports none of them.
"""

from collections.abc import Callable
from typing import NamedTuple

from eventsvc.events.models import Event


class Figure(NamedTuple):
    label: str
    value: int
    #: where the figure links to, if anywhere
    url: str | None = None
    #: shown small after the value, as in "37 / 100"
    out_of: int | None = None


OVERVIEW_FIGURES: list[Callable[[Event], list[Figure]]] = []


def overview_figures(contributor: Callable[[Event], list[Figure]]) -> Callable[[Event], list[Figure]]:
    OVERVIEW_FIGURES.append(contributor)
    return contributor
