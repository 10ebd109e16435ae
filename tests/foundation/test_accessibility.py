"""Accessibility checked by a machine (issue 15): axe-core over every kind of page, in English and
Chinese, on a desktop and on a phone; the skip link and the visible keyboard focus.

The vendored axe-core (static/vendor/axe-core) is loaded into each page as a script of the site
itself, so the Content-Security-Policy stays as strict as visitors get it. A page passes when axe
finds no serious or critical violation (missing names, contrast under AA, targets under 24 px and
the like; axe's target-size rule is switched on), when it has exactly one <h1>, and, on a phone,
when nothing one presses outside running text is under 24 px (our own measure of the boxes, stricter
than axe, which forgives a small target with room around it). One browser context per language
and width visits every page once; the summary (pages checked, findings by rule) is printed and
shown at the end of the test run.
"""

from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from eventsvc.accounts.models import User
from eventsvc.awards.models import Award
from eventsvc.awards.service import mark_presented
from eventsvc.checkin import service as checkin
from eventsvc.demo import loader
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.links import issue_link
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.representation import set_representation
from tests.support.manage_pages import demo_manage_urls

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "zh")
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
#: what no page may have; axe's "moderate" and "minor" findings are counted in the summary only
FAILING_IMPACTS = ("serious", "critical")
AXE = "/static/vendor/axe-core/axe.min.js"
RUN_AXE = "() => axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})"

#: the visible things a finger presses that are under 24 px either way, outside running text
#: (WCAG 2.5.8 excepts a link in a sentence: an inline element among other text)
SMALL_TARGETS = """() => {
  const pressable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const el of document.querySelectorAll(pressable)) {
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility({visibilityProperty: true}) || box.width === 0 || box.height === 0) continue;
    if (box.width >= 24 && box.height >= 24) continue;
    const around = el.parentElement ? el.parentElement.textContent.trim().length : 0;
    if (getComputedStyle(el).display === 'inline' && around > el.textContent.trim().length) continue;
    small.push(`${box.width.toFixed(1)}×${box.height.toFixed(1)} ${el.outerHTML.slice(0, 100)}`);
  }
  return small;
}"""


@dataclass
class Sweep:
    page_views: int = 0
    by_rule: Counter = field(default_factory=Counter)  # "rule (impact)" → page views with it
    failures: list[str] = field(default_factory=list)

    def fail(self, where: str, path: str, what: str) -> None:
        self.failures.append(f"{where} {path}: {what}")

    def summary(self) -> str:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.by_rule.items())) or "none"
        return (f"Accessibility (axe-core, tests/foundation/test_accessibility.py): {self.page_views} page views, "
                f"{len(self.failures)} failures; findings by rule (page views): {rules}")


