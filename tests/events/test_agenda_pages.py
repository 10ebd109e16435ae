"""Organizer pages of the agenda, driven through the Flask test client with real forms and CSRF."""

from tests.support.web import csrf_token, post_form


def test_organizer_pages_render_for_the_demo_forum(organizer_client, demo, demo_ids):
    for path in [f"/manage/e/{demo}", f"/manage/e/{demo}/agenda", f"/manage/e/{demo}/rooms",
                 f"/manage/e/{demo}/edit", f"/manage/e/{demo}/copy", f"/manage/e/{demo}/sessions/new",
                 f"/manage/e/{demo}/sessions/{demo_ids['items']['plenary']}",
                 f"/manage/e/{demo}/sessions/{demo_ids['items']['plenary']}/speeches/new"]:
        response = organizer_client.get(path)
        assert response.status_code == 200, path
    grid = organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    assert "Main Hall" in grid and "Seminar Room A" in grid and "Opening Plenary" in grid


def test_staff_and_strangers_cannot_open_organizer_pages(staff_client, client, demo, demo_ids):
    item = demo_ids["items"]["plenary"]
    assert staff_client.get(f"/manage/e/{demo}/agenda").status_code == 403
    assert staff_client.get(f"/manage/e/{demo}/sessions/{item}").status_code == 403
    assert client.get(f"/manage/e/{demo}/agenda").status_code == 302  # to the login page


def test_a_session_entered_in_beijing_time_is_stored_in_utc(organizer_client, demo, demo_ids, app):
    from eventsvc.events.models import AgendaItem
    from eventsvc.extensions import db

    response = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", {
        "kind": "reception", "title": "Evening Reception", "room_id": demo_ids["rooms"]["Main Hall"],
        "starts_at": "2023-03-31T18:00", "ends_at": "2023-03-31T20:00"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.query(AgendaItem).filter_by(title="Evening Reception").one()
        assert item.starts_at.isoformat() == "2023-03-31T10:00:00+00:00"


def test_end_before_start_and_outside_the_event_are_refused_with_the_field_error(organizer_client, demo, app):
    from eventsvc.events.models import AgendaItem
    from eventsvc.extensions import db

    backwards = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", {
        "kind": "seminar", "title": "Backwards", "starts_at": "2023-03-31T18:00", "ends_at": "2023-03-31T17:00"})
    assert backwards.status_code == 200
    assert "The session must end after it starts." in backwards.get_data(as_text=True)
    outside = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", {
        "kind": "seminar", "title": "Next day", "starts_at": "2023-04-01T09:00", "ends_at": "2023-04-01T10:00"})
    assert "must lie within the event&#39;s dates" in outside.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AgendaItem).filter(AgendaItem.title.in_(["Backwards", "Next day"])).count() == 0


def test_a_room_overlap_is_named_and_saved_only_when_confirmed(organizer_client, demo, demo_ids, app):
    from eventsvc.events.models import AgendaItem
    from eventsvc.extensions import db

    data = {"kind": "seminar", "title": "Press Briefing", "room_id": demo_ids["rooms"]["Main Hall"],
            "starts_at": "2023-03-31T10:00", "ends_at": "2023-03-31T11:00"}
    first = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", data)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "“Opening Plenary” (09:00–10:30) and “Press Briefing” (10:00–11:00) are both in Main Hall" in page
    assert "Launching Ceremony of the High Quality Charging Action" in page  # 10:45 clashes too
    assert 'name="confirm_overlaps"' in page
    with app.app_context():
        assert db.session.query(AgendaItem).filter_by(title="Press Briefing").count() == 0
    confirmed = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", {**data, "confirm_overlaps": "y"},
                          from_path=f"/manage/e/{demo}/sessions/new")
    assert confirmed.status_code == 302
    overview = organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    assert "The agenda has clashes" in overview
    assert "“Opening Plenary” (09:00–10:30) and “Press Briefing” (10:00–11:00)" in overview
    assert overview.count('class="grid-item kind-plenary clash"') == 1
    hub = organizer_client.get(f"/manage/e/{demo}").get_data(as_text=True)
    assert "Press Briefing" in hub


def test_a_person_in_two_sessions_at_once_is_named(organizer_client, demo, demo_ids, app):
    # The director speaks in the plenary (09:00–10:30); a parallel seminar in another room wants him too.
    created = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", {
        "kind": "seminar", "title": "Parallel Workshop", "room_id": demo_ids["rooms"]["Seminar Room A"],
        "starts_at": "2023-03-31T09:30", "ends_at": "2023-03-31T10:00"})
    assert created.status_code == 302
    session_path = created.headers["Location"]
    add = post_form(organizer_client, session_path + "/people", {
        "person_id": demo_ids["people"]["Xie Zhaoxu"], "role": "speaker"}, from_path=session_path)
    page = add.get_data(as_text=True)
    assert add.status_code == 200
    assert "Xie Zhaoxu is in “Opening Plenary” (09:00–10:30) and in “Parallel Workshop” (09:30–10:00)" in page
    confirmed = post_form(organizer_client, session_path + "/people", {
        "person_id": demo_ids["people"]["Xie Zhaoxu"], "role": "speaker", "confirm_overlaps": "y"},
        from_path=session_path)
    assert confirmed.status_code == 302
    overview = organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    assert "Xie Zhaoxu is in “Opening Plenary”" in overview


