"""Home, event page, health check, language switch, configuration, the demo forum."""

from datetime import date

import pytest

from eventsvc import create_app
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import Event
from eventsvc.extensions import db


def test_home_lists_published_events_only(client, demo, app):
    with app.app_context():
        db.session.add(Event(slug="secret-draft", title="Secret Draft Summit", start_date=date(2024, 1, 1),
                             end_date=date(2024, 1, 1)))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "China Electric Vehicle 100 Forum 2023" in page
    assert "Secret Draft Summit" not in page


def test_a_draft_event_page_is_404_to_the_public(client, app):
    with app.app_context():
        db.session.add(Event(slug="draft", title="Draft", start_date=date(2024, 1, 1), end_date=date(2024, 1, 1),
                             status=EventStatus.DRAFT))
        db.session.commit()
    assert client.get("/e/draft").status_code == 404


def test_event_page_shows_agenda_in_beijing_time_and_speakers(client, demo):
    page = client.get(f"/e/{demo}").get_data(as_text=True)
    assert "09:00–10:30" in page and "Opening Plenary" in page
    assert "Xie Zhaoxu" in page and "China Quality Certification Centre" in page
    assert "Diaoyutai State Guesthouse" in page


def test_the_language_switch_turns_the_event_page_chinese_and_is_remembered(client, demo):
    response = client.get(f"/language/zh?next=/e/{demo}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/e/{demo}")
    page = client.get(f"/e/{demo}").get_data(as_text=True)
    assert "中国电动汽车百人会论坛（2023）" in page
    assert "议程" in page and "开幕全体大会" in page
    assert "2023年3月31日" in page
    assert 'lang="zh-CN"' in page
    client.get("/language/en")
    assert "Agenda" in client.get(f"/e/{demo}").get_data(as_text=True)


def test_the_language_switch_refuses_to_redirect_off_site(client):
    response = client.get("/language/zh?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.delenv("EVENTSVC_SECRET_KEY", raising=False)
    monkeypatch.setenv("EVENTSVC_DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("EVENTSVC_SECRET_KEY", "Jq8vN2xL5tR7wZ3mK9pB4cF6hD1sG0aY-v7")
    monkeypatch.setenv("EVENTSVC_PUBLIC_BASE_URL", "https://events.example.org")
    assert create_app("production").config["SECRET_KEY"] == "Jq8vN2xL5tR7wZ3mK9pB4cF6hD1sG0aY-v7"


def test_every_setting_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EVENTSVC_DATABASE_URL", "sqlite:////tmp/from-env.sqlite")
    monkeypatch.setenv("EVENTSVC_LOGIN_MAX_FAILURES", "9")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/from-env.sqlite"
    assert app.config["LOGIN_MAX_FAILURES"] == 9


def test_the_demo_loader_is_idempotent(app):
    from sqlalchemy import func, select

    from eventsvc import models
    from eventsvc.demo import loader

    counted = [models.Event, models.Person, models.Organization, models.AgendaItem, models.Registration,
               models.Invitation, models.Award, models.User, models.EventRole, models.SpeechRecord]

    def counts():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in counted}

    with app.app_context():
        _, created = loader.load_demo()
        first = counts()
        _, created_again = loader.load_demo()
        assert created and not created_again
        assert counts() == first
        assert first["Person"] >= 200 and first["Award"] >= 3 and first["SpeechRecord"] == 2
        director = db.session.scalar(select(models.Person).where(models.Person.name == "Xie Zhaoxu"))
        assert director.name_local is None  # no invented characters for a real person


def test_demo_cli_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0
    assert "organizer@ev100.example" in result.output and "staff@ev100.example" in result.output


def test_a_service_error_on_a_page_shows_its_message_with_its_status(database_url):
    from eventsvc.core.errors import Conflict

    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @fresh.get("/_conflict")
    def conflict():
        raise Conflict("seat_taken", "That seat was just taken.")

    response = fresh.test_client().get("/_conflict")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "That seat was just taken." in page and "Request refused" in page
