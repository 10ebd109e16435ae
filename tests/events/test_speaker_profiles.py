"""Speakers' profiles on the organizer's person form: biography in both languages and a photo,
shown on the public speaker, speakers and session pages in the guest's language."""

import io
import re

from PIL import Image

from tests.support.web import csrf_token, login


def _image(fmt="JPEG", size=(1600, 1200), exif=None) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif else {}))
    return out.getvalue()


def _form(person_path, client, **extra):
    return {"csrf_token": csrf_token(client, person_path), "name": "Zhang Hua", "name_local": "张华",
            "position": "Deputy Director (fictional stand-in)", "organization_name": "China Quality Certification Centre",
            "language": "zh", "bio": "An engineer by training.", "bio_local": "", **extra}


def _in(client, language, path) -> str:
    client.set_cookie("lang", language)
    return client.get(path).get_data(as_text=True)


def _stored_photos(app) -> list:
    from eventsvc.core import storage

    with app.app_context():
        folder = storage.root() / "photos"
        return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


def _photo_path(app, person_id):
    from eventsvc.extensions import db
    from eventsvc.people.models import Person

    with app.app_context():
        return db.session.get(Person, person_id).photo_path


def test_a_good_photo_is_resized_without_its_metadata_and_shown_on_the_speaker_page(
        organizer_client, client, demo, demo_ids, app, organizer_api):
    person_id = demo_ids["people"]["Zhang Hua"]
    path = f"/manage/e/{demo}/people/{person_id}"
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # the camera's make: must not survive
    response = organizer_client.post(path, data=_form(path, organizer_client, photo=(io.BytesIO(_image(exif=exif)),
                                                                                     "portrait.jpg")),
                                     content_type="multipart/form-data")
    assert response.status_code == 302

    page = client.get(f"/e/{demo}/speakers/{person_id}").get_data(as_text=True)
    photo_url = re.search(r'<img class="person-photo" src="([^"]+)"', page).group(1)
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "max-age=31536000" in photo.headers["Cache-Control"] and "public" in photo.headers["Cache-Control"]
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "JPEG" and max(image.size) == 600 and image.size == (600, 450)
    assert b"SecretCam" not in photo.data and not image.getexif()
    # the speakers' list and the session page show it too
    assert photo_url in client.get(f"/e/{demo}/speakers").get_data(as_text=True)
    assert photo_url in client.get(f"/e/{demo}/s/{demo_ids['items']['council_meeting']}").get_data(as_text=True)
    # the API says a photo is set
    assert client.get(f"/api/v1/events/{demo}/people/{person_id}", headers=organizer_api).get_json()["has_photo"]


def test_a_pdf_or_a_text_file_called_jpg_is_refused_and_nothing_is_stored(organizer_client, demo, demo_ids, app):
    person_id = demo_ids["people"]["Zhang Hua"]
    path = f"/manage/e/{demo}/people/{person_id}"
    before = _stored_photos(app)
    for content, name in ((b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "cv.pdf"), (b"just some text", "photo.jpg")):
        response = organizer_client.post(path, data=_form(path, organizer_client, bio="Changed bio",
                                                          photo=(io.BytesIO(content), name)),
                                         content_type="multipart/form-data")
        assert response.status_code == 422
        assert "The photo must be a JPEG, PNG or WebP image." in response.get_data(as_text=True)
    assert _stored_photos(app) == before and _photo_path(app, person_id) is None
    from eventsvc.extensions import db
    from eventsvc.people.models import Person

    with app.app_context():
        assert db.session.get(Person, person_id).bio != "Changed bio"  # the whole form was refused


