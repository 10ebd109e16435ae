#!/usr/bin/env python3
"""Time a 10,000-row invitation spreadsheet: checked, then imported all-or-nothing.

    python bench/invitation_import.py                 # SQLite in a temporary folder
    python bench/invitation_import.py --rows 10000 --database postgresql+psycopg://postgres@127.0.0.1:5433/eventsvc_import
    python bench/invitation_import.py --format xlsx

One process, in-process calls of the same service the organizer page and the API use
(eventsvc.registration.invitations.import_invitations), on the demo forum. Prints the
time to check the file with one bad row (nothing written) and to import the good file.
Target (issue 17): 10,000 rows in ≤ 5 s on SQLite and PostgreSQL, all-or-nothing. The CPU time is
this process's (not the database server's): steadier than the wall time on a shared machine.
"""

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["name", "name_local", "email", "organization", "position", "category", "sessions", "language"]
SEMINAR = "Exclusive Seminar on the Scenario and Policy of China's Automobile Industry"


def rows(count: int) -> list[list[str]]:
    return [[f"Guest {i}", f"嘉宾{i}", f"bench{i}@example.org", "Donghai Battery Group", "Engineer",
             "vip" if i % 10 == 0 else "guest", SEMINAR if i % 5 == 0 else "", "zh" if i % 2 else "en"]
            for i in range(count)]


def encode(table: list[list[str]], fmt: str) -> tuple[str, bytes]:
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in [HEADER, *table]:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return "bench.xlsx", buffer.getvalue()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *table])
    return "bench.csv", buffer.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temporary folder)")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()

    from flask_migrate import downgrade, upgrade

    from eventsvc import create_app
    from eventsvc.core.spreadsheets import ImportRejected
    from eventsvc.demo.loader import load_demo
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db
    from eventsvc.registration.invitations import import_invitations

    tmp = tempfile.mkdtemp(prefix="bench-import-")
    url = args.database or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = tmp
    with app.app_context():
        if args.database:
            downgrade(directory=str(ROOT / "migrations"), revision="base")
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        event = event_by_slug("ev100-2023")

        table = rows(args.rows)
        bad = [list(r) for r in table]
        bad[args.rows // 2][2] = "not-an-email"
        name, data = encode(bad, args.format)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            import_invitations(event, name, data, invited_by_id=None, send=False)
        except ImportRejected as rejected:
            db.session.rollback()
            reported = len(rejected.errors)
        else:
            raise SystemExit("the bad file was imported")
        check_s, check_cpu = time.perf_counter() - started, time.process_time() - cpu

        name, data = encode(table, args.format)
        started, cpu = time.perf_counter(), time.process_time()
        created = import_invitations(event, name, data, invited_by_id=None, send=True)
        db.session.commit()
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu

    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"invitation import, {args.rows} rows ({args.format}), {database}, one process")
    print(f"  file with one bad row: refused in {check_s:.2f} s ({check_cpu:.2f} s CPU), {reported} row(s) reported, nothing written")
    print(f"  good file: {len(created)} invitations (and their e-mails queued) in {import_s:.2f} s"
          f" ({import_cpu:.2f} s CPU in this process)")


if __name__ == "__main__":
    main()
