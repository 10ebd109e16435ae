#!/usr/bin/env python3
"""Side by side: the scan and the public agenda through gunicorn, figures to compare each change with the last.

    python bench/sidebyside.py --db both --pg-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    python bench/sidebyside.py --db postgres --tree /tmp/eventsvc-main --label before --save
    python bench/sidebyside.py --db sqlite --profile            # py-spy shares of the 8-client scan

Per database (a fresh SQLite file; on PostgreSQL the database --pg-db, dropped and created at
the --pg-url server), it loads the demo forum with 3,000 extra confirmed guests and a published
event of 1,000 sessions, starts gunicorn (--workers sync workers) from --tree (the source tree to
measure, default this one: point it at a checkout of another commit for a before/after; the data
is prepared with this tree's code and migrations), then runs:

- ``scan x1``: one client scanning distinct badges (every answer ``ok``);
- ``scan x8``: eight clients scanning distinct badges (after the check-ins were emptied);
- ``agenda x1``: one client reading the public agenda of the 1,000-session event;
- with ``--floors``, ``floor wsgi|flask|flask-sqla x8``: eight clients posting scan-sized bodies to
  bench/floor_apps.py's apps (one INSERT and a JSON answer; a plain WSGI function, Flask, Flask
  with Flask-SQLAlchemy) under the same gunicorn: the rate of the layers the scan is built on,
  which no scan on them can pass (statements are not counted for the two that use the driver).

For each: requests per second, p50/p95/p99 latency (ms), server CPU per request (ms: user +
system time of gunicorn's master and workers from /proc, before/after), SQL statements and
commits per request (counted in the workers by bench/gunicorn_counting.py; "stmts" leaves out
BEGIN and PRAGMA, counted apart: eventsvc sends BEGIN itself on SQLite, psycopg implicitly on
PostgreSQL, uncounted there; a transaction is one commit), and the machine's 1-minute
load average before/after. The load generator runs on the same machine (keep-alive HTTP/1.1,
one thread per client).

``--save`` writes the result as JSON into bench/out/sidebyside/; every run prints, next to each
figure, the change from the newest saved result of the same database and workers (or from
``--compare FILE``). ``--rounds N`` repeats the phases N times on the same server and reports
the range. ``--profile`` adds a pass of the 8-client scan under py-spy (a dev extra; ``--gil``: only
the samples that hold the GIL, i.e. the CPU and not the waits) and prints
where the samples were: by package (each sample counted once, in the innermost frame of an
installed package or of eventsvc) and the inclusive share of a few functions.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import checkin  # noqa: E402
from bench.gunicorn_counting import read_counts  # noqa: E402

RESULTS = ROOT / "bench" / "out" / "sidebyside"
AGENDA_SESSIONS = 1000
#: functions whose inclusive share of the profile is printed (name as py-spy shows it)
INCLUSIVE = ("identify_caller", "event_for_role", "record_scan", "decision_row", "check_signature",
             "_write_token_uses", "commit", "dispatch_request", "full_dispatch_request", "handle_request")


# --- preparing ------------------------------------------------------------------------------

def prepare(url: str) -> dict:
    slug, token, codes = checkin.prepare_database(url)
    from bench.agenda import build_event
    from eventsvc import create_app
    from eventsvc.extensions import db

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": checkin.SECRET,
                                    "PUBLIC_BASE_URL": checkin.PUBLIC_BASE_URL})
    with app.app_context():
        agenda_slug = build_event(AGENDA_SESSIONS)
        db.engine.dispose()
    return {"slug": slug, "token": token, "codes": codes, "agenda_slug": agenda_slug}


def databases(kind: str, pg_url: str, pg_db: str, tmp: Path):
    if kind in ("sqlite", "both"):
        yield "sqlite", f"sqlite:///{tmp / 'sidebyside.sqlite'}", None
    if kind in ("postgres", "both"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = make_url(pg_url)
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{pg_db}"'))
        yield "postgresql", base.set(database=pg_db).render_as_string(hide_password=False), (admin, pg_db)


def drop(cleanup) -> None:
    if cleanup:
        from sqlalchemy import text

        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- serving --------------------------------------------------------------------------------

def start_server(url: str, workers: int, port: int, tree: Path, count_dir: str, app: str = "eventsvc.wsgi:app"):
    env = {**os.environ, "EVENTSVC_BENCH_FLOOR_URL": url, "EVENTSVC_ENV": "production", "EVENTSVC_SECRET_KEY": checkin.SECRET,
           "EVENTSVC_DATABASE_URL": url, "EVENTSVC_PUBLIC_BASE_URL": checkin.PUBLIC_BASE_URL,
           "PYTHONPATH": str(tree), "EVENTSVC_BENCH_COUNT_DIR": count_dir}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "-c", str(ROOT / "bench" / "gunicorn_counting.py"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--keep-alive", "30", app],
        cwd=str(tree if app.startswith("eventsvc") else ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    import collections
    import socket

    process.log = collections.deque(maxlen=200)
    threading.Thread(target=lambda: process.log.extend(process.stderr), daemon=True).start()

    def port_open() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    checkin.wait_until(port_open, what=f"gunicorn on port {port}", process=process,
                       log=lambda: b"".join(process.log).decode(errors="replace"))
    return process


def start_floors(url: str, workers: int, tmp: str) -> dict:
    """bench/floor_apps.py's servers, each with its own port and counts: phase → (server, port,
    count directory, whether it writes through the driver)."""
    os.environ["EVENTSVC_BENCH_FLOOR_URL"] = url
    from bench import floor_apps

    floor_apps.URL = floor_apps.make_url(url)
    floor_apps.create_table()
    servers = {}
    for phase, app in FLOORS.items():
        count_dir = tempfile.mkdtemp(dir=tmp, prefix="counts-")
        port = checkin.free_port()
        servers[phase] = (start_server(url, workers, port, ROOT, count_dir, app), port, count_dir,
                          not app.endswith("flask_sqlalchemy"))
    return servers


def measure_floor(floor: tuple, requests: int) -> dict:
    """Eight clients posting ``requests`` scan-sized bodies (a new nonce each) to a floor app
    (an entry of ``start_floors``), measured like the scan."""
    import uuid

    server, port, count_dir, driver_only = floor
    bodies = [{"code": "X" * 90, "gate": "entrance", "nonce": uuid.uuid4().hex, "device": "bench"}
              for _ in range(requests)]
    r = measure(partial(checkin.post_load, port, "/floor", {"Authorization": "Bearer floor"}, bodies, 8,
                        lambda answer: answer["result"]), server, count_dir)
    if driver_only:  # the driver's statements are not SQLAlchemy's to count
        r.update(statements=None, control=None, commits=None)
    return r


def get_load(port: int, path: str, requests: int) -> dict:
    """One client reading ``path`` ``requests`` times."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, errors = [], Counter()
    started = time.perf_counter()
    for _ in range(requests):
        t = time.perf_counter()
        conn.request("GET", path, headers={"Accept-Language": "en"})
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t)
        if response.status != 200:
            errors[f"HTTP {response.status}"] += 1
    elapsed = time.perf_counter() - started
    conn.close()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {"rps": len(latencies) / elapsed, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "n": len(latencies), "results": {"200": len(latencies) - sum(errors.values())}, "errors": dict(errors)}


