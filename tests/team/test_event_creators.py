"""Who may create events: administrators and the event creators they name; door staff land on their scanner."""

from sqlalchemy import func, select

from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.support.web import csrf_token, login
from tests.team.conftest import audit_actions, post, signed_in

NEW_EVENT = {"slug": "summit-2025", "title": "Summit 2025", "kind": "summit", "start_date": "2025-05-01",
             "end_date": "2025-05-02", "timezone": "Asia/Shanghai", "registration_mode": "open"}


def _events(app) -> int:
    from eventsvc.events.models import Event

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event))


def test_door_staff_see_no_new_event_and_are_refused_its_page_and_form(app, demo, staff_client):
    landing = staff_client.get("/manage", follow_redirects=True)
    assert landing.request.path == f"/checkin/e/{demo}"
    assert "New event" not in landing.get_data(as_text=True)
    assert staff_client.get("/manage/e/new").status_code == 403
    before = _events(app)
    token = csrf_token(staff_client, f"/checkin/e/{demo}")
    assert staff_client.post("/manage/e/new", data={**NEW_EVENT, "csrf_token": token}).status_code == 403
    assert _events(app) == before


def test_an_account_that_is_not_an_event_creator_gets_no_new_event_link_and_403(app, make_user):
    make_user("plain@example.org", "plain-password")
    client = signed_in(app, "plain@example.org", "plain-password")
    dashboard = client.get("/manage").get_data(as_text=True)
    assert "New event" not in dashboard and "Ask an event's organizer to add you" in dashboard
    assert client.get("/manage/e/new").status_code == 403
    token = csrf_token(client, "/manage")
    assert client.post("/manage/e/new", data={**NEW_EVENT, "csrf_token": token}).status_code == 403
    assert _events(app) == 0


def test_an_organizer_who_is_not_an_event_creator_cannot_copy_their_event_as_a_new_one(app, demo, make_user):
    make_user("co-org@example.org", "co-organizer-pw", event_slug=demo, role="organizer")
    client = signed_in(app, "co-org@example.org", "co-organizer-pw")
    assert client.get(f"/manage/e/{demo}").status_code == 200  # still organizes the event
    assert "New event" not in client.get("/manage").get_data(as_text=True)
    assert client.get(f"/manage/e/{demo}/copy").status_code == 403
    before = _events(app)
    token = csrf_token(client, f"/manage/e/{demo}")
    response = client.post(f"/manage/e/{demo}/copy", data={
        "slug": "ev100-2024", "title": "Copy", "start_date": "2024-03-29", "csrf_token": token})
    assert response.status_code == 403 and _events(app) == before


def test_the_demo_organizer_is_an_event_creator_and_sees_new_event(organizer_client, app):
    page = organizer_client.get("/manage").get_data(as_text=True)
    assert "New event" in page
    response = post(organizer_client, "/manage/e/new", NEW_EVENT, "/manage/e/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/e/summit-2025")


def test_an_administrator_lets_an_account_create_events_and_withdraws_it(app, make_user):
    make_user("admin@example.org", "admin-password", admin=True)
    user_id = make_user("planner@example.org", "planner-password")
    admin = signed_in(app, "admin@example.org", "admin-password")
    planner = signed_in(app, "planner@example.org", "planner-password")
    assert planner.get("/manage/e/new").status_code == 403

    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "planner@example.org" in page and "May create events" in page
    response = post(admin, f"/admin/accounts/{user_id}/creator", {"allowed": "1"}, "/admin/accounts")
    assert response.status_code == 302
    assert "planner@example.org can now create events." in admin.get("/admin/accounts").get_data(as_text=True)
    assert planner.get("/manage/e/new").status_code == 200
    assert "New event" in planner.get("/manage").get_data(as_text=True)
    assert post(planner, "/manage/e/new", NEW_EVENT, "/manage/e/new").status_code == 302

    post(admin, f"/admin/accounts/{user_id}/creator", {"allowed": "0"}, "/admin/accounts")
    assert planner.get("/manage/e/new").status_code == 403
    assert planner.get("/manage/e/summit-2025").status_code == 200  # the event made meanwhile stays theirs
    assert [a for a, _ in audit_actions(app, "account.event_creator")] == [
        "account.event_creator_granted", "account.event_creator_revoked"]


