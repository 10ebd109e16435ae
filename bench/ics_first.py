#!/usr/bin/env python3
"""The .ics of 1,000 sessions on fresh gunicorn workers: the first request each worker serves, then warm ones.

    python bench/ics_first.py                                   # SQLite in a temporary file
    python bench/ics_first.py --database postgresql+psycopg://postgres@127.0.0.1:5433/eventsvc_ics_bench
    python bench/ics_first.py --rounds 5 --workers 2

The database is built once (the real migrations, bench/agenda.py's event of 1,000 sessions in
Asia/Shanghai; a PostgreSQL database is recreated). Each round starts a new gunicorn (sync
workers), waits until it answers, then sends one .ics request per worker at the same moment:
a sync worker serves one request at a time, so each worker serves exactly one of them, and
that is its first .ics. Then --repeats requests one after another give the warm time.
Prints, per round, each worker's first time and the median warm time, and the load average.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registration_rush import Gunicorn, fresh_database  # noqa: E402

SESSIONS = 1000


def prepare(database_url: str) -> str:
    from flask_migrate import upgrade

    from bench.agenda import build_event
    from eventsvc import create_app
    from eventsvc.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        slug = build_event(SESSIONS)
        db.engine.dispose()
    return slug


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        assert response.status == 200 and body.startswith(b"BEGIN:VCALENDAR"), response.status
        assert body.count(b"BEGIN:VEVENT") == SESSIONS
    return (time.perf_counter() - started) * 1000


def first_request(url: str, times: list[float]) -> None:
    times.append(fetch(url))


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def booted_workers(master: int, count: int) -> list[int]:
    """The workers once all ``count`` have finished importing the app: each has used no CPU
    for half a second (a worker still booting would leave both first requests to the other)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) == count:
            before = [cpu_ms(pid) for pid in pids]
            time.sleep(0.5)
            if all(cpu_ms(pid) - used < 5 for pid, used in zip(pids, before, strict=True)):
                return pids
        else:
            time.sleep(0.2)
    raise RuntimeError("gunicorn's workers did not settle")


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL (recreated)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--app", default="eventsvc.wsgi:app",
                        help="gunicorn's app: the deployed entry point (gc.freeze after start-up) or "
                             "'eventsvc:create_app()'")
    args = parser.parse_args()
    kind = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    with tempfile.TemporaryDirectory(prefix="ics-first-") as tmp:
        database_url = fresh_database(args.database, Path(tmp))
        slug = prepare(database_url)
        print(f".ics of {SESSIONS} sessions, {kind}, gunicorn {args.workers} sync workers ({args.app}), "
              f"{args.rounds} rounds")
        firsts, warms = [], []
        for round_ in range(1, args.rounds + 1):
            with Gunicorn(database_url, workers=args.workers, app_spec=args.app) as server:
                url = f"{server.url}/e/{slug}/agenda.ics"
                times: list[float] = []
                workers = booted_workers(server.process.pid, args.workers)
                cpu_before = {pid: cpu_ms(pid) for pid in workers}
                threads = [threading.Thread(target=first_request, args=(url, times)) for _ in range(args.workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                cpus = [cpu_ms(pid) - cpu_before[pid] for pid in workers]
                warm = statistics.median(fetch(url) for _ in range(args.repeats))
            firsts += times
            warms.append(warm)
            print(f"round {round_}: first request per worker "
                  f"{', '.join(f'{t:.0f}' for t in sorted(times))} ms "
                  f"(worker CPU {', '.join(f'{c:.0f}' for c in sorted(cpus))} ms); warm median {warm:.0f} ms; "
                  f"load average {os.getloadavg()[0]:.2f}")
        print(f"first: {min(firsts):.0f}–{max(firsts):.0f} ms; warm: {min(warms):.0f}–{max(warms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
