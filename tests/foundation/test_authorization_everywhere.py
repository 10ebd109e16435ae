"""Authorization on every route: a signed-in user without a role at the event is refused
on every organizer and staff page of it, whatever the method and whatever the object id."""

import re

import pytest

from tests.support.web import csrf_token, login

GUARDED_PREFIXES = ("/manage/e/<slug>", "/checkin/e/<slug>")


def _guarded_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GUARDED_PREFIXES) or "/manage/e/<slug>" in rule.rule:
            yield rule


def _url(rule, slug):
    url = rule.rule.replace("<slug>", slug)
    url = re.sub(r"<int:[^>]+>", "1", url)
    url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)
    return re.sub(r"<[^>]+>", "x", url)


@pytest.fixture
def outsider(app, demo, make_user):
    make_user("outsider@example.org", "outsider-password")
    client = app.test_client()
    login(client, "outsider@example.org", "outsider-password")
    return client


def test_every_organizer_and_staff_route_refuses_a_user_without_a_role_at_the_event(app, demo, outsider):
    rules = list(_guarded_rules(app))
    assert len(rules) > 40  # the agenda, registration, badges, check-in and awards pages are all here
    token = csrf_token(outsider, "/manage")
    refused = {}
    for rule in rules:
        url = _url(rule, demo)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = outsider.get(url)
            else:
                response = outsider.open(url, method=method, data={"csrf_token": token})
            refused[f"{method} {rule.rule}"] = response.status_code
    allowed = {route: status for route, status in refused.items() if status != 403}
    assert allowed == {}, f"routes that did not answer 403 to an outsider: {allowed}"


def test_door_staff_are_refused_on_every_organizer_only_route(app, demo, staff_client):
    """Staff may scan, see the run sheet, print one badge and a print station's label; everything
    else is for organizers."""
    staff_ok = ("/checkin/e/", "/run-sheet", "/presented", "/badges/<int:registration_id>/badge.pdf",
                "/print-stations/<int:station_id>/labels/", "/print-stations/labels.css")
    token = csrf_token(staff_client, f"/checkin/e/{demo}")  # staff land on the scanner, not /manage
    allowed = {}
    for rule in _guarded_rules(app):
        if any(part in rule.rule for part in staff_ok):
            continue
        url = _url(rule, demo)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = (staff_client.get(url) if method == "GET"
                        else staff_client.open(url, method=method, data={"csrf_token": token}))
            if response.status_code != 403:
                allowed[f"{method} {rule.rule}"] = response.status_code
    assert allowed == {}, f"organizer routes open to door staff: {allowed}"


def test_every_api_route_of_a_draft_event_is_closed_to_an_outsider(app, demo, make_user, api_token):
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    with app.app_context():
        event_by_slug(demo).status = EventStatus.DRAFT
        db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(make_user('outsider@example.org', 'outsider-password'))}"}
    client = app.test_client()
    answered = {}
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/events/<slug>")]
    assert len(rules) > 20
    for rule in rules:
        url = _url(rule, demo)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={}, headers=headers)
            answered[f"{method} {rule.rule}"] = response.status_code
    leaked = {route: status for route, status in answered.items() if status not in (403, 404)}
    assert leaked == {}, f"API routes that answered an outsider with something else than 403/404: {leaked}"
