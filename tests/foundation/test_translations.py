"""Translations that cannot clash, and no English enum value on a Chinese page."""

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask_babel import force_locale
from sqlalchemy import select

from eventsvc.awards.models import Award, AwardProgram
from eventsvc.core.labels import label, labelled_enums
from eventsvc.core.tokens import hash_token
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Registration
from tests.support.web import csrf_token

ROOT = Path(__file__).resolve().parents[2]


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(root: Path, capability: str, messages: list[tuple[str | None, str, str]]) -> None:
    catalog = Catalog(locale="zh")
    for context, msgid, msgstr in messages:
        catalog.add(msgid, msgstr, context=context)
    folder = root / capability / "translations" / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as f:
        write_po(f, catalog)


def test_the_check_refuses_one_english_text_with_two_translations_and_names_both(tmp_path, capsys):
    _catalog(tmp_path, "checkin", [(None, "Next", "下一位"), (None, "Gate", "入口")])
    _catalog(tmp_path, "events", [(None, "Next", "下一页"), (None, "Gate", "入口")])
    assert _i18n_script().check(tmp_path) == 1
    out = capsys.readouterr().out
    assert "'Next'" in out and "下一位" in out and "下一页" in out
    assert "checkin/translations" in out and "events/translations" in out
    assert "Gate" not in out, "one text translated alike in two catalogs is no clash"


def test_a_context_keeps_two_meanings_of_one_english_word_apart(tmp_path, capsys):
    _catalog(tmp_path, "checkin", [("scanner: the next guest", "Next", "下一位")])
    _catalog(tmp_path, "events", [(None, "Next", "下一页")])
    assert _i18n_script().check(tmp_path) == 0
    assert capsys.readouterr().out == ""


def test_the_projects_catalogs_are_complete_and_clash_free(capsys):
    assert _i18n_script().check() == 0, capsys.readouterr().out


def _zh(client):
    client.set_cookie("lang", "zh")
    return client


def _button(html: str, element_id: str) -> str:
    found = re.search(rf'<button[^>]*id="{element_id}"[^>]*>([^<]*)</button>', html)
    assert found, f"no button #{element_id}"
    return found.group(1).strip()


def test_the_chinese_scanner_says_next_guest_not_next_page(staff_client, demo):
    html = _zh(staff_client).get(f"/checkin/e/{demo}").get_data(as_text=True)
    assert _button(html, "answer-next") == "下一位"
    pager = _zh(staff_client).get(f"/manage/e/{demo}/registrations").get_data(as_text=True)
    assert "下一位" not in pager


def test_the_chinese_run_sheet_undo_is_not_the_word_for_revoke(app, organizer_client, demo):
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.certificate_number == "SH100-2023-0001"))
    path = f"/manage/e/{demo}/awards/run-sheet"
    organizer_client.post(f"/manage/e/{demo}/awards/{award_id}/presented",
                          data={"csrf_token": csrf_token(organizer_client, path)})
    sheet = _zh(organizer_client).get(path).get_data(as_text=True)
    undo = re.search(r'name="undo" value="1">\s*<button[^>]*>([^<]*)</button>', sheet).group(1)
    edit = organizer_client.get(f"/manage/e/{demo}/awards/{award_id}/edit").get_data(as_text=True)
    revoke = re.search(r'<button type="submit" class="danger">([^<]*)</button>', edit).group(1)
    assert undo == "改回未颁发" and revoke == "撤销"


@pytest.mark.parametrize("enum_class", labelled_enums(), ids=lambda cls: cls.__name__)
def test_every_member_of_every_labelled_enum_reads_differently_in_chinese(app, enum_class):
    for member in enum_class:
        with app.test_request_context():
            with force_locale("en"):
                english = label(member)
            with force_locale("zh"):
                chinese = label(member)
        assert english and chinese != english, f"{enum_class.__name__}.{member.name} is {chinese!r} in Chinese"


class _VisibleText(HTMLParser):
    """The text a reader sees in the page's language: no scripts, styles, tags or attributes,
    and no element marked lang="en" (an English title shown beside the Chinese one on purpose)."""

    HIDDEN = ("script", "style", "template")
    VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr")

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self._hidden or tag in self.HIDDEN or dict(attrs).get("lang") == "en":
            self._hidden.append(tag)

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def _portal_token(app) -> str:
    token = "translation-test-token-" + "x" * 30
    with app.app_context():
        registration = db.session.scalar(select(Registration).join(Person).where(Person.name == "Zhang Hua"))
        registration.access_token_hash = hash_token(token)
        db.session.commit()
    return token


def test_the_main_chinese_pages_of_the_demo_show_no_english_enum_label(app, organizer_client, demo):
    with app.test_request_context(), force_locale("en"):
        english = {label(member) for cls in labelled_enums() for member in cls}
    with app.app_context():
        program_id = db.session.scalar(select(AwardProgram.id).order_by(AwardProgram.id))
    pages = ["/", f"/e/{demo}", f"/e/{demo}/agenda", f"/manage/e/{demo}", f"/manage/e/{demo}/registrations",
             f"/manage/e/{demo}/invitations", f"/manage/e/{demo}/awards/programs/{program_id}",
             f"/manage/e/{demo}/awards/run-sheet", f"/checkin/e/{demo}", f"/manage/e/{demo}/arrivals",
             f"/g/{_portal_token(app)}"]
    organizer_client.get("/")  # shows (and so drops) the English "Welcome back" of the sign-in
    client = _zh(organizer_client)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _visible(response.get_data(as_text=True))
        shown = sorted(word for word in english if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text))
        assert not shown, f"{path} shows English labels {shown}"
