"""The team page: an organizer invites co-organizers and staff, changes roles, removes people; the last
organizer stays; everything is audited; nobody else may touch it."""

import pytest
from sqlalchemy import select

from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.support.web import csrf_token, login
from tests.team.conftest import audit_actions, link_in, member_id, outbox, post, signed_in, team_of


def _team_url(slug: str) -> str:
    return f"/manage/e/{slug}/team"


def invite(client, slug, email, role="staff", name="", language="en"):
    return post(client, _team_url(slug), {"email": email, "name": name, "role": role, "language": language},
                _team_url(slug))


def test_the_team_page_lists_the_organizers_and_staff_and_is_a_tab(organizer_client, demo):
    page = organizer_client.get(_team_url(demo)).get_data(as_text=True)
    assert f'href="{_team_url(demo)}" aria-current="page">Team</a>' in page
    assert loader.ORGANIZER_EMAIL in page and loader.STAFF_EMAIL in page
    assert page.index(loader.ORGANIZER_EMAIL) < page.index(loader.STAFF_EMAIL)  # organizers first


def test_inviting_a_new_address_makes_an_account_without_password_and_mails_a_one_time_link(
        app, demo, organizer_client):
    from eventsvc.accounts.models import PasswordLink, User
    from eventsvc.core.tokens import hash_token

    response = invite(organizer_client, demo, "Li.Ming@Example.cn", role="organizer", name="Li Ming", language="zh")
    assert response.status_code == 302
    page = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "li.ming@example.cn is invited" in page and "Invited: has not set a password yet" in page
    assert team_of(app, demo)["li.ming@example.cn"] == "organizer"

    [mail] = outbox(app, "li.ming@example.cn")
    assert mail.kind == "team_welcome" and mail.language == "zh"
    assert "团队" in mail.subject and "中国电动汽车百人会论坛" in mail.body_html
    path = link_in(mail)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits, URL-safe
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "li.ming@example.cn"))
        assert user.name == "Li Ming" and user.can_create_events is False
        [link] = db.session.scalars(select(PasswordLink).where(PasswordLink.user_id == user.id)).all()
        assert link.token_hash == hash_token(token) and token not in link.token_hash  # stored only hashed
    # no password works before the link is used
    assert login(app.test_client(), "li.ming@example.cn", "").status_code in (401, 422)
    assert login(app.test_client(), "li.ming@example.cn", "!").status_code == 401
    assert audit_actions(app, "team.") == [("team.member_invited", {
        "email": "li.ming@example.cn", "role": "organizer", "new_account": True})]


def test_inviting_an_existing_account_adds_it_and_tells_it_by_mail(app, demo, organizer_client, other_event):
    from eventsvc.accounts.models import PasswordLink

    response = invite(organizer_client, demo, "other-org@example.org", role="staff")
    assert response.status_code == 302
    assert "other-org@example.org is on the team now" in organizer_client.get(_team_url(demo)).get_data(as_text=True)
    assert team_of(app, demo)["other-org@example.org"] == "staff"
    [mail] = outbox(app, "other-org@example.org")
    assert mail.kind == "team_added" and "/account/password/" not in mail.body_text
    assert "Forum Organizer has added you to China Electric Vehicle 100 Forum 2023 as a staff member." in mail.body_text
    with app.app_context():
        assert db.session.scalars(select(PasswordLink)).all() == []
    # their password and their own event are untouched
    other = signed_in(app, "other-org@example.org", "other-organizer")
    assert other.get(f"/manage/e/{other_event}").status_code == 200
    assert other.get(f"/checkin/e/{demo}").status_code == 200
    assert other.get(f"/manage/e/{demo}").status_code == 403  # staff here, not organizer


def test_inviting_someone_already_on_the_team_is_refused_and_changes_nothing(app, demo, organizer_client):
    response = invite(organizer_client, demo, loader.STAFF_EMAIL, role="organizer")
    assert response.status_code == 409
    assert "is already on this event&#39;s team" in response.get_data(as_text=True)
    assert team_of(app, demo)[loader.STAFF_EMAIL] == "staff"
    assert outbox(app) == []


