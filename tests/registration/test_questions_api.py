"""The API of registration questions and answers: organizers of the event only."""

import io

from openpyxl import Workbook


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _token(app, make_user, api_token, slug, email):
    return api_token(make_user(email, "organizer-password-1", event_slug=slug, role="organizer"))


DIET = {"kind": "single_choice", "label": "Dietary needs", "label_local": "饮食需求", "required": True,
        "key": "diet", "choices": [{"label": "Vegetarian", "label_local": "素食"},
                                   {"label": "Halal", "label_local": "清真"}]}


def test_an_organizer_creates_edits_orders_and_deletes_questions_and_sets_answers(
        app, client, open_event, make_user, api_token):
    slug = open_event()
    headers = _auth(_token(app, make_user, api_token, slug, "org@example.org"))
    base = f"/api/v1/events/{slug}"
    response = client.post(f"{base}/questions", headers=headers, json=DIET)
    assert response.status_code == 201, response.json
    diet = response.json
    assert [c["key"] for c in diet["choices"]] == ["c1", "c2"] and diet["categories"] == []
    response = client.post(f"{base}/questions", headers=headers, json={
        "kind": "date", "label": "Arrival date", "categories": ["vip"], "position": 1})
    assert response.status_code == 201 and response.json["key"] == "arrival_date"
    listed = client.get(f"{base}/questions", headers=headers).json
    assert [q["key"] for q in listed] == ["arrival_date", "diet"]
    bad = client.post(f"{base}/questions", headers=headers, json={"kind": "single_choice", "label": "Seat"})
    assert bad.status_code == 422 and bad.json["code"] == "choices_required" and "choices" in bad.json["errors"]

    response = client.post(f"{base}/registrations", headers=headers, json={
        "name": "Liu Yang", "email": "liu@example.cn", "notify": False, "answers": {"diet": "清真"}})
    assert response.status_code == 201, response.json
    registration = response.json
    assert registration["answers"] == {"diet": "c2"}
    answers = f"{base}/registrations/{registration['id']}/answers"
    bad = client.patch(answers, headers=headers, json={"answers": {"diet": "Fish", "nope": "x"}})
    assert bad.status_code == 422 and bad.json["code"] == "invalid_answers"
    assert set(bad.json["errors"]) == {"answers.diet", "answers.nope"}
    # the date question is for VIPs only: not asked of this guest
    assert client.patch(answers, headers=headers, json={"answers": {"arrival_date": "2030-04-30"}}).status_code == 422
    assert client.get(f"{base}/registrations/{registration['id']}", headers=headers).json["answers"] == {"diet": "c2"}
    assert client.patch(answers, headers=headers, json={"answers": {"diet": "c1"}}).json["answers"] == {"diet": "c1"}

    # renaming the answered choice keeps the answer; removing it hides it; the kind stays
    question = f"{base}/questions/{diet['id']}"
    response = client.patch(question, headers=headers, json={"choices": [{"key": "c2", "label": "Halal"}]})
    assert response.status_code == 200
    assert [(c["key"], c["hidden"]) for c in response.json["choices"]] == [("c2", False), ("c1", True)]
    listed = client.get(f"{base}/registrations?question={diet['id']}&answer=Vegetarian", headers=headers).json
    assert [r["answers"] for r in listed] == [{"diet": "c1"}]
    response = client.patch(question, headers=headers, json={"kind": "short_text"})
    assert response.status_code == 409 and response.json["code"] == "kind_locked"
    assert client.delete(question, headers=headers).json["code"] == "has_answers"
    unanswered = client.get(f"{base}/questions", headers=headers).json[0]
    assert unanswered["key"] == "arrival_date"
    assert client.delete(f"{base}/questions/{unanswered['id']}", headers=headers).status_code == 204


def test_another_events_organizer_can_neither_read_nor_change_the_questions(
        app, client, open_event, make_user, api_token):
    slug, other = open_event(), open_event(slug="other-day")
    mine = _auth(_token(app, make_user, api_token, slug, "org@example.org"))
    theirs = _auth(_token(app, make_user, api_token, other, "other@example.org"))
    question = client.post(f"/api/v1/events/{slug}/questions", headers=mine, json=DIET).json
    base = f"/api/v1/events/{slug}"
    assert client.get(f"{base}/questions", headers=theirs).status_code == 403
    assert client.post(f"{base}/questions", headers=theirs, json=DIET).status_code == 403
    assert client.patch(f"{base}/questions/{question['id']}", headers=theirs, json={"label": "x"}).status_code == 403
    assert client.delete(f"{base}/questions/{question['id']}", headers=theirs).status_code == 403
    # through their own event's address, the question is not found
    assert client.get(f"/api/v1/events/{other}/questions/{question['id']}", headers=theirs).status_code == 404
    assert client.patch(f"/api/v1/events/{other}/questions/{question['id']}", headers=theirs,
                        json={"label": "x"}).status_code == 404
    assert client.get(f"{base}/questions/{question['id']}", headers=mine).json["label"] == "Dietary needs"


