"""Fixtures every test may use: the app on SQLite or PostgreSQL, clients, users, the demo forum.

The schema is built once per run by the real migrations; after each test every
table is emptied, so tests never see each other's rows.
"""

import os

import pytest
from flask_migrate import upgrade

from eventsvc import PROJECT_ROOT, create_app
from eventsvc.extensions import db
from tests.support import database
from tests.support.live_server import LiveServer
from tests.support.web import login


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return database.test_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    })
    app.instance_path = str(instance)
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    yield
    with app.app_context():
        database.empty_all_tables(db)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    from eventsvc.accounts.service import create_user, grant_role
    from eventsvc.events.permissions import event_by_slug

    def make(email="someone@example.org", password="correct horse battery", *, admin=False,
             event_slug=None, role=None, name="Test User", creator=False):
        with app.app_context():
            user = create_user(email, password, name=name, is_admin=admin, can_create_events=creator)
            if event_slug:
                grant_role(user, event_by_slug(event_slug), role)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def demo(app):
    """The China EV 100 Forum 2023 of the SPEC, with its accounts."""
    from eventsvc.demo import loader

    with app.app_context():
        event, _ = loader.load_demo()
        return event.slug


@pytest.fixture
def organizer_client(app, demo):
    from eventsvc.demo import loader

    client = app.test_client()
    assert login(client, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD).status_code == 302
    return client


@pytest.fixture
def staff_client(app, demo):
    from eventsvc.demo import loader

    client = app.test_client()
    assert login(client, loader.STAFF_EMAIL, loader.STAFF_PASSWORD).status_code == 302
    return client


@pytest.fixture
def api_token(app):
    """Makes a bearer token for a user id."""
    from eventsvc.accounts.models import User
    from eventsvc.accounts.service import create_api_token

    def make(user_id: int) -> str:
        with app.app_context():
            _, secret = create_api_token(db.session.get(User, user_id), "test")
            db.session.commit()
            return secret

    return make


def _demo_api_headers(app, api_token, email):
    from eventsvc.accounts.service import user_by_email

    with app.app_context():
        user_id = user_by_email(email).id
    return {"Authorization": f"Bearer {api_token(user_id)}"}


@pytest.fixture
def organizer_api(app, demo, api_token):
    """Bearer headers of the demo forum's organizer."""
    from eventsvc.demo import loader

    return _demo_api_headers(app, api_token, loader.ORGANIZER_EMAIL)


@pytest.fixture
def staff_api(app, demo, api_token):
    """Bearer headers of the demo forum's door staff (tests/checkin has its own client-shaped one)."""
    from eventsvc.demo import loader

    return _demo_api_headers(app, api_token, loader.STAFF_EMAIL)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def pytest_report_header(config):
    url = os.environ.get("EVENTSVC_TEST_DATABASE_URL")
    return f"eventsvc database: {'PostgreSQL ' + url if url else 'SQLite (temporary file)'}"


def pytest_terminal_summary(terminalreporter):
    """How much the API fuzzer (tests/fuzz) tried, for the record: its requests and its time."""
    reports = [report for outcome in ("passed", "failed") for report in terminalreporter.stats.get(outcome, [])
               if getattr(report, "when", None) == "call"
               and any(key == "fuzz_cases" for key, _ in getattr(report, "user_properties", ()))]
    if reports:
        cases = sum(value for report in reports for key, value in report.user_properties if key == "fuzz_cases")
        seconds = sum(report.duration for report in reports)
        terminalreporter.write_line(f"API fuzz: {cases} generated requests in {len(reports)} tests, "
                                    f"{seconds:.0f} s (tests/fuzz)")
    # the multi-host test's figures (tests/multihost), one line per scenario, and the accessibility
    # sweep's summary (tests/foundation/test_accessibility.py), passed or failed
    figures = [value for outcome in ("passed", "failed") for report in terminalreporter.stats.get(outcome, [])
               for key, value in getattr(report, "user_properties", ()) if key in ("multihost", "accessibility")]
    for line in figures:
        terminalreporter.write_line(line)
