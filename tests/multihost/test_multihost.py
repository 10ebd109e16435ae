"""eventsvc on several hosts, with faults (issue 13 item 7): each scenario prints a figure line.

The hosts (cluster.py): db, broker, web-a, web-b, worker-1, worker-2, beat, smtp, proxy, client.
Scenarios run in this order on one deployment; a scenario that kills a host brings it back after.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from tests.multihost.conftest import figure
from tests.multihost.load import run_scans

pytestmark = [pytest.mark.postgres_only, pytest.mark.multihost]

KILL_AT = 600


def _sql(cluster, query: str, **params):
    """Rows of a query on the db host, asked from the client host."""
    from eventsvc.extensions import db

    app = cluster.seed_app
    with cluster.net.enter("client"), app.app_context():
        try:
            return db.session.execute(text(query), params).all()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_badge_scans_through_the_proxy_survive_a_web_host_killed_mid_run(cluster, request):
    world = cluster.world
    killed = threading.Event()
    killed_at = []

    def on_progress(answered: int) -> None:
        if answered >= KILL_AT and not killed.is_set():
            killed.set()
            killed_at.append(answered)
            cluster.net.kill_host("web-a")

    run = run_scans(cluster.net, cluster.proxy_url, world.slug, world.staff_token, world.codes,
                    on_progress=on_progress)
    ids = list(world.codes)
    rows = _sql(cluster, """
        SELECT registration_id, count(*) FROM checkins
        WHERE event_id = :event AND result = 'ok' AND direction = 'in' AND undone_at IS NULL
        GROUP BY registration_id""", event=world.event_id)
    ok_by_registration = {rid: n for rid, n in rows if rid in world.codes}
    others = _sql(cluster, """
        SELECT count(*) FILTER (WHERE result <> 'ok'), count(*) - count(DISTINCT nonce) FROM checkins
        WHERE event_id = :event""", event=world.event_id)[0]
    once = sum(1 for rid in ids if ok_by_registration.get(rid) == 1)
    duplicates = sum(n - 1 for n in ok_by_registration.values() if n > 1) + others[0] + others[1]
    lost = sum(1 for rid in ids if rid not in ok_by_registration)
    figure(request, f"multihost scans: {run.sent} sent, {once} checked in once, {duplicates} duplicates, "
                    f"{lost} lost, {run.retries} retries ({run.replayed} answered as replays), "
                    f"web-a killed at {killed_at[0] if killed_at else 'never'}")
    assert killed_at, "web-a was never killed"
    assert not run.failures, run.failures[:5]
    assert run.results == {"ok": len(ids)}, run.results
    assert (once, duplicates, lost) == (len(ids), 0, 0)
    # web-a comes back for the scenarios after this one
    cluster.start_web("web-a")
    cluster.wait_ready()
