"""Fixtures of the badge tests."""

import pytest

from eventsvc.core.tokens import hash_token
from eventsvc.extensions import db
from tests.badges.reading import PrintedPdf, registration_of


@pytest.fixture
def printed(tmp_path):
    return lambda data: PrintedPdf(data, tmp_path)


@pytest.fixture
def guest_link(app):
    """Gives a registration (by person name) a portal token, the way the guest portal does; returns it."""
    def make(name: str, token: str = "guest-link-token-" + "x" * 30) -> str:
        with app.app_context():
            registration = registration_of(name)
            registration.access_token_hash = hash_token(token)
            db.session.commit()
        return token

    return make
