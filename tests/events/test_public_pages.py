"""The public agenda, session, speaker and proceedings pages; nothing of a draft leaks."""

import pytest

from eventsvc.events.enums import EventStatus


def _set_status(app, slug, status):
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    with app.app_context():
        event_by_slug(slug).status = status
        db.session.commit()


def test_the_public_agenda_shows_time_room_kind_and_speakers_by_day(client, demo):
    page = client.get(f"/e/{demo}/agenda").get_data(as_text=True)
    assert "Friday, March 31, 2023" in page
    assert "09:00–10:30" in page and "Opening Plenary" in page and "Main Hall" in page
    assert "Plenary" in page and "Launching ceremony" in page and "Council meeting" in page
    assert "Xie Zhaoxu" in page and "Lin Xiaoyu" in page


def test_the_agenda_filters_by_kind_and_by_room(client, demo, demo_ids):
    seminars = client.get(f"/e/{demo}/agenda?kind=seminar").get_data(as_text=True)
    assert "Exclusive Seminar" in seminars and "Opening Plenary" not in seminars
    council_room = client.get(f"/e/{demo}/agenda?room={demo_ids['rooms']['Council Room']}").get_data(as_text=True)
    assert "Council Meeting of the Forum" in council_room and "Lunch" not in council_room
    nothing = client.get(f"/e/{demo}/agenda?kind=reception").get_data(as_text=True)
    assert "No session matches this filter." in nothing
    assert client.get(f"/e/{demo}/agenda?kind=<script>&room=abc").status_code == 200


def test_in_chinese_local_titles_and_names_are_shown(client, demo):
    client.set_cookie("lang", "zh")
    page = client.get(f"/e/{demo}/agenda").get_data(as_text=True)
    assert "开幕全体大会" in page and "主会场" in page and "林晓雨" in page
    assert "2023年3月31日" in page
    # a real person without known characters keeps the Latin name
    assert "Xie Zhaoxu" in page


def test_session_page_lists_people_roles_and_speeches(client, demo, demo_ids):
    page = client.get(f"/e/{demo}/s/{demo_ids['items']['plenary']}").get_data(as_text=True)
    assert "Lin Xiaoyu" in page and "Host" in page
    assert "Testing and Certification Boosts the High-quality Development of Automobile Industry" in page
    assert "Party Secretary and Director" in page


def test_speaker_list_and_speaker_page(client, demo, demo_ids):
    listing = client.get(f"/e/{demo}/speakers").get_data(as_text=True)
    assert "Xie Zhaoxu" in listing and "Zhang Hua" in listing
    page = client.get(f"/e/{demo}/speakers/{demo_ids['people']['Zhang Hua']}").get_data(as_text=True)
    assert "Council Meeting of the Forum" in page
    assert "Certification Services for the Next Stage of the EV Industry" in page


def test_a_guest_who_is_not_on_the_agenda_has_no_speaker_page(client, demo, app):
    from sqlalchemy import select

    from eventsvc.extensions import db
    from eventsvc.people.models import Person

    with app.app_context():
        guest_id = db.session.scalar(select(Person.id).where(Person.email == "guest001@guests.example"))
    assert client.get(f"/e/{demo}/speakers/{guest_id}").status_code == 404


def test_proceedings_list_only_delivered_speeches_with_summaries(client, demo):
    page = client.get(f"/e/{demo}/proceedings").get_data(as_text=True)
    assert "Testing and Certification Boosts" in page
    assert "The director described the role of testing and certification" in page
    assert "Certification Services for the Next Stage" not in page  # only planned


@pytest.mark.parametrize("path", ["", "/agenda", "/speakers", "/proceedings", "/agenda.ics", "/s/{item}",
                                  "/s/{item}.ics", "/speakers/{person}"])
def test_a_draft_event_is_404_to_the_public_on_every_page(client, demo, demo_ids, app, path):
    _set_status(app, demo, EventStatus.DRAFT)
    url = f"/e/{demo}" + path.format(item=demo_ids["items"]["plenary"], person=demo_ids["people"]["Xie Zhaoxu"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Opening Plenary" not in response.get_data(as_text=True)


def test_a_draft_is_visible_to_its_staff_as_a_preview(staff_client, demo, app):
    _set_status(app, demo, EventStatus.DRAFT)
    page = staff_client.get(f"/e/{demo}/agenda").get_data(as_text=True)
    assert "Draft: only organizers and staff can see this page." in page


def test_a_session_of_another_event_is_404_under_this_event(client, demo, blank_event, app, demo_ids):
    _set_status(app, blank_event["slug"], EventStatus.PUBLISHED)
    assert client.get(f"/e/{blank_event['slug']}/s/{demo_ids['items']['plenary']}").status_code == 404
    assert client.get(f"/e/{blank_event['slug']}/speakers/{demo_ids['people']['Xie Zhaoxu']}").status_code == 404
