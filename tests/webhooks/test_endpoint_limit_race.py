"""The 20-endpoint limit holds when the 20th endpoint is made twice at the same instant (PostgreSQL)."""

import pytest
from sqlalchemy import func, select, text

from eventsvc.extensions import db
from eventsvc.webhooks import service
from eventsvc.webhooks.models import WebhookEndpoint
from tests.support.database import is_postgres_run
from tests.support.races import run_against_held_locks

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.skipif(not is_postgres_run(), reason="a lock race: PostgreSQL only (deselected on SQLite)")]


def test_two_requests_making_the_twentieth_endpoint_at_once_make_one(app, demo_event_id, endpoint):
    for number in range(service.MAX_ENDPOINTS - 1):
        endpoint(f"https://hooks.example.org/{number}")

    def another_request_half_way(conn):
        # what create_endpoint does in the other request, stopped before its commit
        conn.execute(text("SELECT id FROM events WHERE id = :event FOR UPDATE"), {"event": demo_event_id})
        conn.execute(WebhookEndpoint.__table__.insert().values(
            event_id=demo_event_id, url="https://hooks.example.org/twentieth", kinds="checkin.recorded",
            secret_sealed=b"x", secret_hint="abcd"))

    def this_request():
        service.create_endpoint(demo_event_id, "https://hooks.example.org/twenty-first", ["checkin.recorded"])
        db.session.commit()

    with pytest.raises(service.WebhookError) as refused:
        run_against_held_locks(app, db, another_request_half_way, this_request)
    assert refused.value.code == "too_many_endpoints"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)
                                 .where(WebhookEndpoint.event_id == demo_event_id)) == service.MAX_ENDPOINTS