def test_a_bad_address_or_role_shows_the_field_error_and_changes_nothing(app, demo, organizer_client):
    before = team_of(app, demo)
    response = invite(organizer_client, demo, "not-an-address")
    assert response.status_code == 422 and "Invalid email address" in response.get_data(as_text=True)
    assert invite(organizer_client, demo, "x@example.org", role="owner").status_code == 422
    assert team_of(app, demo) == before and outbox(app) == []


def test_an_organizer_makes_staff_an_organizer_and_back(app, demo, organizer_client):
    staff = member_id(app, demo, loader.STAFF_EMAIL)
    response = post(organizer_client, f"{_team_url(demo)}/{staff}/role", {"role": "organizer"}, _team_url(demo))
    assert response.status_code == 302
    assert f"{loader.STAFF_EMAIL} is now Organizer." in organizer_client.get(_team_url(demo)).get_data(as_text=True)
    assert team_of(app, demo)[loader.STAFF_EMAIL] == "organizer"
    staff_client = signed_in(app, loader.STAFF_EMAIL, loader.STAFF_PASSWORD)
    assert staff_client.get(f"/manage/e/{demo}").status_code == 200

    post(organizer_client, f"{_team_url(demo)}/{staff}/role", {"role": "staff"}, _team_url(demo))
    assert team_of(app, demo)[loader.STAFF_EMAIL] == "staff"
    assert staff_client.get(f"/manage/e/{demo}").status_code == 403
    assert [(a, d["before"], d["after"]) for a, d in audit_actions(app, "team.")] == [
        ("team.role_changed", "staff", "organizer"), ("team.role_changed", "organizer", "staff")]


def test_an_organizer_removes_a_staff_member_who_then_is_refused_at_the_doors(app, demo, organizer_client,
                                                                              staff_client):
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 200
    staff = member_id(app, demo, loader.STAFF_EMAIL)
    response = post(organizer_client, f"{_team_url(demo)}/{staff}/remove", {}, _team_url(demo))
    assert response.status_code == 302
    assert loader.STAFF_EMAIL not in team_of(app, demo)
    assert staff_client.get(f"/checkin/e/{demo}").status_code == 403
    assert audit_actions(app, "team.") == [("team.member_removed", {"email": loader.STAFF_EMAIL, "role": "staff"})]


def test_the_last_organizer_can_be_neither_demoted_nor_removed(app, demo, organizer_client):
    me = member_id(app, demo, loader.ORGANIZER_EMAIL)
    response = post(organizer_client, f"{_team_url(demo)}/{me}/role", {"role": "staff"}, _team_url(demo))
    assert response.status_code == 409
    assert "is the event&#39;s last organizer" in response.get_data(as_text=True)
    response = post(organizer_client, f"{_team_url(demo)}/{me}/remove", {}, _team_url(demo))
    assert response.status_code == 409
    assert "last organizer and cannot be removed" in response.get_data(as_text=True)
    assert team_of(app, demo)[loader.ORGANIZER_EMAIL] == "organizer"
    assert audit_actions(app, "team.") == []


def test_with_a_second_organizer_one_may_step_down_and_leaves_the_team_page(app, demo, organizer_client, make_user):
    make_user("co@example.org", "co-organizer-pw", event_slug=demo, role="organizer")
    me = member_id(app, demo, loader.ORGANIZER_EMAIL)
    response = post(organizer_client, f"{_team_url(demo)}/{me}/role", {"role": "staff"}, _team_url(demo))
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage")
    assert organizer_client.get(_team_url(demo)).status_code == 403
    co = signed_in(app, "co@example.org", "co-organizer-pw")
    me_now = member_id(app, demo, loader.ORGANIZER_EMAIL)
    assert post(co, f"{_team_url(demo)}/{me_now}/remove", {}, _team_url(demo)).status_code == 302
    # co is the last organizer now
    co_id = member_id(app, demo, "co@example.org")
    assert post(co, f"{_team_url(demo)}/{co_id}/remove", {}, _team_url(demo)).status_code == 409


