"""Waiting for a server the tests started (gunicorn, scripts/serve, a Celery worker, Redis, nginx…).

Every start polls for readiness with one limit, STARTUP_TIMEOUT: generous, because on a loaded
2-core machine (the suite's own workers, other checkouts' suites) a gunicorn master importing the
app and forking its workers may take a minute. A server that is ready sooner is used at once, so
the limit costs nothing when all is well; a process that exits is reported at once, with its log.
No test asserts on how long a start took.
"""

import subprocess
import time
from collections.abc import Callable

import requests

#: seconds a server may take to answer after it was started
STARTUP_TIMEOUT = 180.0


def wait_until(ready: Callable[[], object], *, what: str, process: subprocess.Popen | None = None,
               log: Callable[[], str] = lambda: "", timeout: float = STARTUP_TIMEOUT,
               interval: float = 0.2) -> None:
    """Call ``ready()`` until it returns something true; AssertionError naming ``what`` (and the
    end of ``log()``) when ``process`` exits first or ``timeout`` seconds pass. Connection errors
    and timeouts raised by ``ready()`` count as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited ({process.returncode}) before it was ready:\n{log()[-6000:]}")
        try:
            if ready():
                return
        except (OSError, requests.RequestException, subprocess.SubprocessError):
            pass
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} was not ready after {timeout:.0f} s:\n{log()[-6000:]}")
        time.sleep(interval)


def answers(url: str, *, timeout: float = 5) -> bool:
    """Whether an HTTP GET of ``url`` answers 2xx (a readiness probe for ``wait_until``)."""
    return requests.get(url, timeout=timeout).ok
