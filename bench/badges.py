"""Time and size of a 1,000-badge PDF (single A6 pages, and A4 sheets of four), and of one badge.

    /work/venv/bin/python bench/badges.py                # a throwaway SQLite database
    EVENTSVC_DATABASE_URL=postgresql+psycopg://... /work/venv/bin/python bench/badges.py

Measures what a print job does: one query for the registrations, signing their codes,
drawing the badges (QR + Chinese names), saving the PDF. Prints medians of --runs runs.
Target (TARGETS.md): 1,000 badges in <= 2.5 s and <= 2.5 MB; one badge <= 25 ms.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from eventsvc import PROJECT_ROOT, create_app  # noqa: E402
from eventsvc.extensions import db  # noqa: E402


def populate(count: int) -> None:
    """The demo forum, topped up with fictional confirmed guests to ``count`` badges."""
    from sqlalchemy import func, select

    from eventsvc.demo import loader
    from eventsvc.demo.people_names import GIVEN_NAMES, POSITIONS, SURNAMES
    from eventsvc.people.models import Organization, Person
    from eventsvc.registration.enums import RegistrationSource, RegistrationStatus
    from eventsvc.registration.models import Category, Registration

    event, _ = loader.load_demo()
    have = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED))
    orgs = db.session.scalars(select(Organization)).all()
    categories = db.session.scalars(select(Category).where(Category.event_id == event.id)).all()
    for i in range(have, count):
        surname, surname_zh = SURNAMES[i % len(SURNAMES)]
        given, given_zh = GIVEN_NAMES[(i * 5) % len(GIVEN_NAMES)]
        position, position_zh = POSITIONS[i % len(POSITIONS)]
        person = Person(name=f"{surname} {given} {i}", name_local=f"{surname_zh}{given_zh}", position=position,
                        position_local=position_zh, organization=orgs[i % len(orgs)],
                        email=f"bench{i}@bench.example")
        db.session.add(Registration(event=event, person=person, category=categories[i % len(categories)],
                                    status=RegistrationStatus.CONFIRMED, source=RegistrationSource.IMPORT))
    event.capacity = None
    db.session.commit()


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished QR worker processes."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def compare_encoders(event) -> None:
    """The two QR encoders on the batch's own codes: zxing-cpp (the PDFs' encoder) and qrcode (the
    screens'), modules only, in this process: whether the PDFs' encoder still earns its place."""
    from eventsvc.badges.service import badge_contents, badges_query
    from eventsvc.documents.qr import _screen_code, qr_rows

    codes = [content.code for content in badge_contents(event, db.session.scalars(badges_query(event)).all())]
    for name, encode in (("zxing-cpp", qr_rows), ("qrcode", lambda code: _screen_code(code, "m").get_matrix())):
        runs = []
        for _ in range(3):
            start = time.process_time()
            for code in codes:
                encode(code)
            runs.append(time.process_time() - start)
        print(f"QR encoder {name:9}: {statistics.median(runs) / len(codes) * 1000:.2f} ms CPU a code "
              f"({len(codes)} codes, median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    url = os.environ.get("EVENTSVC_DATABASE_URL")
    folder = tempfile.mkdtemp(prefix="badges-bench-")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder}/bench.sqlite"})
    app.instance_path = folder
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"), revision="heads")
        from eventsvc.badges.layout import SHEET, SINGLE
        from eventsvc.badges.service import BadgeSelection, badge_pdf, badges_query, render_batch
        from eventsvc.demo.loader import SLUG
        from eventsvc.events.permissions import event_by_slug

        populate(args.count)
        event = event_by_slug(SLUG)
        print(f"database: {db.engine.dialect.name}; one process, {os.cpu_count()} cores; "
              f"{args.count} badges; median of {args.runs} runs")
        for layout in (SINGLE, SHEET):
            times, cpu, size = [], [], 0
            for _ in range(args.runs):
                event = event_by_slug(SLUG)
                start, used = time.perf_counter(), _cpu_seconds()
                pdf, printed = render_batch(event, BadgeSelection(), layout)
                times.append(time.perf_counter() - start)
                cpu.append(_cpu_seconds() - used)
                size = len(pdf)
                assert len(printed) == args.count, len(printed)
            Path(folder, f"badges-{layout}.pdf").write_bytes(pdf)
            name = "A6 single" if layout == SINGLE else "A4 4-up  "
            print(f"{name}: {statistics.median(times):.2f} s  {size / 1e6:.2f} MB  "
                  f"(runs: {', '.join(f'{t:.2f}' for t in times)}; CPU incl. QR workers "
                  f"{statistics.median(cpu):.2f} s; load average {os.getloadavg()[0]:.1f})")
        compare_encoders(event)
        registration = db.session.scalars(badges_query(event)).first()
        badge_pdf(registration)
        times = []
        for _ in range(20):
            registration = db.session.scalars(badges_query(event)).first()
            start = time.perf_counter()
            badge_pdf(registration)
            times.append(time.perf_counter() - start)
        print(f"one badge: {statistics.median(times) * 1000:.1f} ms (median of 20, warm process)")
        print(f"PDFs in {folder}")
        if url:
            db.session.remove()


if __name__ == "__main__":
    main()
