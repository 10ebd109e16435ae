"""Prometheus metrics: what the parts count, and ``/metrics`` that shows them.

The counters are defined here and called where the thing happens: a scan's recorded result
(checkin), a registration's change of state (the lifecycle, counted once its transaction
commits), a task's duration and failure (the task queue, through ``observe_task``). Requests are
counted and timed by endpoint here, in two small hooks. Figures that are a question to the
database (the outbox backlog) are asked at scrape time by functions the parts register with
``add_scrape_metrics``, one query each.

Under gunicorn several processes serve one host: with ``PROMETHEUS_MULTIPROC_DIR`` set (before
the first import of prometheus_client), each process writes its figures to files there and
``/metrics`` adds them up (deploy/gunicorn.conf.py empties the folder at start and forgets dead
workers). Without it, the figures are the one process's.

Who may read ``/metrics``: a caller with ``Authorization: Bearer <METRICS_TOKEN>`` when that setting
is set, or a client address in ``METRICS_ALLOWED_NETWORKS`` (loopback by default). Behind the proxy
the address is the real client's (TRUSTED_PROXIES), and deploy/nginx.conf refuses /metrics from
outside anyway: Prometheus scrapes each web host directly.
"""

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable
from functools import cache, lru_cache

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.orm import Session

from eventsvc.core.clients import client_address
from eventsvc.extensions import db

REQUESTS = Counter("eventsvc_http_requests_total", "HTTP requests answered, by endpoint, method and status.",
                   ("endpoint", "method", "status"))
REQUEST_SECONDS = Histogram(
    "eventsvc_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint and method.",
    ("endpoint", "method"), buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SCANS = Counter("eventsvc_scans_total", "Badge scans recorded, by result (a retried nonce counts once).",
                ("result",))
REGISTRATION_CHANGES = Counter(
    "eventsvc_registration_changes_total",
    "Registrations entering a state, by the state they left ('new' for a new registration).",
    ("previous", "status"))
TASK_SECONDS = Histogram("eventsvc_task_duration_seconds", "Time a background task ran, by task.", ("task",),
                         buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900))
TASK_FAILURES = Counter("eventsvc_task_failures_total", "Background tasks that ended in an error, by task.",
                        ("task",))

#: the methods named in labels; anything else a client invents is "other" (labels must stay few)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

#: functions asked at scrape time, each yielding (name, help, value) gauges from one query
SCRAPE_METRICS: list[Callable[[], Iterable[tuple[str, str, float]]]] = []

bp = Blueprint("metrics", __name__)


def add_scrape_metrics(collect: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
    if collect not in SCRAPE_METRICS:
        SCRAPE_METRICS.append(collect)


# --- what the parts call ------------------------------------------------------------------------

def scan_recorded(result: str) -> None:
    _labelled(SCANS, str(result)).inc()


@cache
def _labelled(metric, *values: str):
    """A metric's child for these label values (in the order of its label names), looked up once
    per process: the values are a route, a method, a status or a result, a bounded set."""
    return metric.labels(*values)


def registration_changed(previous: str | None, status: str) -> None:
    """Count a registration's change of state when the transaction that makes it commits."""
    db.session.info.setdefault("metrics_registration_changes", []).append((previous or "new", str(status)))


def observe_task(name: str, seconds: float, failed: bool) -> None:
    """A background task ended after ``seconds``; ``failed`` when it raised."""
    TASK_SECONDS.labels(task=name).observe(seconds)
    if failed:
        TASK_FAILURES.labels(task=name).inc()


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for previous, status in session.info.pop("metrics_registration_changes", ()):
        REGISTRATION_CHANGES.labels(previous=previous, status=status).inc()


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction) -> None:
    if transaction.parent is None:  # rolled back or closed (a commit has counted them already)
        session.info.pop("metrics_registration_changes", None)


# --- requests --------------------------------------------------------------------------------------

def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe_request(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "none"
        method = request.method if request.method in KNOWN_METHODS else "other"
        _labelled(REQUESTS, endpoint, method, str(response.status_code)).inc()
        _labelled(REQUEST_SECONDS, endpoint, method).observe(time.perf_counter() - started)
    return response


# --- /metrics -------------------------------------------------------------------------------------

def exposition() -> bytes:
    """Every figure in Prometheus' text format: the processes' counters, then the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(_ScrapeCollector())
    return generate_latest(registry) + generate_latest(scraped)


class _ScrapeCollector:
    def collect(self):
        for collect in SCRAPE_METRICS:
            try:
                figures = list(collect())
            except Exception as error:  # noqa: BLE001 - a part that cannot answer leaves its gauges out
                current_app.logger.warning("metrics: %s failed: %r", collect.__qualname__, error)
                db.session.rollback()
                continue
            for name, documentation, value in figures:
                yield GaugeMetricFamily(name, documentation, value=value)


def may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), str(token).encode()):
            return True
    try:
        address = ipaddress.ip_address(client_address())
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(current_app.config["METRICS_ALLOWED_NETWORKS"])))


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


@bp.get("/metrics")
def metrics():
    if not may_read_metrics():
        if current_app.config.get("METRICS_TOKEN"):
            return Response("a bearer token is needed\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                            mimetype="text/plain")
        return Response("metrics are read from the host or its trusted networks\n", 403, mimetype="text/plain")
    response = Response(exposition(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def start_metrics_server(port: int, address: str = "0.0.0.0"):  # noqa: S104 - a worker's scrape port
    """For a process without a web server (a task worker): its figures (task durations and failures,
    counted in this process or, with PROMETHEUS_MULTIPROC_DIR, in all its pool's processes) on ``port``.
    Returns the server and its thread."""
    from prometheus_client import start_http_server

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return start_http_server(port, address, registry=registry)


def init_app(app: Flask) -> None:
    for value in app.config["METRICS_ALLOWED_NETWORKS"]:
        ipaddress.ip_network(value, strict=False)  # a typo stops the start, not the first scrape
    app.before_request(_start_timer)
    app.after_request(_observe_request)
    app.register_blueprint(bp)
