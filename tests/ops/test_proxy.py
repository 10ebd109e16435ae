"""deploy/nginx.conf in front of two gunicorn servers, as compose.yaml runs them (on loopback ports here).

Debian's nginx (scripts/bootstrap --test installs it) runs the real file with only the upstream
addresses and the listening port changed.
"""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from eventsvc.core.paths import PROJECT_ROOT
from tests.ops.servers import Gunicorn
from tests.support.live_server import free_port
from tests.support.readiness import wait_until

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    def __init__(self, folder: Path, upstreams: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
        conf = conf.replace("server web-a:8000", f"server {upstreams[0]}").replace(
            "server web-b:8000", f"server {upstreams[1]}")
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        conf = conf.replace("access_log /dev/stdout json;", f"access_log {folder}/access.log json;")
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            conf = conf.replace("http {", f"http {{\n    {temp}_temp_path {folder}/{temp};", 1)
        (folder / "nginx.conf").write_text(conf)
        self.access_log = folder / "access.log"
        self.process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),
             "-g", f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self):
        try:  # any answer will do: nginx is up (its upstreams may still be starting)
            wait_until(lambda: requests.get(self.url + "/healthz", timeout=2), what=f"nginx on {self.url}",
                       process=self.process, interval=0.1)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def stack(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    json_logs = {"EVENTSVC_LOG_FORMAT": "json", "EVENTSVC_LOG_REQUESTS": "true", "EVENTSVC_TRUSTED_PROXIES": "1"}
    with open(tmp_path / "web-a.log", "w") as log_a, open(tmp_path / "web-b.log", "w") as log_b, \
            Gunicorn(url, "-c", "deploy/gunicorn.conf.py", env=json_logs, log=log_a) as a, \
            Gunicorn(url, "-c", "deploy/gunicorn.conf.py", env=json_logs, log=log_b) as b, \
            Nginx(tmp_path, [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"]) as proxy:
        yield proxy, a, b, tmp_path


def _log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_proxys_request_id_reaches_the_apps_json_log_and_the_answer(stack):
    proxy, a, b, folder = stack
    ids = {requests.get(proxy.url + "/", headers={"X-Request-ID": "client-chosen"}).headers["X-Request-ID"]
           for _ in range(6)}
    assert "client-chosen" not in ids and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)  # nginx's own
    time.sleep(0.5)  # the log lines are written after the answers
    app_lines = _log_lines(folder / "web-a.log") + _log_lines(folder / "web-b.log")  # every line is JSON
    logged = {line["request_id"] for line in app_lines if line["logger"] == "eventsvc.request"}
    assert ids <= logged
    assert any(line["logger"] == "gunicorn.error" for line in app_lines)  # gunicorn's lines too
    assert ids <= {line["request_id"] for line in _log_lines(proxy.access_log)}


def test_metrics_are_not_served_through_the_proxy(stack):
    proxy, a, _b, _folder = stack
    assert requests.get(proxy.url + "/metrics").status_code == 404
    assert requests.get(a.url + "/metrics").status_code == 200  # Prometheus asks each host directly


def test_reads_keep_working_when_a_web_server_dies(stack):
    proxy, a, _b, _folder = stack
    answers = []
    for n in range(40):
        if n == 10:
            a.kill()  # the host dies: its port refuses connections
        answers.append(requests.get(proxy.url + "/readyz", timeout=10).status_code)
    assert answers == [200] * 40
