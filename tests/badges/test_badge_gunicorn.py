"""A batch print job under gunicorn with two worker processes: whichever worker answers a poll
reports the job's progress, and the PDF comes out whole."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from eventsvc import PROJECT_ROOT
from eventsvc.demo import loader
from tests.support.live_server import free_port
from tests.support.readiness import answers, wait_until


class Gunicorn:
    def __init__(self, database_url: str, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "EVENTSVC_ENV": "testing", "EVENTSVC_DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "60", "eventsvc:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self):
        try:
            wait_until(lambda: answers(self.url + "/healthz"), what=f"gunicorn on {self.url}",
                       process=self.process)
            return self
        except BaseException:
            self.__exit__()  # never leave a server behind
            raise

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=20)


def _login(http: requests.Session, url: str) -> None:
    page = http.get(url + "/login").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = http.post(url + "/login", data={"email": loader.ORGANIZER_EMAIL, "password": loader.ORGANIZER_PASSWORD,
                                               "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302


def test_a_print_job_is_followed_through_any_gunicorn_worker(app, demo, printed):
    with Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"]) as server, requests.Session() as http:
        _login(http, server.url)
        page = http.get(f"{server.url}/manage/e/{demo}/badges").text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        started = http.post(f"{server.url}/manage/e/{demo}/badges/print", allow_redirects=False, data={
            "csrf_token": token, "category": "0", "which": "all", "layout": "sheet"})
        assert started.status_code == 302
        job_url = started.headers["Location"]
        if job_url.startswith("/"):
            job_url = server.url + job_url
        statuses = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # a new connection each time: gunicorn hands each to whichever worker accepts it
            status = requests.get(job_url + "/status", cookies=http.cookies, timeout=10).json()
            statuses.append(status)
            if status["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert statuses[-1]["status"] == "done", statuses[-1]
        assert statuses[-1]["done"] == statuses[-1]["total"] > 100
        done_counts = [s["done"] for s in statuses]
        assert done_counts == sorted(done_counts)  # progress never goes backwards, whoever answers
        pdf = printed(http.get(job_url + "/badges.pdf", timeout=30).content)
        assert int(pdf.info()["Pages"]) == -(-statuses[-1]["total"] // 4)
        assert len(pdf.qr_codes(1)) == 4
