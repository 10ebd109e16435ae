"""The scanner on a phone in a real Chromium: the search above the keyboard, the gate remembered
across reloads (also offline), answer screens that read at contrast AA."""

from collections import Counter

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventsvc.checkin.models import CheckIn
from eventsvc.demo import loader
from eventsvc.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, live_server, demo):
    """Door staff signed in on a phone of the given size, on their scanner."""
    opened = []

    def open_phone(height: int = 844):
        context = browser.new_context(viewport={"width": 390, "height": height}, is_mobile=True, has_touch=True)
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(live_server.url + "/login")
        page.get_by_label("E-mail").fill(loader.STAFF_EMAIL)
        page.get_by_label("Password").fill(loader.STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/checkin/e/{demo}")
        page.wait_for_selector("#scanner[data-ready='1']")
        return page, context

    yield open_phone
    for context in opened:
        context.close()


def _a_guest_with_a_name_of_their_own(app, guests, category: str | None = None) -> tuple[int, str]:
    from eventsvc.registration.models import Registration

    with app.app_context():
        registrations = db.session.scalars(
            select(Registration).where(Registration.id.in_(guests["confirmed"])).order_by(Registration.id)).all()
        people = [(r.id, r.person.name, r.category.code if r.category else None) for r in registrations]
    names = Counter(name for _, name, _ in people)
    return next((rid, name) for rid, name, code in people if names[name] == 1 and category in (None, code))


def _checkins(app, **where) -> list[CheckIn]:
    with app.app_context():
        db.session.remove()
        return db.session.scalars(select(CheckIn).filter_by(**where)).all()


def test_search_opens_above_the_camera_and_its_results_stay_above_the_keyboard(phone, app, guests):
    registration_id, name = _a_guest_with_a_name_of_their_own(app, guests)
    page, _context = phone(height=500)  # 390x844 with the keyboard up
    page.select_option("#gate", "entrance")
    expect(page.locator("#manual")).to_be_hidden()
    page.get_by_role("button", name="Search by name").tap()
    expect(page.get_by_role("button", name="Search by name")).to_have_attribute("aria-expanded", "true")
    search = page.get_by_role("searchbox", name="Search guests")
    expect(search).to_be_focused()
    search.fill(name)
    check_in = page.get_by_role("button", name=f"Check in {name}", exact=True)
    expect(check_in).to_be_visible()
    # the field and the guest's row are on the screen, and the camera waits below the search
    row = page.locator("#search-results li", has=check_in)
    page.wait_for_function("(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
                           arg=row.element_handle())
    assert row.bounding_box()["y"] + row.bounding_box()["height"] <= 500
    assert search.bounding_box()["y"] >= 0
    assert page.locator("#manual").bounding_box()["y"] < page.locator(".camera").bounding_box()["y"]
    check_in.tap()
    expect(page.locator("#answer[data-result='ok']")).to_be_visible()
    assert [c.registration_id for c in _checkins(app, result="ok")] == [registration_id]


def test_the_chosen_gate_and_direction_are_remembered_after_a_reload_online_and_offline(
        phone, app, guests, badge, live_server, demo):
    code = badge(guests["confirmed"][0])
    page, context = phone()
    plenary = guests["plenary_gate"]
    page.wait_for_selector("#scanner[data-cached='1']")
    page.select_option("#gate", plenary)
    page.get_by_label("Exit").check()

    page.reload()
    page.wait_for_selector("#scanner[data-ready='1']")
    expect(page.locator("#gate")).to_have_value(plenary)
    expect(page.get_by_label("Exit")).to_be_checked()
    expect(page.locator("#scanner")).to_have_attribute("data-gate", plenary)  # at work, not only shown

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#scanner[data-ready='1']")
    expect(page.locator("#net")).to_have_text("Offline")
    expect(page.locator("#gate")).to_have_value(plenary)
    expect(page.get_by_label("Exit")).to_be_checked()
    # the restored gate and direction are the ones a scan is recorded with
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    expect(page.locator("#answer[data-result='ok']")).to_be_visible()
    expect(page.locator("#answer-title")).to_have_text("Exit recorded")
    context.set_offline(False)
    expect(page.locator("#queue-length")).to_have_text("0", timeout=30_000)
    [scan] = _checkins(app)
    assert (scan.gate, scan.direction.value) == (plenary, "out")

    # another event's scanner on this phone does not inherit this event's gate
    assert page.evaluate(f"localStorage.getItem('eventsvc-scanner-place:{demo}')") is not None
    assert page.evaluate("localStorage.getItem('eventsvc-scanner-place:another-event')") is None


_CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const box = document.getElementById('answer'), bg = getComputedStyle(box).backgroundColor;
  return Array.from(box.querySelectorAll('p, p span')).filter((p) => p.textContent.trim()).map((p) => {
    const own = getComputedStyle(p).backgroundColor, under = own === 'rgba(0, 0, 0, 0)' ? bg : own;
    const [a, b] = [lum(getComputedStyle(p).color), lum(under)].sort((x, y) => y - x);
    return [p.textContent.trim(), (a + 0.05) / (b + 0.05)];
  });
}"""


def test_answer_screens_read_at_contrast_aa(phone, app, guests):
    # the press's orange is the category colour white text reads worst on (3.4:1)
    _registration_id, name = _a_guest_with_a_name_of_their_own(app, guests, category="press")
    page, _context = phone()
    page.select_option("#gate", "entrance")
    page.get_by_role("button", name="Search by name").tap()
    page.get_by_role("searchbox", name="Search guests").fill(name)
    seen = {}
    for result in ("ok", "already_checked_in"):
        page.locator("#search-results button").first.tap()
        answer = page.locator(f"#answer[data-result='{result}']")
        expect(answer).to_be_visible()
        seen[result] = answer.evaluate(_CONTRAST)
        page.get_by_role("button", name="Next").tap()
    page.fill("#code-input", "NOT-A-BADGE")
    page.press("#code-input", "Enter")
    answer = page.locator("#answer[data-result='invalid']")
    expect(answer).to_be_visible()
    seen["invalid"] = answer.evaluate(_CONTRAST)
    for result, texts in seen.items():
        assert texts, result
        for text, ratio in texts:
            assert ratio >= 4.5, (result, text, round(ratio, 2))
