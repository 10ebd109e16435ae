"""Invitation imports refuse bombs and broken files with a sentence, on the page and in the API; nothing changes."""

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.people.models import Person
from eventsvc.registration.models import Invitation
from tests.support.spreadsheets import bomb_xlsx, csv_bytes, entity_bomb_xlsx, xlsx_from_sheet_xml
from tests.support.web import csrf_token

TOO_LARGE = "This .xlsx file unpacks to more than 50 MB, or is packed suspiciously tightly: it is not imported."

MALFORMED = [
    ("guests.xlsx", b"PK\x03\x04 not really a zip", "This is not a readable .xlsx file."),
    ("guests.xlsx", xlsx_from_sheet_xml("", with_sheet=False), "This is not a readable .xlsx file."),
    ("guests.xlsx", entity_bomb_xlsx(), "This is not a readable .xlsx file."),
    ("guests.csv", bytes(range(256)) * 8, "This file contains binary data, not the text of a CSV file."),
    ("guests.csv", b"name,email\nWang\x00Wei,wang@example.org\n",
     "This file contains binary data, not the text of a CSV file."),
    ("guests.csv", "姓名,邮箱\n王伟,wang@example.org\n".encode("gb18030"), "Save the CSV file as UTF-8."),
]


def _upload_page(client, slug, data, filename):
    path = f"/manage/e/{slug}/invitations/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _upload_api(client, slug, token, data, filename, query=""):
    return client.post(f"/api/v1/events/{slug}/invitations/import{query}",
                       headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def _nothing_changed(app) -> bool:
    with app.app_context():
        counts = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (Invitation, OutgoingMessage, Person)]
        stored = list((Path(app.instance_path) / "imports").glob("*"))
    return counts == [0, 0, 0] and stored == []


@pytest.fixture
def organizer_token(app, make_user, api_token, organizer):
    _, slug = organizer
    return api_token(make_user("api-org@example.org", "organizer-password-1", event_slug=slug, role="organizer"))


def test_the_150_kb_bomb_is_refused_at_once_on_the_page_and_in_the_api(app, organizer, organizer_token):
    client, slug = organizer
    bomb = bomb_xlsx()
    started = time.monotonic()
    page = _upload_page(client, slug, bomb, "guests.xlsx")
    api = _upload_api(client, slug, organizer_token, bomb, "guests.xlsx")
    dry_run = _upload_api(client, slug, organizer_token, bomb, "guests.xlsx", "?dry_run=true")
    # the issue asks for under a second each; 5 s for all three allows for a loaded 2-core test machine
    assert time.monotonic() - started < 5
    assert page.status_code == 413 and TOO_LARGE in page.get_data(as_text=True)
    for response in (api, dry_run):
        assert response.status_code == 413 and response.is_json
        assert response.json["code"] == "file_too_large" and response.json["status"] == 413
        assert response.json["message"] == TOO_LARGE and response.json["errors"] == {"file": [TOO_LARGE]}
    assert _nothing_changed(app)


def test_a_csv_with_too_many_rows_is_refused_and_nothing_is_invited(app, organizer, organizer_token, monkeypatch):
    client, slug = organizer
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 100)
    data = csv_bytes([["name", "email"]] + [[f"Guest {i}", f"g{i}@example.org"] for i in range(101)])
    sentence = "The file has more than 100 rows: split it into smaller files."
    page = _upload_page(client, slug, data, "guests.csv")
    assert page.status_code == 413 and sentence in page.get_data(as_text=True)
    api = _upload_api(client, slug, organizer_token, data, "guests.csv")
    assert api.status_code == 413 and api.json["code"] == "too_many_rows" and api.json["message"] == sentence
    assert _nothing_changed(app)


@pytest.mark.parametrize("filename,data,sentence", MALFORMED)
def test_broken_files_get_a_422_with_a_sentence_never_a_500(app, organizer, organizer_token, filename, data,
                                                            sentence):
    client, slug = organizer
    page = _upload_page(client, slug, data, filename)
    assert page.status_code == 422 and sentence in page.get_data(as_text=True)
    api = _upload_api(client, slug, organizer_token, data, filename)
    assert api.status_code == 422 and api.is_json and api.json["message"] == sentence
    assert api.json["errors"] == {"file": [sentence]}
    assert _nothing_changed(app)
