#!/usr/bin/env python3
"""Load on the scan endpoint: gunicorn with 2 and 4 workers, SQLite and PostgreSQL, 1/8/32 clients.

    /work/venv/bin/python bench/checkin.py                       # both databases, everything
    /work/venv/bin/python bench/checkin.py --db postgres --workers 2 --concurrency 8
    --pg-url postgresql+psycopg://postgres@127.0.0.1:5433/postgres  (default; a database
      eventsvc_bench_checkin is created there and dropped at the end)

Each run first scans distinct badges (every answer should be ``ok``), then the same
badges again (``already_checked_in``). Prints requests per second, p50/p95/p99 latency
and the count of each result; transport errors and non-200 answers are counted apart.
"cpu ms" is gunicorn's own CPU time per scan (master + workers, from /proc): unlike the
latencies, other load on the machine hardly changes it.
The load generator runs on the same 2-core machine as the server (keep-alive HTTP/1.1,
one thread per client), so the figures include its CPU share.
"""

import argparse
import collections
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.readiness import wait_until  # noqa: E402

SECRET = "bench-only-secret-key-not-for-production"
#: production refuses a loopback address for the links it builds; nothing follows them here
PUBLIC_BASE_URL = "https://bench.example.org"
EXTRA_GUESTS = 3000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data ----------------------------------------------------------------------------------