def test_a_photo_too_large_in_bytes_or_pixels_is_refused_and_nothing_is_stored(organizer_client, demo, demo_ids, app):
    person_id = demo_ids["people"]["Zhang Hua"]
    path = f"/manage/e/{demo}/people/{person_id}"
    before = _stored_photos(app)
    app.config["PHOTO_MAX_BYTES"] = 2048
    try:
        big = organizer_client.post(path, data=_form(path, organizer_client, photo=(
            io.BytesIO(_image("PNG", (300, 300)) + b"\0" * 4096), "big.png")), content_type="multipart/form-data")
    finally:
        app.config["PHOTO_MAX_BYTES"] = 5 * 1024 * 1024
    assert big.status_code == 413 and "The photo may be at most" in big.get_data(as_text=True)
    app.config["PHOTO_MAX_PIXELS"] = 1_000_000
    try:
        wide = organizer_client.post(path, data=_form(path, organizer_client, photo=(
            io.BytesIO(_image("PNG", (2000, 1000))), "wide.png")), content_type="multipart/form-data")
    finally:
        app.config["PHOTO_MAX_PIXELS"] = 40_000_000
    assert wide.status_code == 413 and "more than 1 million pixels" in wide.get_data(as_text=True)
    assert _stored_photos(app) == before and _photo_path(app, person_id) is None


def test_replacing_then_removing_a_photo_leaves_no_file_behind(organizer_client, client, demo, demo_ids, app):
    person_id = demo_ids["people"]["Zhang Hua"]
    path = f"/manage/e/{demo}/people/{person_id}"
    before = _stored_photos(app)
    for fmt in ("PNG", "WEBP"):
        organizer_client.post(path, data=_form(path, organizer_client, photo=(io.BytesIO(_image(fmt, (400, 500))),
                                                                              f"p.{fmt.lower()}")),
                              content_type="multipart/form-data")
    stored = _photo_path(app, person_id)
    assert _stored_photos(app) == sorted([*before, stored])
    old_url = f"/e/{demo}/people/{person_id}/photo/{stored}"
    assert client.get(old_url).status_code == 200
    organizer_client.post(f"{path}/photo/delete", data={"csrf_token": csrf_token(organizer_client, path)})
    assert _stored_photos(app) == before and _photo_path(app, person_id) is None
    assert client.get(old_url).status_code == 404
    assert "person-photo" not in client.get(f"/e/{demo}/speakers/{person_id}").get_data(as_text=True)


def test_the_chinese_speaker_page_shows_the_chinese_bio_and_falls_back_to_english(organizer_client, client, demo,
                                                                                   demo_ids):
    deputy = demo_ids["people"]["Zhang Hua"]
    path = f"/manage/e/{demo}/people/{deputy}"
    organizer_client.post(path, data=_form(path, organizer_client, bio="An engineer by training.",
                                           bio_local="工程师出身。"))
    zh = _in(client, "zh", f"/e/{demo}/speakers/{deputy}")
    en = _in(client, "en", f"/e/{demo}/speakers/{deputy}")
    assert "工程师出身。" in zh and "An engineer by training." not in zh
    assert "An engineer by training." in en and "工程师出身。" not in en
    organizer_client.post(path, data=_form(path, organizer_client, bio="An engineer by training.", bio_local=""))
    zh = _in(client, "zh", f"/e/{demo}/speakers/{deputy}")
    assert "An engineer by training." in zh


def test_a_real_person_keeps_the_latin_name_on_chinese_pages(client, demo, demo_ids):
    """Xie Zhaoxu's characters are not known to the demo: never invented, the Latin name is shown."""
    director = demo_ids["people"]["Xie Zhaoxu"]
    zh = _in(client, "zh", f"/e/{demo}/speakers/{director}")
    assert "<h2>Xie Zhaoxu</h2>" in zh and "中国质量认证中心主任。" in zh


def test_the_chinese_proceedings_show_the_chinese_abstract_and_summary(organizer_client, client, demo, demo_ids, app):
    path = f"/manage/e/{demo}/sessions/{demo_ids['items']['seminar']}/speeches/new"
    response = organizer_client.post(path, data={
        "csrf_token": csrf_token(organizer_client, path), "speaker_id": demo_ids["people"]["Zhang Hua"],
        "title": "Policy outlook", "title_local": "政策展望", "language": "zh", "status": "delivered",
        "abstract": "The outlook for policy.", "abstract_local": "政策的前景。",
        "summary": "He outlined the policy outlook.", "summary_local": ""})
    assert response.status_code == 302
    zh = _in(client, "zh", f"/e/{demo}/proceedings")
    assert "政策的前景。" in zh and "The outlook for policy." not in zh
    assert "He outlined the policy outlook." in zh  # no Chinese summary: the English one
    en = _in(client, "en", f"/e/{demo}/proceedings")
    assert "The outlook for policy." in en and "政策的前景。" not in en


