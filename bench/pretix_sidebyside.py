#!/usr/bin/env python3
"""Badge scans side by side with pretix (issue 17: "8 concurrent clients: ≥ 20× pretix in the same run").

    python bench/pretix_sidebyside.py --rounds 2
    python bench/pretix_sidebyside.py --rounds 3 --scans 1000 --pg-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres

First runs scripts/pretix-bench-setup (idempotent: pretix from PyPI in its own virtualenv outside
the project, --pretix-dir, its PostgreSQL database px_pretix with an organizer, an event with one
admission product, --orders paid orders of one position, a check-in list and a team API token
with the check-in permission). Then prepares eventsvc as bench/sidebyside.py does (its database
--eventsvc-db, dropped and created: the demo forum with 3,000 extra confirmed guests), starts both
under gunicorn with the same number of sync workers (--workers), and, for each of --rounds
rounds, runs on pretix then on eventsvc:

- ``scan x1``: one client scanning distinct badges;
- ``scan x8``: eight clients scanning distinct badges,

each after the check-ins were emptied, so that every answer is ``ok`` (pretix: POST
/api/v1/organizers/<org>/checkinrpc/redeem/ with {"secret", "lists": [id]}, answer status
``ok``; eventsvc: its scan API, result ``ok``). Same load generator for both
(bench/checkin.post_load: keep-alive HTTP/1.1, one thread per client, on this machine), same
figures (bench/sidebyside.measure): requests per second, p50/p95/p99 latency, server CPU per
request (gunicorn's master and workers, user + system from /proc) and SQL statements per request
(counted inside the workers: bench/gunicorn_counting.py for eventsvc, bench/pretix_gunicorn_counting.py
for pretix, leaving out BEGIN/SAVEPOINT and the like). Prints a table per round with the ratio
eventsvc/pretix (req/s; and pretix's CPU and statements over eventsvc's), the load average before →
after each phase, the databases and the workers.

With ``--floors``, each round also runs bench/floor_apps.py's three apps (one INSERT and a JSON
answer: a plain WSGI function, Flask, Flask with Flask-SQLAlchemy; bench/sidebyside.py's
``--floors``) with eight clients, and prints what 20× pretix's rate of that round would be as a
share of each floor's rate: a share near or above 100 % is a rate the stack itself does not reach.

pretix runs as configured by the setup script: PostgreSQL, no Celery (tasks run in the web worker),
debug off, and no Redis (pretix then caches nothing between requests) unless --pretix-redis: a
private redis-server for pretix's cache and sessions, as pretix's docs ask of a production install
(Redis's CPU, like PostgreSQL's, is not in "cpu ms").
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import checkin, sidebyside  # noqa: E402

RESULTS = ROOT / "bench" / "out" / "pretix_sidebyside"
CLIENTS = (1, 8)


# --- pretix ---------------------------------------------------------------------------------

def setup_pretix(orders: int, pretix_dir: Path, pg_url: str, pg_db: str, redis_url: str | None) -> dict:
    """scripts/pretix-bench-setup (its progress lines pass through); its state: organizer, list, token, secrets."""
    from sqlalchemy.engine import make_url

    pg = make_url(pg_url)
    env = {**os.environ, "PRETIX_BENCH_DIR": str(pretix_dir), "PRETIX_BENCH_PG_DB": pg_db,
           "PRETIX_BENCH_PG": f"postgresql://{pg.username or 'postgres'}@{pg.host}:{pg.port or 5432}",
           "PRETIX_BENCH_REDIS_URL": redis_url or ""}
    done = subprocess.run([str(ROOT / "scripts" / "pretix-bench-setup"), str(orders)], env=env, check=True,
                          stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    print("\n".join("  setup: " + line for line in lines[:-1]), flush=True)
    return json.loads(Path(lines[-1]).read_text())


def start_redis(port: int):
    """A private Redis for pretix's cache and sessions (--pretix-redis): in memory only, stopped at the end."""
    redis = shutil.which("redis-server")
    if not redis:
        raise SystemExit("--pretix-redis needs redis-server (apt-get install redis-server)")
    process = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def port_open() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    checkin.wait_until(port_open, what=f"redis-server on port {port}", process=process)
    return process