def _world(app) -> dict:
    """The demo forum with what makes each page kind show its full content: presented awards, a
    guest who represents an awarded organization (their portal lists its certificate), a walk-in."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == loader.SLUG))
        awards = db.session.scalars(select(Award).order_by(Award.position)).all()
        for award in awards[:2]:
            mark_presented(award)
        invitation = db.session.scalar(select(Invitation).join(Person).where(
            Person.email == "guest002@guests.example"))
        registration = db.session.scalar(select(Registration).where(Registration.invitation_id == invitation.id))
        set_representation(registration, awards[0].recipient_organization)
        token = issue_link(invitation)
        # guest171 has not answered yet: their portal asks to accept or decline
        unanswered = issue_link(db.session.scalar(select(Invitation).join(Person).where(
            Person.email == "guest171@guests.example")))
        staff = db.session.scalar(select(User).where(User.email == loader.STAFF_EMAIL))
        walk_in = checkin.register_walk_in(event, staff, name="Walk-in Guest")
        items = dict(db.session.execute(select(AgendaItem.title, AgendaItem.id)).all())
        director = db.session.scalar(select(Person.id).where(Person.name == "Xie Zhaoxu"))
        db.session.commit()
        return {"slug": event.slug, "token": token, "unanswered": unanswered, "walk_in": walk_in.id,
                "plenary": items["Opening Plenary"], "seminar": next(i for t, i in items.items() if "Seminar" in t),
                "director": director, "number": awards[0].certificate_number, "code": awards[0].verification_code}


def _public_and_guest_pages(w: dict) -> list[str]:
    e, g = f"/e/{w['slug']}", f"/g/{w['token']}"
    return ["/", e, f"{e}/agenda", f"{e}/s/{w['plenary']}", f"{e}/s/{w['seminar']}", f"{e}/speakers",
            f"{e}/speakers/{w['director']}", f"{e}/proceedings", f"{e}/awards", f"{e}/register", "/verify",
            f"/verify?number={w['number']}", f"/verify/{w['code']}", "/login", "/e/no-such-event",  # the error page
            g, f"{g}/badge", f"/g/{w['unanswered']}"]


def _door_pages(w: dict) -> list[str]:
    c = f"/checkin/e/{w['slug']}"
    return [c, f"{c}/walk-in", f"{c}/walk-in/{w['walk_in']}"]


def _one_per_route(app, paths: list[str]) -> list[str]:
    """The first path of each route: the kinds of e-mail, or the award programs, share one template."""
    adapter, seen, kept = app.url_map.bind("127.0.0.1"), set(), []
    for path in paths:
        endpoint, _ = adapter.match(path.split("?")[0])
        if endpoint not in seen:
            seen.add(endpoint)
            kept.append(path)
    return kept


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.context.clear_cookies(name="session")
    page.goto(base + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _check(page, base: str, path: str, where: str, sweep: Sweep, phone: bool) -> None:
    page.goto(base + path)
    page.add_script_tag(url=base + AXE)
    result = page.evaluate(RUN_AXE)
    sweep.page_views += 1
    for violation in result["violations"]:
        sweep.by_rule[f"{violation['id']} ({violation['impact']})"] += 1
        if violation["impact"] in FAILING_IMPACTS:
            nodes = "; ".join(f"{node['target']} {node['html'][:100]}" for node in violation["nodes"][:3])
            sweep.fail(where, path, f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×) {nodes}")
    headings = page.locator("h1").count()
    if headings != 1:
        sweep.by_rule["one-h1 (ours)"] += 1
        sweep.fail(where, path, f"{headings} <h1> instead of one")
    if phone:
        for target in page.evaluate(SMALL_TARGETS):
            sweep.by_rule["target-under-24px (ours)"] += 1
            sweep.fail(where, path, f"a target under 24 px: {target}")


@pytest.mark.sqlite_run  # the pages are the same on PostgreSQL: scripts/test sweeps them once, in the SQLite run
def test_no_page_of_any_kind_has_a_serious_accessibility_violation(app, demo, live_server, browser,
                                                                       record_property):
    world = _world(app)
    manage_pages = _one_per_route(app, demo_manage_urls(app))
    base, sweep = live_server.url, Sweep()
    for language in LANGUAGES:
        for viewport in (DESKTOP, PHONE):
            context = browser.new_context(viewport=viewport)
            context.add_cookies([{"name": "lang", "value": language, "url": base}])
            page = context.new_page()
            page.set_default_timeout(30_000)
            where, phone = f"[{language} {viewport['width']}]", viewport is PHONE
            for path in _public_and_guest_pages(world):
                _check(page, base, path, where, sweep, phone)
            _sign_in(page, base, loader.STAFF_EMAIL, loader.STAFF_PASSWORD)
            for path in _door_pages(world):
                _check(page, base, path, where, sweep, phone)
            _sign_in(page, base, loader.ORGANIZER_EMAIL, loader.ORGANIZER_PASSWORD)
            for path in manage_pages:
                _check(page, base, path, where, sweep, phone)
            context.close()
    print(sweep.summary())
    record_property("accessibility", sweep.summary())
    assert not sweep.failures, "\n".join(sweep.failures)


@pytest.mark.parametrize(("language", "label"), [("en", "Skip to content"), ("zh", "跳到正文")])
def test_the_first_tab_reaches_a_skip_link_that_jumps_to_the_main_content(browser, live_server, demo,
                                                                          language, label):
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{demo}")
    skip = page.get_by_role("link", name=label)
    assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24  # on screen once focused
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
    page.keyboard.press("Tab")  # the next stop is inside the content, past the header's links
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    context.close()


def test_every_control_shows_where_the_keyboard_focus_is(browser, live_server, demo):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    seen = []
    for _ in range(12):  # from the e-mail field (autofocus): password, box, button, footer, then the top
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase() + (el.type ? ':' + el.type : ''),
                    style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        if focused["tag"] == "body":  # past the last control, before the first again
            continue
        seen.append(focused["tag"])
        assert focused["style"] != "none" and focused["width"] >= 2, focused
    assert {"a", "input:email", "input:password", "input:checkbox", "button:submit"} <= set(seen), seen
    context.close()