def test_the_api_reads_and_writes_the_chinese_abstract_and_summary(client, demo, demo_ids, organizer_api):
    base = f"/api/v1/events/{demo}/sessions/{demo_ids['items']['seminar']}/speeches"
    created = client.post(base, json={"speaker_id": demo_ids["people"]["Zhang Hua"], "title": "Outlook",
                                      "abstract_local": "前景。", "summary_local": "总结。"}, headers=organizer_api)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["abstract_local"] == "前景。" and body["summary_local"] == "总结。"


def test_another_events_organizer_cannot_open_or_change_our_people(app, client, demo, demo_ids, blank_event):
    assert login(client, "planner@example.org", "planner-password").status_code == 302
    person_id = demo_ids["people"]["Zhang Hua"]
    assert client.get(f"/manage/e/{demo}/people").status_code == 403
    assert client.get(f"/manage/e/{demo}/people/{person_id}").status_code == 403
    # through their own event, our person does not exist
    assert client.get(f"/manage/e/{blank_event['slug']}/people/{person_id}").status_code == 404
    token = csrf_token(client, f"/manage/e/{blank_event['slug']}/people")
    assert client.post(f"/manage/e/{demo}/people/{person_id}/photo/delete",
                       data={"csrf_token": token}).status_code == 403


def test_the_people_list_searches_and_pages_in_a_fixed_number_of_queries(organizer_client, demo, app):
    from tests.events.test_query_counts import counting

    with counting(app) as statements:
        page = organizer_client.get(f"/manage/e/{demo}/people")
    assert page.status_code == 200 and page.get_data(as_text=True).count("/people/") >= 50
    assert len(statements) <= 10  # the login, the event, the people, their labels: never one per row
    with counting(app) as statements:
        second = organizer_client.get(f"/manage/e/{demo}/people?page=2").get_data(as_text=True)
    assert len(statements) <= 10 and "Page 2" in second
    found = organizer_client.get(f"/manage/e/{demo}/people?q=xie").get_data(as_text=True)
    assert "Xie Zhaoxu" in found and "Lin Xiaoyu" not in found


def test_the_next_editions_copy_keeps_the_photo_when_this_edition_removes_it(organizer_client, demo, demo_ids, app):
    from datetime import date

    from sqlalchemy import select

    from eventsvc.accounts.service import user_by_email
    from eventsvc.core import storage
    from eventsvc.demo import loader
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.events.service import copy_event
    from eventsvc.extensions import db
    from eventsvc.people.models import Person
    from eventsvc.people.photos import photo_key

    director = demo_ids["people"]["Xie Zhaoxu"]
    path = f"/manage/e/{demo}/people/{director}"
    organizer_client.post(path, data={**_form(path, organizer_client), "name": "Xie Zhaoxu", "name_local": "",
                                      "photo": (io.BytesIO(_image()), "xie.jpg")}, content_type="multipart/form-data")
    with app.app_context():
        copy = copy_event(event_by_slug(demo), slug="ev100-2024", start_date=date(2024, 3, 31),
                          creator=user_by_email(loader.ORGANIZER_EMAIL))
        db.session.commit()
        copied = db.session.scalar(select(Person).where(Person.event_id == copy.id, Person.name == "Xie Zhaoxu"))
        shared = copied.photo_path
        assert shared and shared == db.session.get(Person, director).photo_path
    organizer_client.post(f"{path}/photo/delete", data={"csrf_token": csrf_token(organizer_client, path)})
    with app.app_context():
        assert storage.exists(photo_key(shared))
