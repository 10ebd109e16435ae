"""Jinja globals and filters every template may use."""

from flask import Flask, current_app, request, url_for

from eventsvc.core import i18n, labels
from eventsvc.core.manage_nav import manage_tabs


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        L=i18n.local,
        current_language=i18n.current_language,
        languages=lambda: current_app.config["LANGUAGES"],
        lang_url=_lang_url,
        manage_tabs=manage_tabs,
        label=labels.label,
        enum_members=labels.members,
        enum_labels=labels.labels_of,
    )
    app.jinja_env.filters.update(
        event_datetime=lambda v, event, fmt="medium", with_zone=False: i18n.format_event_datetime(
            v, event.timezone, fmt, with_zone=with_zone),
        event_time=lambda v, event, fmt="HH:mm": i18n.format_event_time(v, event.timezone, fmt),
        event_day=lambda v, event=None, fmt="full": i18n.format_day(v, event.timezone if event else None, fmt),
        date_range=lambda event: i18n.format_date_range(event.start_date, event.end_date),
        event_zone=lambda event, at=None: i18n.zone_name(event.timezone, at),
    )


def _lang_url(code: str) -> str:
    return url_for("web.set_language", code=code, next=request.full_path.rstrip("?"))