def test_a_member_of_another_event_cannot_be_changed_through_this_one(app, demo, organizer_client, other_event):
    theirs = member_id(app, other_event, "other-org@example.org")
    assert post(organizer_client, f"{_team_url(demo)}/{theirs}/role", {"role": "staff"}, _team_url(demo)).status_code == 404
    assert post(organizer_client, f"{_team_url(demo)}/{theirs}/remove", {}, _team_url(demo)).status_code == 404
    assert team_of(app, other_event) == {"other-org@example.org": "organizer"}


def test_staff_and_other_events_organizers_are_refused_the_team_page_and_its_forms(app, demo, staff_client,
                                                                                   other_event):
    other = signed_in(app, "other-org@example.org", "other-organizer")
    organizer = member_id(app, demo, loader.ORGANIZER_EMAIL)
    for client, token_page in ((staff_client, f"/checkin/e/{demo}"), (other, "/manage")):
        token = csrf_token(client, token_page)
        assert client.get(_team_url(demo)).status_code == 403
        for path, data in ((_team_url(demo), {"email": "spy@example.org", "role": "organizer", "language": "en"}),
                           (f"{_team_url(demo)}/{organizer}/role", {"role": "staff"}),
                           (f"{_team_url(demo)}/{organizer}/remove", {}),
                           (f"{_team_url(demo)}/{organizer}/link", {})):
            assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert team_of(app, demo) == {loader.ORGANIZER_EMAIL: "organizer", loader.STAFF_EMAIL: "staff"}
    assert outbox(app) == []


@pytest.mark.parametrize("action", ["invite", "role", "remove", "link"])
def test_every_team_form_needs_its_csrf_token(app, demo, organizer_client, action):
    invite(organizer_client, demo, "new@example.org")
    before, mails = team_of(app, demo), len(outbox(app))
    target = member_id(app, demo, "new@example.org")
    path, data = {
        "invite": (_team_url(demo), {"email": "x@example.org", "role": "staff", "language": "en"}),
        "role": (f"{_team_url(demo)}/{target}/role", {"role": "organizer"}),
        "remove": (f"{_team_url(demo)}/{target}/remove", {}),
        "link": (f"{_team_url(demo)}/{target}/link", {}),
    }[action]
    assert organizer_client.post(path, data=data).status_code == 400
    assert team_of(app, demo) == before and len(outbox(app)) == mails


def test_two_organizers_demoting_each_other_at_the_same_instant_leave_one_organizer(
        app, demo, make_user, live_server):
    import threading

    import requests

    make_user("co@example.org", "co-organizer-pw", event_slug=demo, role="organizer")
    organizers = {loader.ORGANIZER_EMAIL: loader.ORGANIZER_PASSWORD, "co@example.org": "co-organizer-pw"}
    browsers = []
    for email, password in organizers.items():
        session = requests.Session()
        token = csrf_token_of(session, live_server.url + "/login")
        session.post(live_server.url + "/login", data={"email": email, "password": password, "csrf_token": token},
                     timeout=10)
        other = next(e for e in organizers if e != email)
        browsers.append((session, csrf_token_of(session, live_server.url + _team_url(demo)),
                         member_id(app, demo, other)))
    barrier, answers = threading.Barrier(2), []

    def demote(session, token, other):
        barrier.wait()
        answers.append(session.post(f"{live_server.url}{_team_url(demo)}/{other}/role", timeout=30,
                                    allow_redirects=False, data={"role": "staff", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=demote, args=browser) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the second is refused: as the last organizer (409), or, when it waited for the first to finish
    # before its own check (SQLite's write requests queue at their start), as staff now (403)
    assert sorted(answers)[0] == 302 and sorted(answers)[1] in (403, 409)
    assert sorted(team_of(app, demo).values()) == ["organizer", "staff", "staff"]


def csrf_token_of(session, url: str) -> str:
    import re

    page = session.get(url, timeout=10).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
