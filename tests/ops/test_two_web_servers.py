"""Two web servers (two gunicorn processes on two ports, one database) serve one browser as one site.

Issue 13, item 4: sessions, CSRF, rate limits and print-job polls work whichever server a request
reaches. The print job is polled through both: before the task queue (wip/queue) its progress was a file
in the instance folder that both servers of this checkout share; with the queue it is a job row (the
tests run tasks at once, TASKS_EAGER; tests/queue has real workers). This test holds either way.
"""

import re
import time
import uuid

import requests

from eventsvc.demo import loader
from tests.ops.metrics_text import sample
from tests.ops.servers import Gunicorn

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _csrf(http: requests.Session, url: str) -> str:
    return CSRF.search(http.get(url).text).group(1)


def test_one_browser_is_served_alike_by_either_web_server(app, demo, make_user):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with Gunicorn(url) as a, Gunicorn(url) as b, requests.Session() as browser:
        # signed in on A, B knows the browser
        token = _csrf(browser, a.url + "/login")
        signed_in = browser.post(a.url + "/login", allow_redirects=False, data={
            "email": loader.ORGANIZER_EMAIL, "password": loader.ORGANIZER_PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302
        page = browser.get(f"{b.url}/manage/e/{demo}/badges", allow_redirects=False)
        assert page.status_code == 200

        # a form whose token A gave is accepted by B: a print job starts
        token = _csrf(browser, f"{a.url}/manage/e/{demo}/badges")
        started = browser.post(f"{b.url}/manage/e/{demo}/badges/print", allow_redirects=False, data={
            "csrf_token": token, "category": "0", "which": "all", "layout": "sheet"})
        assert started.status_code == 302
        job_path = started.headers["Location"].removeprefix(b.url)

        # its progress answers on both, never going backwards, and the PDF comes from either
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            for server in (a, b):
                status = browser.get(server.url + job_path + "/status", timeout=10).json()
                seen.append(status)
            if seen[-1]["status"] not in ("queued", "running") and seen[-2]["status"] == seen[-1]["status"]:
                break
            time.sleep(0.1)
        assert seen[-1]["status"] == seen[-2]["status"] == "done", seen[-2:]
        assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)
        for server in (a, b):
            pdf = browser.get(server.url + job_path + "/badges.pdf", timeout=60)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        # signing out on B ends the session on A too
        token = _csrf(browser, f"{b.url}/manage")
        assert browser.post(b.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
        assert browser.get(a.url + "/manage", allow_redirects=False).status_code == 302


def test_failed_logins_are_counted_across_both_web_servers(app, make_user):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    make_user("door@example.org", "the-right-password-1")
    with Gunicorn(url) as a, Gunicorn(url) as b:
        answers = []
        for server in (a, b, a, b, a, b):
            with requests.Session() as attacker:  # a new browser each time: nothing held by the client
                token = _csrf(attacker, server.url + "/login")
                answers.append(attacker.post(server.url + "/login", allow_redirects=False, data={
                    "email": "door@example.org", "password": "guess", "csrf_token": token}).status_code)
        assert answers == [401] * 5 + [429]  # LOGIN_MAX_FAILURES is 5, whichever server counted them
        with requests.Session() as owner:  # the account waits now, on A as on B
            token = _csrf(owner, a.url + "/login")
            refused = owner.post(a.url + "/login", allow_redirects=False, data={
                "email": "door@example.org", "password": "the-right-password-1", "csrf_token": token})
            assert refused.status_code == 429


def test_metrics_add_up_every_worker_of_a_host(app, tmp_path):
    folder = tmp_path / "prometheus"
    with Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], "-c", "deploy/gunicorn.conf.py", workers=2,
                  env={"PROMETHEUS_MULTIPROC_DIR": str(folder)}) as host:
        before = sample(requests.get(host.url + "/metrics", timeout=10).text, "eventsvc_http_requests_total",
                        endpoint="health.healthz", status="200")
        for _ in range(40):  # a new connection each time: either worker may take it
            assert requests.get(host.url + "/healthz", timeout=10, headers={"Connection": "close"}).ok
        text = requests.get(host.url + "/metrics", timeout=10).text
        assert sample(text, "eventsvc_http_requests_total", endpoint="health.healthz", status="200") - before == 40
        assert list(folder.glob("counter_*.db"))  # the workers' figures are files, added up at each scrape