def measure(phase, server, count_dir: str) -> dict:
    load_before, cpu_before, counts_before = os.getloadavg()[0], checkin.server_cpu_seconds(server.pid), \
        read_counts(count_dir)
    r = phase()
    cpu = checkin.server_cpu_seconds(server.pid) - cpu_before
    counts = read_counts(count_dir)
    n = max(1, r["n"])
    r.update(cpu_ms=cpu * 1000 / n,
             statements=(counts["statements"] - counts_before["statements"]) / n,
             control=(counts["control"] - counts_before["control"]) / n,
             commits=(counts["commits"] - counts_before["commits"]) / n,
             served=counts["requests"] - counts_before["requests"],
             load=[round(load_before, 2), round(os.getloadavg()[0], 2)])
    return r


# --- profiling ------------------------------------------------------------------------------

def categorize(filename: str) -> str | None:
    filename = "/" + filename
    for marker, name in (("/psycopg", "psycopg"), ("/sqlalchemy/", "sqlalchemy"), ("/gunicorn/", "gunicorn"),
                         ("/flask_smorest/", "webargs/marshmallow"), ("/webargs/", "webargs/marshmallow"),
                         ("/marshmallow/", "webargs/marshmallow"), ("/apispec/", "webargs/marshmallow"),
                         ("/flask_babel/", "babel"), ("/babel/", "babel"), ("/flask_login/", "flask"),
                         ("/flask_wtf/", "flask"), ("/flask/", "flask"), ("/werkzeug/", "flask"),
                         ("/flask_sqlalchemy/", "sqlalchemy"), ("/cryptography/", "cryptography"),
                         ("/prometheus_client/", "prometheus_client"), ("/eventsvc/", "eventsvc"),
                         ("/bench/gunicorn_counting", "bench hook")):
        if marker in filename:
            return name
    if filename.startswith("/<frozen") or "/python3." in filename:
        return None
    if "site-packages" in filename:
        return "other packages"
    return None


