"""Copying an event as next year's edition."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.support.web import post_form


def test_the_next_edition_copies_rooms_sessions_roles_categories_and_programs_but_no_guests(organizer_client, demo, app):
    from sqlalchemy import func, select

    from eventsvc.accounts.models import EventRole
    from eventsvc.awards.models import Award, AwardProgram
    from eventsvc.events.enums import EventStatus
    from eventsvc.events.models import AgendaItem, Participation, SpeechRecord
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db
    from eventsvc.registration.categories import list_categories
    from eventsvc.registration.models import Invitation, Registration

    page = organizer_client.get(f"/manage/e/{demo}/copy").get_data(as_text=True)
    assert 'value="ev100-2024"' in page
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": "ev100-2024", "title": "China Electric Vehicle 100 Forum 2024", "title_local": "",
        "start_date": "2024-03-29"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/e/ev100-2024")
    with app.app_context():
        old, new = event_by_slug(demo), event_by_slug("ev100-2024")
        assert new.status == EventStatus.DRAFT and new.copied_from_id == old.id
        assert (new.start_date, new.end_date) == (date(2024, 3, 29), date(2024, 3, 29))
        assert [r.name for r in new.rooms] == [r.name for r in old.rooms]
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == new.id)
                                   .order_by(AgendaItem.starts_at)).all()
        assert len(items) == 5
        assert items[0].starts_at == datetime(2024, 3, 29, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert items[0].room.event_id == new.id and items[0].seats_taken == 0
        old_uids = set(db.session.scalars(select(AgendaItem.ical_uid).where(AgendaItem.event_id == old.id)))
        assert not old_uids & {i.ical_uid for i in items}
        parts = db.session.scalar(select(func.count()).select_from(Participation)
                                  .join(AgendaItem).where(AgendaItem.event_id == new.id))
        assert parts == 5
        roles = db.session.scalars(select(EventRole.role).where(EventRole.event_id == new.id)).all()
        assert sorted(r.value for r in roles) == ["organizer", "staff"]
        program = db.session.scalar(select(AwardProgram).where(AwardProgram.event_id == new.id))
        assert program.number_prefix == "SH100-24" and program.next_sequence == 1
        assert [(c.code, c.label, c.color, c.is_vip) for c in list_categories(new)] == \
            [(c.code, c.label, c.color, c.is_vip) for c in list_categories(old)]
        assert list_categories(new) and {c.event_id for c in list_categories(new)} == {new.id}
        for model in (Invitation, Registration):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.event_id == new.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(Award).where(Award.program_id == program.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(SpeechRecord).join(AgendaItem)
                                 .where(AgendaItem.event_id == new.id)) == 0


def test_the_next_edition_keeps_the_certificate_rules_on_its_own_sessions_numbering_afresh(
        organizer_client, demo, app):
    from sqlalchemy import select

    from eventsvc.awards import attendance
    from eventsvc.awards.models import AttendanceRule
    from eventsvc.events.models import AgendaItem
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.extensions import db

    with app.app_context():
        old = event_by_slug(demo)
        session = db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == old.id)
                                     .order_by(AgendaItem.starts_at.desc())).first()
        attendance.create_rule(old, attendance.RuleData(None, None, "EV100A"))
        attendance.create_rule(old, attendance.RuleData(session.id, 75, "EV100S"))
        db.session.commit()
        session_title, session_start = session.title, session.starts_at
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": "ev100-2024", "title": "China Electric Vehicle 100 Forum 2024", "title_local": "",
        "start_date": "2024-03-29"})
    assert response.status_code == 302
    with app.app_context():
        old, new = event_by_slug(demo), event_by_slug("ev100-2024")
        rules = attendance.rules_of(new)
        by_prefix = {rule.number_prefix: rule for rule in rules}
        assert set(by_prefix) == {"EV100A-24", "EV100S-24"}
        whole, per_session = by_prefix["EV100A-24"], by_prefix["EV100S-24"]
        assert whole.agenda_item_id is None and whole.min_percent is None
        copied = db.session.get(AgendaItem, per_session.agenda_item_id)
        assert copied.event_id == new.id and copied.title == session_title and copied.starts_at != session_start
        assert per_session.min_percent == 75 and per_session.next_sequence == 1
        # the source keeps its own rules, untouched
        assert sorted(r.number_prefix for r in attendance.rules_of(old)) == ["EV100A", "EV100S"]
        assert db.session.scalar(select(AttendanceRule.id).where(AttendanceRule.event_id == new.id,
                                                                 AttendanceRule.agenda_item_id == session.id)) is None
    page = organizer_client.get("/manage/e/ev100-2024/attendance-certificates").get_data(as_text=True)
    assert "EV100S-24" in page and "75" in page


def test_copying_onto_a_taken_address_is_refused(organizer_client, demo):
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": demo, "title": "Again", "start_date": "2024-03-29"})
    assert "Another event already uses this address." in response.get_data(as_text=True)
