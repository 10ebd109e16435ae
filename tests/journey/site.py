"""The harness of the journey tests: the site as ``scripts/serve`` runs it, from an empty database,
with its mail delivered over SMTP to a real server on loopback, and helpers for the browser.

``ServedSite`` starts the real ``scripts/serve --empty`` (migrations, a Celery worker with its
beat on the SQLite queue in the instance folder, ``flask run``) in its own process group, with
settings given as ``EVENTSVC_<NAME>`` environment variables only, as an operator would. The
test's virtualenv is passed as ``EVENTSVC_VENV`` (nothing installed, catalogs not recompiled
under the other pytest workers' feet). On the PostgreSQL run the site gets a database of its
own, dropped afterwards; on SQLite it is the instance folder's default file.

Nothing here asserts on time: every wait has a generous limit (a loaded 2-core machine) and
fails with what it saw.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventsvc import PROJECT_ROOT
from tests.support import database
from tests.support.live_server import free_port
from tests.support.readiness import wait_until

#: limits, in seconds, of the waits below (never an assertion about speed)
START_TIMEOUT = 360
MAIL_TIMEOUT = 300
STOP_TIMEOUT = 60

#: a guest link in an e-mail (the portal's /g/<token>)
GUEST_LINK = re.compile(r"https?://[^\s\"<>]+/g/[A-Za-z0-9_-]+")


# --- mail: a real SMTP server on loopback --------------------------------------------------------

class Mailbox:
    """Every message the site's worker delivered, in order of arrival (aiosmtpd's handler)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    def messages(self, to: str | None = None, subject: str | Callable[[str], bool] | None = None) -> list:
        """The messages to an address (in To) whose subject contains ``subject`` (or satisfies it)."""
        with self._lock:
            found = list(self._messages)
        if to is not None:
            found = [m for m in found if to.lower() in str(m["To"]).lower()]
        if subject is not None:
            test = subject if callable(subject) else (lambda s, part=subject: part in s)
            found = [m for m in found if test(str(m["Subject"]))]
        return found

    def wait_for(self, to: str, subject: str | Callable[[str], bool], count: int = 1,
                 timeout: float = MAIL_TIMEOUT) -> list:
        """Waits until at least ``count`` such messages arrived; returns them (fails with what came)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to, subject)
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert len(found) >= count, (
            f"waited for {count} message(s) to {to} about {subject!r}, got {len(found)}; all mail so far: "
            + repr([(str(m['To']), str(m['Subject'])) for m in self.messages()]))
        return found

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(("html",)).get_content()


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


def guest_link(message: EmailMessage) -> str:
    """The guest's personal link in an e-mail (its plain text part)."""
    found = GUEST_LINK.findall(Mailbox.text(message))
    assert found, f"no guest link in {Mailbox.text(message)!r}"
    return found[0]


# --- the site, as scripts/serve runs it ----------------------------------------------------------

class ServedSite:
    """``scripts/serve --empty`` in its own process group, on a free port and its own instance folder."""

    def __init__(self, instance: Path, smtp_port: int, database_url: str | None = None,
                 settings: dict[str, str] | None = None):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        inherited = {name: value for name, value in os.environ.items()  # the site's settings: these only
                     if not name.startswith(("EVENTSVC_", "FLASK_"))}
        self.env = {
            **inherited,
            "PYTHONPATH": str(PROJECT_ROOT),  # this checkout's code, whichever checkout the venv was made in
            "EVENTSVC_VENV": sys.prefix,
            "EVENTSVC_ENV": "development",
            "EVENTSVC_INSTANCE_PATH": str(instance),
            "PORT": str(self.port),
            "EVENTSVC_PUBLIC_BASE_URL": self.url,
            "EVENTSVC_MAIL_BACKEND": "smtp",
            "EVENTSVC_MAIL_SERVER": "127.0.0.1",
            "EVENTSVC_MAIL_PORT": str(smtp_port),
            **(settings or {}),
        }
        if database_url:
            self.env["EVENTSVC_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.output = instance / "serve.out"

    def start(self) -> ServedSite:
        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [str(PROJECT_ROOT / "scripts" / "serve"), "--empty"], cwd=PROJECT_ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        wait_until(lambda: self._answers("/healthz") and "ready." in self.worker_log(), what="scripts/serve",
                   process=self.process, log=lambda: f"{self.log()}\n{self.worker_log()}",
                   timeout=START_TIMEOUT, interval=1)

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def worker_log(self) -> str:
        path = self.instance / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def flask(self, *args: str, input: str | None = None) -> str:  # noqa: A002 (subprocess's name)
        """A ``flask`` command with the site's environment (the test's only one: users create)."""
        result = subprocess.run([str(Path(sys.prefix) / "bin" / "flask"), *args], cwd=PROJECT_ROOT,
                                env={**self.env, "FLASK_APP": "eventsvc"}, input=input,
                                capture_output=True, text=True, timeout=START_TIMEOUT)
        assert result.returncode == 0, f"flask {' '.join(args)}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def stop(self) -> None:
        """SIGTERM to the whole group (serve, its worker, flask run), SIGKILL to what is left."""
        if self.process is None:
            return
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and _group_alive(group):
            self.process.poll()  # reaps scripts/serve (a zombie still counts as the group's member)
            time.sleep(0.5)
        if _group_alive(group):
            os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class OwnDatabase:
    """On the PostgreSQL run, a database for the served site alone: NAME_journey_<worker>."""

    def __init__(self):
        base = os.environ.get("EVENTSVC_TEST_DATABASE_URL")
        self.url = None
        if base:
            url = make_url(base)
            self._admin_url = url.set(database="postgres")
            self._name = f"{url.database}_journey_{database.worker_id()}"
            self.url = url.set(database=self._name).render_as_string(hide_password=False)

    def _run(self, *statements: str) -> None:
        engine = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    def __enter__(self) -> str | None:
        if self.url:
            self._run(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)', f'CREATE DATABASE "{self._name}"')
        return self.url

    def __exit__(self, *exc):
        if self.url:
            self._run(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')


# --- the browser -------------------------------------------------------------------------------

#: Playwright's limit for one action or expectation; generous (the worker and the server share 2 cores)
BROWSER_TIMEOUT_MS = 60_000


def new_page(browser, base_url: str, language: str | None = None, viewport=(1280, 900)):
    """A page in a context of its own (its own cookies: one person), optionally in a language."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  accept_downloads=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    if language:
        context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
    return context.new_page()


def sign_in(page, base_url: str, address: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(address)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def switch_language(page, code: str) -> None:
    """The header's language switch (a link per language; the current one is not a link)."""
    page.locator(f".lang-switch a[hreflang='{code}']").click()
    page.wait_for_selector(f"html[lang='{'zh-CN' if code == 'zh' else 'en'}']")


def flashes(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())