def test_moving_the_event_dates_flags_sessions_now_outside(organizer_client, demo, app):
    from datetime import date

    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    with app.app_context():
        event = event_by_slug(demo)
        event.start_date, event.end_date = date(2023, 4, 1), date(2023, 4, 1)
        db.session.commit()
    overview = organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    assert "“Opening Plenary” lies outside the event&#39;s dates." in overview


def test_an_event_creator_creates_an_event_and_becomes_its_organizer(client, make_user, app):
    from tests.support.web import login

    make_user("new@example.org", "a-long-password", creator=True)
    login(client, "new@example.org", "a-long-password")
    bad = post_form(client, "/manage/e/new", {"slug": "Bad Slug!", "title": "X", "kind": "forum",
                                              "start_date": "2024-05-02", "end_date": "2024-05-01",
                                              "timezone": "Asia/Shanghai", "registration_mode": "open"})
    assert "Use 3–80 lower-case letters" in bad.get_data(as_text=True)
    response = post_form(client, "/manage/e/new", {
        "slug": "summit-2024", "title": "Summit 2024", "kind": "summit", "start_date": "2024-05-01",
        "end_date": "2024-05-02", "timezone": "Mars/Olympus", "registration_mode": "open"})
    assert "Unknown time zone" in response.get_data(as_text=True)
    response = post_form(client, "/manage/e/new", {
        "slug": "summit-2024", "title": "Summit 2024", "kind": "summit", "start_date": "2024-05-01",
        "end_date": "2024-05-02", "timezone": "Europe/Berlin", "registration_mode": "open"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/e/summit-2024")
    assert client.get("/manage/e/summit-2024").status_code == 200
    assert client.get("/e/summit-2024").status_code == 200  # its organizer previews the draft
    assert app.test_client().get("/e/summit-2024").status_code == 404


def test_publishing_opens_the_public_pages(organizer_client, client, blank_event, app):
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    slug = blank_event["slug"]
    assert client.get(f"/e/{slug}/agenda").status_code == 404
    with app.app_context():
        event_by_slug(slug).status = EventStatus.PUBLISHED
        db.session.commit()
    assert client.get(f"/e/{slug}/agenda").status_code == 200


def test_status_change_needs_csrf_and_the_organizer(organizer_client, demo):
    assert organizer_client.post(f"/manage/e/{demo}/status/archived").status_code == 400
    token = csrf_token(organizer_client, f"/manage/e/{demo}")
    response = organizer_client.post(f"/manage/e/{demo}/status/archived", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Archived" in organizer_client.get(f"/manage/e/{demo}").get_data(as_text=True)


def test_rooms_are_added_renamed_and_a_duplicate_name_refused(organizer_client, demo):
    ok = post_form(organizer_client, f"/manage/e/{demo}/rooms", {"name": "Press Room", "capacity": "30"})
    assert ok.status_code == 302
    dup = post_form(organizer_client, f"/manage/e/{demo}/rooms", {"name": "Press Room"})
    assert "already has a room with this name" in dup.get_data(as_text=True)
    assert "Press Room" in organizer_client.get(f"/manage/e/{demo}/rooms").get_data(as_text=True)


def test_a_cancelled_session_leaves_the_clash_list_and_comes_back_only_when_confirmed(
        organizer_client, demo, demo_ids):
    data = {"kind": "seminar", "title": "Press Briefing", "room_id": demo_ids["rooms"]["Council Room"],
            "starts_at": "2023-03-31T16:30", "ends_at": "2023-03-31T17:00", "confirm_overlaps": "y"}
    path = post_form(organizer_client, f"/manage/e/{demo}/sessions/new", data).headers["Location"]
    assert "Press Briefing" in organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    post_form(organizer_client, path + "/cancel", {}, from_path=path)
    assert "The agenda has clashes" not in organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)
    refused = post_form(organizer_client, path + "/restore", {}, from_path=path, follow_redirects=True)
    assert "This clashes with other sessions." in refused.get_data(as_text=True)
    assert "Put back on the agenda" in refused.get_data(as_text=True)
    restored = post_form(organizer_client, path + "/restore", {"confirm_overlaps": "y"}, from_path=path,
                         follow_redirects=True)
    assert "Session back on the agenda." in restored.get_data(as_text=True)
    assert "The agenda has clashes" in organizer_client.get(f"/manage/e/{demo}/agenda").get_data(as_text=True)


def test_event_settings_refuse_a_last_day_before_the_first_and_change_nothing(organizer_client, demo, app):
    from datetime import date

    from eventsvc.events.permissions import event_by_slug

    response = post_form(organizer_client, f"/manage/e/{demo}/edit", {
        "slug": demo, "title": "Renamed", "kind": "forum", "start_date": "2023-03-31", "end_date": "2023-03-30",
        "timezone": "Asia/Shanghai", "registration_mode": "invitation"})
    assert "The last day cannot be before the first day." in response.get_data(as_text=True)
    with app.app_context():
        event = event_by_slug(demo)
        assert event.title == "China Electric Vehicle 100 Forum 2023" and event.end_date == date(2023, 3, 31)


def test_the_session_form_says_that_guests_book_their_seats_and_what_that_means(organizer_client, demo):
    page = organizer_client.get(f"/manage/e/{demo}/sessions/new").get_data(as_text=True)
    assert "Guests take a seat separately" not in page
    assert "Guests book a seat separately" in page
    assert "its door admits only guests with a confirmed seat" in page
    organizer_client.get("/language/zh")
    chinese = organizer_client.get(f"/manage/e/{demo}/sessions/new").get_data(as_text=True)
    assert "嘉宾需单独预订座位" in chinese