def test_only_administrators_open_the_accounts_page_and_its_toggle(app, demo, make_user, organizer_client,
                                                                   staff_client):
    user_id = make_user("planner@example.org", "planner-password")
    for client in (organizer_client, staff_client):
        assert client.get("/admin/accounts").status_code == 403
        token = csrf_token(client, f"/checkin/e/{demo}")
        assert client.post(f"/admin/accounts/{user_id}/creator",
                           data={"allowed": "1", "csrf_token": token}).status_code == 403
    anonymous = app.test_client().get("/admin/accounts")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        from eventsvc.accounts.models import User

        assert db.session.get(User, user_id).can_create_events is False


def test_the_accounts_toggle_without_a_csrf_token_changes_nothing(app, make_user):
    make_user("admin@example.org", "admin-password", admin=True)
    user_id = make_user("planner@example.org", "planner-password")
    admin = signed_in(app, "admin@example.org", "admin-password")
    assert admin.post(f"/admin/accounts/{user_id}/creator", data={"allowed": "1"}).status_code == 400
    assert post(admin, f"/admin/accounts/{user_id}/creator", {"allowed": "maybe"}, "/admin/accounts").status_code == 422
    assert post(admin, "/admin/accounts/999/creator", {"allowed": "1"}, "/admin/accounts").status_code == 404
    with app.app_context():
        from eventsvc.accounts.models import User

        assert db.session.get(User, user_id).can_create_events is False


def test_flask_users_creator_grants_and_revokes_the_permission(app, make_user):
    from eventsvc.accounts.models import User

    user_id = make_user("planner@example.org", "planner-password")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "creator", "Planner@Example.org"])
    assert result.exit_code == 0 and "planner@example.org can now create events" in result.output
    with app.app_context():
        assert db.session.get(User, user_id).can_create_events is True
    result = runner.invoke(args=["users", "creator", "planner@example.org", "--revoke"])
    assert result.exit_code == 0 and "can no longer create events" in result.output
    with app.app_context():
        assert db.session.get(User, user_id).can_create_events is False
    result = runner.invoke(args=["users", "creator", "nobody@example.org"])
    assert result.exit_code != 0 and "No user with this e-mail." in result.output


def test_door_staff_land_on_their_scanner_after_signing_in(client, demo):
    response = login(client, loader.STAFF_EMAIL, loader.STAFF_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == f"/checkin/e/{demo}"
    scanner = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose the gate" in scanner and "New event" not in scanner


def test_staff_of_several_events_choose_among_their_scanners(app, demo, other_event, make_user):
    from eventsvc.accounts.service import grant_role, user_by_email
    from eventsvc.events.permissions import event_by_slug

    with app.app_context():
        grant_role(user_by_email(loader.STAFF_EMAIL), event_by_slug(other_event), "staff")
        db.session.commit()
    client = signed_in(app, loader.STAFF_EMAIL, loader.STAFF_PASSWORD)
    page = client.get("/manage").get_data(as_text=True)
    assert "Your scanners" in page and "New event" not in page
    assert f'href="/checkin/e/{demo}"' in page and f'href="/checkin/e/{other_event}"' in page


def test_organizers_and_administrators_still_land_on_their_dashboard(app, demo, organizer_client, make_user):
    assert "Your events" in organizer_client.get("/manage").get_data(as_text=True)
    make_user("admin@example.org", "admin-password", admin=True)
    admin = signed_in(app, "admin@example.org", "admin-password")
    page = admin.get("/manage").get_data(as_text=True)
    assert "Your events" in page and "New event" in page and 'href="/admin/accounts"' in page
