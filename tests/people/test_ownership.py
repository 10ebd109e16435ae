"""One event's people are its own (issue 11): what another event's organizers or staff do never
reads or changes them. Each test replays a finding of the issue and shows it refused or harmless.

Event A is the demo forum; event B is another organizer's event on the same installation.
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from eventsvc.accounts.models import User
from eventsvc.accounts.service import user_by_email
from eventsvc.awards.enums import AwardStatus
from eventsvc.awards.models import Award, AwardProgram
from eventsvc.demo import loader
from eventsvc.events import service as events_service
from eventsvc.events.enums import EventStatus, RegistrationMode
from eventsvc.events.models import AgendaItem, Participation
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from tests.people.rows import cross_event_references
from tests.support.web import csrf_token, login, post_form

B = "forum-b"
B_ORGANIZER = ("organizer-b@example.org", "organizer-b-password")


@pytest.fixture
def event_b(app, demo, make_user, api_token):
    """Event B, open for registration, run by its own organizer; bearer headers of that organizer."""
    organizer_id = make_user(*B_ORGANIZER)
    with app.app_context():
        event = events_service.create_event({
            "slug": B, "title": "Forum B", "start_date": date(2024, 4, 1), "end_date": date(2024, 4, 1),
            "timezone": "Asia/Shanghai", "registration_mode": RegistrationMode.OPEN,
        }, creator=db.session.get(User, organizer_id))
        event.status = EventStatus.PUBLISHED
        db.session.commit()
    return {"Authorization": f"Bearer {api_token(organizer_id)}"}


def _a_ids(app, demo):
    with app.app_context():
        event = event_by_slug(demo)
        person = db.session.scalar(select(Person).where(Person.event_id == event.id,
                                                        Person.email == "guest001@guests.example"))
        cqc = db.session.scalar(select(Organization).where(Organization.event_id == event.id,
                                                           Organization.short_name == "CQC"))
        return person.id, cqc.id


def _person(app, person_id):
    with app.app_context():
        p = db.session.get(Person, person_id)
        return p.name, p.email, p.phone, p.organization.name if p.organization else None


def _no_cross_references(app):
    with app.app_context(), db.engine.connect() as conn:
        assert cross_event_references(conn) == []


def test_the_organizer_of_another_event_cannot_list_read_or_change_this_events_people_by_any_route(
        app, client, demo, event_b):
    guest, cqc = _a_ids(app, demo)
    before = _person(app, guest)
    answers = {}
    for owner in (demo, B):  # event A's routes, and event B's routes given event A's ids
        base = f"/api/v1/events/{owner}"
        answers[owner] = [
            client.get(f"{base}/people?q=guest", headers=event_b).status_code,
            client.get(f"{base}/people/{guest}", headers=event_b).status_code,
            client.patch(f"{base}/people/{guest}", json={"email": "thief@example.org"}, headers=event_b).status_code,
            client.delete(f"{base}/people/{guest}", headers=event_b).status_code,
            client.get(f"{base}/organizations/{cqc}", headers=event_b).status_code,
            client.patch(f"{base}/organizations/{cqc}", json={"name": "Renamed"}, headers=event_b).status_code,
            client.delete(f"{base}/organizations/{cqc}", headers=event_b).status_code,
        ]
    assert answers == {demo: [404] * 7, B: [200] + [404] * 6}
    # the site-wide directory is the administrators'
    assert client.get("/api/v1/people?q=guest", headers=event_b).status_code == 403
    assert client.patch(f"/api/v1/people/{guest}", json={"email": "thief@example.org"},
                        headers=event_b).status_code == 403
    assert client.patch(f"/api/v1/organizations/{cqc}", json={"name": "Renamed"}, headers=event_b).status_code == 403
    # event B's own list shows none of event A's guests, and A's other lists are closed to B
    assert client.get(f"/api/v1/events/{B}/people?q=guest", headers=event_b).json == []
    assert client.get(f"/api/v1/events/{demo}/registrations?q=guest", headers=event_b).status_code == 403
    assert client.get(f"/api/v1/events/{demo}/award-programs", headers=event_b).status_code == 404
    browser = app.test_client()
    login(browser, *B_ORGANIZER)
    assert browser.get(f"/manage/e/{demo}/registrations").status_code == 403
    assert browser.get(f"/manage/e/{demo}/awards").status_code == 403
    assert _person(app, guest) == before


def test_another_events_people_cannot_be_put_on_stage_registered_or_awarded_there(
        app, client, demo, event_b, demo_ids):
    guest, cqc = _a_ids(app, demo)
    director = demo_ids["people"]["Xie Zhaoxu"]
    session = client.post(f"/api/v1/events/{B}/sessions", headers=event_b, json={
        "kind": "award_ceremony", "title": "Ceremony", "starts_at": "2024-04-01T10:00:00+08:00",
        "ends_at": "2024-04-01T11:00:00+08:00"})
    assert session.status_code == 201, session.json
    on_stage = client.post(f"/api/v1/events/{B}/sessions/{session.json['id']}/participations", headers=event_b,
                           json={"person_id": director, "role": "presenter"})
    assert on_stage.status_code == 404 and on_stage.json["code"] == "unknown_person"
    program = client.post(f"/api/v1/events/{B}/award-programs", headers=event_b, json={
        "kind": "license", "name": "B licenses", "number_prefix": "BLIC", "issuer_id": cqc})
    assert program.status_code == 422 and list(program.json["errors"]) == ["issuer_id"]
    program = client.post(f"/api/v1/events/{B}/award-programs", headers=event_b, json={
        "kind": "license", "name": "B licenses", "number_prefix": "BLIC"})
    award = client.post(f"/api/v1/events/{B}/award-programs/{program.json['id']}/awards", headers=event_b,
                        json={"recipient_person_id": guest, "issue_date": "2024-04-01"})
    assert award.status_code == 422 and list(award.json["errors"]) == ["recipient_person_id"]
    award = client.post(f"/api/v1/events/{B}/award-programs/{program.json['id']}/awards", headers=event_b,
                        json={"recipient_organization_id": cqc, "issue_date": "2024-04-01"})
    assert award.status_code == 422 and list(award.json["errors"]) == ["recipient_organization_id"]
    # the organizer's page refuses it too, and adds nobody
    browser = app.test_client()
    login(browser, *B_ORGANIZER)
    page = post_form(browser, f"/manage/e/{B}/sessions/{session.json['id']}/people",
                     {"person_id": director, "role": "presenter"},
                     from_path=f"/manage/e/{B}/sessions/{session.json['id']}")
    assert page.status_code == 200 and "Choose a person from the list, or create one." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participation).join(AgendaItem)
                                 .where(AgendaItem.event_id == event_by_slug(B).id)) == 0
    _no_cross_references(app)


def test_door_staff_cannot_write_people_not_even_as_organizer_of_an_event_of_their_own(
        app, client, demo, staff_api, organizer_api):
    guest, _cqc = _a_ids(app, demo)
    before = _person(app, guest)
    base = f"/api/v1/events/{demo}"
    assert client.get(f"{base}/people/{guest}", headers=staff_api).status_code == 200  # staff read
    assert client.post(f"{base}/people", json={"name": "X"}, headers=staff_api).status_code == 403
    assert client.patch(f"{base}/people/{guest}", json={"email": "thief@example.org"},
                        headers=staff_api).status_code == 403
    assert client.delete(f"{base}/people/{guest}", headers=staff_api).status_code == 403
    assert client.post(f"{base}/organizations", json={"name": "X"}, headers=staff_api).status_code == 403
    # the finding: door staff made an event of their own, and so became an organizer somewhere
    with app.app_context():
        events_service.create_event({"slug": "staff-own", "title": "Mine", "start_date": date(2024, 5, 1),
                                     "end_date": date(2024, 5, 1)}, creator=user_by_email(loader.STAFF_EMAIL))
        db.session.commit()
    assert client.patch(f"/api/v1/people/{guest}", json={"email": "thief@example.org"},
                        headers=staff_api).status_code == 403
    assert client.patch(f"/api/v1/events/staff-own/people/{guest}", json={"email": "thief@example.org"},
                        headers=staff_api).status_code == 404
    assert _person(app, guest) == before
    listed = client.get(f"{base}/registrations?q=guest001", headers=organizer_api).json
    assert [r["person"]["email"] for r in listed] == ["guest001@guests.example"]


def test_renaming_an_organization_at_another_event_leaves_this_events_certificates_as_they_were(
        app, client, demo, event_b):
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0001"))
        award.status = AwardStatus.PRESENTED  # only a presented award shows its recipient
        code, recipient = award.verification_code, award.recipient_organization.name
        db.session.commit()
    before = client.get(f"/verify/{code}.json").json
    # event B has a "China Quality Certification Centre" of its own: same name, another row
    made = client.post(f"/api/v1/events/{B}/organizations", json={"name": "China Quality Certification Centre"},
                       headers=event_b)
    assert made.status_code == 201
    theirs = client.post(f"/api/v1/events/{B}/organizations", json={"name": recipient}, headers=event_b)
    for org in (made.json, theirs.json):
        renamed = client.patch(f"/api/v1/events/{B}/organizations/{org['id']}", json={"name": "Renamed by B"
                               + str(org["id"])}, headers=event_b)
        assert renamed.status_code == 200
    after = client.get(f"/verify/{code}.json").json
    assert after == before and recipient in str(after)
    assert "Renamed by B" not in client.get(f"/verify/{code}").get_data(as_text=True)


def test_pickers_list_only_the_events_people_with_organization_and_category(
        app, client, demo, event_b, organizer_api, organizer_client):
    # a namesake of event A's director at event B, and a guest of B with the address of a guest of A
    namesake = client.post(f"/api/v1/events/{B}/people", json={"name": "Xie Zhaoxu", "organization_name": "B Lab"},
                           headers=event_b)
    assert namesake.status_code == 201
    guest = client.post(f"/api/v1/events/{B}/registrations", headers=event_b, json={
        "name": "Guest of B", "email": "guest001@guests.example", "notify": False})
    assert guest.status_code == 201
    at_b = client.get(f"/api/v1/events/{B}/people?q=xie", headers=event_b).json
    assert [(p["id"], p["organization"]["name"], p["category"]) for p in at_b] == [
        (namesake.json["id"], "B Lab", None)]
    at_a = client.get(f"/api/v1/events/{demo}/people?q=xie", headers=organizer_api).json
    assert [(p["name"], p["organization"]["short_name"], p["category"]) for p in at_a] == [
        ("Xie Zhaoxu", "CQC", "VIP")]  # the director is registered as a VIP
    everyone_at_b = client.get(f"/api/v1/events/{B}/people?limit=100", headers=event_b).json
    assert sorted(p["name"] for p in everyone_at_b) == ["Guest of B", "Xie Zhaoxu"]

    # event A's award form: its own organizations and stage people, the recipient searched in its people
    with app.app_context():
        program_id = db.session.scalar(select(Award.program_id).limit(1))
    page = organizer_client.get(f"/manage/e/{demo}/awards/programs/{program_id}/awards/new").get_data(as_text=True)
    assert f'data-search-url="/api/v1/events/{demo}/people"' in page
    assert "B Lab" not in page and "Guest of B" not in page and "@guests.example" not in page
    assert "Xie Zhaoxu — CQC · VIP" in page  # the presenter picker tells who is who
    assert "China Quality Certification Centre · 中国质量认证中心 · CQC" in page
    # event B's award form offers none of event A's organizations or people
    browser = app.test_client()
    login(browser, *B_ORGANIZER)
    program = client.post(f"/api/v1/events/{B}/award-programs", headers=event_b, json={
        "kind": "honour", "name": "B honours", "number_prefix": "BHON"}).json
    page_b = browser.get(f"/manage/e/{B}/awards/programs/{program['id']}/awards/new").get_data(as_text=True)
    assert "China Quality Certification Centre" not in page_b and "B Lab" in page_b
    assert f'data-search-url="/api/v1/events/{B}/people"' in page_b
    # the agenda's speaker picker searches the event's own people
    with app.app_context():
        item = db.session.scalar(select(AgendaItem.id).where(AgendaItem.event_id == event_by_slug(demo).id))
    session_page = organizer_client.get(f"/manage/e/{demo}/sessions/{item}").get_data(as_text=True)
    assert f'data-search-url="/api/v1/events/{demo}/people"' in session_page


def test_an_award_form_keeps_the_recipient_chosen_in_the_picker(app, demo, organizer_client, demo_ids):
    with app.app_context():
        program_id = db.session.scalar(select(Award.program_id).limit(1))
    guest, _cqc = _a_ids(app, demo)
    path = f"/manage/e/{demo}/awards/programs/{program_id}/awards/new"
    saved = post_form(organizer_client, path, {"recipient_person_id": str(guest), "issue_date": "2023-03-31",
                                               "recipient_organization_id": ""})
    assert saved.status_code == 302
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.recipient_person_id == guest))
        assert award is not None and award.program_id == program_id
    name = _person(app, guest)[0]
    edit = organizer_client.get(f"/manage/e/{demo}/awards/{award.id}/edit").get_data(as_text=True)
    assert edit.count('name="recipient_person_id"') == 1 and f'value="{guest}"' in edit
    assert f'data-picker-chosen aria-live="polite">{name}' in edit
    bad = post_form(organizer_client, path, {"recipient_person_id": "nobody", "issue_date": "2023-03-31"})
    assert bad.status_code == 422


def test_the_next_edition_carries_its_speakers_along_as_new_people_of_the_new_event(
        app, client, demo, organizer_client, organizer_api, demo_ids):
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": "ev100-2024", "title": "China Electric Vehicle 100 Forum 2024", "start_date": "2024-03-29"})
    assert response.status_code == 302
    with app.app_context():
        new = event_by_slug("ev100-2024")
        stage = db.session.scalars(select(Person).join(Participation, Participation.person_id == Person.id)
                                   .join(AgendaItem).where(AgendaItem.event_id == new.id)).unique().all()
        assert sorted(p.name for p in stage) == ["Lin Xiaoyu", "Xie Zhaoxu", "Zhang Hua"]
        assert {p.event_id for p in stage} == {new.id}
        assert not {p.id for p in stage} & set(demo_ids["people"].values())
        assert {p.organization.event_id for p in stage} == {new.id}
        director = next(p for p in stage if p.name == "Xie Zhaoxu")
        assert (director.organization.name, director.position) == (
            "China Quality Certification Centre", "Party Secretary and Director")
        assert director.organization is next(p for p in stage if p.name == "Zhang Hua").organization
        program = db.session.scalar(select(AwardProgram).where(AwardProgram.event_id == new.id))
        assert program.issuer is director.organization  # the license is issued by the new edition's CQC
        guests = db.session.scalar(select(func.count()).select_from(Person).where(Person.event_id == new.id))
        assert guests == 3  # the guests stay behind
    # changing the new edition's director leaves the forum's as it was
    changed = client.patch(f"/api/v1/events/ev100-2024/people/{director.id}", json={"position": "Retired"},
                           headers=organizer_api)
    assert changed.status_code == 200
    assert client.get(f"/api/v1/events/{demo}/people/{demo_ids['people']['Xie Zhaoxu']}",
                      headers=organizer_api).json["position"] == "Party Secretary and Director"
    _no_cross_references(app)


def test_one_address_registering_at_two_events_is_two_people_and_editing_one_leaves_the_other(
        app, client, demo, event_b, organizer_api):
    address = "guest002@guests.example"
    before = client.get(f"/api/v1/events/{demo}/registrations?q={address}", headers=organizer_api).json
    # a stranger self-registers at event B with a guest of A's address: event B gets its own person
    public = app.test_client()
    token = csrf_token(public, f"/e/{B}/register")
    answer = public.post(f"/e/{B}/register", data={"csrf_token": token, "name": "Somebody Else",
                                                    "email": address, "language": "en"})
    assert answer.status_code in (200, 302)
    with app.app_context():
        rows = db.session.execute(select(Person.event_id, Person.name).where(Person.email == address)).all()
        assert dict(rows) == {event_by_slug(B).id: "Somebody Else", event_by_slug(demo).id: before[0]["person"]["name"]}
        b_person = db.session.scalar(select(Person.id).where(Person.email == address,
                                                             Person.event_id == event_by_slug(B).id))
    # event B's organizer edits their guest: event A's guest, lists and badges stay as they were
    assert client.patch(f"/api/v1/events/{B}/people/{b_person}", headers=event_b,
                        json={"email": "changed@example.org", "name": "Changed", "organization_name": "X"}
                        ).status_code == 200
    after = client.get(f"/api/v1/events/{demo}/registrations?q={address}", headers=organizer_api).json
    assert after == before
    _no_cross_references(app)
