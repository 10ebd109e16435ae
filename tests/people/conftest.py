"""The agenda tests' fixtures serve the people tests too; and two bare events to own people."""

from datetime import date

import pytest

from eventsvc.events.models import Event
from eventsvc.extensions import db
from tests.events.conftest import demo_ids  # noqa: F401


def _event(slug: str) -> Event:
    event = Event(slug=slug, title=slug.title(), start_date=date(2024, 4, 1), end_date=date(2024, 4, 1),
                  timezone="Asia/Shanghai")
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def forum(app_ctx):
    """An event whose people the identity tests find and create."""
    return _event("forum-a")


@pytest.fixture
def other_forum(app_ctx):
    """A second event, to show that one event's people are not another's."""
    return _event("forum-b")