def pretix_version(pretix_dir: Path) -> str:
    return subprocess.run([str(pretix_dir / "venv" / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('pretix'))"],
                          capture_output=True, text=True).stdout.strip() or "?"


def clear_pretix_checkins(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM pretixbase_checkin"))
    engine.dispose()


def start_pretix(pretix_dir: Path, workers: int, port: int, count_dir: str, state: dict):
    env = {**os.environ, "PRETIX_CONFIG_FILE": str(pretix_dir / "pretix.cfg"), "PYTHONPATH": str(ROOT),
           "EVENTSVC_BENCH_COUNT_DIR": count_dir}
    process = subprocess.Popen(
        [str(pretix_dir / "venv" / "bin" / "gunicorn"), "-c", str(ROOT / "bench" / "pretix_gunicorn_counting.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30",
         "--timeout", "120", "pretix.wsgi"],
        cwd=str(pretix_dir), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    import collections
    import threading

    process.log = collections.deque(maxlen=200)
    threading.Thread(target=lambda: process.log.extend(process.stderr), daemon=True).start()

    def answers() -> bool:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/api/v1/organizers/{state['organizer']}/events/",
                     headers={"Authorization": f"Token {state['token']}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"pretix answered HTTP {response.status} to its API token")
        return True

    checkin.wait_until(answers, what=f"pretix gunicorn on port {port}", process=process,
                       log=lambda: b"".join(process.log).decode(errors="replace"))
    return process


def pretix_redeem(port: int, state: dict, secrets: list[str], clients: int) -> dict:
    return checkin.post_load(
        port, f"/api/v1/organizers/{state['organizer']}/checkinrpc/redeem/",
        {"Authorization": f"Token {state['token']}"},
        [{"secret": secret, "lists": [state["list"]]} for secret in secrets], clients,
        lambda answer: answer["status"])


def warm_up_pretix(port: int, state: dict, workers: int) -> None:
    """Refused scans (an unknown secret) so that every worker has connected and imported everything."""
    checkin.post_load(port, f"/api/v1/organizers/{state['organizer']}/checkinrpc/redeem/",
                      {"Authorization": f"Token {state['token']}"},
                      [{"secret": f"warmup{i}", "lists": [state["list"]]} for i in range(workers * 4)], workers,
                      lambda answer: answer["status"])


# --- printing -------------------------------------------------------------------------------

COLUMNS = (("rps", "req/s", "{:.1f}"), ("p50", "p50 ms", "{:.1f}"), ("p95", "p95 ms", "{:.1f}"),
           ("p99", "p99 ms", "{:.1f}"), ("cpu_ms", "cpu ms/req", "{:.2f}"), ("statements", "stmts/req", "{:.2f}"))


def row(label: str, r: dict) -> str:
    return (f"{label:<18}" + "".join(f"{'—' if r[key] is None else fmt.format(r[key]):>12}" for key, _, fmt in COLUMNS)
            + f"   {r['load'][0]:.2f}→{r['load'][1]:.2f}   {r['results']} {r['errors'] or ''}")


def ratio_row(pretix: dict, eventsvc: dict) -> str:
    def div(a, b):
        return f"{a / b:.1f}×" if b else "–"

    cells = [div(eventsvc["rps"], pretix["rps"])] + [div(pretix[k], eventsvc[k]) for k in ("p50", "p95", "p99")] \
        + [div(pretix["cpu_ms"], eventsvc["cpu_ms"]), div(pretix["statements"], eventsvc["statements"])]
    return f"{'  eventsvc/pretix':<18}" + "".join(f"{c:>12}" for c in cells) + "   (req/s: eventsvc ÷ pretix; others: pretix ÷ eventsvc)"


def print_result(result: dict) -> None:
    print(f"\n== badge scans side by side: pretix {result['pretix_version']} vs eventsvc {result['commit']}; "
          f"{result['workers']} sync gunicorn workers each; PostgreSQL ({result['databases']}); "
          f"pretix cache: {result['pretix_cache']}; "
          f"{result['scans']} distinct badges per phase; {result['cpus']} CPUs")
    print(f"{'round / phase':<18}" + "".join(f"{title:>12}" for _, title, _ in COLUMNS) + "   load avg    results")
    for index, round_ in enumerate(result["rounds"], 1):
        for clients in CLIENTS:
            phase = f"scan x{clients}"
            p, e = round_["pretix"][phase], round_["eventsvc"][phase]
            print(row(f"{index} pretix   {phase}", p))
            print(row(f"{index} eventsvc {phase}", e))
            print(ratio_row(p, e))
        for phase in sidebyside.FLOORS:
            if phase in round_.get("floors", {}):
                floor = round_["floors"][phase]
                print(row(f"{index} {phase.removesuffix(' x8')}", floor)
                      + f" → 20× pretix = {100 * 20 * round_['pretix']['scan x8']['rps'] / floor['rps']:.0f} % of it")
    for clients in CLIENTS:
        phase = f"scan x{clients}"
        ratios = [r["eventsvc"][phase]["rps"] / r["pretix"][phase]["rps"] for r in result["rounds"]]
        print(f"{phase}: eventsvc/pretix req/s per round " + ", ".join(f"{x:.1f}×" for x in ratios)
              + (f"; ≥ 20× in every round: {'yes' if min(ratios) >= 20 else 'no'}" if clients == 8 else ""))
    print(f"load average at the end: {Path('/proc/loadavg').read_text().strip()}")


# --- main -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=os.environ.get("EVENTSVC_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"),
                        help="the PostgreSQL server both databases are on")
    parser.add_argument("--eventsvc-db", default="px_eventsvc", help="dropped and created on --pg-url")
    parser.add_argument("--pretix-db", default="px_pretix", help="pretix's database (kept between runs)")
    parser.add_argument("--pretix-dir", type=Path, default=Path(os.environ.get("PRETIX_BENCH_DIR", "/opt/pretix-bench")))
    parser.add_argument("--workers", type=int, default=2, help="sync gunicorn workers, each system")
    parser.add_argument("--scans", type=int, default=1500, help="scans per phase (distinct badges)")
    parser.add_argument("--orders", type=int, default=3000, help="pretix's paid orders (one ticket each)")
    parser.add_argument("--rounds", type=int, default=1, help="pretix then eventsvc, this many times")
    parser.add_argument("--pretix-redis", action="store_true",
                        help="pretix with a private Redis for its cache and sessions (its production advice)")
    parser.add_argument("--save", action="store_true", help="save the result as JSON in bench/out/pretix_sidebyside/")
    parser.add_argument("--floors", action="store_true", help="the stack's floors in each round too (bench/floor_apps.py)")
    args = parser.parse_args()
    from sqlalchemy.engine import make_url

    started = time.monotonic()

    def progress(what: str) -> None:
        print(f"[{time.monotonic() - started:5.0f}s] {what}", flush=True)

    servers, redis_url = [], None
    if args.pretix_redis:
        redis_port = checkin.free_port()
        servers.append(start_redis(redis_port))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        progress(f"pretix: Redis on port {redis_port}")
    progress("pretix: setup (scripts/pretix-bench-setup)")
    try:
        state = setup_pretix(args.orders, args.pretix_dir, args.pg_url, args.pretix_db, redis_url)
    except BaseException:
        for server in servers:
            checkin.stop(server)
        raise
    secrets = state["secrets"][: args.scans]
    pretix_url = make_url(args.pg_url).set(database=args.pretix_db).render_as_string(hide_password=False)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    result = {"pretix_version": pretix_version(args.pretix_dir), "commit": commit, "workers": args.workers,
              "databases": f"pretix {args.pretix_db}, eventsvc {args.eventsvc_db}", "scans": len(secrets),
              "pretix_cache": "Redis" if args.pretix_redis else "none (no Redis)",
              "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat(timespec="seconds"), "rounds": []}

    with tempfile.TemporaryDirectory(prefix="pretix-sidebyside-") as tmp:
        databases = sidebyside.databases("postgres", args.pg_url, args.eventsvc_db, Path(tmp))
        _, eventsvc_url, cleanup = next(databases)
        try:
            progress(f"eventsvc: database {args.eventsvc_db} (demo forum + {checkin.EXTRA_GUESTS} guests)")
            slug, token, codes = checkin.prepare_database(eventsvc_url)
            codes = codes[: args.scans]
            pretix_counts, eventsvc_counts = tempfile.mkdtemp(dir=tmp), tempfile.mkdtemp(dir=tmp)
            pretix_port, eventsvc_port = checkin.free_port(), checkin.free_port()
            progress(f"pretix: gunicorn, {args.workers} sync workers, port {pretix_port}")
            pretix = start_pretix(args.pretix_dir, args.workers, pretix_port, pretix_counts, state)
            servers.append(pretix)
            progress(f"eventsvc: gunicorn, {args.workers} sync workers, port {eventsvc_port}")
            eventsvc = sidebyside.start_server(eventsvc_url, args.workers, eventsvc_port, ROOT, eventsvc_counts)
            servers.append(eventsvc)
            floors = sidebyside.start_floors(eventsvc_url, args.workers, tmp) if args.floors else {}
            servers.extend(server for server, *_rest in floors.values())
            warm_up_pretix(pretix_port, state, args.workers)
            checkin.warm_up(eventsvc_port, slug, token, args.workers)
            for index in range(args.rounds):
                round_ = defaultdict(dict)
                for clients in CLIENTS:
                    progress(f"round {index + 1}: pretix scan x{clients}")
                    clear_pretix_checkins(pretix_url)
                    round_["pretix"][f"scan x{clients}"] = sidebyside.measure(
                        partial(pretix_redeem, pretix_port, state, secrets, clients), pretix, pretix_counts)
                for clients in CLIENTS:
                    progress(f"round {index + 1}: eventsvc scan x{clients}")
                    checkin.clear_checkins(eventsvc_url)
                    round_["eventsvc"][f"scan x{clients}"] = sidebyside.measure(
                        partial(checkin.run_load, eventsvc_port, slug, token, codes, clients), eventsvc,
                        eventsvc_counts)
                for phase, floor in floors.items():
                    progress(f"round {index + 1}: {phase}")
                    round_["floors"][phase] = sidebyside.measure_floor(floor, len(codes))
                result["rounds"].append(dict(round_))
        finally:
            for server in servers:
                checkin.stop(server)
            sidebyside.drop(cleanup)
    print_result(result)
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
        path.write_text(json.dumps(result, indent=1))
        print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
