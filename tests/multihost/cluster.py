"""The deployment of docs/deploy.md on one machine: each part on a host (network namespace) of its own.

    db        PostgreSQL from Debian, its own data folder, listening on its address only
    broker    Redis from Debian
    web-a/b   gunicorn eventsvc.wsgi:app, 2 workers each, production settings, one shared secret
    worker-1/2  celery -A eventsvc.worker worker
    beat      celery -A eventsvc.worker beat (one scheduler; the periodic tasks run once per period)
    smtp      aiosmtpd recording every message to a file (tests/multihost/smtp_sink.py)
    proxy     HAProxy from Debian in front of web-a and web-b: health checks on /readyz, retries
              on the other back end when a connection fails
    client    where the load generator and the database checks run (threads that entered it)

Every host shares the file system: the storage folder is one directory (the "NFS mount"), each host
its own instance folder. Servers are waited for by polling with generous limits, never by time.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.multihost.netns import Network, wait_until

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(max((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), default="/usr/lib/postgresql/15/bin"))

WEB_PORT = 8000
PROXY_PORT = 8080
SMTP_PORT = 2525
PG_PORT = 5432
REDIS_PORT = 6379

HOSTS = ("db", "broker", "web-a", "web-b", "worker-1", "worker-2", "beat", "smtp", "proxy", "client")


def has_queue() -> bool:
    """The task queue (issue 13 item 1) is there: its worker module can be found."""
    return importlib.util.find_spec("eventsvc.worker") is not None


def has_health() -> bool:
    """Health and metrics (issue 13 item 5) are there."""
    return importlib.util.find_spec("eventsvc.core.health") is not None


def _tcp_open(address: str, port: int) -> bool:
    with socket.create_connection((address, port), timeout=2):
        return True


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="eventsvc-multihost-"))
        os.chmod(self.dir, 0o755)  # the postgres user reads its folder below it
        self.storage = self.dir / "storage"
        self.storage.mkdir()
        self.mailbox = self.dir / "smtp-received.jsonl"
        self.net = Network(self.dir)
        try:
            for host in HOSTS:
                self.net.add_host(host)
        except BaseException:
            self.close()
            raise
        self.addr = self.net.hosts
        self.secret = secrets.token_urlsafe(48)
        self.kek = secrets.token_urlsafe(48)
        self.database_url = f"postgresql+psycopg://postgres@{self.addr['db']}:{PG_PORT}/eventsvc"
        self.broker_url = f"redis://{self.addr['broker']}:{REDIS_PORT}/0"
        self.proxy_url = f"http://{self.addr['proxy']}:{PROXY_PORT}"
        self.procs: dict[str, subprocess.Popen] = {}

    @property
    def check_path(self) -> str:
        """What the proxy asks a web host to know it may send it requests."""
        return "/readyz" if has_health() else "/"

    def app_overrides(self) -> dict:
        """The hosts' settings, for an app made in the test process (seeding, checks)."""
        return {"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": self.secret,
                "BADGE_KEY_ENCRYPTION_KEY": self.kek, "PUBLIC_BASE_URL": self.proxy_url,
                "TASK_BROKER_URL": self.broker_url, "STORAGE_DIR": str(self.storage),
                "MAIL_SERVER": self.addr["smtp"], "MAIL_PORT": SMTP_PORT}

    def http(self, method: str, url: str, **kw):
        """One request from the client host."""
        import requests

        with self.net.enter("client"):
            return requests.request(method, url, timeout=kw.pop("timeout", 30), **kw)

    def wait_web(self, host: str, timeout: float = 240.0) -> None:
        """A web host answers its health check itself (not only accepts connections)."""
        wait_until(lambda: self.http("GET", self.url_of(host) + self.check_path).status_code == 200,
                   f"{host} to answer {self.check_path} with 200", timeout)

    def wait_ready(self, timeout: float = 240.0) -> None:
        for host in ("web-a", "web-b"):
            self.wait_web(host, timeout)
        wait_until(lambda: self.http("GET", self.proxy_url + self.check_path).status_code == 200,
                   f"the proxy to answer {self.check_path} with 200", timeout)

    def url_of(self, host: str) -> str:
        """A web host's own address (bypassing the proxy)."""
        return f"http://{self.addr[host]}:{WEB_PORT}"

    # -- settings every eventsvc process shares ------------------------------------------------

    def app_env(self, host: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("EVENTSVC_", "PYTEST", "COV_"))}
        instance = self.dir / "instance" / host
        instance.mkdir(parents=True, exist_ok=True)
        env.update({
            "PYTHONPATH": str(ROOT),
            "EVENTSVC_ENV": "production",
            "EVENTSVC_SECRET_KEY": self.secret,
            "EVENTSVC_BADGE_KEY_ENCRYPTION_KEY": self.kek,
            "EVENTSVC_DATABASE_URL": self.database_url,
            "EVENTSVC_PUBLIC_BASE_URL": self.proxy_url,
            "EVENTSVC_TRUSTED_PROXIES": "1",
            "EVENTSVC_STORAGE_DIR": str(self.storage),
            "EVENTSVC_INSTANCE_PATH": str(instance),
            "EVENTSVC_TASK_BROKER_URL": self.broker_url,
            # a killed worker's unacknowledged task comes back after this long (Redis)
            "EVENTSVC_TASK_VISIBILITY_TIMEOUT": "20",
            "EVENTSVC_TASK_SWEEP_SECONDS": "5",
            "EVENTSVC_MAIL_SWEEP_SECONDS": "5",
            "EVENTSVC_MAIL_LEASE_SECONDS": "20",
            "EVENTSVC_JOB_LEASE_SECONDS": "20",
            "EVENTSVC_REGISTRATION_SCHEDULE_SECONDS": "5",
            # the test network speaks plain HTTP: cookies without the Secure flag, no HSTS
            "EVENTSVC_SESSION_COOKIE_SECURE": "false",
            "EVENTSVC_REMEMBER_COOKIE_SECURE": "false",
            "EVENTSVC_HSTS_SECONDS": "0",
            "EVENTSVC_MAIL_BACKEND": "smtp",
            "EVENTSVC_MAIL_SERVER": self.addr["smtp"],
            "EVENTSVC_MAIL_PORT": str(SMTP_PORT),
            "EVENTSVC_MAIL_MAX_ATTEMPTS": "50",
            "EVENTSVC_METRICS_ALLOWED_NETWORKS": f'["127.0.0.0/8", "{self.net.subnet}.0/24"]',
            "PROMETHEUS_MULTIPROC_DIR": str(self._prom_dir(host)),
        })
        return env

    def _prom_dir(self, host: str) -> Path:
        path = self.dir / "prometheus" / host
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    # -- the hosts' servers -------------------------------------------------------------------

    def start_db(self) -> None:
        data = self.dir / "pg"
        data.mkdir()
        shutil.chown(data, "postgres")
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data / "data"),
                        "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        with open(data / "data" / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.net.subnet}.0/24 trust\n")
        self.procs["db"] = self.net.start("db", [
            "runuser", "-u", "postgres", "--", str(PG_BIN / "postgres"), "-D", str(data / "data"),
            "-p", str(PG_PORT), "-k", str(data), "-c", f"listen_addresses={self.addr['db']}",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200"], name="db")
        wait_until(lambda: self.net.run("db", [str(PG_BIN / "pg_isready"), "-h", self.addr["db"], "-p",
                                               str(PG_PORT)], capture_output=True).returncode == 0,
                   "PostgreSQL on the db host")
        self.net.run("db", ["runuser", "-u", "postgres", "--", str(PG_BIN / "createdb"), "-h", self.addr["db"],
                            "-p", str(PG_PORT), "eventsvc"], check=True, capture_output=True)

    def start_broker(self) -> None:
        redis = shutil.which("redis-server")
        assert redis, "redis-server is missing: scripts/bootstrap --test installs it (apt-get install redis-server)"
        self.procs["broker"] = self.net.start("broker", [
            redis, "--bind", self.addr["broker"], "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--dir", str(self.dir)], name="broker")
        self.wait_tcp("broker", REDIS_PORT)

    def stop_broker(self) -> None:
        self.net.kill_host("broker")

    def start_smtp(self) -> None:
        self.procs["smtp"] = self.net.start("smtp", [
            sys.executable, str(ROOT / "tests" / "multihost" / "smtp_sink.py"), self.addr["smtp"], str(SMTP_PORT),
            str(self.mailbox)], name="smtp", env=self.app_env("smtp"))
        self.wait_tcp("smtp", SMTP_PORT)

    def start_web(self, host: str) -> None:
        self.procs[host] = self.net.start(host, [
            sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{self.addr[host]}:{WEB_PORT}", "--timeout", "120",
            "--graceful-timeout", "5", "--no-control-socket", "eventsvc.wsgi:app"], name=host, env=self.app_env(host), cwd=str(ROOT))
        self.wait_tcp(host, WEB_PORT)

    def start_worker(self, host: str) -> None:
        self.procs[host] = self.net.start(host, [
            sys.executable, "-m", "celery", "-A", "eventsvc.worker", "worker", "--loglevel", "INFO",
            "--hostname", f"{host}@%h", "--concurrency", "2", "--pool", "threads"],
            name=host, env=self.app_env(host), cwd=str(ROOT))

    def start_beat(self) -> None:
        self.procs["beat"] = self.net.start("beat", [
            sys.executable, "-m", "celery", "-A", "eventsvc.worker", "beat", "--loglevel", "INFO",
            "--schedule", str(self.dir / "celerybeat-schedule")], name="beat", env=self.app_env("beat"),
            cwd=str(ROOT))

    def start_proxy(self, check_path: str = "/readyz") -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        assert Path(haproxy).exists(), "haproxy is missing: scripts/bootstrap --test installs it"
        config = self.dir / "haproxy.cfg"
        config.write_text(f"""
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # a back end that refuses the connection: the request goes to the other one. A request that a
    # back end took and died with answers 502: the client tries again (a scan with its nonce)
    retries 3
    option redispatch 1
    retry-on conn-failure

frontend front
    bind {self.addr['proxy']}:{PROXY_PORT}
    # health and metrics reach the hosts' own answers (a 503 naming the failing part), even when
    # no host is ready
    use_backend live if {{ path /readyz /healthz /metrics }}
    use_backend web if {{ nbsrv(web) gt 0 }}
    # no host ready (the broker is down, say): the live ones still serve what needs no broker
    default_backend live

backend web
    balance roundrobin
    option httpchk GET {check_path}
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    server web-a {self.addr['web-a']}:{WEB_PORT} check
    server web-b {self.addr['web-b']}:{WEB_PORT} check

backend live
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    server web-a {self.addr['web-a']}:{WEB_PORT} check
    server web-b {self.addr['web-b']}:{WEB_PORT} check
""")
        subprocess.run([haproxy, "-c", "-f", str(config)], check=True, capture_output=True)
        self.procs["proxy"] = self.net.start("proxy", [haproxy, "-db", "-f", str(config)], name="proxy")
        self.wait_tcp("proxy", PROXY_PORT)

    def wait_tcp(self, host: str, port: int, timeout: float = 240.0) -> None:
        def check():
            proc = self.procs.get(host)
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"{host} exited ({proc.returncode}); see {self.dir / (host + '.log')}")
            with self.net.enter("client"):
                return _tcp_open(self.addr[host], port)
        wait_until(check, f"{host}:{port} to accept connections", timeout)

    def log(self, host: str) -> str:
        path = self.dir / f"{host}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self, keep: bool = False) -> None:
        self.net.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
