"""Guests' e-mail as the organizer writes it: the wording per kind and language, its checked
placeholders, the preview with a real guest, the test send, scheduled reminders sent once, and the
event's outbox with its resend. Mail is read from a real SMTP server on loopback."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import MailTemplate, MessageStatus, OutgoingMessage
from eventsvc.registration import schedule
from eventsvc.registration.reminders import ScheduledReminder
from tests.registration.conftest import organizer  # noqa: F401 (fixture)
from tests.registration.helpers import guest_post, invite
from tests.support.database import page_statements
from tests.support.web import login, post_form

ZH_SUBJECT = "诚挚邀请：{event_title}"
ZH_BODY = "{guest_name}，您好！\n\n我们诚邀您于{event_dates}出席{event_title}。\n\n请点击您的专属链接答复：\n{portal_link}"


def _edit(client, slug, kind, language, subject, body):
    path = f"/manage/e/{slug}/emails/{kind}/{language}"
    return post_form(client, path, {"subject": subject, "body": body, "action": "save"})


def _text(server, message) -> str:
    return server.inbox.text(message).replace("\r\n", "\n")


def _templates(app):
    with app.app_context():
        return db.session.scalars(select(MailTemplate)).all()


def _messages(app, **where):
    with app.app_context():
        query = select(OutgoingMessage).order_by(OutgoingMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutgoingMessage, name) == value)
        return db.session.scalars(query).all()


def test_the_organizer_rewrites_the_chinese_invitation_and_a_chinese_guest_gets_it(
        app, organizer, smtp_server, send_outbox):  # noqa: F811
    client, slug = organizer
    assert _edit(client, slug, "invitation", "zh", ZH_SUBJECT, ZH_BODY).status_code == 302
    invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳", language="zh")
    invite(app, slug, "ann@example.org", name="Ann Lee", name_local=None, language="en")
    send_outbox()
    [zh] = smtp_server.inbox.to("wang@example.cn")
    assert zh["Subject"] == "诚挚邀请：开放日"
    text = _text(smtp_server, zh)
    assert text.startswith("王芳，您好！") and "我们诚邀您于" in text and "出席开放日" in text
    assert "http://127.0.0.1/g/" in text and 'href="http://127.0.0.1/g/' in smtp_server.inbox.html(zh)
    # the button too is in the guest's language, whatever the language of the page that sent it
    assert "接受或谢绝" in smtp_server.inbox.html(zh) and "Accept or decline" not in smtp_server.inbox.html(zh)
    # the English wording was not changed: the English guest gets the standard one
    [en] = smtp_server.inbox.to("ann@example.org")
    assert en["Subject"] == "Invitation: Open Day"
    assert _text(smtp_server, en).startswith("Dear Ann Lee,\n\nYou are invited to Open Day")
    assert "Accept or decline" in smtp_server.inbox.html(en)
    # back to the standard wording
    post_form(client, f"/manage/e/{slug}/emails/invitation/zh/reset", {}, from_path=f"/manage/e/{slug}/emails")
    assert _templates(app) == []


def test_an_unknown_placeholder_is_refused_by_name_and_nothing_is_saved(app, organizer):  # noqa: F811
    client, slug = organizer
    response = _edit(client, slug, "invitation", "zh", ZH_SUBJECT, ZH_BODY + "\n{badge_link} {guest_nmae}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown placeholder {badge_link} in the body" in page  # the first unknown one, by name
    assert _templates(app) == []
    for body, says in (("Hello {guest_name", "a brace that opens or closes nothing"),
                       ("Hello {guest_name.__class__}", "Unknown placeholder {guest_name.__class__}"),
                       ("Hello {guest_name!r}", "has a format or conversion"),
                       ("Hello {event_title:>40}", "has a format or conversion")):
        response = _edit(client, slug, "invitation", "en", "Hi", body)
        assert response.status_code == 422 and says in response.get_data(as_text=True), body
    response = _edit(client, slug, "invitation", "en", "Hi {venue}}", "Hello")
    assert response.status_code == 422 and "The subject has a brace" in response.get_data(as_text=True)
    assert _templates(app) == []


def test_the_api_refuses_an_unknown_placeholder_with_its_code_and_name(app, organizer_api, demo):
    path = f"/api/v1/events/{demo}/emails/registration_confirmed/en"
    client = app.test_client()
    response = client.put(path, json={"subject": "Confirmed", "body": "Dear {guest_name}, {seat_number}"},
                          headers=organizer_api)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "unknown_placeholder" and "{seat_number}" in body["message"]
    assert body["details"] == {"placeholder": "seat_number"} and "body" in body["errors"]
    assert _templates(app) == []
    response = client.put(path, json={"subject": "Confirmed: {event_title}", "body": "Dear {guest_name}"},
                          headers=organizer_api)
    assert response.status_code == 200 and response.get_json()["custom"] is True
    assert client.get(path, headers=organizer_api).get_json()["subject"] == "Confirmed: {event_title}"


def test_the_preview_shows_the_chosen_guests_name_escaped(app, organizer):  # noqa: F811
    client, slug = organizer
    invite(app, slug, "first@example.org", name="First Guest", name_local=None)
    invite(app, slug, "mallory@example.org", name="<b>Mallory</b>", name_local=None)
    with app.app_context():
        from eventsvc.people.models import Person
        mallory = db.session.scalar(select(Person.id).where(Person.email == "mallory@example.org"))
    page = client.get(f"/manage/e/{slug}/emails/invitation/en").get_data(as_text=True)
    assert "Dear First Guest," in page  # the first guest unless another is chosen
    page = client.get(f"/manage/e/{slug}/emails/invitation/en?guest={mallory}").get_data(as_text=True)
    assert "Dear &lt;b&gt;Mallory&lt;/b&gt;," in page and "<b>Mallory</b>" not in page
    # a draft is previewed without being saved
    response = post_form(client, f"/manage/e/{slug}/emails/invitation/en?guest={mallory}",
                         {"subject": "Come, {guest_name}", "body": "Welcome {guest_name} to {venue}",
                          "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Welcome &lt;b&gt;Mallory&lt;/b&gt; to Hall 1" in page
    assert _templates(app) == []
    # and in the e-mail's HTML part the name is text too
    _edit(client, slug, "invitation", "en", "Come", "Welcome {guest_name}\n{portal_link}")
    invite(app, slug, "mallory2@example.org", name="<b>Mallory</b>", name_local=None)
    [mail] = _messages(app, to_address="mallory2@example.org")
    assert "Welcome &lt;b&gt;Mallory&lt;/b&gt;" in mail.body_html and "<b>Mallory" not in mail.body_html


def test_send_me_a_test_reaches_the_organizer_by_smtp(app, organizer, smtp_server, send_outbox):  # noqa: F811
    client, slug = organizer
    invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳", language="zh")
    _edit(client, slug, "invitation", "zh", ZH_SUBJECT, ZH_BODY)
    send_outbox()
    response = post_form(client, f"/manage/e/{slug}/emails/invitation/zh/test", {},
                         from_path=f"/manage/e/{slug}/emails/invitation/zh")
    assert response.status_code == 302
    assert "sent 1" in send_outbox()
    [mail] = smtp_server.inbox.to("org@example.org")
    assert mail["Subject"] == "[测试] 诚挚邀请：开放日"
    assert _text(smtp_server, mail).startswith("王芳，您好！")
    assert "/g/example-personal-link" in _text(smtp_server, mail)  # never the guest's own key


def _event_tomorrow_morning(app, slug):
    """The event's sessions move to tomorrow from 09:00 where it takes place, so that they stay on
    one day whatever the time of day the test runs (its reminder, two days before, is due now)."""
    with app.app_context():
        event = event_by_slug(slug)
        zone = ZoneInfo(event.timezone)
        tomorrow = datetime.now(zone).date() + timedelta(days=1)
        first_start = datetime.combine(tomorrow, time(9), zone)
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)).all()
        shift = first_start - min(item.starts_at for item in items)
        for item in items:
            item.starts_at, item.ends_at = item.starts_at + shift, item.ends_at + shift
        event.start_date = event.end_date = tomorrow
        db.session.commit()


def test_a_scheduled_reminder_goes_out_once_even_when_the_task_runs_twice_and_concurrently(
        app, organizer, smtp_server, send_outbox):  # noqa: F811
    client, slug = organizer
    tokens = [invite(app, slug, f"guest{i}@example.org", name=f"Guest {i}", name_local=None) for i in range(3)]
    guest_post(app.test_client(), tokens[0], "accept")
    guest_post(app.test_client(), tokens[1], "accept")  # guest 2 does not answer
    _event_tomorrow_morning(app, slug)
    for audience in ("confirmed", "unanswered"):
        response = post_form(client, f"/manage/e/{slug}/reminders",
                             {"amount": "2", "unit": "days", "audience": audience})
        assert response.status_code == 302
    send_outbox()
    smtp_server.inbox.messages.clear()

    results = []

    def run():
        with app.app_context():
            results.append(schedule.send_due_reminders.body())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert schedule.send_due_reminders.body() == 0  # and once more afterwards: nothing
    assert sorted(results)[-1] + sum(sorted(results)[:-1]) == 3 and results.count(0) >= 1
    send_outbox()
    received = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.inbox.messages)
    assert received == ["guest0@example.org", "guest1@example.org", "guest2@example.org"]
    [confirmed] = smtp_server.inbox.to("guest0@example.org")
    text = _text(smtp_server, confirmed)
    assert confirmed["Subject"] == "Reminder: Open Day"
    assert "/badge" in text and "Plenary" in text and "Battery Seminar" in text  # badge link, the day's agenda
    [unanswered] = smtp_server.inbox.to("guest2@example.org")
    assert unanswered["Subject"] == "Reminder: your invitation to Open Day"
    page = client.get(f"/manage/e/{slug}/reminders").get_data(as_text=True)
    assert "to 2 guests" in page and "to 1 guest " in page.replace("<", " ")  # one guest, singular


def test_the_outbox_page_lists_a_failed_message_with_its_reason_and_resend_delivers_it(
        app, organizer, smtp_server, send_outbox):  # noqa: F811
    client, slug = organizer
    smtp_server.inbox.refuse["nobody@example.org"] = "550 5.1.1 No such user here"
    invite(app, slug, "nobody@example.org", name="No Body", name_local=None)
    invite(app, slug, "fine@example.org", name="Fine Guest", name_local=None)
    send_outbox()
    page = client.get(f"/manage/e/{slug}/outbox?state=failed").get_data(as_text=True)
    assert "nobody@example.org" in page and "No such user here" in page and "fine@example.org" not in page
    assert "Failed (1)" in page and "Sent (1)" in page
    counts = client.get(f"/manage/e/{slug}/outbox").get_data(as_text=True)
    assert "fine@example.org" in counts
    [failed] = _messages(app, status=MessageStatus.FAILED)
    del smtp_server.inbox.refuse["nobody@example.org"]
    response = post_form(client, f"/manage/e/{slug}/outbox/{failed.id}/resend", {},
                         from_path=f"/manage/e/{slug}/outbox")
    assert response.status_code == 302
    assert "sent 1" in send_outbox()
    assert len(smtp_server.inbox.to("nobody@example.org")) == 1
    assert _messages(app, id=failed.id)[0].status == MessageStatus.SENT
    # a message that is not failed is not sent again
    response = post_form(client, f"/manage/e/{slug}/outbox/{failed.id}/resend", {},
                         from_path=f"/manage/e/{slug}/outbox", follow_redirects=True)
    assert "Only a failed message can be sent again." in response.get_data(as_text=True)
    assert send_outbox().startswith("sent 0")


def test_the_outbox_page_costs_the_same_queries_for_3_and_30_messages(app, organizer):  # noqa: F811
    client, slug = organizer

    def count_queries(path):
        return page_statements(app, client, path)

    for i in range(3):
        invite(app, slug, f"few{i}@example.org", name=f"Few {i}", name_local=None)
    few = count_queries(f"/manage/e/{slug}/outbox")
    for i in range(27):
        invite(app, slug, f"many{i}@example.org", name=f"Many {i}", name_local=None)
    with app.app_context():
        db.session.execute(update(OutgoingMessage).where(OutgoingMessage.to_address.like("many1%"))
                           .values(status=MessageStatus.FAILED, last_error="550 no"))
        db.session.commit()
    assert count_queries(f"/manage/e/{slug}/outbox") == few


def test_the_api_counts_the_events_outbox_by_state(app, organizer_api, demo):
    client = app.test_client()
    counts = client.get(f"/api/v1/events/{demo}/outbox", headers=organizer_api).get_json()
    with app.app_context():
        event = event_by_slug(demo)
        queued = db.session.scalar(select(func.count()).select_from(OutgoingMessage).where(
            OutgoingMessage.event_id == event.id, OutgoingMessage.status == MessageStatus.QUEUED))
    assert counts == {"queued": queued, "sent": 0, "failed": 0}


def test_another_events_organizer_cannot_see_or_change_its_mail(  # noqa: F811
        app, organizer, make_user, open_event, api_token):  # noqa: F811
    client, slug = organizer
    invite(app, slug, "guest@example.org")
    other = open_event("other-day")
    other_id = make_user("other@example.org", "other-password-12", event_slug=other, role="organizer")
    intruder = app.test_client()
    assert login(intruder, "other@example.org", "other-password-12").status_code == 302
    [message] = _messages(app)
    with app.app_context():
        db.session.execute(update(OutgoingMessage).values(status=MessageStatus.FAILED, last_error="secret reason"))
        db.session.commit()
    for path in (f"/manage/e/{slug}/emails", f"/manage/e/{slug}/emails/invitation/en",
                 f"/manage/e/{slug}/outbox", f"/manage/e/{slug}/reminders"):
        assert intruder.get(path).status_code == 403, path
    for path in (f"/manage/e/{slug}/outbox/{message.id}/resend", f"/manage/e/{slug}/emails/invitation/en",
                 f"/manage/e/{slug}/emails/invitation/en/test", f"/manage/e/{slug}/reminders"):
        response = post_form(intruder, path, {"subject": "x", "body": "y", "amount": "1", "unit": "days",
                                              "audience": "confirmed"}, from_path=f"/manage/e/{other}/outbox")
        assert response.status_code == 403, path
    # through their own event, the message of the other one is not found
    response = post_form(intruder, f"/manage/e/{other}/outbox/{message.id}/resend", {},
                         from_path=f"/manage/e/{other}/outbox")
    assert response.status_code == 404
    assert "guest@example.org" not in intruder.get(f"/manage/e/{other}/outbox?state=failed").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {api_token(other_id)}"}
    api = app.test_client()
    assert api.get(f"/api/v1/events/{slug}/outbox", headers=headers).status_code == 403
    assert api.post(f"/api/v1/events/{slug}/outbox/{message.id}/resend", headers=headers).status_code == 403
    assert api.post(f"/api/v1/events/{other}/outbox/{message.id}/resend", headers=headers).status_code == 404
    assert api.put(f"/api/v1/events/{slug}/emails/invitation/en", json={"subject": "x", "body": "y"},
                   headers=headers).status_code == 403
    assert _messages(app)[0].status == MessageStatus.FAILED and _templates(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScheduledReminder)) == 0


def test_a_reissued_badge_and_a_presented_certificate_are_mailed_to_the_guest_once(
        app, organizer, smtp_server, send_outbox):  # noqa: F811
    from datetime import date

    from eventsvc.awards import service as awards
    from eventsvc.badges.service import reissue_badge
    from eventsvc.registration.models import Registration

    client, slug = organizer
    guest_post(app.test_client(), invite(app, slug, "wang@example.cn", name="Wang Fang", name_local="王芳",
                                         language="zh"), "accept")
    _edit(client, slug, "certificate_available", "zh", "证书：{event_title}", "{guest_name}：\n{certificate_link}")
    send_outbox()
    smtp_server.inbox.messages.clear()
    with app.app_context():
        event = event_by_slug(slug)
        registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
        reissue_badge(registration, reason="lost")
        program = awards.create_program(event, awards.ProgramData(kind="certificate", name="Certificates",
                                                                  number_prefix="OD"))
        award = awards.create_award(program, awards.AwardData(recipient_person_id=registration.person_id,
                                                              issue_date=date(2030, 5, 1)))
        awards.mark_presented(award)
        awards.undo_presented(award)
        awards.mark_presented(award)  # a mis-tap undone and presented again: one e-mail
        db.session.commit()
        award_id = award.id
    send_outbox()
    badge, certificate = sorted(smtp_server.inbox.to("wang@example.cn"), key=lambda m: m["Subject"])
    assert badge["Subject"] == "您的胸卡：开放日" and "/badge" in _text(smtp_server, badge)
    assert certificate["Subject"] == "证书：开放日"
    text = _text(smtp_server, certificate)
    assert text.startswith("王芳：") and f"/certificates/{award_id}.pdf" in text
    link = next(word for word in text.split() if word.endswith(".pdf"))
    response = app.test_client().get(link.removeprefix("http://127.0.0.1"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_next_edition_keeps_the_wording_and_the_reminders_schedule_unsent(app, demo, organizer_client):
    _edit(organizer_client, demo, "invitation", "zh", ZH_SUBJECT, ZH_BODY)
    post_form(organizer_client, f"/manage/e/{demo}/reminders", {"amount": "2", "unit": "days", "audience": "confirmed"})
    with app.app_context():
        db.session.execute(update(ScheduledReminder).values(sent_at=utcnow(), sent_count=5))
        db.session.commit()
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": "ev100-2024", "title": "China Electric Vehicle 100 Forum 2024", "title_local": "",
        "start_date": "2024-03-29"})
    assert response.status_code == 302
    page = organizer_client.get("/manage/e/ev100-2024/emails/invitation/zh").get_data(as_text=True)
    assert "诚挚邀请：{event_title}" in page
    page = organizer_client.get("/manage/e/ev100-2024/reminders").get_data(as_text=True)
    assert "2 days before" in page and "Sent on" not in page and "Scheduled" in page


def test_an_imported_guest_gets_the_same_message_as_one_invited_alone(app, organizer):  # noqa: F811
    # the import writes its e-mails in bulk (mail.service.queue_messages: the layout rendered once
    # per language); a guest must not be able to tell
    from eventsvc.mail.service import GuestMessage, queue_message, queue_messages

    _, slug = organizer
    with app.app_context():
        event = event_by_slug(slug)
        values = {"guest_name": "王芳 <b>", "event_title": event.title, "event_dates": "1–2 June",
                  "venue": "Hall", "portal_link": "http://127.0.0.1/g/abc", "badge_link": "http://127.0.0.1/g/abc/badge",
                  "personal_message": ""}
        for language in ("zh", "en"):
            alone = queue_message(kind="invitation", to_address="a@example.org", to_name="A", language=language,
                                  event_id=event.id, values=values)
            db.session.flush()
            queue_messages([GuestMessage("invitation", f"b{i}@example.org", "B", language, event.id, values)
                            for i in range(2)])
            bulk = db.session.scalars(
                select(OutgoingMessage).where(OutgoingMessage.to_address == "b1@example.org",
                                              OutgoingMessage.language == language)).one()
            assert (bulk.subject, bulk.body_text, bulk.body_html) == (alone.subject, alone.body_text, alone.body_html)
            assert "王芳 &lt;b&gt;" in bulk.body_html and bulk.message_id != alone.message_id
        db.session.rollback()


def test_the_remembered_mail_layout_gives_the_same_bytes_as_rendering_it_and_follows_a_new_title(
        app, organizer):  # noqa: F811
    # the layout is rendered once per language and event title by each process (mail.service._layout,
    # issue 17's rush); the product's wording once per kind and language (wording.default_wording)
    from flask import render_template
    from flask_babel import force_locale
    from markupsafe import Markup

    from eventsvc.mail import wording
    from eventsvc.mail.service import compose

    _, slug = organizer
    with app.app_context():
        event = event_by_slug(slug)
        values = {"guest_name": "王芳 <b>", "event_title": event.title, "event_dates": "1–2 June",
                  "venue": "Hall", "portal_link": "http://127.0.0.1/g/abc"}
        app.extensions.pop("eventsvc_mail_layouts", None)
        app.extensions.pop("eventsvc_default_wordings", None)
        for language in ("zh", "en", "zh"):  # the second zh comes from what was remembered
            written = compose(event.id, "registration_confirmed", language, values)
            with force_locale(language):
                subject, body = wording._wording("registration_confirmed")
                button = str(wording.kind_of("registration_confirmed").button_label)
            content = wording.to_html(wording.tidy(wording.fill(body, values)), values["portal_link"], button)
            with force_locale(language):
                rendered = render_template("mail/written.html", language=language, event_title=event.title,
                                           content=Markup(content))
            assert written.html == rendered
            assert written.subject == wording.fill(subject, values)
            assert "王芳 &lt;b&gt;" in written.html
        renamed = compose(event.id, "registration_confirmed", "en", {**values, "event_title": "Renamed <Forum>"})
        assert "Renamed &lt;Forum&gt;" in renamed.html and event.title not in renamed.html.replace(
            "Renamed", "")
