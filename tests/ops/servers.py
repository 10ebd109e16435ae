"""Live gunicorn servers on loopback for the several-hosts tests, each its own process group."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from eventsvc.core.paths import PROJECT_ROOT
from tests.support.live_server import free_port
from tests.support.readiness import answers, wait_until

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


class Gunicorn:
    """``gunicorn`` serving the app on a free port of 127.0.0.1; stopped (with its workers) on exit.

    ``log``: an open file for its standard error (the app's and gunicorn's log lines)."""

    def __init__(self, database_url: str, *args: str, workers: int = 1, env: dict | None = None,
                 app: str = "eventsvc:create_app()", log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "EVENTSVC_ENV": "testing", "EVENTSVC_DATABASE_URL": database_url,
                       "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers),
                       **(env or {})}
        self.process = subprocess.Popen(
            [GUNICORN, *args, "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60", app],
            cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
            start_new_session=True)

    def __enter__(self):
        try:
            wait_until(lambda: answers(self.url + "/healthz"), what=f"gunicorn on {self.url}",
                       process=self.process)
            return self
        except BaseException:
            self.__exit__()
            raise

    def kill(self) -> None:
        """The host dies: the master and its workers at once, nothing finished."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def __exit__(self, *exc):
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        self.kill()  # whatever of its group is left
