"""Batch printing: a job makes one PDF of the chosen badges, shows its progress to whichever
server process is asked, and records when each badge was printed."""

import re
import time
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventsvc import create_app
from eventsvc.badges import jobs
from eventsvc.core.jobs import BackgroundJob, JobState, sweep_jobs
from eventsvc.core.types import utcnow
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Category, Registration
from tests.badges.reading import registration_of
from tests.support.web import post_form


def _start(client, slug, **choices):
    data = {"category": 0, "which": "all", "layout": "sheet", **choices}
    response = post_form(client, f"/manage/e/{slug}/badges/print", data, from_path=f"/manage/e/{slug}/badges")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_url = response.headers["Location"]
    assert re.search(r"/badges/jobs/[0-9a-f]{32}$", job_url)
    return job_url


def _wait(client, job_url, timeout=60):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(job_url + "/status").get_json()
        seen.append(status)
        if status["status"] not in ("queued", "running"):
            return status, seen
        time.sleep(0.05)
    raise AssertionError(f"job still running: {seen[-1]}")


def _category_id(app, slug, code):
    with app.app_context():
        return db.session.scalar(select(Category.id).where(
            Category.event_id == event_by_slug(slug).id, Category.code == code))


def test_printing_all_badges_makes_one_pdf_with_progress_and_records_the_printed_time(
        app, demo, organizer_client, printed):
    with app.app_context():
        confirmed = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.status == RegistrationStatus.CONFIRMED))
    before = utcnow()
    job_url = _start(organizer_client, demo)
    page = organizer_client.get(job_url).get_data(as_text=True)
    assert "<progress" in page and "/status" in page

    status, seen = _wait(organizer_client, job_url)
    assert status == {**status, "status": "done", "total": confirmed, "done": confirmed, "percent": 100}
    assert all(s["percent"] <= 100 for s in seen)

    download = organizer_client.get(job_url + "/badges.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pdf = printed(download.data)
    assert int(pdf.info()["Pages"]) == -(-confirmed // 4)
    first_sheet = pdf.qr_codes(1)
    assert len(first_sheet) == 4 and len(set(first_sheet)) == 4
    with app.app_context():
        printed_rows = db.session.execute(select(Registration.badge_printed_at, Registration.badge_printed_version)
                                          .where(Registration.status == RegistrationStatus.CONFIRMED)).all()
        assert all(at is not None and at >= before and version == 1 for at, version in printed_rows)
        # nothing is left "not yet printed" or "changed"
    page = organizer_client.get(f"/manage/e/{demo}/badges").get_data(as_text=True)
    assert re.search(r"Not yet printed</small><p class=\"figure\">0<", page)
    assert re.search(r"Changed since printed</small><p class=\"figure\">0<", page)


def test_filters_pick_a_category_the_unprinted_and_the_changed_badges(app, demo, organizer_client, printed):
    vip = _category_id(app, demo, "vip")
    status, _ = _wait(organizer_client, _start(organizer_client, demo, category=vip, layout="single"))
    with app.app_context():
        vips = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.category_id == vip, Registration.status == RegistrationStatus.CONFIRMED))
        assert status["total"] == vips
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.badge_printed_at.is_not(None))) == vips

    # a VIP changes organization and another is re-issued; a guest not yet printed stays so
    from eventsvc.badges.service import reissue_badge

    with app.app_context():
        zhang = registration_of("Zhang Hua")
        zhang.person.name_local = "张骅"
        vip_rows = db.session.scalars(select(Registration).where(
            Registration.category_id == vip, Registration.id != zhang.id)).all()
        reissued = vip_rows[0]
        reissue_badge(reissued, reason="lost")
        db.session.commit()
        changed_ids = {zhang.id, reissued.id}

    status, _ = _wait(organizer_client, _start(organizer_client, demo, which="changed", layout="single"))
    assert status["total"] == 2
    pdf = printed(organizer_client.get(_last_job_pdf(organizer_client, demo, status)).data)
    assert "张骅" in pdf.text()
    from eventsvc.badges.service import verify_registration_badge

    with app.app_context():
        forum = event_by_slug(demo)
        decoded = {verify_registration_badge(code, forum)[0].id
                   for page in (1, 2) for code in printed(pdf.path.read_bytes()).qr_codes(page)}
        assert decoded == changed_ids

    status, _ = _wait(organizer_client, _start(organizer_client, demo, which="not_printed"))
    with app.app_context():
        assert status["total"] == db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.category_id != vip, Registration.status == RegistrationStatus.CONFIRMED))
    # everything is printed and unchanged now: there is nothing to start a job for
    response = post_form(organizer_client, f"/manage/e/{demo}/badges/print",
                         {"category": 0, "which": "changed", "layout": "sheet"},
                         from_path=f"/manage/e/{demo}/badges", follow_redirects=True)
    assert "No badges match this choice: nothing to print." in response.get_data(as_text=True)


