"""gunicorn's settings for eventsvc's web containers: ``gunicorn -c deploy/gunicorn.conf.py eventsvc.wsgi:app``.

Sync workers (one request each; the app does its waiting in PostgreSQL, not in Python), as many as
GUNICORN_WORKERS (default: 2 per core). With PROMETHEUS_MULTIPROC_DIR set, every worker writes its
metrics to files there: the folder is emptied when gunicorn starts, and a dead worker's live gauges
are dropped, so /metrics adds up exactly the workers of this host.
"""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to us open (upstream keepalive)
max_requests = 20000  # a slow leak cannot grow for ever; the jitter staggers the restarts
max_requests_jitter = 2000
accesslog = None  # the app logs each request as JSON with its request id (LOG_REQUESTS)
errorlog = "-"
forwarded_allow_ips = "*"  # the app's ProxyFix (TRUSTED_PROXIES) decides what to believe, not gunicorn

# gunicorn's own lines (start, worker boots and timeouts) in the app's format: JSON in production
_log_format = os.environ.get("EVENTSVC_LOG_FORMAT") or (
    "json" if os.environ.get("EVENTSVC_ENV") == "production" else "text")
if _log_format == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "eventsvc.core.logs.JsonFormatter"}},
        "handlers": {"error_console": {"class": "logging.StreamHandler", "formatter": "json",
                                       "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": []},  # the app adds its own handler in each worker
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
                    "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False}},
    }


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
