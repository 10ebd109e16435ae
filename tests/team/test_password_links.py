"""The one-time link of an invited team member: it sets a password once, before it expires, and signs them in."""

from datetime import timedelta

from sqlalchemy import update

from eventsvc.core.types import utcnow
from eventsvc.extensions import db
from tests.support.web import csrf_token, login
from tests.team.conftest import audit_actions, link_in, member_id, outbox, post
from tests.team.test_team_page import invite

PASSWORD = "a-good-long-password"


def _invited(app, demo, organizer_client, email="new@example.org", role="staff") -> str:
    assert invite(organizer_client, demo, email, role=role).status_code == 302
    return link_in(outbox(app, email)[-1])


def _set(client, path, password=PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_token(client, path)})


def test_the_link_sets_the_password_and_signs_the_staff_member_in_at_their_scanner(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "You will sign in as new@example.org." in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = _set(client, path)
    assert response.status_code == 302 and response.headers["Location"] == f"/checkin/e/{demo}"
    assert client.get("/manage").headers["Location"].endswith(f"/checkin/e/{demo}")
    assert client.get(f"/checkin/e/{demo}").status_code == 200
    # and the password works from now on
    fresh = app.test_client()
    assert login(fresh, "new@example.org", PASSWORD).status_code == 302
    assert ("account.password_set", {"via": "link"}) in audit_actions(app, "account.")


def test_the_link_works_only_once(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    assert _set(app.test_client(), path).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 410 and "This link has already been used." in again.get_data(as_text=True)
    stranger = app.test_client()
    token = csrf_token(stranger, "/login")
    response = stranger.post(path, data={"password": "stranger-password", "confirm": "stranger-password",
                                         "csrf_token": token})
    assert response.status_code == 410
    assert login(app.test_client(), "new@example.org", "stranger-password").status_code == 401
    assert login(app.test_client(), "new@example.org", PASSWORD).status_code == 302


def test_an_expired_link_is_refused_and_the_organizer_sends_a_new_one(app, demo, organizer_client):
    from eventsvc.accounts.models import PasswordLink

    path = _invited(app, demo, organizer_client)
    with app.app_context():
        db.session.execute(update(PasswordLink).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    client = app.test_client()
    response = client.get(path)
    assert response.status_code == 410 and "This link has expired." in response.get_data(as_text=True)
    assert "Choose your password" not in response.get_data(as_text=True)

    member = member_id(app, demo, "new@example.org")
    page = post(organizer_client, f"/manage/e/{demo}/team/{member}/link", {}, f"/manage/e/{demo}/team")
    assert page.status_code == 302
    fresh = link_in(outbox(app, "new@example.org")[-1])
    assert fresh != path
    assert _set(client, fresh).status_code == 302


def test_a_new_link_replaces_the_previous_one(app, demo, organizer_client):
    first = _invited(app, demo, organizer_client)
    member = member_id(app, demo, "new@example.org")
    post(organizer_client, f"/manage/e/{demo}/team/{member}/link", {}, f"/manage/e/{demo}/team")
    second = link_in(outbox(app, "new@example.org")[-1])
    assert app.test_client().get(first).status_code == 410
    assert _set(app.test_client(), second).status_code == 302
    # once the password is set there is no link to send
    response = post(organizer_client, f"/manage/e/{demo}/team/{member}/link", {}, f"/manage/e/{demo}/team")
    assert response.status_code == 409 and "has already set a password" in response.get_data(as_text=True)


def test_removing_an_invited_member_before_they_choose_a_password_kills_their_link(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    member = member_id(app, demo, "new@example.org")
    assert post(organizer_client, f"/manage/e/{demo}/team/{member}/remove", {}, f"/manage/e/{demo}/team").status_code == 302
    assert app.test_client().get(path).status_code == 410


def test_an_unknown_or_altered_link_is_refused(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    response = app.test_client().get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert response.status_code == 404 and "This link is not valid." in response.get_data(as_text=True)


def test_the_password_rules_are_checked_and_the_link_stays_usable(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    client = app.test_client()
    short = _set(client, path, "short")
    assert short.status_code == 422 and "at least 8 characters" in short.get_data(as_text=True)
    same = _set(client, path, "NEW@example.org")
    assert same.status_code == 422 and "cannot be your e-mail address" in same.get_data(as_text=True)
    differ = _set(client, path, PASSWORD, confirm=PASSWORD + "x")
    assert differ.status_code == 422 and "The two passwords differ." in differ.get_data(as_text=True)
    assert client.get("/manage").status_code == 302  # not signed in
    assert _set(client, path).status_code == 302


def test_the_set_password_form_needs_its_csrf_token(app, demo, organizer_client):
    path = _invited(app, demo, organizer_client)
    client = app.test_client()
    response = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert login(app.test_client(), "new@example.org", PASSWORD).status_code == 401
    assert client.get(path).status_code == 200  # the link was not spent


def test_two_browsers_submitting_one_link_at_the_same_instant_set_the_password_once(
        app, demo, organizer_client, live_server):
    import re
    import threading

    import requests

    path = _invited(app, demo, organizer_client)
    browsers = []
    for _ in range(2):
        session = requests.Session()
        page = session.get(live_server.url + path, timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        browsers.append((session, token))
    passwords = ["first-password-1", "second-password-2"]
    barrier, answers = threading.Barrier(2), {}

    def submit(i):
        session, token = browsers[i]
        barrier.wait()
        answers[i] = session.post(live_server.url + path, timeout=30, allow_redirects=False, data={
            "password": passwords[i], "confirm": passwords[i], "csrf_token": token}).status_code

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [302, 410]
    winner = passwords[[i for i, status in answers.items() if status == 302][0]]
    loser = passwords[1 - passwords.index(winner)]
    assert login(app.test_client(), "new@example.org", winner).status_code == 302
    assert login(app.test_client(), "new@example.org", loser).status_code == 401