def test_the_offline_roster_and_its_badge_versions_are_the_same_on_both_servers(app, demo, api_token):
    from eventsvc.accounts.service import user_by_email
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.extensions import db
    from eventsvc.registration.models import Registration

    with app.app_context():
        organizer_id = user_by_email(loader.ORGANIZER_EMAIL).id
    organizer = {"Authorization": f"Bearer {api_token(organizer_id)}"}
    with app.app_context():
        guest = db.session.scalars(db.select(Registration).where(Registration.status == "confirmed")
                                   .order_by(Registration.id)).first()
        guest_id, code = guest.id, sign_badge_code(guest.event_id, guest.id, guest.badge_version)
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    roster_path = f"/api/v1/events/{demo}/checkin/roster"

    def roster(server):
        body = requests.get(server.url + roster_path, headers=organizer, timeout=30).json()
        body.pop("generated_at")
        return body, {r["id"]: r for r in body["registrations"]}[guest_id]

    with Gunicorn(url) as a, Gunicorn(url) as b:
        assert roster(a)[0] == roster(b)[0]
        scanned = requests.post(f"{b.url}/api/v1/events/{demo}/scans", headers=organizer, timeout=30,
                                json={"gate": "entrance", "nonce": "two-servers-1", "code": code})
        assert scanned.json()["result"] == "ok"
        assert "entrance" in roster(a)[1]["checked_in"]  # scanned through B, seen by a phone syncing from A
        version = roster(b)[1]["badge_version"]
        reissued = requests.post(f"{a.url}/api/v1/events/{demo}/registrations/{guest_id}/badge/reissue",
                                 headers=organizer, timeout=30)
        assert reissued.status_code == 200, reissued.text
        assert roster(b)[1]["badge_version"] == version + 1
        assert roster(a)[0] == roster(b)[0]


def test_a_token_revoked_is_refused_at_once_by_every_server_that_cached_it(app, demo, api_token):
    """The scan takes its caller from a per-process cache of verified tokens (issue 17): a token
    revoked elsewhere (here the CLI's service call, in this test process) is refused by the next
    scan on both servers, each of which had it cached, and nothing is recorded."""
    from eventsvc.accounts.models import ApiToken
    from eventsvc.accounts.service import revoke_api_token, user_by_email
    from eventsvc.badges.codes import sign_badge_code
    from eventsvc.extensions import db
    from eventsvc.registration.models import Registration

    with app.app_context():
        staff_id = user_by_email(loader.STAFF_EMAIL).id
    secret = api_token(staff_id)
    staff = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        guests = db.session.scalars(db.select(Registration).where(Registration.status == "confirmed")
                                    .order_by(Registration.id).limit(8)).all()
        codes = [sign_badge_code(g.event_id, g.id, g.badge_version) for g in guests]
        token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == staff_id)
                                     .order_by(ApiToken.id.desc()))
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    def scan(server, code):
        response = requests.post(f"{server.url}/api/v1/events/{demo}/scans", headers=staff, timeout=30,
                                 json={"gate": "entrance", "nonce": uuid.uuid4().hex, "code": code})
        return response.status_code, response.json().get("result") or response.json().get("code")

    with Gunicorn(url, workers=1) as a, Gunicorn(url, workers=1) as b:
        for server, (first, second) in ((a, codes[0:2]), (b, codes[2:4])):
            assert scan(server, first) == (200, "ok")
            assert scan(server, second) == (200, "ok")  # served from the server's cache
        with app.app_context():
            revoke_api_token(token_id)
            db.session.commit()
        assert scan(a, codes[4]) == (401, "unauthorized")
        assert scan(b, codes[5]) == (401, "unauthorized")
        assert scan(a, codes[6])[0] == 401
    with app.app_context():
        from eventsvc.checkin.models import CheckIn

        assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 4
