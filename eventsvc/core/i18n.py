"""Language choice and locale-aware formatting of dates and times in an event's zone.

Each capability keeps its own catalog in ``eventsvc/<capability>/translations``;
Flask-Babel merges them, so that two capabilities never edit one file (``scripts/i18n.py
check`` refuses one English text with two translations).

This module is the one owner of how a date or time reads: pages, scripts' JSON and mail
ask these functions (or the Jinja filters made from them), never ``strftime``/``isoformat``.
``fmt`` is a Babel width ("short", "medium", …) so that each language gets its own
pattern (English "7:36 AM", Chinese "07:36"); times always come with their zone named
where the zone is not obvious (``zone_name``).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_time as _babel_format_time
from babel.dates import get_timezone_name as _babel_timezone_name
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user

from eventsvc.core.paths import PACKAGE_DIR
from eventsvc.extensions import babel

LANGUAGE_COOKIE = "lang"


def translation_directories() -> list[str]:
    return sorted(str(p) for p in PACKAGE_DIR.glob("*/translations") if p.is_dir())


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if (forced := g.get("force_locale")) in languages:
        return forced
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if (chosen := request.cookies.get(LANGUAGE_COOKIE)) in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    # the templates' _() and friends, as Flask-Babel installs them but with the catalog looked up
    # once per locale and request rather than for every text (a page has dozens)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def _translations():
    """Flask-Babel's catalog for the current locale, remembered in ``g`` next to the locale it is
    for: ``force_locale`` (a message in the guest's language) or a refresh gives another locale
    object, and the catalog is looked up again."""
    locale = get_locale()
    remembered = g.get("_eventsvc_translations")
    if remembered is None or remembered[0] is not locale:
        remembered = g._eventsvc_translations = (locale, get_translations())
    return remembered[1]


def current_language() -> str:
    """"en" or "zh": the language of the current locale (zh_Hans_CN is "zh")."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def is_chinese() -> bool:
    return current_language() == "zh"


def local(obj, field: str, language: str | None = None) -> str:
    """The local-script variant of ``obj.<field>`` in Chinese, where it exists."""
    language = language or current_language()
    if obj is None:
        return ""
    return in_language(language, getattr(obj, field), getattr(obj, f"{field}_local", None) if language == "zh" else None)


def in_language(language: str, value: str | None, value_local: str | None) -> str:
    """``local``'s rule for a value and its local-script variant already in hand (rows, not objects)."""
    return value_local if language == "zh" and value_local else value or ""


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or "UTC")


def _locale(language: str | None):
    return language or get_locale()


WIDTHS = ("short", "medium", "long", "full")


def format_event_datetime(value: datetime | None, tz: str | None, fmt: str = "medium",
                          language: str | None = None, with_zone: bool = False) -> str:
    """A moment in the event's zone; a width gives that width's date with a time to the minute
    (Babel's own medium and longer times carry seconds, which nobody here needs)."""
    if value is None:
        return ""
    moment, locale = value.astimezone(_zone(tz)), Locale.parse(_locale(language))
    if fmt in WIDTHS:
        text = locale.datetime_formats[fmt].format(
            _babel_format_time(moment, "short", locale=locale), _babel_format_date(moment, fmt, locale=locale))
    else:
        text = _babel_format_datetime(moment, fmt, locale=locale)
    return f"{text} ({zone_name(tz, value, language)})" if with_zone else text


def format_event_time(value: datetime | None, tz: str | None, fmt: str = "HH:mm",
                      language: str | None = None) -> str:
    if value is None:
        return ""
    return _babel_format_time(value.astimezone(_zone(tz)), fmt, locale=_locale(language))


def zone_name(tz: str | None, at: datetime | None = None, language: str | None = None) -> str:
    """The zone's name in the page's language at ``at`` (now by default): "China Standard Time", "中国标准时间"."""
    moment = (at or datetime.now(_zone(tz))).astimezone(_zone(tz))
    return _babel_timezone_name(moment, width="long", locale=_locale(language))


def format_day(value: date | datetime | None, tz: str | None = None, fmt: str = "full",
               language: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    return _babel_format_date(value, fmt, locale=_locale(language))


def format_date_range(start: date, end: date, language: str | None = None) -> str:
    if start == end:
        return format_day(start, fmt="long", language=language)
    return f"{format_day(start, fmt='long', language=language)} – {format_day(end, fmt='long', language=language)}"
