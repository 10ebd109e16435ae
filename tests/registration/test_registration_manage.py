"""Organizer pages: lists with search, filters and counts, exports, actions, categories, settings."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.registration.models import Category
from tests.registration.helpers import guest_post, invite, registrations
from tests.support.database import page_statements
from tests.support.web import csrf_token, login, post_form


def _invite_many(app, slug, count):
    tokens = []
    for i in range(count):
        tokens.append(invite(app, slug, f"guest{i}@example.org", name=f"Guest {i}", name_local=f"嘉宾{i}",
                             category="vip" if i == 0 else "guest"))
    return tokens


def test_the_invitation_list_searches_latin_and_chinese_and_counts_by_status(app, organizer):
    client, slug = organizer
    tokens = _invite_many(app, slug, 3)
    guest_post(app.test_client(), tokens[0], "accept")
    invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳")
    page = client.get(f"/manage/e/{slug}/invitations?q=王芳").get_data(as_text=True)
    assert "Wang Fang" in page and "Guest 1" not in page
    page = client.get(f"/manage/e/{slug}/invitations?q=guest1@").get_data(as_text=True)
    assert "Guest 1" in page and "Wang Fang" not in page
    page = client.get(f"/manage/e/{slug}/invitations?status=accepted").get_data(as_text=True)
    assert "Guest 0" in page and "Guest 2" not in page
    assert "Accepted (1)" in page and "Sent (3)" in page and "1 shown of 4" in page


def test_lists_cost_the_same_number_of_queries_for_5_and_25_guests(app, organizer):
    client, slug = organizer

    def count_queries(path):
        return page_statements(app, client, path)

    tokens = _invite_many(app, slug, 5)
    for token in tokens:
        guest_post(app.test_client(), token, "accept")
    few = (count_queries(f"/manage/e/{slug}/invitations"), count_queries(f"/manage/e/{slug}/registrations"))
    for i in range(5, 25):
        guest_post(app.test_client(), invite(app, slug, f"more{i}@example.org", name=f"More {i}"), "accept")
    many = (count_queries(f"/manage/e/{slug}/invitations"), count_queries(f"/manage/e/{slug}/registrations"))
    assert few == many


def test_exports_in_csv_and_xlsx_follow_the_filters(app, organizer):
    client, slug = organizer
    tokens = _invite_many(app, slug, 3)
    guest_post(app.test_client(), tokens[1], "accept")
    csv = client.get(f"/manage/e/{slug}/registrations?format=csv").get_data(as_text=True)
    assert csv.startswith("\ufeffname,name_local,email") and "嘉宾1" in csv and "guest1@example.org" in csv
    response = client.get(f"/manage/e/{slug}/invitations?format=xlsx&status=sent")
    sheet = load_workbook(io.BytesIO(response.data)).active
    emails = sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert emails == ["guest0@example.org", "guest2@example.org"]


def test_organizers_approve_reject_and_move_guests(app, organizer):
    from eventsvc.events.enums import RegistrationMode
    from eventsvc.events.models import Event

    client, slug = organizer
    with app.app_context():
        db.session.execute(db.update(Event).values(registration_mode=RegistrationMode.APPROVAL, capacity=1))
        db.session.commit()
    for i in range(3):
        post_form(app.test_client(), f"/e/{slug}/register", {"name": f"Self {i}", "email": f"s{i}@example.org",
                                                             "language": "en"})
    assert [s for _, s in registrations(app, slug)] == ["pending"] * 3

    def act(index, action):
        from eventsvc.registration.models import Registration

        with app.app_context():
            rid = db.session.scalars(select(Registration.id).order_by(Registration.id)).all()[index]
        path = f"/manage/e/{slug}/registrations"
        return client.post(f"{path}/{rid}/{action}", data={"csrf_token": csrf_token(client, path)})

    act(0, "approve")
    act(1, "approve")  # the only place is taken: waitlisted
    act(2, "reject")
    assert [s for _, s in registrations(app, slug)] == ["confirmed", "waitlisted", "rejected"]
    act(1, "confirm")  # out of turn, but the event is full
    page = client.get(f"/manage/e/{slug}/registrations").get_data(as_text=True)
    assert "The event is full" in page
    act(0, "waitlist")
    act(1, "confirm")
    assert [s for _, s in registrations(app, slug)] == ["waitlisted", "confirmed", "rejected"]
    act(1, "cancel")  # frees the place: the first in line is promoted
    assert [s for _, s in registrations(app, slug)] == ["confirmed", "cancelled", "rejected"]


def test_raising_the_capacity_promotes_the_waitlist_in_order(app, organizer):
    client, slug = organizer
    for i in range(5):
        post_form(app.test_client(), f"/e/{slug}/register", {"name": f"G {i}", "email": f"g{i}@example.org",
                                                             "language": "en"})
    assert [s for _, s in registrations(app, slug)].count("waitlisted") == 2
    response = post_form(client, f"/manage/e/{slug}/registration-settings",
                         {"registration_mode": "open", "capacity": "4"})
    assert response.status_code == 302
    assert [s for _, s in registrations(app, slug)] == ["confirmed"] * 4 + ["waitlisted"]
    response = post_form(client, f"/manage/e/{slug}/registration-settings",
                         {"registration_mode": "open", "capacity": "2"})
    assert response.status_code == 422 and "cannot be lower" in response.get_data(as_text=True)


def test_organizers_edit_category_labels_and_badge_colours(app, organizer):
    client, slug = organizer
    with app.app_context():
        vip = db.session.scalar(select(Category).where(Category.code == "vip"))
        vip_id = vip.id
    path = f"/manage/e/{slug}/categories"
    response = client.post(f"{path}/{vip_id}", data={
        "csrf_token": csrf_token(client, path), f"c{vip_id}-label": "Distinguished guest",
        f"c{vip_id}-label_local": "尊贵嘉宾", f"c{vip_id}-color": "#aa0000", f"c{vip_id}-is_vip": "y",
        f"c{vip_id}-position": "0"})
    assert response.status_code == 302
    with app.app_context():
        vip = db.session.get(Category, vip_id)
        assert (vip.code, vip.label, vip.label_local, vip.color, vip.is_vip) == (
            "vip", "Distinguished guest", "尊贵嘉宾", "#aa0000", True)
    response = client.post(f"{path}/{vip_id}", data={
        "csrf_token": csrf_token(client, path), f"c{vip_id}-label": "X", f"c{vip_id}-color": "red"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Category, vip_id).color == "#aa0000"  # refused, unchanged
    response = post_form(client, path, {"new-code": "press", "new-label": "Press", "new-label_local": "媒体",
                                        "new-color": "#2f855a"})
    assert response.status_code == 302
    assert "媒体" in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {"new-code": "press", "new-label": "Again", "new-color": "#2f855a"})
    assert response.status_code == 422 and "already used" in response.get_data(as_text=True)


def test_invite_one_guest_from_the_organizer_page(app, organizer, smtp_server, send_outbox):
    client, slug = organizer
    response = post_form(client, f"/manage/e/{slug}/invitations/new", {
        "name": "Chen Jing", "name_local": "陈静", "email": "chen@example.cn", "category": "vip",
        "language": "zh", "message": "诚挚邀请{name}出席{event}。", "send_now": "y"})
    assert response.status_code == 302
    send_outbox()
    [mail] = smtp_server.inbox.messages
    assert "诚挚邀请陈静出席开放日。" in smtp_server.inbox.text(mail)
    response = post_form(client, f"/manage/e/{slug}/invitations/new", {
        "name": "Chen Jing", "email": "chen@example.cn", "language": "zh"})
    assert response.status_code == 422 and "already invited" in response.get_data(as_text=True)
    response = post_form(client, f"/manage/e/{slug}/invitations/new", {
        "name": "Other", "email": "other@example.cn", "language": "en", "message": "Hello {nme}"})
    assert response.status_code == 422 and "Unknown placeholder: {nme}" in response.get_data(as_text=True)


def test_remind_resend_and_revoke(app, organizer, smtp_server, send_outbox):
    client, slug = organizer
    tokens = _invite_many(app, slug, 3)
    guest_post(app.test_client(), tokens[0], "accept")
    send_outbox()
    smtp_server.inbox.messages.clear()
    response = post_form(client, f"/manage/e/{slug}/invitations/remind", {},
                         from_path=f"/manage/e/{slug}/invitations")
    assert response.status_code == 302
    send_outbox()
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        "Guest 1 <guest1@example.org>", "Guest 2 <guest2@example.org>"]
    assert all(m["Subject"].startswith("Reminder") for m in smtp_server.inbox.messages)
    listed = client.get(f"/manage/e/{slug}/invitations").get_data(as_text=True)
    assert listed.count("1 reminder sent") == 2 and "reminder(s)" not in listed  # a plural form, not "(s)"

    from eventsvc.registration.models import Invitation

    with app.app_context():
        first = db.session.scalar(select(Invitation.id).order_by(Invitation.id))
    path = f"/manage/e/{slug}/invitations"
    client.post(f"{path}/{first}/revoke", data={"csrf_token": csrf_token(client, path)})
    assert registrations(app, slug) == [("guest0@example.org", "cancelled")]
    assert app.test_client().get(f"/g/{tokens[0]}").status_code == 410


def test_staff_and_strangers_cannot_open_organizer_pages(app, organizer, make_user):
    _, slug = organizer
    make_user("staff@example.org", "staff-password-1", event_slug=slug, role="staff")
    staff = app.test_client()
    login(staff, "staff@example.org", "staff-password-1")
    for path in ("invitations", "registrations", "categories", "registration-settings", "invitations/import"):
        assert staff.get(f"/manage/e/{slug}/{path}").status_code == 403
    assert app.test_client().get(f"/manage/e/{slug}/invitations").status_code == 302  # to the login page


def test_reminders_skip_expired_links_and_mark_them_expired(app, organizer):
    from datetime import timedelta

    from eventsvc.core.types import utcnow
    from eventsvc.mail.models import OutgoingMessage
    from eventsvc.people.models import Person
    from eventsvc.registration.models import GuestLink, Invitation

    client, slug = organizer
    _invite_many(app, slug, 2)
    with app.app_context():
        stale = db.session.scalar(select(Invitation).join(Person).where(Person.email == "guest0@example.org"))
        db.session.execute(db.update(GuestLink).where(GuestLink.invitation_id == stale.id)
                           .values(expires_at=utcnow() - timedelta(days=1)))
        stale_id = stale.id
        db.session.commit()
        before = db.session.scalar(select(db.func.count()).select_from(OutgoingMessage))
    post_form(client, f"/manage/e/{slug}/invitations/remind", {}, from_path=f"/manage/e/{slug}/invitations")
    with app.app_context():
        reminded = db.session.scalars(select(OutgoingMessage.to_address).where(
            OutgoingMessage.kind == "invitation_reminder")).all()
        assert reminded == ["guest1@example.org"]
        assert db.session.scalar(select(db.func.count()).select_from(OutgoingMessage)) == before + 1
        assert db.session.get(Invitation, stale_id).status.value == "expired"
    page = client.get(f"/manage/e/{slug}/invitations?status=expired").get_data(as_text=True)
    assert "Guest 0" in page and "Guest 1" not in page
