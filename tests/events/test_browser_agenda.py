"""A real browser builds the SPEC example day and reads it on the public agenda in both languages."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _login(page, url, email, password):
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage")


def _add_session(page, url, slug, kind, title, title_local, room, starts, ends):
    page.goto(f"{url}/manage/e/{slug}/sessions/new")
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("Room").select_option(label=room)
    page.get_by_role("textbox", name="Title", exact=True).fill(title)
    page.get_by_label("Title in Chinese").fill(title_local)
    page.get_by_label("Starts").fill(f"2023-03-31T{starts}")
    page.get_by_label("Ends").fill(f"2023-03-31T{ends}")
    page.get_by_role("button", name="Save session").click()
    expect(page.locator(".flash-success")).to_contain_text("Session added")
    return page.url


def _add_person(page, form, role, *, search=None, create=None):
    """Picks a person by typing, or creates one inline, then adds them with a role."""
    page.wait_for_load_state()
    picker = form.locator("[data-people-picker]")
    if create:
        picker.locator("[data-picker-search]").fill(create["name"])
        expect(picker.locator("[data-picker-new]")).to_have_attribute("open", "")
        picker.locator('[data-new="name_local"]').fill(create.get("name_local", ""))
        picker.locator('[data-new="position"]').fill(create["position"])
        picker.locator('[data-new="organization_name"]').fill(create["organization"])
        picker.get_by_role("button", name="Create and choose").click()
        expect(picker.locator("[data-picker-chosen]")).to_contain_text(create["name"])
    else:
        picker.locator("[data-picker-search]").fill(search)
        picker.locator("[data-picker-results]").get_by_role("option").first.click()
        expect(picker.locator("[data-picker-chosen]")).to_contain_text(search)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Add to session").click()
    expect(page.locator(".flash-success")).to_contain_text("Added to the session")


def test_an_organizer_builds_the_spec_day_and_the_public_reads_it_in_both_languages(
        page, live_server, make_user, browser):
    make_user("builder@ev100.example", "builder-password-1", creator=True)
    url = live_server.url
    _login(page, url, "builder@ev100.example", "builder-password-1")

    page.goto(url + "/manage/e/new")
    page.get_by_role("textbox", name="Title", exact=True).fill("China EV 100 Forum (browser)")
    page.get_by_label("Title in Chinese").fill("中国电动汽车百人会论坛（浏览器）")
    page.get_by_label("Address (slug)").fill("ev100-browser")
    page.get_by_label("First day").fill("2023-03-31")
    page.get_by_label("Last day").fill("2023-03-31")
    page.get_by_label("Time zone").fill("Asia/Shanghai")
    page.get_by_role("button", name="Create event").click()
    expect(page.locator(".flash-success")).to_contain_text("Event created as a draft")

    for name, local in (("Main Hall", "主会场"), ("Seminar Room A", "第一研讨室"), ("Council Room", "理事会议室")):
        page.goto(f"{url}/manage/e/ev100-browser/rooms")
        page.get_by_label("Room name").fill(name)
        page.get_by_label("Name in Chinese").fill(local)
        page.get_by_role("button", name="Add room").click()
        expect(page.locator(".flash-success")).to_contain_text("Room added")

    # The plenary, where the CQC director speaks (created inline, without leaving the session page).
    plenary = _add_session(page, url, "ev100-browser", "Plenary", "Opening Plenary", "开幕全体大会",
                           "Main Hall", "09:00", "10:30")
    _add_person(page, page.locator(".participation-form"), "Speaker", create={
        "name": "Xie Zhaoxu", "position": "Party Secretary and Director",
        "organization": "China Quality Certification Centre"})
    page.get_by_role("button", name="Add a speech").click()
    page.wait_for_load_state()
    page.locator("[data-picker-search]").fill("Xie")
    page.locator("[data-picker-results]").get_by_role("option").first.click()
    page.get_by_role("textbox", name="Theme", exact=True).fill(
        "Testing and Certification Boosts the High-quality Development of Automobile Industry")
    page.get_by_label("Theme in Chinese").fill("检测认证助力汽车产业高质量发展")
    page.get_by_label("Status").select_option(label="Delivered")
    page.get_by_role("button", name="Save speech").click()
    expect(page.locator(".flash-success")).to_contain_text("Speech saved")
    assert page.url.startswith(plenary)

    _add_session(page, url, "ev100-browser", "Launching ceremony",
                 "Launching of the Shining 100 Stations Plan", "闪耀百站计划启动仪式", "Main Hall", "10:45", "11:30")
    _add_person(page, page.locator(".participation-form"), "Presenter", search="Xie Zhaoxu")
    _add_session(page, url, "ev100-browser", "Seminar", "Exclusive Seminar on Scenario and Policy",
                 "汽车产业情景与政策闭门研讨会", "Seminar Room A", "13:30", "15:30")
    _add_person(page, page.locator(".participation-form"), "Guest of honour", create={
        "name": "Zhang Hua", "name_local": "张华", "position": "Deputy Director", "organization": "CQC"})
    _add_session(page, url, "ev100-browser", "Council meeting", "Council Meeting of the Forum", "论坛理事会会议",
                 "Council Room", "16:00", "17:30")
    _add_person(page, page.locator(".participation-form"), "Speaker", search="Zhang")

    # The organizer's overview: one column per room, no clashes.
    page.goto(f"{url}/manage/e/ev100-browser/agenda")
    expect(page.locator(".agenda-grid thead th")).to_have_text(["Time", "Main Hall", "Seminar Room A", "Council Room"])
    expect(page.locator(".clash-list")).to_have_count(0)

    page.goto(f"{url}/manage/e/ev100-browser")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("The event is published")

    # The public, in a fresh browser context (not signed in).
    public = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{url}/e/ev100-browser/agenda")
    rows = public.locator(".agenda-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("09:00–10:30")
    expect(rows.nth(0)).to_contain_text("Opening Plenary")
    expect(rows.nth(0)).to_contain_text("Main Hall")
    expect(rows.nth(0)).to_contain_text("Xie Zhaoxu")
    expect(rows.nth(1)).to_contain_text("Launching ceremony")
    expect(rows.nth(2)).to_contain_text("Seminar Room A")
    expect(rows.nth(3)).to_contain_text("Council meeting")
    expect(rows.nth(3)).to_contain_text("Zhang Hua")

    public.get_by_role("link", name="简体中文").click()
    rows = public.locator(".agenda-row")
    expect(rows.nth(0)).to_contain_text("开幕全体大会")
    expect(rows.nth(0)).to_contain_text("主会场")
    expect(rows.nth(2)).to_contain_text("汽车产业情景与政策闭门研讨会")
    expect(rows.nth(3)).to_contain_text("张华")
    expect(public.locator("h1")).to_contain_text("中国电动汽车百人会论坛（浏览器）")

    public.get_by_role("link", name=re.compile("开幕全体大会")).click()
    expect(public.locator(".speech")).to_contain_text("检测认证助力汽车产业高质量发展")
    public.context.close()
