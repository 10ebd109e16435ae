"""eventsvc on several hosts, with faults (issue 13 item 7): each scenario prints a figure line.

The hosts (cluster.py): db, broker, web-a, web-b, worker-1, worker-2, beat, smtp, proxy, client.
Scenarios run in this order on one deployment; a scenario that kills a host brings it back after.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import text

from tests.multihost.conftest import figure
from tests.multihost.load import run_scans
from tests.multihost.netns import wait_until

pytestmark = [pytest.mark.postgres_only, pytest.mark.multihost]

KILL_AT = 600


def _sql(cluster, query: str, **params):
    """Rows of a query on the db host, asked from the client host."""
    from eventsvc.extensions import db

    app = cluster.seed_app
    with cluster.net.enter("client"), app.app_context():
        try:
            return db.session.execute(text(query), params).all()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_badge_scans_through_the_proxy_survive_a_web_host_killed_mid_run(cluster, request):
    world = cluster.world
    killed = threading.Event()
    killed_at = []

    def on_progress(answered: int) -> None:
        if answered >= KILL_AT and not killed.is_set():
            killed.set()
            killed_at.append(answered)
            cluster.net.kill_host("web-a")

    run = run_scans(cluster.net, cluster.proxy_url, world.slug, world.staff_token, world.codes,
                    on_progress=on_progress)
    ids = list(world.codes)
    rows = _sql(cluster, """
        SELECT registration_id, count(*) FROM checkins
        WHERE event_id = :event AND result = 'ok' AND direction = 'in' AND undone_at IS NULL
        GROUP BY registration_id""", event=world.event_id)
    ok_by_registration = {rid: n for rid, n in rows if rid in world.codes}
    others = _sql(cluster, """
        SELECT count(*) FILTER (WHERE result <> 'ok'), count(*) - count(DISTINCT nonce) FROM checkins
        WHERE event_id = :event""", event=world.event_id)[0]
    once = sum(1 for rid in ids if ok_by_registration.get(rid) == 1)
    duplicates = sum(n - 1 for n in ok_by_registration.values() if n > 1) + others[0] + others[1]
    lost = sum(1 for rid in ids if rid not in ok_by_registration)
    figure(request, f"multihost scans: {run.sent} sent, {once} checked in once, {duplicates} duplicates, "
                    f"{lost} lost, {run.retries} retries ({run.replayed} answered as replays), "
                    f"web-a killed at {killed_at[0] if killed_at else 'never'}")
    assert killed_at, "web-a was never killed"
    assert not run.failures, run.failures[:5]
    assert run.results == {"ok": len(ids)}, run.results
    assert (once, duplicates, lost) == (len(ids), 0, 0)
    # web-a comes back for the scenarios after this one
    cluster.start_web("web-a")
    cluster.wait_ready()


class Browser:
    """An organizer's browser session on the client host; each request names the host it goes to."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kw):
        """Its cookies go to every web host, as they would through one proxy address (a cookie jar
        keeps them per host)."""
        import requests

        with self.cluster.net.enter("client"):
            response = requests.request(method, url, timeout=kw.pop("timeout", 60), allow_redirects=False,
                                        cookies=self.cookies, **kw)
            response.content  # noqa: B018 (read the body while in the client's namespace)
        self.cookies.update(response.cookies.get_dict())
        return response

    def csrf(self, url: str) -> str:
        page = self.request("GET", url)
        assert page.status_code == 200, (url, page.status_code)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def login(self, base: str, email: str, password: str) -> None:
        token = self.csrf(base + "/login")
        answer = self.request("POST", base + "/login", data={"email": email, "password": password, "csrf_token": token})
        assert answer.status_code == 302, answer.text[:500]