def _last_job_pdf(client, slug, status):
    return f"/manage/e/{slug}/badges/jobs/{status['id']}/badges.pdf"


def test_a_bad_choice_is_refused_with_its_field_error_and_starts_nothing(app, demo, organizer_client):
    with app.app_context():
        jobs_before = db.session.scalar(select(func.count()).select_from(BackgroundJob))
    response = post_form(organizer_client, f"/manage/e/{demo}/badges/print",
                         {"category": 0, "which": "everything", "layout": "poster"},
                         from_path=f"/manage/e/{demo}/badges")
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('class="field-error"') == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == jobs_before


def test_any_server_process_reports_a_jobs_progress_and_a_dead_workers_job_is_finished_by_the_sweep(
        app, demo, organizer_client, make_user):
    job_url = _start(organizer_client, demo)
    job_id = job_url.rsplit("/", 1)[1]
    _wait(organizer_client, job_url)
    # a second app instance (another web server) sharing the database sees the same job
    other_server = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with other_server.test_request_context():
        job = db.session.get(BackgroundJob, job_id)
        assert job.state == JobState.DONE and job.done == job.total > 100
    with app.app_context():
        event_id = event_by_slug(demo).id
        # a worker died mid-job: the job is running under an expired lease
        lost = BackgroundJob(id="a" * 32, event_id=event_id, kind=jobs.KIND, state=JobState.RUNNING,
                             params={"layout": "sheet", "category_id": None, "which": "all"}, attempts=1,
                             lease_until=utcnow() - timedelta(seconds=1), done=40, total=200)
        # and one that has already been tried as often as a job is
        spent = BackgroundJob(id="b" * 32, event_id=event_id, kind=jobs.KIND, state=JobState.RUNNING,
                              params=dict(lost.params), attempts=3, lease_until=utcnow() - timedelta(seconds=1))
        db.session.add_all([lost, spent])
        db.session.commit()
        sweep_jobs.body()
    status = organizer_client.get(f"/manage/e/{demo}/badges/jobs/{'a' * 32}/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] > 100
    assert organizer_client.get(f"/manage/e/{demo}/badges/jobs/{'a' * 32}/badges.pdf").data.startswith(b"%PDF-")
    assert organizer_client.get(f"/manage/e/{demo}/badges/jobs/{'b' * 32}/status").get_json()["status"] == "interrupted"
    assert "stopped while making the PDF" in organizer_client.get(
        f"/manage/e/{demo}/badges/jobs/{'b' * 32}").get_data(as_text=True)
    # jobs belong to their event's organizers
    make_user("other@example.org", "other-password-1", event_slug=None)
    assert organizer_client.get(f"/manage/e/{demo}/badges/jobs/{'0' * 32}/status").status_code == 404
    assert organizer_client.get(f"/manage/e/{demo}/badges/jobs/..%2f..%2fsecret/status").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(job_url + "/badges.pdf").status_code in (302, 401)


def test_the_badge_list_costs_the_same_queries_for_few_and_many_guests(app, demo, organizer_client):
    def queries_for_list() -> int:
        count = [0]

        def before(*_args):
            count[0] += 1

        with app.app_context():
            engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            assert organizer_client.get(f"/manage/e/{demo}/badges").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)
        return count[0]

    many = queries_for_list()
    with app.app_context():
        keep = db.session.scalars(select(Registration.id).where(
            Registration.status == RegistrationStatus.CONFIRMED).limit(3)).all()
        for registration in db.session.scalars(select(Registration).where(Registration.id.not_in(keep))):
            registration.status = RegistrationStatus.CANCELLED
        db.session.commit()
    few = queries_for_list()
    assert few == many <= 8
