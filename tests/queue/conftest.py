"""Real background workers for the queue tests: ``celery -A eventsvc.worker worker`` processes and
a gunicorn web server, all on the test database, sharing a broker and a storage folder.

The broker is a SQLite file in a temporary folder (kombu's SQLAlchemy transport, what
``scripts/serve`` uses); on the PostgreSQL run it is a real Redis (Debian's redis-server, which
``scripts/bootstrap --test`` installs), as on several hosts.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from eventsvc import PROJECT_ROOT
from eventsvc.core.tasks import WorkerHeartbeat
from eventsvc.extensions import db
from tests.mail.conftest import SmtpServer
from tests.support import database
from tests.support.live_server import free_port
from tests.support.readiness import answers, wait_until

SETTINGS = {
    "EVENTSVC_ENV": "testing",
    "EVENTSVC_TASKS_EAGER": "false",
    "EVENTSVC_MAIL_DELIVER_AFTER_COMMIT": "true",
    # short leases and sweeps, so that a lost job or message is taken over within seconds
    "EVENTSVC_JOB_LEASE_SECONDS": "4",
    "EVENTSVC_TASK_SWEEP_SECONDS": "2",
    "EVENTSVC_MAIL_SWEEP_SECONDS": "2",
    "EVENTSVC_MAIL_LEASE_SECONDS": "6",
    "EVENTSVC_REGISTRATION_SCHEDULE_SECONDS": "2",
    "EVENTSVC_TASK_VISIBILITY_TIMEOUT": "10",
    "EVENTSVC_WORKER_HEARTBEAT_SECONDS": "1",
    "EVENTSVC_PUBLIC_BASE_URL": "http://127.0.0.1",
}


class Redis:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                                          text=True).stdout.strip() == "PONG",
                   what=f"redis-server on port {self.port}", process=self.process, interval=0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Cluster:
    """The environment every process of a test shares, and the processes it started."""

    def __init__(self, app, folder: Path, broker_url: str, smtp_port: int):
        self.app = app
        self.folder = folder
        self.env = {**os.environ, **SETTINGS, "PYTHONPATH": str(PROJECT_ROOT),
                    "EVENTSVC_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "EVENTSVC_TASK_BROKER_URL": broker_url,
                    "EVENTSVC_STORAGE_DIR": str(folder / "storage"),
                    "EVENTSVC_MAIL_PORT": str(smtp_port)}
        self.processes: dict[str, subprocess.Popen] = {}
        self.web_url = None

    def start_worker(self, name: str, *, beat: bool = False) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "eventsvc.worker", "worker", "--pool", "threads",
                   "--concurrency", "2", "-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip",
                   "--without-mingle"]
        if beat:
            command.append("--beat")
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        self._wait_for_heartbeat(name, process)
        return process

    def _wait_for_heartbeat(self, name: str, process: subprocess.Popen) -> None:
        def reported() -> bool:
            with self.app.app_context():
                seen = db.session.scalar(select(WorkerHeartbeat.hostname).where(
                    WorkerHeartbeat.hostname.startswith(f"{name}@")))
                db.session.remove()
            return seen is not None

        wait_until(reported, what=f"worker {name} (its first heartbeat)", process=process,
                   log=lambda: self.log(name))

    def kill(self, name: str) -> None:
        """SIGKILL: the worker dies mid-task, acknowledging nothing and cleaning nothing up."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str, tail: int | None = None) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text[-tail:] if tail else text

    def start_web(self) -> str:
        port = free_port()
        log = open(self.folder / "web.log", "ab")  # noqa: SIM115
        self.processes["web"] = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "eventsvc:create_app()"],
            cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.web_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(self.web_url + "/login"), what=f"gunicorn on {self.web_url}",
                   process=self.processes["web"], log=lambda: self.log("web"))
        return self.web_url

    def stop(self) -> None:
        for process in list(self.processes.values()):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster(app, tmp_path, smtp_server):
    if database.is_postgres_run() and shutil.which("redis-server"):
        redis = Redis(tmp_path)
        broker = redis.url
    else:
        redis = None
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    cluster = Cluster(app, tmp_path, broker, smtp_server.port)
    cluster.redis = redis
    yield cluster
    cluster.stop()
    if redis:
        redis.stop()
