"""Signing out ends every session and "keep me signed in" cookie issued before (User.session_version)."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import Config

from eventsvc import CONFIG_DIR
from eventsvc.accounts.models import User
from eventsvc.accounts.password_links import issue_password_link
from eventsvc.extensions import db
from tests.support.web import csrf_token

EMAIL, PASSWORD = "owner@example.org", "owner-password-1"


def _sign_in(client, remember=True):
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _signed_in(client) -> bool:
    return client.get("/manage").status_code == 200


def _client_with(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_cookies_copied_before_signing_out_sign_in_no_one_afterwards(app, make_user):
    make_user(EMAIL, PASSWORD)
    browser = app.test_client()
    _sign_in(browser)
    session, remember = browser.get_cookie("session").value, browser.get_cookie("remember_token").value
    # before: either cookie alone is a signed-in browser
    assert _signed_in(_client_with(app, session=session))
    assert _signed_in(_client_with(app, remember_token=remember))

    signed_out = browser.post("/logout", data={"csrf_token": csrf_token(browser, "/manage")})
    assert signed_out.status_code == 302
    deleted = [h for h in signed_out.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert deleted and ("Expires=Thu, 01 Jan 1970" in deleted[0] or "Max-Age=0" in deleted[0])
    assert browser.get_cookie("remember_token") is None
    assert not _signed_in(browser)

    assert not _signed_in(_client_with(app, session=session))
    assert not _signed_in(_client_with(app, remember_token=remember))
    assert not _signed_in(_client_with(app, session=session, remember_token=remember))


def test_signing_out_in_one_browser_signs_out_the_others_too(app, make_user):
    make_user(EMAIL, PASSWORD)
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop)
    _sign_in(phone, remember=False)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/manage")})
    assert not _signed_in(phone)
    _sign_in(phone)  # and signing in again works
    assert _signed_in(phone)


def test_a_new_password_ends_every_session_before_it(app, make_user):
    user_id = make_user(EMAIL, PASSWORD)
    old = app.test_client()
    _sign_in(old)
    remember = old.get_cookie("remember_token").value
    with app.app_context():
        token = issue_password_link(db.session.get(User, user_id))
        db.session.commit()
    other = app.test_client()
    path = f"/account/password/{token}"
    response = other.post(path, data={"password": "a-brand-new-one", "confirm": "a-brand-new-one",
                                      "csrf_token": csrf_token(other, path)})
    assert response.status_code == 302
    assert _signed_in(other)  # the browser that set the password is signed in
    assert not _signed_in(old)
    assert not _signed_in(_client_with(app, remember_token=remember))


def test_each_login_gets_its_own_remember_cookie_for_at_most_30_days(app, make_user):
    make_user(EMAIL, PASSWORD)
    first, second = app.test_client(), app.test_client()
    response = _sign_in(first)
    _sign_in(second)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    attributes = {part.split("=")[0].strip().lower(): part.partition("=")[2] for part in header.split(";")[1:]}
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    expires = parsedate_to_datetime(attributes["expires"])
    assert expires <= datetime.now(UTC) + timedelta(days=30, minutes=5)


def test_a_session_cookie_from_before_session_versions_signs_in_no_one(app, make_user):
    user_id = make_user(EMAIL, PASSWORD)
    with app.test_request_context():
        from flask import session

        session["_user_id"] = str(user_id)  # what a cookie held before migration 0007
        serializer = app.session_interface.get_signing_serializer(app)
        old_cookie = serializer.dumps(dict(session))
    assert not _signed_in(_client_with(app, session=old_cookie))


def test_production_cookies_are_secure_httponly_and_same_site():
    config = Config(CONFIG_DIR)
    config.from_pyfile(str(CONFIG_DIR / "default.py"))
    config.from_pyfile(str(CONFIG_DIR / "production.py"))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
