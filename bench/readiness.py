"""Waiting for the gunicorn a benchmark started (the benchmarks' own small copy of
tests/support/readiness.py: they run without the test suite).

One limit for every start, generous for a loaded 2-core machine, where a gunicorn master that
imports the app and forks its workers can take a minute; a server ready sooner is used at once.
"""

import subprocess
import time
from collections.abc import Callable

#: seconds a server may take to answer after it was started
STARTUP_TIMEOUT = 180.0


def wait_until(ready: Callable[[], object], *, what: str, process: subprocess.Popen | None = None,
               log: Callable[[], str] = lambda: "", timeout: float = STARTUP_TIMEOUT,
               interval: float = 0.2) -> None:
    """Call ``ready()`` until it returns something true (an OSError counts as "not yet");
    RuntimeError naming ``what`` with the end of ``log()`` when ``process`` exits or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            time.sleep(0.2)  # a reader thread takes the last lines
            raise RuntimeError(f"{what} exited ({process.returncode}): {log()[-2000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{what} was not ready after {timeout:.0f} s: {log()[-2000:]}")
        time.sleep(interval)
