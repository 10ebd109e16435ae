"""Registration fixtures: the mail fixtures, an open event, and helpers to read guest links."""

import re

import pytest

from tests.mail.conftest import send_outbox, smtp_server  # noqa: F401 (fixtures)
from tests.registration.fixtures import open_event  # noqa: F401 (fixture)

LINK = re.compile(r"http://127\.0\.0\.1[^\s\"<]*/g/([A-Za-z0-9_-]+)")


def link_token(text: str) -> str:
    match = LINK.search(text)
    assert match, f"no guest link in {text!r}"
    return match.group(1)


@pytest.fixture
def organizer(app, make_user, open_event):  # noqa: F811 (the fixture imported above)
    """An organizer signed in at the open event: (client, slug)."""
    from tests.support.web import login

    slug = open_event()
    make_user("org@example.org", "organizer-password-1", event_slug=slug, role="organizer")
    client = app.test_client()
    assert login(client, "org@example.org", "organizer-password-1").status_code == 302
    return client, slug