def test_the_import_api_refuses_a_bad_answer_by_line(app, client, open_event, make_user, api_token):
    slug = open_event()
    headers = _auth(_token(app, make_user, api_token, slug, "org@example.org"))
    client.post(f"/api/v1/events/{slug}/questions", headers=headers, json=DIET)
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "email", "diet"])
    sheet.append(["Ann Lee", "a@example.cn", "Vegetarian"])
    sheet.append(["Bo Wu", "b@example.cn", "Fish"])
    data = io.BytesIO()
    book.save(data)
    response = client.post(f"/api/v1/events/{slug}/invitations/import", headers=headers,
                           data={"file": (io.BytesIO(data.getvalue()), "g.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["details"]["rows"] == [
        {"line": 3, "field": "diet", "message": "Dietary needs: “Fish” is not one of the choices (Vegetarian, Halal)."}]
    assert client.get(f"/api/v1/events/{slug}/invitations", headers=headers).json == []


def test_answers_given_with_an_invitation_through_the_api_show_on_it(
        app, client, open_event, make_user, api_token):
    slug = open_event()
    headers = _auth(_token(app, make_user, api_token, slug, "org@example.org"))
    client.post(f"/api/v1/events/{slug}/questions", headers=headers, json=DIET)
    response = client.post(f"/api/v1/events/{slug}/invitations", headers=headers, json={
        "name": "Liu Yang", "email": "liu@example.cn", "send": False, "answers": {"diet": "Vegetarian"}})
    assert response.status_code == 201 and response.json["answers"] == {"diet": "c1"}
    bad = client.post(f"/api/v1/events/{slug}/invitations", headers=headers, json={
        "name": "Bo Wu", "email": "bo@example.cn", "send": False, "answers": {"diet": ["c1", "c2"]}})
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["answers.diet"]
    assert [i["answers"] for i in client.get(f"/api/v1/events/{slug}/invitations", headers=headers).json] == \
        [{"diet": "c1"}]


def test_a_new_guests_answers_in_the_registration_answer_are_the_ones_read_back_later(
        app, client, open_event, make_user, api_token):
    """A new person's answers are shown from what was just stored (not read again): the same
    JSON as a later read, every kind of answer; a person known before (here: invited with an
    answer to another question) still shows every answer they have."""
    slug = open_event()
    headers = _auth(_token(app, make_user, api_token, slug, "org@example.org"))
    base = f"/api/v1/events/{slug}"
    for question in (DIET, {"kind": "multiple_choice", "label": "Topics", "key": "topics",
                            "choices": [{"label": "Trade"}, {"label": "Energy"}, {"label": "Health"}]},
                     {"kind": "number", "label": "Nights", "key": "nights"},
                     {"kind": "checkbox", "label": "Needs a visa letter", "key": "visa"},
                     {"kind": "short_text", "label": "Remarks", "key": "remarks"}):
        assert client.post(f"{base}/questions", headers=headers, json=question).status_code == 201
    response = client.post(f"{base}/registrations", headers=headers, json={
        "name": "Liu Yang", "email": "liu@example.cn", "notify": False,
        "answers": {"diet": "c2", "topics": ["Health", "Trade"], "nights": "3", "visa": True, "remarks": ""}})
    assert response.status_code == 201, response.json
    read_back = client.get(f"{base}/registrations/{response.json['id']}", headers=headers).json
    assert response.json["answers"] == read_back["answers"] == {
        "diet": "c2", "topics": read_back["answers"]["topics"], "nights": 3, "visa": True}
    assert sorted(read_back["answers"]["topics"]) == ["c1", "c3"]

    invited = client.post(f"{base}/invitations", headers=headers, json={
        "name": "Bo Wu", "email": "bo@example.cn", "send": False, "answers": {"nights": 2}})
    assert invited.status_code == 201, invited.json
    response = client.post(f"{base}/registrations", headers=headers, json={
        "name": "Bo Wu", "email": "bo@example.cn", "notify": False, "answers": {"diet": "c1"}})
    assert response.status_code == 201, response.json
    assert response.json["answers"] == {"diet": "c1", "nights": 2}
