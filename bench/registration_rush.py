#!/usr/bin/env python3
"""N simultaneous registrations for C places against gunicorn with several workers.

    python bench/registration_rush.py                       # SQLite, 1000 for 100, 4 workers
    python bench/registration_rush.py --database postgresql+psycopg://postgres@127.0.0.1:5433/eventsvc_rush
    python bench/registration_rush.py -n 300 -c 100 --runs 5
    python bench/registration_rush.py --via form --workers 2   # the public form, as browsers post it

Each run builds a fresh database with the real migrations, starts gunicorn on
127.0.0.1, sends N registrations through the JSON API from --clients threads at
once (each also queues its confirmation e-mail in the same transaction), then
prints throughput, latency percentiles and the confirmed / waitlisted counts read
back from the database, and the workers' CPU time per registration (from /proc). It exits 1
if any run does not confirm exactly C.
"""

import argparse
import collections
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.readiness import STARTUP_TIMEOUT, wait_until  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """eventsvc under gunicorn on loopback; also used by the concurrency tests in tests/registration/."""

    def __init__(self, database_url: str, workers: int = 4, env_name: str = "testing",
                 app_spec: str = "eventsvc:create_app()", extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "EVENTSVC_ENV": env_name, "EVENTSVC_DATABASE_URL": database_url,
               "EVENTSVC_PUBLIC_BASE_URL": self.url, "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60", app_spec],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # read stderr as it comes: a full pipe would block the workers that log a traceback
        self._log = collections.deque(maxlen=400)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self._log.append(line.decode(errors="replace"))

    def log_tail(self, chars: int = 4000) -> str:
        """The end of what gunicorn and the app wrote to stderr (tracebacks of 500s)."""
        return "".join(self._log)[-chars:]

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> "Gunicorn":
        try:
            wait_until(lambda: urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=5),
                       what=f"gunicorn on {self.url}", process=self.process, log=self.log_tail, timeout=timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.wait_ready()

    def __exit__(self, *exc):
        self.stop()


def fresh_database(url: str | None, tmp: Path) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not url or url == "sqlite":
        return f"sqlite:///{tmp / 'rush.sqlite'}"
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return parsed.render_as_string(hide_password=False)


def prepare(database_url: str, capacity: int) -> tuple[str, str]:
    """Migrate, create an open event with ``capacity`` places and an organizer's API token."""
    from flask_migrate import upgrade

    from eventsvc import create_app
    from eventsvc.accounts.service import create_api_token, create_user, grant_role
    from eventsvc.events.enums import EventStatus, RegistrationMode
    from eventsvc.events.models import Event
    from eventsvc.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        event = Event(slug="rush", title="Rush", start_date=date(2030, 1, 1), end_date=date(2030, 1, 1),
                      status=EventStatus.PUBLISHED, registration_mode=RegistrationMode.OPEN, capacity=capacity)
        db.session.add(event)
        user = create_user("rush@example.org", "rush-password-123", name="Rush")
        grant_role(user, event, "organizer")
        _, secret = create_api_token(user, "rush")
        db.session.commit()
        db.engine.dispose()
    return "rush", secret


def counts(database_url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT status, count(*) FROM registrations GROUP BY status")).all())
        rows["counter"] = conn.execute(text("SELECT confirmed_count FROM events")).scalar()
        rows["outbox"] = conn.execute(text("SELECT count(*) FROM outgoing_messages")).scalar()
    engine.dispose()
    return rows


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_session(base_url: str, slug: str):
    """A browser's session: the form's page read once for its session cookie and CSRF token."""
    import requests

    http = requests.Session()
    page = http.get(f"{base_url}/e/{slug}/register", timeout=60)
    assert page.status_code == 200, page.status_code
    return http, CSRF_FIELD.search(page.text).group(1)


def rush(base_url: str, slug: str, secret: str, n: int, clients: int,
         via: str = "api") -> tuple[float, list[float], dict]:
    """``via`` "api": POST /api/v1/…/registrations with the organizer's token; "form": the public
    form /e/<slug>/register as a browser posts it (each client thread reads the form once first)."""
    import requests

    local = threading.local()
    if via == "form":
        url = f"{base_url}/e/{slug}/register"
        sessions = [form_session(base_url, slug) for _ in range(clients)]  # before the clock starts
        lock = threading.Lock()

        def one(i: int):
            if not hasattr(local, "http"):
                with lock:
                    local.http, local.token = sessions.pop()
            started = time.perf_counter()
            response = local.http.post(url, timeout=60, allow_redirects=False, data={
                "csrf_token": local.token, "name": f"Guest {i}", "email": f"guest{i}@rush.example",
                "language": "en"})
            return time.perf_counter() - started, response.status_code
    else:
        url = f"{base_url}/api/v1/events/{slug}/registrations"
        headers = {"Authorization": f"Bearer {secret}"}

        def one(i: int):
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            started = time.perf_counter()
            response = http.post(url, headers=headers, timeout=60,
                                 json={"name": f"Guest {i}", "email": f"guest{i}@rush.example"})
            return time.perf_counter() - started, response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - started
    codes: dict = {}
    for _, code in results:
        codes[code] = codes.get(code, 0) + 1
    return elapsed, [r[0] for r in results], codes


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--registrations", type=int, default=1000)
    parser.add_argument("-c", "--capacity", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32, help="concurrent client threads")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL (recreated)")
    parser.add_argument("--via", choices=("api", "form"), default="api",
                        help="the JSON API (organizer's token) or the public form (CSRF, as a browser)")
    args = parser.parse_args()

    failures = 0
    kind = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    print(f"registration rush: {args.registrations} registrations for {args.capacity} places, "
          f"{kind}, through the {args.via}, gunicorn {args.workers} workers, {args.clients} concurrent clients")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="rush-") as tmp:
            database_url = fresh_database(args.database, Path(tmp))
            slug, secret = prepare(database_url, args.capacity)
            # the form's per-client and per-address limits would refuse a rush from one machine
            with Gunicorn(database_url, workers=args.workers, extra_env={
                    "EVENTSVC_SELF_REGISTRATION_LIMIT_PER_CLIENT": str(10 * args.registrations)}) as server:
                workers = [int(pid) for pid in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
                           .read_text().split()]
                cpu_before = sum(cpu_ms(pid) for pid in workers)
                client_before = time.process_time()
                elapsed, latencies, codes = rush(server.url, slug, secret, args.registrations, args.clients,
                                                 args.via)
                cpu = (sum(cpu_ms(pid) for pid in workers) - cpu_before) / args.registrations
                client_cpu = (time.process_time() - client_before) * 1000 / args.registrations
            result = counts(database_url)
        ok = result.get("confirmed", 0) == args.capacity == result["counter"]
        failures += not ok
        ms = [v * 1000 for v in latencies]
        print(f"run {run}: {args.registrations / elapsed:7.1f} req/s  "
              f"p50 {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  "
              f"p99 {percentile(ms, 99):6.1f} ms  | HTTP {codes}  | confirmed {result.get('confirmed', 0)}  "
              f"waitlisted {result.get('waitlisted', 0)}  e-mails queued {result['outbox']}  "
              f"{'OK' if ok else 'OVER/UNDER-BOOKED'}  | server CPU {cpu:.1f} ms/registration  "
              f"client CPU {client_cpu:.1f} ms  "
              f"load average {os.getloadavg()[0]:.2f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