def summarize_profile(raw: Path) -> dict:
    """py-spy's raw (collapsed) stacks → {"by_package": {name: share}, "inclusive": {function: share}}."""
    by_package, inclusive, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        names = set()
        for frame in frames:
            name = frame.split(" (", 1)[0]
            if name in INCLUSIVE:
                names.add(name)
        for name in names:
            inclusive[name] += n
        category = "python/stdlib"
        for frame in reversed(frames[1:]):  # the first is the process
            filename = frame.rsplit("(", 1)[-1]
            found = categorize(filename)
            if found:
                category = found
                break
        by_package[category] += n
    if not total:
        return {"samples": 0, "by_package": {}, "inclusive": {}}
    return {"samples": total,
            "by_package": {k: round(100 * v / total, 1) for k, v in by_package.most_common()},
            "inclusive": {k: round(100 * inclusive[k] / total, 1) for k in INCLUSIVE if inclusive[k]}}


def profile_scan(server, port: int, data: dict, url: str, out: Path, *, gil: bool = False) -> dict:
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not py_spy:
        return {"error": "py-spy is not installed (pip install py-spy: a dev extra)"}
    checkin.clear_checkins(url)
    spy = subprocess.Popen([py_spy, "record", "--pid", str(server.pid), "--subprocesses", "--rate", "250",
                            *(["--gil"] if gil else []), "--format", "raw", "--nonblocking", "-o", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)  # py-spy attaches
    checkin.run_load(port, data["slug"], data["token"], data["codes"], 8)
    spy.send_signal(2)  # SIGINT: py-spy writes the file and exits
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()
    if not out.exists():
        return {"error": (spy.stderr.read() or b"").decode(errors="replace")[-500:]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{out.stem}.spy")
    return summarize_profile(out)


# --- comparing ------------------------------------------------------------------------------

def last_saved(database: str, workers: int, exclude: Path | None = None) -> dict | None:
    if not RESULTS.is_dir():
        return None
    for path in sorted(RESULTS.glob("*.json"), reverse=True):
        if path == exclude:
            continue
        saved = json.loads(path.read_text())
        if saved.get("database") == database and saved.get("workers") == workers:
            saved["_file"] = path.name
            return saved
    return None


def change(now: float, before: float | None) -> str:
    if before in (None, 0):
        return ""
    return f"{100 * (now - before) / before:+.0f}%"


#: bench/floor_apps.py's apps: phase name → gunicorn's app
FLOORS = {"floor wsgi x8": "bench.floor_apps:wsgi", "floor flask x8": "bench.floor_apps:flask",
          "floor flask-sqla x8": "bench.floor_apps:flask_sqlalchemy"}
PHASES = ("scan x1", "scan x8", "agenda x1", *FLOORS)
COLUMNS = (("rps", "req/s", "{:.0f}"), ("p50", "p50 ms", "{:.1f}"), ("p95", "p95 ms", "{:.1f}"),
           ("p99", "p99 ms", "{:.1f}"), ("cpu_ms", "cpu ms", "{:.2f}"), ("statements", "stmts", "{:.2f}"),
           ("control", "begin etc", "{:.2f}"),
           ("commits", "commits", "{:.2f}"))


def print_result(result: dict, previous: dict | None) -> None:
    print(f"\n== {result['database']}, {result['workers']} sync workers, tree {result['tree']} ({result['commit']})"
          + (f"; compared with {previous['_file']} ({previous.get('label') or previous['commit']})" if previous else ""))
    print(f"{'phase':<20}" + "".join(f"{title:>16}" for _, title, _ in COLUMNS) + "   load avg   results")
    for phase in PHASES:
        for index, r in enumerate(result["phases"].get(phase, [])):
            before = (previous or {}).get("phases", {}).get(phase) or []
            before = before[min(index, len(before) - 1)] if before else {}
            cells = []
            for key, _, fmt in COLUMNS:
                cells.append("—" if r[key] is None else f"{fmt.format(r[key])} {change(r[key], before.get(key)):>5}")
            print(f"{phase:<20}" + "".join(f"{c:>16}" for c in cells)
                  + f"   {r['load'][0]:.1f}→{r['load'][1]:.1f}   {r['results']} {r['errors'] or ''}")
        runs = result["phases"].get(phase, [])
        if len(runs) > 1:
            print(f"{'  range':<20}" + "".join(
                f"{'—' if runs[0][key] is None else fmt.format(min(x[key] for x in runs)) + '–' + fmt.format(max(x[key] for x in runs)):>16}"
                for key, _, fmt in COLUMNS))
    scans = [r["rps"] for r in result["phases"].get("scan x8", [])]
    for phase in FLOORS:
        floors = [r["rps"] for r in result["phases"].get(phase, [])]
        if scans and floors:
            print(f"scan x8 is {100 * min(scans) / max(floors):.0f}–{100 * max(scans) / min(floors):.0f} % "
                  f"of the rate of {phase}")
    if result.get("profile"):
        p = result["profile"]
        if "error" in p:
            print(f"profile: {p['error']}")
        else:
            print(f"profile of scan x8 ({p['samples']} samples): by package "
                  + ", ".join(f"{k} {v}%" for k, v in p["by_package"].items()))
            print("  inclusive: " + ", ".join(f"{k} {v}%" for k, v in p["inclusive"].items()))


# --- main -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("EVENTSVC_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5433/postgres"))
    parser.add_argument("--pg-db", default="eventsvc_bench_sidebyside", help="dropped and created on --pg-url")
    parser.add_argument("--tree", type=Path, default=ROOT, help="source tree gunicorn runs (default: this one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scans", type=int, default=1500, help="scans per scan phase (distinct badges)")
    parser.add_argument("--agenda-requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1, help="the phases again, on the same server")
    parser.add_argument("--profile", action="store_true", help="a py-spy pass of the 8-client scan")
    parser.add_argument("--gil", action="store_true",
                        help="with --profile: only samples that hold the GIL (the CPU, not the waits)")
    parser.add_argument("--floors", action="store_true", help="the stack's floors too (bench/floor_apps.py)")
    parser.add_argument("--label", default="", help="a word saved with the result (before, after-cache...)")
    parser.add_argument("--save", action="store_true", help="save the result in bench/out/sidebyside/")
    parser.add_argument("--compare", type=Path, help="a saved result to compare with (default: the newest)")
    args = parser.parse_args()
    tree = args.tree.resolve()
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    commit += "+changes" if dirty else ""

    with tempfile.TemporaryDirectory(prefix="sidebyside-") as tmp:
        for database, url, cleanup in databases(args.db, args.pg_url, args.pg_db, Path(tmp)):
            try:
                data = prepare(url)
                data["codes"] = data["codes"][: args.scans]
                count_dir = tempfile.mkdtemp(dir=tmp, prefix="counts-")
                port = checkin.free_port()
                server = start_server(url, args.workers, port, tree, count_dir)
                floors = start_floors(url, args.workers, tmp) if args.floors else {}
                result = {"database": database, "workers": args.workers, "tree": str(tree), "commit": commit,
                          "label": args.label, "at": datetime.now(UTC).isoformat(timespec="seconds"),
                          "scans": len(data["codes"]), "cpus": os.cpu_count(), "phases": defaultdict(list)}
                agenda_path = f"/e/{data['agenda_slug']}/agenda"
                try:
                    checkin.warm_up(port, data["slug"], data["token"], args.workers)
                    get_load(port, agenda_path, 2 * args.workers)
                    for _round in range(args.rounds):
                        for clients in (1, 8):
                            checkin.clear_checkins(url)
                            result["phases"][f"scan x{clients}"].append(measure(
                                partial(checkin.run_load, port, data["slug"], data["token"], data["codes"], clients),
                                server, count_dir))
                        result["phases"]["agenda x1"].append(measure(
                            partial(get_load, port, agenda_path, args.agenda_requests), server, count_dir))
                        for phase, floor in floors.items():
                            result["phases"][phase].append(measure_floor(floor, len(data["codes"])))
                    if args.profile:
                        result["profile"] = profile_scan(server, port, data, url, Path(tmp) / f"{database}.spy",
                                                         gil=args.gil)
                finally:
                    checkin.stop(server)
                    for floor, *_rest in floors.values():
                        checkin.stop(floor)
            finally:
                drop(cleanup)
            previous = (json.loads(args.compare.read_text()) | {"_file": args.compare.name} if args.compare
                        else last_saved(database, args.workers))
            print_result(result, previous)
            if args.save:
                RESULTS.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                path = RESULTS / f"{stamp}-{database}-{args.label or 'run'}.json"
                path.write_text(json.dumps(result, indent=1))
                print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
