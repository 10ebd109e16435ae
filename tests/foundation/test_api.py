"""The JSON API: bearer tokens, JSON errors, the OpenAPI document."""

from openapi_spec_validator import validate

from eventsvc.demo import loader


def test_api_answers_401_json_without_a_token(client, demo):
    response = client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.is_json and response.json["code"] == "unauthorized" and response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_answers_200_with_a_token(client, demo, make_user, api_token):
    token = api_token(make_user())
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [e["slug"] for e in response.json] == [demo]


def test_a_revoked_or_unknown_token_is_refused(client, demo, make_user, api_token, app):
    token = api_token(make_user())
    with app.app_context():
        from eventsvc.accounts.models import ApiToken
        from eventsvc.accounts.service import revoke_api_token
        from eventsvc.extensions import db

        revoke_api_token(db.session.query(ApiToken).one().id)
        db.session.commit()
    assert client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/events", headers={"Authorization": "Bearer evs_made_up"}).status_code == 401


def test_sessions_of_an_event_in_time_order(client, demo, make_user, api_token):
    token = api_token(make_user())
    response = client.get(f"/api/v1/events/{demo}/sessions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    titles = [s["title"] for s in response.json]
    assert titles[0] == "Opening Plenary" and len(titles) == 5
    assert response.json[0]["starts_at"] == "2023-03-31T01:00:00+00:00"  # 09:00 in Beijing


def test_api_errors_are_json_404_and_405(client, demo, make_user, api_token):
    headers = {"Authorization": f"Bearer {api_token(make_user())}"}
    missing = client.get("/api/v1/events/no-such-event", headers=headers)
    assert missing.status_code == 404 and missing.is_json
    unknown_route = client.get("/api/v1/nothing-here", headers=headers)
    assert unknown_route.status_code == 404 and unknown_route.is_json
    wrong_method = client.delete("/api/v1/events", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.is_json


def test_a_draft_event_is_404_in_the_api_to_outsiders_but_visible_to_its_staff(client, demo, make_user, api_token, app):
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    with app.app_context():
        event_by_slug(demo).status = EventStatus.DRAFT
        db.session.commit()
    outsider = {"Authorization": f"Bearer {api_token(make_user())}"}
    assert client.get(f"/api/v1/events/{demo}", headers=outsider).status_code == 404
    assert client.get("/api/v1/events", headers=outsider).json == []
    with app.app_context():
        from eventsvc.accounts.service import user_by_email

        staff_id = user_by_email(loader.STAFF_EMAIL).id
    staff = {"Authorization": f"Bearer {api_token(staff_id)}"}
    assert client.get(f"/api/v1/events/{demo}", headers=staff).status_code == 200


def test_the_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert "/api/v1/events/{slug}/sessions" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_500_under_the_api_is_json_without_a_stack_trace(database_url, make_user, api_token):
    from eventsvc import create_app

    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @fresh.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail")

    token = api_token(make_user())
    response = fresh.test_client().get("/api/v1/_boom", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500 and response.is_json
    assert "secret detail" not in response.get_data(as_text=True)


def test_bad_query_input_answers_422_with_the_field_named(client, demo, make_user, api_token):
    headers = {"Authorization": f"Bearer {api_token(make_user())}"}
    response = client.get("/api/v1/events?status=deleted", headers=headers)
    assert response.status_code == 422 and response.is_json
    assert "status" in response.json["errors"]
    assert client.get("/api/v1/events?status=published", headers=headers).json[0]["slug"] == demo
