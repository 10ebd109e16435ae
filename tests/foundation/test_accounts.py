"""Logins, throttling, per-event roles and the CLI that manages them."""

from eventsvc.demo import loader
from tests.support.web import csrf_token, login


def test_organizer_signs_in_and_sees_their_events(client, demo):
    response = login(client, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
    assert response.status_code == 302
    page = client.get("/manage").get_data(as_text=True)
    assert "China Electric Vehicle 100 Forum 2023" in page


def test_wrong_password_shows_a_field_error_and_no_session(client, demo):
    response = login(client, loader.ORGANIZER_EMAIL, "wrong password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/manage").status_code == 302  # still signed out


def test_a_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"email": loader.ORGANIZER_EMAIL, "password": loader.ORGANIZER_PASSWORD})
    assert response.status_code in (400, 422)
    assert client.get("/manage").status_code == 302


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(client, demo):
    for _ in range(5):
        assert login(client, loader.ORGANIZER_EMAIL, "guess").status_code == 401
    response = login(client, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)


def test_staff_get_403_not_500_on_organizer_pages(staff_client, demo):
    response = staff_client.get(f"/manage/e/{demo}")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_organizer_opens_the_organizer_page_of_their_event(organizer_client, demo):
    response = organizer_client.get(f"/manage/e/{demo}")
    assert response.status_code == 200
    assert "Confirmed" in response.get_data(as_text=True)


def test_organizer_of_another_event_gets_403(client, demo, make_user, app):
    from datetime import date

    from eventsvc.events.models import Event
    from eventsvc.extensions import db

    with app.app_context():
        db.session.add(Event(slug="other", title="Other", start_date=date(2024, 1, 1), end_date=date(2024, 1, 1)))
        db.session.commit()
    make_user("other@example.org", "other-password", event_slug="other", role="organizer")
    login(client, "other@example.org", "other-password")
    assert client.get(f"/manage/e/{demo}").status_code == 403
    assert client.get("/manage/e/other").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, demo):
    response = client.get(f"/manage/e/{demo}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_needs_a_post_with_csrf(organizer_client):
    token = csrf_token(organizer_client, "/manage")
    assert organizer_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert organizer_client.get("/manage").status_code == 302


def test_cli_creates_users_grants_roles_and_tokens(app, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "door@example.org", "--password", "door-password-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "grant", "door@example.org", demo, "staff"])
    assert result.exit_code == 0 and "staff" in result.output
    result = runner.invoke(args=["tokens", "create", "door@example.org"])
    assert result.exit_code == 0
    secret = result.output.strip().splitlines()[-1]
    response = app.test_client().get(f"/api/v1/events/{demo}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    result = runner.invoke(args=["users", "grant", "nobody@example.org", demo, "staff"])
    assert result.exit_code != 0 and "No user" in result.output
