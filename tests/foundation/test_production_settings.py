"""Production refuses to start with a guessable secret or links that point to the server itself,
and says why in a sentence."""

import secrets

import pytest

from eventsvc import create_app

GOOD_SECRET = secrets.token_urlsafe(48)
GOOD_URL = "https://events.example.org"


@pytest.fixture
def production(monkeypatch):
    """create_app("production") with these environment variables (None: unset)."""
    monkeypatch.setenv("EVENTSVC_DATABASE_URL", "sqlite://")

    def start(secret=GOOD_SECRET, url=GOOD_URL, kek=None):
        for name, value in (("SECRET_KEY", secret), ("PUBLIC_BASE_URL", url), ("BADGE_KEY_ENCRYPTION_KEY", kek)):
            if value is None:
                monkeypatch.delenv(f"EVENTSVC_{name}", raising=False)
            else:
                monkeypatch.setenv(f"EVENTSVC_{name}", value)
        return create_app("production")

    return start


def test_production_starts_with_random_secrets_and_a_public_address(production, caplog):
    app = production(kek=secrets.token_urlsafe(48))
    assert app.config["PUBLIC_BASE_URL"] == GOOD_URL
    assert "BADGE_KEY_ENCRYPTION_KEY" not in caplog.text
    assert production(secret=secrets.token_hex(32)).config["SECRET_KEY"]
    assert "BADGE_KEY_ENCRYPTION_KEY is not set" in caplog.text  # allowed, with a warning


@pytest.mark.parametrize("secret", ["a" * 32, "ab" * 16, "x" * 64, "0123" * 10])
def test_a_secret_key_with_little_entropy_is_refused_with_a_sentence(production, secret):
    with pytest.raises(RuntimeError) as refused:
        production(secret=secret)
    message = str(refused.value)
    assert "EVENTSVC_SECRET_KEY" in message and "guessable" in message and "bits" in message
    assert "token_urlsafe" in message  # and how to make a good one


@pytest.mark.parametrize("secret", [None, "short-but-random-Xc4vB8", "dev-only-not-secret" + "-" * 20])
def test_a_missing_short_or_sample_secret_key_is_refused(production, secret):
    with pytest.raises(RuntimeError, match="EVENTSVC_SECRET_KEY"):
        production(secret=secret)


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:8000", "https://[::1]/",
                                 "http://127.0.0.53", "http://0.0.0.0:5000", "https://app.localhost"])
def test_a_loopback_public_base_url_is_refused(production, url):
    with pytest.raises(RuntimeError) as refused:
        production(url=url)
    assert "EVENTSVC_PUBLIC_BASE_URL" in str(refused.value) and "loopback" in str(refused.value)


def test_a_missing_or_odd_public_base_url_is_refused_and_every_problem_is_named_at_once(production):
    with pytest.raises(RuntimeError, match="production needs EVENTSVC_PUBLIC_BASE_URL"):
        production(url=None)
    with pytest.raises(RuntimeError, match="not an http"):
        production(url="events.example.org")
    with pytest.raises(RuntimeError) as both:
        production(secret="a" * 32, url="http://localhost")
    assert "SECRET_KEY" in str(both.value) and "PUBLIC_BASE_URL" in str(both.value)


def test_a_guessable_key_encryption_key_is_refused_too(production):
    with pytest.raises(RuntimeError, match="EVENTSVC_BADGE_KEY_ENCRYPTION_KEY"):
        production(kek="k" * 40)


def test_development_and_testing_keep_their_loopback_defaults():
    assert create_app("development").config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
