"""Background work done by real worker processes: print jobs, mail, periodic tasks.

Each test starts gunicorn and ``celery -A eventsvc.worker worker`` processes on the test
database (see conftest.py); a worker is killed with SIGKILL where the story says so.
"""

import re
import time
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from eventsvc.core.jobs import BackgroundJob, JobState
from eventsvc.core.tasks import PeriodicRun
from eventsvc.core.types import utcnow
from eventsvc.demo import loader
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import MessageStatus, OutgoingMessage
from eventsvc.people.models import Person
from eventsvc.registration.enums import RegistrationSource, RegistrationStatus
from eventsvc.registration.models import Registration
from eventsvc.registration.reminders import ReminderAudience, ScheduledReminder
from tests.badges.reading import PrintedPdf


def _organizer(url: str) -> requests.Session:
    http = requests.Session()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', http.get(url + "/login").text).group(1)
    response = http.post(url + "/login", data={"email": loader.ORGANIZER_EMAIL, "password": loader.ORGANIZER_PASSWORD,
                                               "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302
    return http


def _post(http: requests.Session, url: str, page: str, data: dict) -> requests.Response:
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', http.get(url + page).text).group(1)
    return http.post(url + page if not data.get("_to") else url + data.pop("_to"),
                     data={**data, "csrf_token": token}, allow_redirects=False)


def _start_print_job(http, url, slug) -> str:
    response = _post(http, url, f"/manage/e/{slug}/badges",
                     {"_to": f"/manage/e/{slug}/badges/print", "category": "0", "which": "all", "layout": "sheet"})
    assert response.status_code == 302, response.text[:300]
    location = response.headers["Location"]
    return location if location.startswith("http") else url + location


def _poll(http, job_url, until, timeout=90) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(http.get(job_url + "/status", timeout=10).json())
        if until(seen[-1]):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job never got there: {seen[-1] if seen else None}")


def _add_confirmed_guests(app, slug, count) -> int:
    """More confirmed guests, so that a batch takes long enough to kill its worker in the middle."""
    with app.app_context():
        event = event_by_slug(slug)
        people = [Person(event_id=event.id, name=f"Extra Guest {n:04d}", email=f"extra{n}@example.org")
                  for n in range(count)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all([Registration(event_id=event.id, person_id=p.id, status=RegistrationStatus.CONFIRMED,
                                         source=RegistrationSource.IMPORT) for p in people])
        db.session.execute(update(Event).where(Event.id == event.id).values(
            capacity=None, confirmed_count=Event.confirmed_count + count))
        db.session.commit()
        return db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED))


def test_a_print_job_started_on_the_web_is_finished_by_a_worker_and_its_pdf_decodes(app, demo, cluster, tmp_path):
    cluster.start_worker("worker-1")
    url = cluster.start_web()
    http = _organizer(url)
    job_url = _start_print_job(http, url, demo)
    seen = _poll(http, job_url, lambda s: s["status"] not in ("queued", "running"))
    assert seen[-1]["status"] == "done" and seen[-1]["done"] == seen[-1]["total"] > 100
    pdf = PrintedPdf(http.get(job_url + "/badges.pdf", timeout=30).content, tmp_path)
    assert int(pdf.info()["Pages"]) == -(-seen[-1]["total"] // 4)
    assert len(pdf.qr_codes(1)) == 4
    # the PDF is in the shared storage folder, where any host's web server finds it
    job_id = job_url.rsplit("/", 1)[1]
    assert (tmp_path / "storage" / "badge-jobs" / f"{job_id}.pdf").is_file()


def test_a_worker_killed_mid_job_leaves_the_job_to_another_worker_which_finishes_it_once(
        app, demo, cluster, tmp_path):
    total = _add_confirmed_guests(app, demo, 600)
    cluster.start_worker("worker-1")
    url = cluster.start_web()
    http = _organizer(url)
    job_url = _start_print_job(http, url, demo)
    job_id = job_url.rsplit("/", 1)[1]
    _poll(http, job_url, lambda s: s["status"] == "running" and 0 < (s["done"] or 0) < total)
    cluster.kill("worker-1")
    killed_at = time.monotonic()
    stuck = http.get(job_url + "/status").json()
    assert stuck["status"] == "running" and stuck["done"] < total  # nobody is working on it now

    cluster.start_worker("worker-2", beat=True)  # its beat runs the sweep that hands the job over
    seen = _poll(http, job_url, lambda s: s["status"] not in ("queued", "running"))
    taken_over_in = time.monotonic() - killed_at
    assert seen[-1]["status"] == "done" and seen[-1]["done"] == seen[-1]["total"] == total
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert job.state == JobState.DONE and job.attempts == 2
        printed = db.session.scalars(select(Registration.badge_printed_at).where(
            Registration.status == RegistrationStatus.CONFIRMED)).all()
        assert len(printed) == total and len(set(printed)) == 1  # every badge marked, by one finish
    pdf = PrintedPdf(http.get(job_url + "/badges.pdf", timeout=60).content, tmp_path)
    assert int(pdf.info()["Pages"]) == -(-total // 4)
    assert len(pdf.qr_codes(int(pdf.info()["Pages"]))) == total % 4 or 4
    print(f"\nkilled worker's job finished by another worker {taken_over_in:.1f} s after the kill "
          f"({total} badges)")


def test_mail_queued_on_the_web_is_delivered_once_by_the_workers(app, demo, cluster, smtp_server):
    cluster.start_worker("worker-1")
    cluster.start_worker("worker-2")
    url = cluster.start_web()
    http = _organizer(url)
    guests = 30
    started = time.monotonic()
    for n in range(guests):
        response = _post(http, url, f"/manage/e/{demo}/invitations/new",
                         {"name": f"Invited Guest {n}", "email": f"invited{n}@example.org", "language": "en",
                          "send_now": "y"})
        assert response.status_code == 302, response.text[:300]
    deadline = time.monotonic() + 60
    while len(smtp_server.inbox.messages) < guests and time.monotonic() < deadline:
        time.sleep(0.1)
    delivered_in = time.monotonic() - started
    time.sleep(5)  # two more sweeps: nothing goes twice
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(ids) == guests and len(set(ids)) == guests
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.inbox.messages) == sorted(
        f"invited{n}@example.org" for n in range(guests))
    with app.app_context():
        rows = db.session.scalars(select(OutgoingMessage)).all()
        assert {r.status for r in rows} == {MessageStatus.SENT} and all(r.attempts == 1 for r in rows)
    print(f"\n{guests} invitations delivered by two workers within {delivered_in:.1f} s of the first request")


def test_a_message_whose_worker_died_mid_send_is_delivered_by_another_worker(app, demo, cluster, smtp_server):
    with app.app_context():
        event = event_by_slug(demo)
        # a worker claimed it and died before the mail server answered: the claim runs out
        db.session.add(OutgoingMessage(
            event_id=event.id, kind="test", to_address="orphan@example.org", to_name="Orphan", subject="Hello",
            body_text="Hello\n", language="en", message_id="<orphan-1@eventsvc.local>",
            claimed_until=utcnow() + timedelta(seconds=3)))
        db.session.commit()
    cluster.start_worker("worker-1", beat=True)
    deadline = time.monotonic() + 30
    while not smtp_server.inbox.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)
    assert [m["Message-ID"] for m in smtp_server.inbox.messages] == ["<orphan-1@eventsvc.local>"]


def test_periodic_tasks_sent_by_two_beats_act_once_per_period(app, demo, cluster, smtp_server):
    with app.app_context():
        event = event_by_slug(demo)
        # the first session starts in two hours; a reminder three hours before is due now
        confirmed = db.session.scalar(select(func.count()).select_from(Registration).join(Registration.person).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
            Person.email.is_not(None)))
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)).all()
        shift = utcnow() + timedelta(hours=2) - min(item.starts_at for item in items)
        for item in items:
            item.starts_at, item.ends_at = item.starts_at + shift, item.ends_at + shift
        days = event.end_date - event.start_date
        event.start_date = (utcnow() + timedelta(hours=2)).date()
        event.end_date = event.start_date + days
        db.session.add(ScheduledReminder(event_id=event.id, audience=ReminderAudience.CONFIRMED, hours_before=3))
        db.session.commit()
    cluster.start_worker("worker-1", beat=True)
    cluster.start_worker("worker-2", beat=True)
    deadline = time.monotonic() + 60
    while len(smtp_server.inbox.messages) < confirmed and time.monotonic() < deadline:
        time.sleep(0.2)
    # both beats go on sending every period: wait until each has sent the sweep a few times
    deadline = time.monotonic() + 60
    while min(cluster.log(n).count("Sending due task jobs_sweep") for n in ("worker-1", "worker-2")) < 4:
        assert time.monotonic() < deadline, "a beat stopped sending"
        time.sleep(0.5)
    reminders = smtp_server.inbox.messages  # nothing else is sent here ("Reminder: …", "提醒：…")
    assert all(m["Subject"].startswith(("Reminder: ", "提醒：")) for m in reminders)
    assert len(reminders) == confirmed > 100
    assert len({m["To"].addresses[0].addr_spec for m in reminders}) == confirmed
    sent = sum(cluster.log(n).count("Sending due task jobs_sweep") for n in ("worker-1", "worker-2"))
    skipped = sum(len(re.findall(r"periodic\.jobs_sweep\[[^]]+\] succeeded in [0-9.e-]+s: None", cluster.log(n)))
                  for n in ("worker-1", "worker-2"))
    with app.app_context():
        runs = db.session.scalars(select(PeriodicRun).where(PeriodicRun.name == "jobs_sweep")).all()
        assert len({r.period_start for r in runs}) == len(runs)  # one run per period
    assert skipped >= 1 and len(runs) >= 3  # sent twice in a period, it acted once: the second did nothing
    print(f"\njobs_sweep sent {sent} times by two beats, acted {len(runs)} times (once per period); "
          f"{skipped} runs found their period taken")
