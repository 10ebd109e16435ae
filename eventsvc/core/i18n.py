"""Language choice and locale-aware formatting of dates and times in an event's zone.

Each capability keeps its own catalog in ``eventsvc/<capability>/translations``;
Flask-Babel merges them, so that two capabilities never edit one file.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_time as _babel_format_time
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
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


def current_language() -> str:
    return str(get_locale() or "en").split("_")[0]


def is_chinese() -> bool:
    return current_language() == "zh"


def local(obj, field: str, language: str | None = None) -> str:
    """The local-script variant of ``obj.<field>`` in Chinese, where it exists."""
    language = language or current_language()
    if obj is None:
        return ""
    if language == "zh":
        value = getattr(obj, f"{field}_local", None)
        if value:
            return value
    return getattr(obj, field) or ""


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or "UTC")


def format_event_datetime(value: datetime | None, tz: str | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _babel_format_datetime(value.astimezone(_zone(tz)), fmt, locale=get_locale())


def format_event_time(value: datetime | None, tz: str | None, fmt: str = "HH:mm") -> str:
    if value is None:
        return ""
    return _babel_format_time(value.astimezone(_zone(tz)), fmt, locale=get_locale())


def format_day(value: date | datetime | None, tz: str | None = None, fmt: str = "full") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    return _babel_format_date(value, fmt, locale=get_locale())


def format_date_range(start: date, end: date) -> str:
    if start == end:
        return format_day(start, fmt="long")
    return f"{format_day(start, fmt='long')} – {format_day(end, fmt='long')}"
