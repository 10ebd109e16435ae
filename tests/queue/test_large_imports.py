"""Spreadsheet imports above IMPORT_ASYNC_ROWS: a worker checks the rows, the organizer confirms on
the job's page, a worker writes them all (tasks run at once here, TASKS_EAGER)."""

import pytest
from sqlalchemy import func, select

from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.registration.models import Invitation
from tests.registration.conftest import organizer  # noqa: F401 (fixture)
from tests.registration.fixtures import open_event  # noqa: F401 (fixture)
from tests.registration.test_invitation_import import _csv, _rows, _upload
from tests.support.web import post_form


@pytest.fixture
def small_threshold(app):
    saved = app.config["IMPORT_ASYNC_ROWS"]
    app.config["IMPORT_ASYNC_ROWS"] = 20
    yield 20
    app.config["IMPORT_ASYNC_ROWS"] = saved


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_large_import_is_checked_then_written_by_a_worker_after_the_organizer_confirms(
        app, organizer, small_threshold):  # noqa: F811
    client, slug = organizer
    response = _upload(client, slug, _csv(_rows(60)), "guests.csv")
    assert response.status_code == 302 and "/invitations/import-jobs/" in response.headers["Location"]
    check_url = response.headers["Location"]
    assert client.get(check_url + "/status").get_json() | {"status": "done", "done": 60, "total": 60} == \
        client.get(check_url + "/status").get_json()
    page = client.get(check_url).get_data(as_text=True)
    assert "Preview: 60 guests, no errors" in page and "Import 60 invitations" in page
    assert _count(app, Invitation) == 0  # checked, nothing written yet

    written = post_form(client, check_url + "/confirm", {"send": "1"}, from_path=check_url)
    assert written.status_code == 302 and written.headers["Location"] != check_url
    status = client.get(written.headers["Location"] + "/status").get_json()
    assert status["status"] == "done" and status["done"] == 60
    assert "60 invitations imported." in client.get(written.headers["Location"]).get_data(as_text=True)
    assert _count(app, Invitation) == 60 and _count(app, OutgoingMessage) == 60
    # the upload is gone: confirming again imports nothing twice
    again = post_form(client, check_url + "/confirm", {"send": "1"}, from_path=check_url, follow_redirects=True)
    assert "The preview has expired" in again.get_data(as_text=True)
    assert _count(app, Invitation) == 60


def test_a_large_import_with_bad_rows_names_them_and_writes_nothing(app, organizer, small_threshold):  # noqa: F811
    client, slug = organizer
    rows = _rows(60)
    rows[40][2] = "guest40@@example"  # line 42
    response = _upload(client, slug, _csv(rows), "guests.csv")
    job_url = response.headers["Location"]
    assert client.get(job_url + "/status").get_json()["status"] == "failed"
    page = client.get(job_url).get_data(as_text=True)
    assert "Nothing was imported: 1 row has errors." in page and "Line 42" in page
    refused = post_form(client, job_url + "/confirm", {"send": "1"}, from_path=job_url, follow_redirects=True)
    assert "The preview has expired" in refused.get_data(as_text=True)
    assert _count(app, Invitation) == 0


def test_an_import_at_or_below_the_threshold_stays_in_the_request(app, organizer, small_threshold):  # noqa: F811
    client, slug = organizer
    response = _upload(client, slug, _csv(_rows(20)), "guests.csv")
    assert response.status_code == 200
    assert "Preview: 20 guests, no errors" in response.get_data(as_text=True)
