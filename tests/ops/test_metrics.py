"""/metrics: what Prometheus reads, and who may read it."""

import pytest
import requests

from eventsvc import create_app
from eventsvc.core.metrics import observe_task, start_metrics_server
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from tests.ops.metrics_text import sample, scrape
from tests.support.live_server import free_port


def test_requests_are_counted_and_timed_by_endpoint_method_and_status(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    after = scrape(client)
    labels = {"endpoint": "health.healthz", "method": "GET"}
    assert sample(after, "eventsvc_http_requests_total", status="200", **labels) - \
        sample(before, "eventsvc_http_requests_total", status="200", **labels) == 2
    assert sample(after, "eventsvc_http_request_duration_seconds_count", **labels) - \
        sample(before, "eventsvc_http_request_duration_seconds_count", **labels) == 2
    assert sample(after, "eventsvc_http_requests_total", endpoint="none", method="GET", status="404") - \
        sample(before, "eventsvc_http_requests_total", endpoint="none", method="GET", status="404") == 1


def test_a_method_a_client_invents_is_counted_as_other(client):
    before = scrape(client)
    client.open("/healthz", method="BREW")
    after = scrape(client)
    assert sample(after, "eventsvc_http_requests_total", method="other", status="405") - \
        sample(before, "eventsvc_http_requests_total", method="other", status="405") == 1
    assert 'method="BREW"' not in after


def test_the_outbox_backlog_is_counted_when_prometheus_asks(app, client):
    assert sample(scrape(client), "eventsvc_outbox_backlog") == 0
    with app.app_context():
        for n in range(3):
            db.session.add(OutgoingMessage(kind="test", to_address=f"{n}@example.org", subject="s", body_text="b",
                                           message_id=f"<backlog-{n}@example.org>"))
        db.session.commit()
    assert sample(scrape(client), "eventsvc_outbox_backlog") == 3


def test_task_durations_and_failures_are_recorded_for_the_queue(client):
    before = scrape(client)
    observe_task("deliver_outbox", 0.2, failed=False)
    observe_task("deliver_outbox", 1.5, failed=True)
    after = scrape(client)
    assert sample(after, "eventsvc_task_duration_seconds_count", task="deliver_outbox") - \
        sample(before, "eventsvc_task_duration_seconds_count", task="deliver_outbox") == 2
    assert sample(after, "eventsvc_task_failures_total", task="deliver_outbox") - \
        sample(before, "eventsvc_task_failures_total", task="deliver_outbox") == 1


def test_a_worker_shows_its_task_figures_on_a_port_of_its_own():
    server, thread = start_metrics_server(free_port(), "127.0.0.1")
    try:
        observe_task("prune_storage", 0.01, failed=True)
        text = requests.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10).text
        assert sample(text, "eventsvc_task_failures_total", task="prune_storage") >= 1
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_metrics_are_refused_to_a_caller_outside_the_host_and_its_networks(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 403 and b"eventsvc_" not in response.data
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_behind_the_proxy_the_real_client_counts_not_the_proxys_loopback(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1})
    client = app.test_client()
    outside = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert outside.status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_a_scraper_with_the_metrics_token_reads_from_anywhere_and_a_wrong_token_does_not(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "METRICS_TOKEN": "s3cret-scrape-token",
                                 "METRICS_ALLOWED_NETWORKS": ["10.0.0.0/8"]})
    client = app.test_client()
    far = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer s3cret-scrape-token"}
                      ).status_code == 200
    wrong = client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", environ_base=far).status_code == 401
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 401  # loopback is not in this host's list


def test_a_misspelt_network_stops_the_start(database_url):
    with pytest.raises(ValueError):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "METRICS_ALLOWED_NETWORKS": ["10.0.0/33"]})


def test_a_task_run_by_the_queue_shows_in_the_task_metrics(app, client):
    """The queue reports every task it runs (here eagerly, as the tests run tasks) to /metrics."""
    from eventsvc.core import tasks

    name = "eventsvc.periodic.jobs_sweep"
    before = sample(scrape(client), "eventsvc_task_duration_seconds_count", task=name)
    with app.app_context():
        tasks.celery.tasks[name].apply()
    after = sample(scrape(client), "eventsvc_task_duration_seconds_count", task=name)
    assert after - before == 1
