#!/usr/bin/env python3
"""Award figures on a real server: gunicorn with 2 workers on SQLite or PostgreSQL.

    /work/venv/bin/python bench/awards.py sqlite
    /work/venv/bin/python bench/awards.py postgresql+psycopg://postgres@127.0.0.1:5433/eventsvc_awards_bench

Prints: certificate numbers issued per second by 16 concurrent clients (and that all
are different), verification lookups per second (8 clients), that the per-client
limit holds across both workers (exactly LIMIT answers of 200 per window), and the
time of one certificate PDF and of a 100-certificate batch.
"""

import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.readiness import wait_until  # noqa: E402

PORT = 0  # chosen at start: a free port on loopback


def prepare(url: str) -> str:
    if url == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def setup(database_url: str) -> tuple[str, int]:
    from flask_migrate import upgrade

    from eventsvc import create_app
    from eventsvc.accounts.service import create_api_token, user_by_email
    from eventsvc.awards.models import AwardProgram
    from eventsvc.demo import loader
    from eventsvc.extensions import db
    from eventsvc.people.models import Organization

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        loader.load_demo()
        _, token = create_api_token(user_by_email(loader.ORGANIZER_EMAIL), "bench")
        db.session.add_all([Organization(name=f"Bench Operator {i}") for i in range(400)])
        program_id = db.session.query(AwardProgram.id).scalar()
        db.session.commit()
        db.engine.dispose()
    return token, program_id


def serve(database_url: str, limit: int):
    env = {**os.environ, "EVENTSVC_ENV": "production", "EVENTSVC_SECRET_KEY": secrets.token_hex(32),
           "EVENTSVC_DATABASE_URL": database_url, "EVENTSVC_AWARDS_VERIFY_LIMIT": str(limit),
           "EVENTSVC_AWARDS_VERIFY_CODE_LIMIT": str(max(limit, 120)),
           # production refuses a loopback address for the links it builds; nothing follows them here
           "EVENTSVC_PUBLIC_BASE_URL": "https://bench.example.org",
           "EVENTSVC_LOG_REQUESTS": "false"}  # no line per request on this terminal
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}", "--log-level", "warning",
         "eventsvc:create_app()"], cwd=ROOT, env=env)
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5), what="gunicorn",
                   process=process)
    except (RuntimeError, requests.RequestException) as error:
        process.terminate()
        raise SystemExit(str(error)) from None
    return process


def timed(pool, fn, items):
    start = time.perf_counter()
    results = list(pool.map(fn, items))
    return results, time.perf_counter() - start


def main(target: str) -> None:
    global PORT
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        PORT = probe.getsockname()[1]
    database_url = prepare(target)
    token, program_id = setup(database_url)
    headers = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{PORT}"
    kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"database: {kind}; server: gunicorn, 2 workers (sync); clients: Python threads on the same machine")

    server = serve(database_url, limit=10**9)
    try:
        from eventsvc import create_app
        from eventsvc.extensions import db
        from eventsvc.people.models import Organization

        app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
        with app.app_context():
            org_ids = [o.id for o in db.session.query(Organization).filter(Organization.name.like("Bench%"))]
        local = threading.local()

        def session_():
            if not hasattr(local, "session"):
                local.session = requests.Session()
            return local.session

        def issue(org_id):
            t = time.perf_counter()
            r = session_().post(f"{base}/api/v1/events/ev100-2023/award-programs/{program_id}/awards",
                             json={"recipient_organization_id": org_id, "issue_date": "2024-05-01"},
                             headers=headers, timeout=60)
            return r.status_code, r.json().get("certificate_number"), r.json().get("verification_url"), \
                time.perf_counter() - t

        with ThreadPoolExecutor(16) as pool:
            results, elapsed = timed(pool, issue, org_ids)
        numbers = [n for s, n, _, _ in results if s == 201]
        latencies = sorted(r[3] for r in results)
        print(f"issue awards: {len(results)} requests, 16 clients: {len(results) / elapsed:.0f}/s, "
              f"median {statistics.median(latencies) * 1000:.0f} ms, p99 {latencies[int(len(latencies) * .99)] * 1000:.0f} ms; "
              f"{len(numbers)} created, {len(set(numbers))} different numbers")

        urls = [u + ".json" for s, _, u, _ in results if s == 201] * 5

        def verify(url):
            t = time.perf_counter()
            r = session_().get(url, timeout=30)
            return r.status_code, time.perf_counter() - t

        with ThreadPoolExecutor(8) as pool:
            answers, elapsed = timed(pool, verify, urls)
        latencies = sorted(t for _, t in answers)
        print(f"verify by QR code: {len(answers)} lookups, 8 clients: {len(answers) / elapsed:.0f}/s, "
              f"median {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(len(latencies) * .99)] * 1000:.1f} ms, "
              f"statuses {sorted({s for s, _ in answers})}")
    finally:
        server.terminate()
        server.wait(10)

    with app.app_context():  # forget the lookups above, and stay clear of a window boundary
        db.session.execute(text("DELETE FROM rate_limit_hits"))
        db.session.commit()
    while time.time() % 60 > 50:
        time.sleep(1)
    server = serve(database_url, limit=30)
    try:
        with ThreadPoolExecutor(8) as pool:
            codes, _ = timed(pool, lambda _: requests.get(f"{base}/verify.json?number=SH100-2023-0001",
                                                          timeout=30).status_code, range(90))
        print(f"rate limit 30/min per client across 2 workers: {codes.count(200)} answered, "
              f"{codes.count(429)} refused with 429 (of 90)")
    finally:
        server.terminate()
        server.wait(10)

    from eventsvc.awards import service
    from eventsvc.awards.certificates import certificates_pdf
    from eventsvc.awards.models import AwardProgram

    with app.test_request_context():
        program = db.session.get(AwardProgram, program_id)
        awards = service.awards_of_program(program)[:100]
        certificates_pdf(awards[:1])  # warm the font
        start = time.perf_counter()
        certificates_pdf(awards[:1])
        one = time.perf_counter() - start
        start = time.perf_counter()
        batch = certificates_pdf(awards)
        print(f"certificate PDF: one {one * 1000:.0f} ms; batch of {len(awards)} {time.perf_counter() - start:.2f} s, "
              f"{len(batch) / 1e6:.2f} MB")
        db.engine.dispose()


if __name__ == "__main__":
    # a SIGTERM (e.g. from `timeout`) runs the finally blocks, so no gunicorn is left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
