"""The multi-host deployment, built once for the module: see cluster.py for its hosts.

It runs in the PostgreSQL pytest run only (marker postgres_only; it builds its own PostgreSQL on
its db host anyway). It needs root for network namespaces: without, it fails with a sentence, it is
never skipped. EVENTSVC_MULTIHOST_KEEP=1 keeps the run's folder (logs of every host) for a look.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest

from tests.multihost.cluster import Cluster, has_queue
from tests.multihost.netns import can_use_namespaces

EXTRA_GUESTS = 1500
PRINT_BATCH = 1000
REMINDER_GUESTS = 20
REMINDER_AHEAD = timedelta(seconds=60)


@pytest.fixture(autouse=True)
def _clean_database():
    """The suite's shared test database is not used here: the cluster has its own PostgreSQL."""
    yield


def figure(request, line: str) -> None:
    """A scenario's pass/fail figure: printed, and kept for the run's closing summary."""
    request.node.user_properties.append(("multihost", line))
    print(line, file=sys.stderr, flush=True)


class World:
    """What the seeding made: the event, tokens, badge codes (in the client's view)."""

    slug: str
    event_id: int
    staff_token: str
    organizer_token: str
    codes: dict[int, str]  # registration id -> badge code, the extra guests only


@pytest.fixture(scope="module")
def cluster():
    why_not = can_use_namespaces()
    if why_not:
        pytest.fail(f"multi-host test cannot run: {why_not}", pytrace=False)
    c = Cluster()
    keep = bool(os.environ.get("EVENTSVC_MULTIHOST_KEEP"))
    failed = True
    try:
        c.start_db()
        c.start_broker()
        c.start_smtp()
        c.world = _seed(c)
        c.start_web("web-a")
        c.start_web("web-b")
        if has_queue():
            c.start_worker("worker-1")
            c.start_worker("worker-2")
            c.start_beat()
        c.start_proxy(c.check_path)
        c.wait_ready()
        failed = False
        yield c
    finally:
        if failed or keep:
            print(f"multi-host run folder: {c.dir}", file=sys.stderr)
        c.close(keep=keep or failed)


def _seed(c: Cluster) -> World:
    """Migrations, the demo forum, EXTRA_GUESTS confirmed guests with badge codes, API tokens."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from eventsvc import PROJECT_ROOT, create_app
    from eventsvc.accounts.models import User
    from eventsvc.accounts.service import create_api_token
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.core.types import utcnow
    from eventsvc.demo import loader
    from eventsvc.extensions import db
    from eventsvc.people.models import Person
    from eventsvc.registration.enums import RegistrationSource, RegistrationStatus
    from eventsvc.registration.models import Category, Registration

    world = World()
    with c.net.enter("client"):
        app = c.seed_app = create_app("production", c.app_overrides())
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            event, _ = loader.load_demo()
            category = db.session.scalar(select(Category).where(Category.event_id == event.id).limit(1))
            # the print job's badges: PRINT_BATCH guests of a category of their own
            printed = Category(event=event, code="mh-print", label="Multi-host print run", position=99)
            db.session.add(printed)
            now = utcnow()
            regs = []
            for i in range(EXTRA_GUESTS):
                person = Person(event_id=event.id, name=f"Guest {i:04d}", email=f"mh{i:04d}@guests.example",
                                language="en")
                reg = Registration(event=event, person=person, category=printed if i < PRINT_BATCH else category,
                                   source=RegistrationSource.IMPORT,
                                   status=RegistrationStatus.CONFIRMED, confirmed_at=now, language="en")
                db.session.add_all([person, reg])
                regs.append(reg)
            event.confirmed_count += EXTRA_GUESTS
            if event.capacity is not None:
                event.capacity += EXTRA_GUESTS
            db.session.flush()
            world.codes = {r.id: sign_badge_code(event.id, r.id, r.badge_version) for r in regs}
            tokens = {}
            for email in (loader.STAFF_EMAIL, loader.ORGANIZER_EMAIL):
                user = db.session.scalar(select(User).where(User.email == email))
                tokens[email] = create_api_token(user, "multihost")[1]
            world.print_category_id = printed.id
            world.reminder_event_id = _reminder_event(now) if has_queue() else None
            db.session.commit()
            world.slug, world.event_id = event.slug, event.id
            world.staff_token, world.organizer_token = tokens[loader.STAFF_EMAIL], tokens[loader.ORGANIZER_EMAIL]
            db.engine.dispose()  # its connections live in the client's namespace
    return world


def _reminder_event(now) -> int:
    """A published event whose reminder (1 hour before its first session) is due a minute from now,
    with REMINDER_GUESTS confirmed guests."""
    from eventsvc.events.enums import EventStatus, SessionKind
    from eventsvc.events.models import AgendaItem, Event
    from eventsvc.extensions import db
    from eventsvc.people.models import Person
    from eventsvc.registration.enums import RegistrationSource, RegistrationStatus
    from eventsvc.registration.models import Registration
    from eventsvc.registration.reminders import ReminderAudience, ScheduledReminder

    starts = now + timedelta(hours=1) + REMINDER_AHEAD
    event = Event(slug="mh-reminder", title="Reminder forum", start_date=starts.date(), end_date=starts.date(),
                  timezone="UTC", status=EventStatus.PUBLISHED)
    db.session.add(event)
    db.session.flush()
    db.session.add(ScheduledReminder(event_id=event.id, audience=ReminderAudience.CONFIRMED, hours_before=1))
    db.session.add(AgendaItem(event=event, kind=SessionKind.PLENARY, title="Opening", starts_at=starts,
                              ends_at=starts + timedelta(hours=1)))
    for i in range(REMINDER_GUESTS):
        person = Person(event_id=event.id, name=f"Reminded {i:02d}", email=f"remind{i:02d}@guests.example")
        db.session.add(Registration(event=event, person=person, source=RegistrationSource.IMPORT,
                                    status=RegistrationStatus.CONFIRMED, confirmed_at=now))
    event.confirmed_count = REMINDER_GUESTS
    db.session.flush()
    return event.id