def prepare_database(url: str) -> tuple[str, str, list[str]]:
    """Migrate, load the demo forum plus extra confirmed guests; return (slug, token, badge codes)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from eventsvc import create_app
    from eventsvc.accounts.models import User
    from eventsvc.accounts.service import create_api_token
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.demo import loader
    from eventsvc.extensions import db
    from eventsvc.people.models import Person
    from eventsvc.registration.enums import RegistrationSource, RegistrationStatus
    from eventsvc.registration.models import Registration

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                                    "PUBLIC_BASE_URL": PUBLIC_BASE_URL})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        event, _ = loader.load_demo()
        people = [{"name": f"Bench Guest {i}", "email": f"bench{i}@bench.example"} for i in range(EXTRA_GUESTS)]
        db.session.execute(insert(Person), people)
        ids = db.session.scalars(select(Person.id).where(Person.email.like("bench%@bench.example"))).all()
        db.session.execute(insert(Registration), [
            {"event_id": event.id, "person_id": pid, "status": RegistrationStatus.CONFIRMED,
             "source": RegistrationSource.IMPORT, "badge_version": 1} for pid in ids])
        db.session.commit()
        registrations = db.session.execute(
            select(Registration.id, Registration.badge_version)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)).all()
        codes = [sign_badge_code(event.id, rid, version) for rid, version in registrations]
        staff = db.session.scalar(select(User).where(User.email == loader.STAFF_EMAIL))
        _, token = create_api_token(staff, "bench")
        db.session.commit()
        slug = event.slug
        db.engine.dispose()
    return slug, token, codes


def clear_checkins(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM checkins"))
    engine.dispose()


# --- server --------------------------------------------------------------------------------

def start_gunicorn(url: str, workers: int, port: int, threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, "EVENTSVC_ENV": "production", "EVENTSVC_SECRET_KEY": SECRET, "EVENTSVC_DATABASE_URL": url,
           "EVENTSVC_PUBLIC_BASE_URL": PUBLIC_BASE_URL, "PYTHONPATH": str(ROOT)}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--keep-alive", "30", "eventsvc.wsgi:app"],
        cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    # production logs a JSON line per request: read them as they come (a full pipe would stop the
    # workers), keeping the end for the error message
    process.log = collections.deque(maxlen=200)
    threading.Thread(target=lambda: process.log.extend(process.stderr), daemon=True).start()
    def port_open() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_until(port_open, what=f"gunicorn on port {port}", process=process,
               log=lambda: b"".join(process.log).decode(errors="replace"))
    return process


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of gunicorn's master and workers: a figure other load on the machine does not inflate."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- load ----------------------------------------------------------------------------------

def run_load(port: int, slug: str, token: str, codes: list[str], concurrency: int) -> dict:
    """Each client takes the next code from the shared list until none is left."""
    return post_load(
        port, f"/api/v1/events/{slug}/scans", {"Authorization": f"Bearer {token}"},
        [{"code": code, "gate": "entrance", "nonce": uuid.uuid4().hex, "device": "bench"} for code in codes],
        concurrency, lambda answer: answer["result"])


def post_load(port: int, path: str, headers: dict, bodies: list[dict], concurrency: int,
              result_of: Callable[[dict], str]) -> dict:
    """``concurrency`` clients (one thread each, keep-alive HTTP/1.1) POST the JSON ``bodies`` to
    ``path``, each taking the next body from the shared list until none is left; ``result_of``
    names the result of a 2xx answer (its JSON) for the counts. Also used for pretix
    (bench/pretix_sidebyside.py)."""
    lock, cursor = threading.Lock(), [0]
    latencies, results, errors = [], Counter(), Counter()
    headers = {**headers, "Content-Type": "application/json"}

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_lat, mine_res, mine_err = [], Counter(), Counter()
        while True:
            with lock:
                if cursor[0] >= len(bodies):
                    break
                body = bodies[cursor[0]]
                cursor[0] += 1
            body = json.dumps(body)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                mine_err[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine_lat.append(time.perf_counter() - started)
            if 200 <= response.status < 300:  # pretix answers a check-in with 201
                mine_res[result_of(json.loads(data))] += 1
            else:
                mine_err[f"HTTP {response.status}"] += 1
        conn.close()
        with lock:
            latencies.extend(mine_lat)
            results.update(mine_res)
            errors.update(mine_err)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "results": dict(results), "errors": dict(errors), "n": len(latencies)}


def warm_up(port: int, slug: str, token: str, workers: int) -> None:
    """A few refused scans so that every worker has connected and imported everything."""
    for _ in range(workers * 4):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", f"/api/v1/events/{slug}/scans",
                     json.dumps({"code": "WARMUP", "gate": "entrance", "nonce": uuid.uuid4().hex}),
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        conn.getresponse().read()
        conn.close()


# --- main ----------------------------------------------------------------------------------

def database_urls(kind: str, pg_url: str, tmp: Path):
    if kind in ("sqlite", "both"):
        yield "SQLite", f"sqlite:///{tmp / 'bench-checkin.sqlite'}", None
    if kind in ("postgres", "both"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = make_url(pg_url)
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = "eventsvc_bench_checkin"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield "PostgreSQL", base.set(database=name).render_as_string(hide_password=False), (admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1 = gunicorn's sync worker)")
    parser.add_argument("--scans", type=int, default=1500, help="scans per phase (distinct badges, then repeats)")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5433/postgres")
    args = parser.parse_args()

    print(f"{'database':<10} {'workers':>7} {'clients':>7} {'phase':<9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'cpu ms':>7}  results / errors   (cpu ms: gunicorn CPU per scan; load avg {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory(prefix="bench-checkin-") as tmp:
        for label, url, cleanup in database_urls(args.db, args.pg_url, Path(tmp)):
            slug, token, codes = prepare_database(url)
            codes = codes[: args.scans]
            try:
                for workers in args.workers:
                    port = free_port()
                    server = start_gunicorn(url, workers, port, args.threads)
                    try:
                        warm_up(port, slug, token, workers)
                        for concurrency in args.concurrency:
                            clear_checkins(url)
                            for phase in ("distinct", "repeats"):
                                cpu_before = server_cpu_seconds(server.pid)
                                r = run_load(port, slug, token, codes, concurrency)
                                cpu = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / max(1, r["n"])
                                print(f"{label:<10} {workers:>7} {concurrency:>7} {phase:<9} {r['rps']:>7.0f} "
                                      f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} {cpu:>7.2f}  "
                                      f"{r['results']} {r['errors'] or ''}", flush=True)
                    finally:
                        stop(server)
            finally:
                if cleanup:
                    admin, name = cleanup
                    with admin.connect() as conn:
                        from sqlalchemy import text

                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()


if __name__ == "__main__":
    main()
