"""Two transactions at the same instant, in a fixed order: one holds its row locks, uncommitted (the
other request, half-way), while the action under test runs in a thread and meets them.

Used for the rules whose race is about a lock and not about throughput (delete a category while a
guest is given it; the 20th webhook endpoint made twice): the order is forced, so the test fails
every time without the lock instead of once in a while.
"""

import threading
from collections.abc import Callable

from sqlalchemy import text

from tests.support.readiness import wait_until


def run_against_held_locks(app, db, hold: Callable, action: Callable, *, timeout: float = 180):
    """``hold(conn)`` runs on a connection of its own and stays uncommitted until ``action()`` (in a
    thread, inside an app context) waits on a lock or has finished; then ``hold`` commits. Returns
    what ``action`` returned, or raises what it raised."""
    outcome: dict = {}
    with app.app_context(), db.engine.connect() as other:
        transaction = other.begin()
        hold(other)
        holder_pid = other.execute(text("SELECT pg_backend_pid()")).scalar()

        def act():
            with app.app_context():
                try:
                    outcome["value"] = action()
                except Exception as error:  # noqa: BLE001 - handed to the test below
                    outcome["error"] = error
                finally:
                    db.session.remove()

        worker = threading.Thread(target=act)
        worker.start()

        def waiting_or_done() -> bool:
            if not worker.is_alive():
                return True
            with db.engine.connect() as probe:
                return bool(probe.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> :holder"
                    " AND datname = current_database()"), {"holder": holder_pid}).scalar())

        wait_until(waiting_or_done, timeout=timeout, what="the action to wait on the held lock or finish")
        transaction.commit()
    worker.join(timeout)
    assert not worker.is_alive(), "the action never finished after the held transaction committed"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
