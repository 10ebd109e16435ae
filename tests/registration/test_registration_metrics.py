"""Registrations by change of state on /metrics, counted when the change is committed."""

from sqlalchemy import select

from eventsvc.core.metrics import registration_changed
from eventsvc.events.enums import RegistrationMode
from eventsvc.extensions import db
from tests.ops.metrics_text import sample, scrape

CHANGES = "eventsvc_registration_changes_total"


def _delta(before, after, previous, status):
    return sample(after, CHANGES, previous=previous, status=status) - sample(before, CHANGES, previous=previous,
                                                                            status=status)


def test_each_change_of_state_is_counted_once_with_where_it_came_from(app, client, open_event, make_user,
                                                                      api_token):
    slug = open_event(capacity=1, mode=RegistrationMode.APPROVAL)
    token = api_token(make_user("metrics-org@example.org", "organizer-password-1", event_slug=slug, role="organizer"))
    auth, url = {"Authorization": f"Bearer {token}"}, f"/api/v1/events/{slug}/registrations"
    before = scrape(client)
    first = client.post(url, headers=auth, json={"name": "A", "email": "a@example.org"}).json
    second = client.post(url, headers=auth, json={"name": "B", "email": "b@example.org"}).json
    client.post(f"{url}/{first['id']}/approve", headers=auth)
    client.post(f"{url}/{second['id']}/approve", headers=auth)
    client.post(f"{url}/{second['id']}/approve", headers=auth)  # a double click changes nothing
    client.post(f"{url}/{first['id']}/cancel", headers=auth)  # B moves up from the waitlist
    after = scrape(client)
    assert _delta(before, after, "new", "pending") == 2
    assert _delta(before, after, "pending", "confirmed") == 1
    assert _delta(before, after, "pending", "waitlisted") == 1
    assert _delta(before, after, "confirmed", "cancelled") == 1
    assert _delta(before, after, "waitlisted", "confirmed") == 1


def test_a_change_rolled_back_is_not_counted(app, client):
    before = scrape(client)
    with app.app_context():
        db.session.execute(select(1))  # inside a transaction, as the lifecycle is
        registration_changed("pending", "confirmed")
        db.session.rollback()
        db.session.execute(select(1))
        registration_changed("waitlisted", "cancelled")
        db.session.commit()
    after = scrape(client)
    assert _delta(before, after, "pending", "confirmed") == 0
    assert _delta(before, after, "waitlisted", "cancelled") == 1

