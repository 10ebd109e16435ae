"""The organizer's settings pages: every event setting goes in, comes back on the page, and is checked
by the same rules as the API (issue 14, item 1)."""

from datetime import UTC, datetime

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.support.web import login, post_form

NEW_EVENT = {
    "slug": "charging-forum-2024", "title": "Charging Forum 2024", "title_local": "充电论坛2024", "kind": "forum",
    "start_date": "2024-06-12", "end_date": "2024-06-13", "timezone": "Asia/Shanghai",
    "registration_mode": "approval", "capacity": "1500",
    "registration_opens_at": "2024-05-01T09:00", "registration_closes_at": "2024-06-10T18:00",
    "allow_walk_ins": "y",
}


def _creator(app, make_user):
    make_user("secretariat@forum.example", "secretariat-password", creator=True)
    client = app.test_client()
    assert login(client, "secretariat@forum.example", "secretariat-password").status_code == 302
    return client


def test_a_new_event_takes_walk_ins_and_its_window_from_the_form_and_shows_them_again(app, make_user):
    client = _creator(app, make_user)
    response = post_form(client, "/manage/e/new", NEW_EVENT)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        event = event_by_slug("charging-forum-2024")
        assert event.allow_walk_ins and event.capacity == 1500 and event.registration_mode.value == "approval"
        # typed in the event's own zone (Beijing), stored in UTC
        assert event.registration_opens_at == datetime(2024, 5, 1, 1, tzinfo=UTC)
        assert event.registration_closes_at == datetime(2024, 6, 10, 10, tzinfo=UTC)
    edit = client.get("/manage/e/charging-forum-2024/edit").get_data(as_text=True)
    assert 'value="2024-05-01T09:00"' in edit and 'value="2024-06-10T18:00"' in edit
    assert '<input checked id="allow_walk_ins"' in edit
    registration = client.get("/manage/e/charging-forum-2024/registration-settings").get_data(as_text=True)
    assert 'value="2024-05-01T09:00"' in registration and 'value="1500"' in registration


def test_the_registration_settings_page_turns_walk_ins_on_and_the_desk_then_takes_them(app, demo, organizer_client,
                                                                                    staff_client):
    with app.app_context():
        event = event_by_slug(demo)
        event.allow_walk_ins = False
        db.session.commit()
    assert "does not take walk-ins" in staff_client.get(f"/checkin/e/{demo}/walk-in",
                                                        follow_redirects=True).get_data(as_text=True)
    settings = f"/manage/e/{demo}/registration-settings"
    saved = post_form(organizer_client, settings, {
        "registration_mode": "invitation", "capacity": "600", "opens_at": "2023-03-01T09:00",
        "closes_at": "2023-03-30T18:00", "allow_walk_ins": "y"})
    assert saved.status_code == 302
    with app.app_context():
        event = event_by_slug(demo)
        assert event.allow_walk_ins and event.registration_closes_at == datetime(2023, 3, 30, 10, tzinfo=UTC)
    page = organizer_client.get(settings).get_data(as_text=True)
    assert 'value="2023-03-30T18:00"' in page
    assert staff_client.get(f"/checkin/e/{demo}/walk-in").status_code == 200
    assert "Register a walk-in" in staff_client.get(f"/checkin/e/{demo}").get_data(as_text=True)


def test_a_window_closing_before_it_opens_is_refused_on_both_pages_and_changes_nothing(app, demo, organizer_client):
    backwards = {"opens_at": "2023-03-30T18:00", "closes_at": "2023-03-01T09:00"}
    refused = post_form(organizer_client, f"/manage/e/{demo}/registration-settings", {
        "registration_mode": "open", "capacity": "700", **backwards})
    assert refused.status_code == 422 and "Registration must close after it opens." in refused.get_data(as_text=True)
    edit = post_form(organizer_client, f"/manage/e/{demo}/edit", {
        "slug": demo, "title": "EV100", "kind": "forum", "start_date": "2023-03-31", "end_date": "2023-03-31",
        "timezone": "Asia/Shanghai", "registration_mode": "open", "capacity": "700",
        "registration_opens_at": backwards["opens_at"], "registration_closes_at": backwards["closes_at"]})
    assert "Registration must close after it opens." in edit.get_data(as_text=True)
    with app.app_context():
        event = event_by_slug(demo)
        assert (event.registration_mode.value, event.capacity, event.registration_opens_at, event.title) == (
            "invitation", 600, None, "China Electric Vehicle 100 Forum 2023")


def test_the_event_form_refuses_a_capacity_below_the_guests_confirmed(app, demo, organizer_client):
    with app.app_context():
        confirmed = event_by_slug(demo).confirmed_count
    response = post_form(organizer_client, f"/manage/e/{demo}/edit", {
        "slug": demo, "title": "EV100", "kind": "forum", "start_date": "2023-03-31", "end_date": "2023-03-31",
        "timezone": "Asia/Shanghai", "registration_mode": "invitation", "capacity": "5", "allow_walk_ins": "y"})
    assert f"{confirmed} guests are already confirmed" in response.get_data(as_text=True)
    with app.app_context():
        event = event_by_slug(demo)
        assert event.capacity == 600 and event.title == "China Electric Vehicle 100 Forum 2023"
