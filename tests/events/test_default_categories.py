"""A new event starts with five guest categories (so its badges carry a band from the first print),
whether it is made on the page or through the API; the next edition keeps its source's instead."""

from datetime import date

from sqlalchemy import select

from eventsvc.accounts.models import User
from eventsvc.demo import loader
from eventsvc.events.permissions import event_by_slug
from eventsvc.events.service import copy_event
from eventsvc.extensions import db
from eventsvc.registration.categories import DEFAULT_CATEGORIES, create_category, list_categories
from tests.support.web import csrf_token

FIVE = [("guest", "Guest", "嘉宾"), ("speaker", "Speaker", "演讲嘉宾"), ("vip", "VIP", "贵宾"),
        ("press", "Press", "媒体"), ("staff", "Staff", "工作人员")]
NEW_EVENT = {"slug": "summit-2025", "title": "Summit 2025", "kind": "summit", "start_date": "2025-05-01",
             "end_date": "2025-05-02", "timezone": "Asia/Shanghai", "registration_mode": "open"}


def _categories(app, slug: str) -> list[tuple]:
    with app.app_context():
        return [(c.code, c.label, c.label_local, c.color, c.is_vip) for c in list_categories(event_by_slug(slug))]


def _contrast_with_white(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_an_event_made_on_the_page_lists_the_five_categories_in_both_languages(app, organizer_client):
    token = csrf_token(organizer_client, "/manage/e/new")
    response = organizer_client.post("/manage/e/new", data={**NEW_EVENT, "csrf_token": token})
    assert response.status_code == 302
    categories = _categories(app, "summit-2025")
    assert [c[:3] for c in categories] == FIVE
    assert [c[0] for c in categories if c[4]] == ["vip"]  # first on the arrivals dashboard

    page = organizer_client.get("/manage/e/summit-2025/categories").get_data(as_text=True)
    assert "No categories yet" not in page
    assert all(label in page for _, label, _ in FIVE)
    organizer_client.get("/language/zh")
    chinese = organizer_client.get("/manage/e/summit-2025/categories").get_data(as_text=True)
    assert all(local in chinese for _, _, local in FIVE)


def test_a_default_category_is_edited_like_any_other(app, organizer_client):
    token = csrf_token(organizer_client, "/manage/e/new")
    organizer_client.post("/manage/e/new", data={**NEW_EVENT, "csrf_token": token})
    with app.app_context():
        press = next(c for c in list_categories(event_by_slug("summit-2025")) if c.code == "press")
        prefix = f"c{press.id}"
    token = csrf_token(organizer_client, "/manage/e/summit-2025/categories")
    saved = organizer_client.post(f"/manage/e/summit-2025/categories/{press.id}", data={
        f"{prefix}-csrf_token": token, "csrf_token": token, f"{prefix}-label": "Media",
        f"{prefix}-label_local": "新闻媒体", f"{prefix}-color": "#285e61", f"{prefix}-position": "4"},
        follow_redirects=True)
    assert "Category “Media” saved." in saved.get_data(as_text=True)
    assert ("press", "Media", "新闻媒体", "#285e61", False) in _categories(app, "summit-2025")


def test_an_event_made_through_the_api_has_the_five_categories(app, client, make_user, api_token):
    secret = api_token(make_user("secretariat@forum.example", "secretariat-password", creator=True))
    created = client.post("/api/v1/events", json={**NEW_EVENT, "slug": "api-summit-2025"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201, created.json
    assert [c[:3] for c in _categories(app, "api-summit-2025")] == FIVE


def test_the_next_edition_keeps_its_sources_categories_not_the_defaults(app, demo, organizer_client):
    with app.app_context():
        source = event_by_slug(demo)
        create_category(source, code="council", label="Council member", label_local="理事", color="#22543d")
        organizer = db.session.scalar(select(User).where(User.email == loader.ORGANIZER_EMAIL))
        copy_event(source, slug="ev100-2024", start_date=date(2024, 3, 29), creator=organizer)
        db.session.commit()
    assert _categories(app, "ev100-2024") == _categories(app, demo)
    assert "council" in [c[0] for c in _categories(app, "ev100-2024")]


def test_each_default_colour_carries_white_text_at_wcag_aa_contrast():
    for code, _, _, colour, _ in DEFAULT_CATEGORIES:
        assert _contrast_with_white(colour) >= 4.5, (code, colour, _contrast_with_white(colour))


def test_a_default_category_nobody_carries_is_deleted_and_one_in_use_is_kept_with_a_reason(
        app, demo, organizer_client):
    token = csrf_token(organizer_client, "/manage/e/new")
    organizer_client.post("/manage/e/new", data={**NEW_EVENT, "csrf_token": token})
    with app.app_context():
        press = next(c.id for c in list_categories(event_by_slug("summit-2025")) if c.code == "press")
    page = organizer_client.get("/manage/e/summit-2025/categories").get_data(as_text=True)
    token = csrf_token(organizer_client, "/manage/e/summit-2025/categories")
    assert "Delete “Press”" in page
    deleted = organizer_client.post(f"/manage/e/summit-2025/categories/{press}/delete",
                                    data={"csrf_token": token}, follow_redirects=True)
    assert "Category “Press” deleted." in deleted.get_data(as_text=True)
    assert [c[0] for c in _categories(app, "summit-2025")] == ["guest", "speaker", "vip", "staff"]

    # the demo's VIPs carry theirs: it stays, and the page says why
    with app.app_context():
        vip = next(c.id for c in list_categories(event_by_slug(demo)) if c.code == "vip")
    before = _categories(app, demo)
    kept = organizer_client.post(f"/manage/e/{demo}/categories/{vip}/delete", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "carry this category: give them another one first." in kept.get_data(as_text=True)
    assert _categories(app, demo) == before
