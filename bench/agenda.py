#!/usr/bin/env python3
"""Benchmark the agenda: public agenda page, organizer overview and .ics feed at 10, 100 and 1,000 sessions.

Each event has 10 rooms, one speaker (with an organization) and one speech record per session.
Prints, per page and size, the SQL statements of one request and the median time of a request
served in-process by the Flask app (no network, one worker).

    python bench/agenda.py                         # SQLite in a temporary file
    python bench/agenda.py --database-url postgresql+psycopg://postgres@127.0.0.1:5433/eventsvc_agenda_bench
      (the PostgreSQL database is emptied and rebuilt by the migrations)
"""

import argparse
import gc
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import text  # noqa: E402

from eventsvc import PROJECT_ROOT, create_app  # noqa: E402
from eventsvc.extensions import db  # noqa: E402

SIZES = (10, 100, 1000)
ADMIN = ("bench-admin@example.org", "bench-admin-password")


def build_event(sessions: int) -> str:
    from eventsvc.events.enums import EventStatus, ParticipationRole, SessionKind, SpeechStatus
    from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
    from eventsvc.people.models import Organization, Person

    tz = ZoneInfo("Asia/Shanghai")
    slug = f"bench-{sessions}"
    days = max(1, sessions // 100)
    event = Event(slug=slug, title=f"Bench forum {sessions}", title_local=f"基准论坛{sessions}",
                  start_date=date(2025, 3, 1), end_date=date(2025, 3, days), timezone="Asia/Shanghai",
                  status=EventStatus.PUBLISHED)
    rooms = [Room(event=event, name=f"Room {i}", name_local=f"会议室{i}", position=i) for i in range(10)]
    orgs = [Organization(name=f"Bench {sessions} organization {i}", name_local=f"单位{i}") for i in range(20)]
    db.session.add_all([event, *rooms, *orgs])
    for n in range(sessions):
        start = datetime(2025, 3, 1 + n // 100, 8, 0, tzinfo=tz) + timedelta(minutes=60 * ((n // 10) % 10))
        person = Person(name=f"Speaker {sessions}-{n}", name_local=f"演讲人{n}", position="Director",
                        organization=orgs[n % 20])
        item = AgendaItem(event=event, kind=list(SessionKind)[n % 5], title=f"Session {n}",
                          title_local=f"场次{n}", room=rooms[n % 10], starts_at=start,
                          ends_at=start + timedelta(minutes=50))
        db.session.add_all([
            person, item,
            Participation(agenda_item=item, person=person, role=ParticipationRole.SPEAKER),
            SpeechRecord(agenda_item=item, speaker=person, title=f"Talk {n}", status=SpeechStatus.DELIVERED,
                         summary="A summary of the talk.")])
    db.session.commit()
    return slug


def measure(client, path: str, engine, repeats: int) -> tuple[int, float, float]:
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT",
                                                      "RELEASE")):
            statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    response = client.get(path)
    first = (time.perf_counter() - started) * 1000
    sa_event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return len(statements), first, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after start-up, as a gunicorn post_fork hook would: full garbage "
                             "collections then skip the app's own long-lived objects")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="agenda-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    app.instance_path = workdir
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        from eventsvc.accounts.service import create_user

        create_user(*ADMIN, is_admin=True)
        db.session.commit()
        slugs = {n: build_event(n) for n in SIZES}
        engine = db.engine
        db.session.remove()

    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    public = app.test_client()
    organizer = app.test_client()
    organizer.post("/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    pages = [("public agenda", public, "/e/{slug}/agenda"),
             ("organizer overview", organizer, "/manage/e/{slug}/agenda"),
             (".ics feed", public, "/e/{slug}/agenda.ics")]
    print(f"database: {engine.dialect.name}; one in-process worker; gc.freeze: {args.gc_freeze}; median of "
          f"{args.repeats} requests after a first one (cold: no cached VEVENTs, first render)")
    print(f"{'page':<20}{'sessions':>9}{'queries':>9}{'first ms':>10}{'median ms':>11}")
    for name, client, pattern in pages:
        for n in SIZES:
            queries, first, median = measure(client, pattern.format(slug=slugs[n]), engine, args.repeats)
            print(f"{name:<20}{n:>9}{queries:>9}{first:>10.1f}{median:>11.1f}")


if __name__ == "__main__":
    main()
