"""Failed logins: counted per real client (behind the proxy) and per account, atomically; an
account waits an exponential delay, never for good (accounts.service.authenticate)."""

import re
from datetime import timedelta
from http.client import HTTPConnection
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from eventsvc.accounts.models import User
from eventsvc.accounts.password_links import issue_password_link
from eventsvc.accounts.service import LoginRefused, authenticate, normalize_email
from eventsvc.core.errors import ServiceError
from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from tests.accounts.conftest import at_once
from tests.support.live_server import gunicorn
from tests.support.web import CSRF_META, csrf_token

OWNER, OWNER_PASSWORD = "owner@example.org", "owner-password-1"
COLLEAGUE, COLLEAGUE_PASSWORD = "colleague@example.org", "colleague-password-1"
ATTACKER, COLLEAGUE_ADDRESS, OWNER_ADDRESS = "203.0.113.9", "198.51.100.7", "198.51.100.8"


#: the per-client count's window in these tests: a week, so that no test's requests straddle two
#: windows (the count starts again in each window of LOGIN_CLIENT_WINDOW_SECONDS)
LONG_WINDOW = 7 * 24 * 3600


@pytest.fixture(autouse=True)
def _long_client_window(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_CLIENT_WINDOW_SECONDS", LONG_WINDOW)
    monkeypatch.setenv("EVENTSVC_LOGIN_CLIENT_WINDOW_SECONDS", str(LONG_WINDOW))  # the proxied app, gunicorn


def _login(client, email, password, address):
    """A login through the proxy, from ``address``."""
    headers = {"X-Forwarded-For": address}
    token = CSRF_META.search(client.get("/login", headers=headers).get_data(as_text=True)).group(1)
    return client.post("/login", headers=headers, data={"email": email, "password": password, "csrf_token": token})


def _locked_until(app, email):
    with app.app_context():
        return db.session.scalar(select(User.locked_until).where(User.email == email))


def _time_passes(app, email: str, duration: timedelta) -> None:
    """The account's wait moves ``duration`` closer, as if that much time had passed."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.locked_until -= duration
        db.session.commit()


def test_twenty_bad_logins_from_one_client_lock_out_no_other_client(proxied_app, make_user):
    make_user(OWNER, OWNER_PASSWORD)
    make_user(COLLEAGUE, COLLEAGUE_PASSWORD)
    attacker = proxied_app.test_client()
    answers = [_login(attacker, OWNER, f"guess-{n}", ATTACKER).status_code for n in range(20)]
    # five guesses are evaluated, then the owner's account waits: the rest are not even checked
    assert answers == [401] * 5 + [429] * 15
    # the attacker's own address has used up its attempts, at any account
    refused = _login(attacker, COLLEAGUE, "guess", ATTACKER)
    assert refused.status_code == 429 and "from your network" in refused.get_data(as_text=True)

    # a colleague elsewhere signs in as usual
    colleague = proxied_app.test_client()
    assert _login(colleague, COLLEAGUE, COLLEAGUE_PASSWORD, COLLEAGUE_ADDRESS).status_code == 302

    # the owner waits the account's delay (30 seconds after five failures), then signs in
    owner = proxied_app.test_client()
    waiting = _login(owner, OWNER, OWNER_PASSWORD, OWNER_ADDRESS)
    assert waiting.status_code == 429 and "Try again in 1 minute" in waiting.get_data(as_text=True)
    assert 20 < int(waiting.headers["Retry-After"]) <= 30
    wait = _locked_until(proxied_app, OWNER) - utcnow()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    _time_passes(proxied_app, OWNER, wait)
    assert _login(owner, OWNER, OWNER_PASSWORD, OWNER_ADDRESS).status_code == 302
    assert owner.get("/manage", headers={"X-Forwarded-For": OWNER_ADDRESS}).status_code == 200


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(client, make_user):
    make_user(OWNER, OWNER_PASSWORD)
    answers = [_login(client, f"nobody{n}@example.org", "guess", f"192.0.2.{n}").status_code for n in range(21)]
    assert answers == [401] * 20 + [429]  # one client, whatever address it claims


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes(app, make_user):
    make_user(OWNER, OWNER_PASSWORD)
    app.config.update(LOGIN_CLIENT_MAX_FAILURES=1000)
    try:
        with app.app_context():
            now = utcnow()
            waits = []
            for _attempt in range(14):
                with pytest.raises(ServiceError) as failed:
                    authenticate(OWNER, "guess", "192.0.2.1", now=now)
                assert failed.value.code == "bad_credentials"
                until = _locked_until(app, OWNER)
                if until is not None and until > now:
                    waits.append(round((until - now).total_seconds()))
                    with pytest.raises(LoginRefused):  # while it waits, even the right password
                        authenticate(OWNER, OWNER_PASSWORD, "192.0.2.1", now=now)
                    now = until
                now += timedelta(seconds=1)
            assert waits == [30, 60, 120, 240, 480, 900, 900, 900, 900, 900]
            # after the wait the right password signs in and clears the count
            assert authenticate(OWNER, OWNER_PASSWORD, "192.0.2.1", now=now).email == OWNER
            user = db.session.scalar(select(User).where(User.email == normalize_email(OWNER)))
            assert user.failed_logins == 0 and user.locked_until is None
    finally:
        app.config.update(LOGIN_CLIENT_MAX_FAILURES=20)


def test_a_new_password_ends_the_wait(app, client, make_user):
    user_id = make_user(OWNER, OWNER_PASSWORD)
    for n in range(5):
        assert _login(client, OWNER, f"guess-{n}", "-").status_code == 401
    assert _login(client, OWNER, OWNER_PASSWORD, "-").status_code == 429
    with app.app_context():
        token = issue_password_link(db.session.get(User, user_id))
        db.session.commit()
    path = f"/account/password/{token}"
    other = app.test_client()
    assert other.post(path, data={"password": "a-brand-new-one", "confirm": "a-brand-new-one",
                                  "csrf_token": csrf_token(other, path)}).status_code == 302
    assert _login(app.test_client(), OWNER, "a-brand-new-one", "-").status_code == 302


def _parallel_logins(server, logins: list[tuple[str, str]]):
    """Every (email, password) posted to /login at the same instant from one browser session."""
    cookie, page = _get(server, "/login")
    token = CSRF_META.search(page).group(1)
    requests = []
    for email, password in logins:
        body = urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        requests.append(("POST", "/login", {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                         body))
    return at_once(server, requests)


def _get(server, path) -> tuple[str, str]:
    """(the session cookie it sets, the page)"""
    connection = HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return re.match(r"([^;]+)", response.getheader("Set-Cookie")).group(1), response.read().decode()
    finally:
        connection.close()


def test_parallel_wrong_passwords_are_limited_under_gunicorn(app, make_user):
    """16 wrong passwords for one account at the same instant, through 4 worker processes:
    LOGIN_MAX_FAILURES of them are checked, the rest refused; 24 at once for unknown accounts
    from one client: at most LOGIN_CLIENT_MAX_FAILURES are checked (on PostgreSQL too)."""
    make_user(OWNER, OWNER_PASSWORD)
    with gunicorn(app) as server:
        answers = _parallel_logins(server, [(OWNER, f"guess-{n}") for n in range(16)])
        statuses = sorted(a.status for a in answers)
        assert statuses == [401] * 5 + [429] * 11, statuses
        with app.app_context():
            assert db.session.scalar(select(User.failed_logins).where(User.email == OWNER)) == 5

        answers = _parallel_logins(server, [(f"nobody{n}@example.org", "guess") for n in range(24)])
        statuses = sorted(a.status for a in answers)
        # the 16 before counted for this client too: 4 more are checked, 20 refused
        assert statuses == [401] * 4 + [429] * 20, statuses


def test_certificate_checks_behind_the_proxy_are_limited_per_real_client(proxied_app):
    proxied_app.config.update(AWARDS_VERIFY_LIMIT=2, AWARDS_VERIFY_WINDOW_SECONDS=LONG_WINDOW)
    client = proxied_app.test_client()

    def check(address):
        return client.get("/verify.json?number=SH100-2023-0001", headers={"X-Forwarded-For": address}).status_code

    assert [check(ATTACKER) for _ in range(3)] == [200, 200, 429]
    assert check(COLLEAGUE_ADDRESS) == 200  # before ProxyFix every client was the proxy, and refused