def _job_status(browser, base, slug, job_id) -> dict:
    answer = browser.request("GET", f"{base}/manage/e/{slug}/badges/jobs/{job_id}/status")
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def _hold_running_job(cluster, job_id: str, timeout: float = 300.0):
    """Take the job's row once the worker has written its first progress, and keep it.

    The worker writes its progress and its end to that row, so it cannot finish while the test holds
    the row: the worker is killed mid-job however fast this machine renders. The test lets the
    worker's writes through one at a time (it holds the row, lets go, and asks again at once: a
    worker waiting for the row gets it first, and its end is never among those writes because the
    first progress is written as soon as the job starts). Returns the open connection (closing it
    lets go) and the count of badges done when the row was taken."""
    import psycopg

    with cluster.net.enter("client"):  # the socket stays on the client host
        connection = psycopg.connect(cluster.database_url.replace("postgresql+psycopg://", "postgresql://"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = connection.execute("SELECT state, done FROM background_jobs WHERE id = %s FOR UPDATE",
                                 (job_id,)).fetchone()
        if row and row[0] == "running" and row[1] >= 1:
            return connection, row[1]
        assert not row or row[0] in ("queued", "running"), f"the job ended before it could be held: {row}"
        time.sleep(0.05)  # holding the row: the worker's next write waits for it
        connection.commit()
    connection.close()
    raise AssertionError(f"gave up waiting for the job's first progress after {timeout:.0f} s")


def test_a_print_job_lost_with_its_worker_is_finished_by_the_other_one(cluster, request):
    from eventsvc.demo import loader

    world = cluster.world
    slug = world.slug
    web_a, web_b = cluster.url_of("web-a"), cluster.url_of("web-b")
    # worker-1 alone takes the job; worker-2 comes back once worker-1 is dead
    cluster.net.kill_host("worker-2")
    try:
        browser = Browser(cluster)
        browser.login(web_a, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
        token = browser.csrf(f"{web_a}/manage/e/{slug}/badges")
        started = browser.request("POST", f"{web_a}/manage/e/{slug}/badges/print", data={
            "csrf_token": token, "category": str(world.print_category_id), "which": "all", "layout": "sheet"})
        assert started.status_code == 302, started.text[:500]
        job_id = started.headers["Location"].rstrip("/").split("/")[-1]

        held, done_at_kill = _hold_running_job(cluster, job_id)
        try:
            polled = _job_status(browser, web_b, slug, job_id)  # any web server answers the poll
            assert polled["status"] == "running" and polled["done"] == done_at_kill, polled
            cluster.net.kill_host("worker-1")
        finally:
            held.close()
        cluster.start_worker("worker-2")
        final = wait_until(lambda: (s := _job_status(browser, web_b, slug, job_id))["status"] in ("done", "failed")
                           and s, "worker-2 to finish the job (polled through web-b)", timeout=480, every=1)
        attempts = _sql(cluster, "SELECT attempts FROM background_jobs WHERE id = :id", id=job_id)[0][0]
        pdfs = {}
        for host, base in (("web-a", web_a), ("web-b", web_b)):
            answer = browser.request("GET", f"{base}/manage/e/{slug}/badges/jobs/{job_id}/badges.pdf")
            pdfs[host] = answer.content if answer.status_code == 200 else b""
        pages, decoded = _pdf_pages_and_first_qr(pdfs["web-b"])
        codes = set(world.codes.values())
        readable = bool(decoded) and any(code in decoded for code in codes)
        figure(request, f"multihost print job: {final['done']} of {final['total']} badges, {final['status']}, "
                        f"worker-1 killed at {done_at_kill}, {attempts} attempts, {pages} PDF pages, "
                        f"same PDF from web-a and web-b: {'yes' if pdfs['web-a'] == pdfs['web-b'] != b'' else 'no'}, "
                        f"QR on page 1 read: {'yes' if readable else 'no'}")
        assert final["status"] == "done" and final["done"] == final["total"] == 1000, final
        assert attempts >= 2, "the job was not taken over by another worker"
        assert pdfs["web-a"] and pdfs["web-a"] == pdfs["web-b"]
        assert pages == 250  # four badges a sheet
        assert readable, decoded
    finally:
        # the next scenarios need both workers, whatever happened here
        for host in ("worker-1", "worker-2"):
            cluster.net.kill_host(host)
            cluster.start_worker(host)


def _pdf_pages_and_first_qr(pdf: bytes) -> tuple[int, str | None]:
    """The PDF's page count (pdfinfo) and the text of the first QR code on its first page
    (rendered by pdftoppm, read by zxing-cpp)."""
    import tempfile
    from pathlib import Path

    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "badges.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) if "Pages:" in info else 0
        subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(path), str(Path(folder) / "p")],
                       check=True, capture_output=True)
        image = Image.open(next(Path(folder).glob("p*.png")))
        found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        return pages, (found[0] if found else None)


def _mailbox(cluster) -> list[dict]:
    if not cluster.mailbox.exists():
        return []
    return [json.loads(line) for line in cluster.mailbox.read_text().splitlines() if line.strip()]


def test_invitations_queued_while_smtp_is_down_go_out_once_each_with_a_worker_killed(cluster, request):
    world = cluster.world
    count = 300
    cluster.net.kill_host("smtp")  # the mail server is down before the invitations are sent
    headers = {"Authorization": f"Bearer {world.organizer_token}"}
    addresses = {f"inv{i:03d}@guests.example" for i in range(count)}

    def invite(address: str) -> None:
        body = {"name": f"Invitee {address[3:6]}", "email": address, "send": True}
        for _attempt in range(50):
            try:
                answer = session.post(f"{cluster.proxy_url}/api/v1/events/{world.slug}/invitations", json=body,
                                      headers=headers, timeout=60)
            except Exception:  # noqa: BLE001 (retried: the invitation is made once, see below)
                time.sleep(0.5)
                continue
            if answer.status_code in (201, 200) or (answer.status_code == 409 and _attempt):
                return  # 409: a try that failed on the way back had made it
            assert answer.status_code in (502, 503, 504), answer.text[:300]
            time.sleep(0.5)
        raise AssertionError(f"invitation of {address} never answered")

    import requests

    with cluster.net.enter("client"):
        session = requests.Session()
        for address in sorted(addresses):
            invite(address)
    # the workers tried and failed: the messages wait in the outbox
    wait_until(lambda: _sql(cluster, "SELECT count(*) FROM outgoing_messages WHERE to_address LIKE 'inv%' "
                                     "AND attempts > 0")[0][0] > 0,
               "a failed delivery attempt while the mail server is down", timeout=180)
    queued_while_down = _sql(cluster, "SELECT count(*) FROM outgoing_messages WHERE to_address LIKE 'inv%' "
                                      "AND sent_at IS NULL")[0][0]
    cluster.start_smtp()

    def delivered() -> list[dict]:
        return [m for m in _mailbox(cluster) if set(m["to"]) & addresses]

    wait_until(lambda: len(delivered()) >= 30, "the first invitations to arrive once the server is up", timeout=240)
    killed_at = len(delivered())
    cluster.net.kill_host("worker-1")
    wait_until(lambda: _sql(cluster, "SELECT count(*) FROM outgoing_messages WHERE to_address LIKE 'inv%' "
                                     "AND sent_at IS NULL")[0][0] == 0,
               "every invitation to be sent", timeout=420, every=2)
    cluster.start_worker("worker-1")
    messages = delivered()
    by_id = Counter(m["message_id"] for m in messages)
    ids_per_recipient = {a: {m["message_id"] for m in messages if a in m["to"]} for a in addresses}
    # SMTP cannot be exactly-once on the wire: a worker killed between the server's "250" and
    # recording the message as sent makes the next sender send it again, with the same Message-ID
    # (receivers drop it). Delivered once = one Message-ID per invitation, each invitation arrived;
    # resent copies can only be those in flight when worker-1 died (its 2 threads).
    resent = sum(n - 1 for n in by_id.values() if n > 1)
    two_ids = sum(1 for ids in ids_per_recipient.values() if len(ids) > 1)
    missing = sum(1 for ids in ids_per_recipient.values() if not ids)
    figure(request, f"multihost mail: {count} invitations queued ({queued_while_down} waiting while smtp was down), "
                    f"{len(by_id)} delivered by Message-ID, {two_ids} duplicates, {missing} missing, "
                    f"{resent} resent with the same Message-ID after worker-1 was killed at {killed_at} delivered")
    assert (len(by_id), two_ids, missing) == (count, 0, 0)
    assert resent <= 2


def test_a_reminder_due_a_minute_ahead_goes_out_once_with_both_workers_and_beat_running(cluster, request):
    from tests.multihost.conftest import REMINDER_GUESTS

    world = cluster.world
    sent_at = wait_until(lambda: _sql(cluster, "SELECT sent_at FROM scheduled_reminders WHERE event_id = :id",
                                      id=world.reminder_event_id)[0][0],
                         "the reminder to be sent", timeout=300, every=2)
    reminded = {f"remind{i:02d}@guests.example" for i in range(REMINDER_GUESTS)}

    def arrived():
        return [m for m in _mailbox(cluster) if set(m["to"]) & reminded]

    wait_until(lambda: len(arrived()) >= REMINDER_GUESTS, "every reminder to arrive", timeout=300, every=2)
    # another few sweeps and beats: nothing more comes
    time.sleep(12)
    messages = arrived()
    per_guest = Counter(r for m in messages for r in m["to"] if r in reminded)
    queued = _sql(cluster, "SELECT count(*) FROM outgoing_messages WHERE kind = 'event_reminder' "
                           "AND event_id = :id", id=world.reminder_event_id)[0][0]
    due = _sql(cluster, "SELECT min(starts_at) - interval '1 hour' FROM agenda_items WHERE event_id = :id",
               id=world.reminder_event_id)[0][0]
    figure(request, f"multihost reminder: {len(messages)} reminders to {REMINDER_GUESTS} guests, "
                    f"{queued} queued, each guest {sorted(set(per_guest.values()))} time(s), "
                    f"sent {'after' if sent_at >= due else 'BEFORE'} it was due")
    assert sent_at >= due
    assert queued == REMINDER_GUESTS and len(messages) == REMINDER_GUESTS and set(per_guest.values()) == {1}


def test_readyz_through_the_proxy_names_the_broker_while_redis_is_down_and_recovers(cluster, request):
    world = cluster.world
    ready = cluster.proxy_url + "/readyz"
    assert cluster.http("GET", ready).status_code == 200
    cluster.stop_broker()
    # (a list around the answer: a 503 Response is false)
    [down] = wait_until(lambda: (r := cluster.http("GET", ready)).status_code == 503 and [r],
                        "/readyz to say 503 with the broker down", timeout=120)
    failing = down.json().get("failing", {})
    # the doors need no broker: a scan through the proxy still gets its answer
    code = world.codes[next(iter(world.codes))]
    scan = cluster.http("POST", f"{cluster.proxy_url}/api/v1/events/{world.slug}/scans",
                        json={"gate": "entrance", "nonce": "readyz-" + code[:20], "code": code},
                        headers={"Authorization": f"Bearer {world.staff_token}"})
    cluster.start_broker()
    back = wait_until(lambda: (r := cluster.http("GET", ready)).status_code == 200 and r,
                      "/readyz to say 200 again with the broker back", timeout=180)
    figure(request, f"multihost readyz: 503 naming {sorted(failing)} while Redis was down "
                    f"(a scan meanwhile: {scan.status_code}), {back.status_code} after it came back")
    assert "broker" in failing, failing
    assert scan.status_code == 200 and scan.json()["result"] == "already_checked_in"
