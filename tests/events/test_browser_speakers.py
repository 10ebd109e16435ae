"""A real browser: the organizer gives a speaker a photo and a Chinese biography, the public
speaker page shows them in both languages, and the audit trail shows who did it.

With EVENTSVC_SCREENSHOTS=<folder>, the pages are saved there at desktop and phone width in
English and Chinese, to be looked at.
"""

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from eventsvc.demo import loader

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _portrait(path: Path) -> Path:
    image = Image.new("RGB", (900, 1100), (70, 110, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 220, 600, 560), fill=(235, 205, 180))
    draw.rectangle((200, 640, 700, 1100), fill=(40, 50, 70))
    draw.ellipse((200, 560, 700, 800), fill=(40, 50, 70))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _shoot(browser, url, name, paths, *, cookies):
    folder = os.environ.get("EVENTSVC_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for language in ("en", "zh"):
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport)
            context.add_cookies([*cookies, {"name": "lang", "value": language, "url": url}])
            page = context.new_page()
            for label, path in paths:
                page.goto(url + path)
                page.screenshot(path=f"{folder}/{name}-{label}-{language}-{size}.png", full_page=True)
            context.close()


def test_an_organizer_gives_a_speaker_a_photo_and_a_chinese_bio_the_public_sees_them(
        live_server, browser, page, demo, demo_ids, tmp_path):
    url = live_server.url
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(loader.ORGANIZER_EMAIL)
    page.get_by_label("Password").fill(loader.ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage")

    page.goto(f"{url}/manage/e/{demo}")
    page.locator("nav").get_by_role("link", name="People", exact=True).first.click()
    page.get_by_role("searchbox", name="Search").fill("Zhang Hua")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Zhang Hua").click()
    page.get_by_label("Biography in Chinese").fill("长期从事认证工作。")
    page.get_by_label("Upload a photo").set_input_files(str(_portrait(tmp_path / "portrait.jpg")))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved.")
    expect(page.locator("img.person-photo")).to_be_visible()

    person_id = demo_ids["people"]["Zhang Hua"]
    public = browser.new_context(viewport=SIZES["desktop"])
    visitor = public.new_page()
    visitor.goto(f"{url}/e/{demo}/speakers/{person_id}")
    photo = visitor.locator(".speaker-head img.person-photo")
    expect(photo).to_be_visible()
    assert visitor.evaluate("() => document.querySelector('.speaker-head img').naturalWidth") == 491
    visitor.goto(f"{url}/language/zh")
    visitor.goto(f"{url}/e/{demo}/speakers/{person_id}")
    expect(visitor.locator(".speaker-bio")).to_have_text("长期从事认证工作。")
    expect(visitor.locator("h2")).to_have_text("张华")
    public.close()

    page.goto(f"{url}/manage/e/{demo}")
    page.locator("nav").get_by_role("link", name="Audit trail").first.click()
    row = page.locator("tbody tr", has_text="Photo uploaded").first
    expect(row).to_contain_text("Zhang Hua")

    cookies = page.context.cookies()
    director = demo_ids["people"]["Xie Zhaoxu"]
    _shoot(browser, url, "organizer", [("people", f"/manage/e/{demo}/people?q=zh"),
                                       ("person-form", f"/manage/e/{demo}/people/{person_id}"),
                                       ("audit", f"/manage/e/{demo}/audit")], cookies=cookies)
    _shoot(browser, url, "public", [("speaker", f"/e/{demo}/speakers/{person_id}"),
                                    ("speaker-real-person", f"/e/{demo}/speakers/{director}"),
                                    ("speakers", f"/e/{demo}/speakers"),
                                    ("session", f"/e/{demo}/s/{demo_ids['items']['council_meeting']}"),
                                    ("proceedings", f"/e/{demo}/proceedings")], cookies=[])
