"""Scheduled work and storage, run in the test process (tasks at once, TASKS_EAGER): periods
claimed once, invitations expired through the lifecycle, the pre-event reminder sent once,
old generated files pruned, storage keys that cannot leave their folder."""

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from eventsvc.core import jobs, storage, tasks
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.mail.tasks import outbox_ready
from eventsvc.people.models import Person
from eventsvc.registration import schedule
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus
from eventsvc.registration.models import GuestLink, Invitation, Registration
from eventsvc.registration.reminders import ReminderAudience, ScheduledReminder
from tests.registration.fixtures import open_event  # noqa: F401 (fixture)
from tests.registration.helpers import invite
from tests.support.web import post_form


def test_a_period_is_claimed_once_however_often_the_task_runs(app_ctx):
    now = datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC)
    assert tasks.run_once_per_period("test_task", 30, now) is True
    assert tasks.run_once_per_period("test_task", 30, now + timedelta(seconds=5)) is False  # a second beat
    assert tasks.run_once_per_period("other_task", 30, now) is True  # periods are per task
    assert tasks.run_once_per_period("test_task", 30, now + timedelta(seconds=25)) is True  # the next period


def test_invitations_whose_every_link_expired_are_expired_by_the_schedule_and_revived_by_a_resend(
        app, open_event):  # noqa: F811
    slug = open_event()
    invite(app, slug, "stale@example.org")
    invite(app, slug, "fresh@example.org")
    with app.app_context():
        stale = db.session.scalar(select(Invitation).join(Person).where(Person.email == "stale@example.org"))
        db.session.execute(update(GuestLink).where(GuestLink.invitation_id == stale.id)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert schedule.expire_invitations.body() == 1
        assert schedule.expire_invitations.body() == 0  # expired is expired: nothing more to do
        states = dict(db.session.execute(select(Person.email, Invitation.status).join(Invitation.person)).all())
        assert states == {"stale@example.org": InvitationStatus.EXPIRED, "fresh@example.org": InvitationStatus.SENT}


def _soon(app, slug, hours_before):
    """The event's first session starts in two hours; its reminder goes ``hours_before`` before."""
    with app.app_context():
        event = event_by_slug(slug)
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)).all()
        shift = utcnow() + timedelta(hours=2) - min(item.starts_at for item in items)
        for item in items:
            item.starts_at, item.ends_at = item.starts_at + shift, item.ends_at + shift
        event.start_date = event.end_date = (utcnow() + timedelta(hours=2)).date()
        if hours_before is not None:
            db.session.add(ScheduledReminder(event_id=event.id, audience=ReminderAudience.CONFIRMED,
                                             hours_before=hours_before))
        db.session.commit()


def _reminders(app) -> list[OutgoingMessage]:
    with app.app_context():
        return db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.kind == "event_reminder")).all()


def test_the_pre_event_reminder_goes_to_each_confirmed_guest_once(app, demo, organizer_client):
    _soon(app, demo, hours_before=1)
    with app.app_context():
        assert schedule.send_due_reminders.body() == 0  # two hours ahead, one hour before: not yet
    page = f"/manage/e/{demo}/reminders"
    response = post_form(organizer_client, page, {"amount": "3", "unit": "hours", "audience": "confirmed"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        confirmed = db.session.scalar(select(func.count()).select_from(Registration).join(Registration.person).where(
            Registration.status == RegistrationStatus.CONFIRMED, Person.email.is_not(None)))
        assert schedule.send_due_reminders.body() == confirmed > 100
        assert schedule.send_due_reminders.body() == 0
    reminders = _reminders(app)
    assert len(reminders) == confirmed and len({m.to_address for m in reminders}) == confirmed
    assert {m.subject.split("：")[0].split(": ")[0] for m in reminders} == {"Reminder", "提醒"}  # each in their language
    # the page says when it went out, and to how many
    assert f"to {confirmed} guests" in organizer_client.get(page).get_data(as_text=True)


def test_the_reminder_setting_is_checked(app, demo, organizer_client):
    response = post_form(organizer_client, f"/manage/e/{demo}/reminders",
                         {"amount": "0", "unit": "hours", "audience": "confirmed"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScheduledReminder)) == 0


def test_old_generated_files_and_finished_jobs_are_pruned_and_slides_are_kept(app, demo):
    with app.app_context():
        old, recent = "badge-jobs/old.pdf", "badge-jobs/recent.pdf"
        for key in (old, recent, "slides/talk.pdf", "imports/stale-upload"):
            storage.save(key, b"%PDF-1.4\n")
        long_ago = time.time() - 8 * 86400
        for key in (old, "slides/talk.pdf", "imports/stale-upload"):
            os.utime(storage.path(key), (long_ago, long_ago))
        event_id = event_by_slug(demo).id
        db.session.add(jobs.BackgroundJob(id="c" * 32, event_id=event_id, kind="badge_print", params={},
                                          state=jobs.JobState.DONE, updated_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        assert jobs.prune_old_files.body() == 2
        assert [storage.exists(k) for k in (old, recent, "slides/talk.pdf", "imports/stale-upload")] == [
            False, True, True, False]
        assert db.session.get(jobs.BackgroundJob, "c" * 32) is None


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", ".hidden", "a\x00b"])
def test_storage_refuses_keys_that_could_leave_its_folder(app_ctx, key):
    with pytest.raises(storage.BadKey):
        storage.path(key)


def test_storage_writes_whole_files_and_reads_them_back(app_ctx):
    assert storage.save("test/one.bin", b"x" * 10) == 10
    assert storage.read("test/one.bin") == b"x" * 10 and storage.exists("test/one.bin")
    storage.delete("test/one.bin")
    assert not storage.exists("test/one.bin")
    assert not list(storage.path("test").glob(".*.tmp"))  # no temporary file left behind


def test_readiness_names_a_silent_worker_and_a_stuck_outbox(app_ctx, tmp_path):
    assert tasks.worker_ready() == "no worker has ever reported"
    tasks.beat("worker-1@host")
    assert tasks.worker_ready() is None
    db.session.execute(update(tasks.WorkerHeartbeat).values(last_seen=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert tasks.worker_ready().startswith("the last worker heartbeat is 3")
    assert outbox_ready() is None
    db.session.add(OutgoingMessage(kind="test", to_address="a@example.org", subject="s", body_text="b",
                                   message_id="<stuck@eventsvc.local>",
                                   next_attempt_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert outbox_ready().startswith("the oldest undelivered message has waited 6")
    assert tasks.broker_ready() is None  # the SQLite broker file answers
