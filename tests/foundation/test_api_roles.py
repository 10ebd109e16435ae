"""Who may call an API route is declared on the route and checked before its input is read.

A caller refused at an event learns nothing from the route: not which fields its body needs
(the 422 it would get after the check), and, where data is hidden from outsiders (awards, a
draft), not even that it exists.
"""

import pytest

from eventsvc.events.enums import EventStatus
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db

API_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
#: flask-smorest's own route: the OpenAPI document is public
UNDECLARED = {"api-docs.openapi_json"}


@pytest.fixture
def outsider_api(app, demo, make_user, api_token):
    """An account with no role at the demo forum."""
    return {"Authorization": f"Bearer {api_token(make_user('outsider@example.org'))}"}


def test_every_api_route_declares_who_may_call_it(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in UNDECLARED:
            continue
        view = app.view_functions[rule.endpoint].view_class
        for method in sorted(rule.methods & API_METHODS):
            if not hasattr(getattr(view, method.lower()), "api_access"):
                undeclared.append(f"{method} {rule.rule}")
    assert undeclared == [], ("API methods without @api_event_role (events.permissions) or "
                              f"@api_site_permission (accounts.api_auth): {undeclared}")


def test_door_staff_are_refused_an_organizer_route_without_learning_its_fields(client, demo, staff_api):
    refused = client.post(f"/api/v1/events/{demo}/invitations", json={}, headers=staff_api)
    assert refused.status_code == 403
    assert refused.json["code"] == "not_organizer" and refused.json["errors"] == {}


def test_an_outsiders_award_write_is_404_whatever_its_body(client, demo, outsider_api, staff_api):
    for body in ({}, {"name": "Best Paper", "prefix": "BP"}):
        assert client.post(f"/api/v1/events/{demo}/award-programs", json=body,
                           headers=outsider_api).status_code == 404
    # door staff know the awards exist (they read the run sheet): they are told they may not
    assert client.post(f"/api/v1/events/{demo}/award-programs", json={}, headers=staff_api).status_code == 403


def test_a_draft_is_404_to_an_outsider_whatever_the_route_and_body(app, client, demo, outsider_api,
                                                                   organizer_api):
    with app.app_context():
        event_by_slug(demo).status = EventStatus.DRAFT
        db.session.commit()
    for path in ("registrations", "sessions", "invitations", "scans"):
        assert client.post(f"/api/v1/events/{demo}/{path}", json={},
                           headers=outsider_api).status_code == 404, path
    # its organizer gets on to the body's field errors
    answer = client.post(f"/api/v1/events/{demo}/registrations", json={}, headers=organizer_api)
    assert answer.status_code == 422 and "email" in answer.json["errors"]


def test_an_organizers_valid_request_gets_the_event_without_looking_it_up_twice(app, client, demo,
                                                                               organizer_api):
    from sqlalchemy import event as sa_event

    statements = []

    def count(conn, cursor, statement, *args):
        if "FROM events" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        answer = client.get(f"/api/v1/events/{demo}/registrations", headers=organizer_api)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert answer.status_code == 200 and answer.json
    assert len(statements) == 1, statements


def test_the_openapi_document_says_who_is_refused(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    invitations = paths["/api/v1/events/{slug}/invitations"]["post"]["responses"]
    assert "not_organizer" in invitations["403"]["description"] and "404" in invitations
    awards = paths["/api/v1/events/{slug}/awards"]["get"]["responses"]
    assert "403" not in awards and "hidden from outsiders" in awards["404"]["description"]
    assert "403" not in paths["/api/v1/events/{slug}"]["get"]["responses"]


def _operations(app, demo):
    """Every API operation, with its path filled in (ids 1) and who it declares may call it."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in UNDECLARED:
            continue
        view = app.view_functions[rule.endpoint].view_class
        values = {name: demo if name == "slug" else 1 for name in rule.arguments}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        for method in sorted(rule.methods & API_METHODS):
            yield method, path, getattr(view, method.lower()).api_access


def _staff_may(access: str, method: str, path: str) -> bool:
    if access.startswith(("staff at", "any account", "any_account")):
        return True
    # people and organizations: the event's staff read them, organizers change them
    return access.startswith("the owner's reader") and method == "GET" and path.startswith("/api/v1/events/")


#: what a caller sends who has not read the document: a body no route takes, nonsense in the query
BODY = ["nonsense"]
NONSENSE = {"page": "x", "limit": "x", "status": "x", "gate": "", "dry_run": "x"}


def test_authorization_is_decided_before_validation_on_every_operation(app, client, demo, staff_api):
    """Anonymous callers get 401 and door staff 403 on every route not theirs, whatever they send:
    never a 422 listing the fields the route wants."""
    leaks = []
    for method, path, access in _operations(app, demo):
        anonymous = client.open(path, method=method, json=BODY, query_string=NONSENSE)
        if anonymous.status_code != 401 or anonymous.json["code"] != "unauthorized":
            leaks.append(f"anonymous {method} {path}: {anonymous.status_code}")
        if _staff_may(access, method, path):
            continue
        staff = client.open(path, method=method, json=BODY, query_string=NONSENSE, headers=staff_api)
        if staff.status_code not in (403, 404) or staff.json["errors"]:
            leaks.append(f"staff {method} {path}: {staff.status_code} {staff.json}")
    assert leaks == []
