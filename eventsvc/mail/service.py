"""Queueing e-mail: every message becomes an outbox row in the caller's transaction.

Nothing here talks to a mail server. The caller commits the row together with the
change that caused it (an invitation, a promotion from the waitlist...), so a message
exists exactly when its cause does; once it commits, a worker delivers it (``eventsvc.mail.tasks``).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from eventsvc.core.appends import Rows, insert_rows
from eventsvc.core.errors import ServiceError
from eventsvc.core.text import clean_line
from eventsvc.extensions import db
from eventsvc.mail import tasks, wording
from eventsvc.mail.models import MailTemplate, OutgoingMessage


def public_url(path: str) -> str:
    """An absolute link for an e-mail, built on PUBLIC_BASE_URL (there is no request in the sender)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(" >") or "eventsvc.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _language(language: str | None) -> str:
    return language if language in current_app.config["LANGUAGES"] else "en"


def queue_message(*, kind: str, to_address: str, to_name: str | None, language: str,
                  event_id: int | None = None, template: str | None = None, values: dict | None = None,
                  dedupe_key: str | None = None, **context) -> OutgoingMessage:
    """Write one message in ``language`` and add it to the outbox; the caller commits.

    A guest message (``values`` given, ``kind`` one of ``wording.KINDS``) is written from the
    event's wording of that kind, the organizer's or the product's (``compose``). Other mail (the
    team's, access links) renders ``templates/mail/<template>_text.html`` and ``<template>.html``;
    its subject is the text template's first line ("Subject: ..."), so that one file holds the
    whole translatable message. The name and subject are cleaned to one line (they become headers).
    """
    language = _language(language)
    if values is not None:
        written = compose(event_id, kind, language, values)
        subject, body, html = written.subject, written.body, written.html
    else:
        with force_locale(language):
            text = render_template(f"mail/{template}_text.html", language=language, **context)
            html = render_template(f"mail/{template}.html", language=language, **context)
        first, _sep, body = text.lstrip().partition("\n")
        subject = first.removeprefix("Subject:")
    return add_to_outbox(kind=kind, to_address=to_address, to_name=to_name, language=language,
                         event_id=event_id, subject=subject, body=body, html=html, dedupe_key=dedupe_key)


@dataclass(frozen=True)
class GuestMessage:
    """One guest message of ``queue_messages``: what ``queue_message`` takes with ``values``."""

    kind: str
    to_address: str
    to_name: str | None
    language: str
    event_id: int | None
    values: dict
    dedupe_key: str | None = None


def queue_messages(messages: Sequence[GuestMessage]) -> int:
    """Many guest messages at once (an import's invitations): each written as ``queue_message``
    writes it, the wording of each (event, kind, language) read once, the rows added in one
    statement per page instead of one ORM object each. The caller commits; returns the count."""
    return insert_rows(outbox_rows(messages))


def outbox_rows(messages: Sequence[GuestMessage]) -> Rows:
    """The outbox rows of ``queue_messages``, for the caller to write in its transaction (with
    ``core.appends.insert_together``); the sender is woken after that transaction commits."""
    wordings: dict = {}
    rows = []
    for message in messages:
        language = _language(message.language)
        written = compose(message.event_id, message.kind, language, message.values, wordings=wordings)
        rows.append(_outbox_row(kind=message.kind, to_address=message.to_address, to_name=message.to_name,
                                language=language, event_id=message.event_id, subject=written.subject,
                                body=written.body, html=written.html, dedupe_key=message.dedupe_key))
    if rows:
        tasks.deliver_after_commit()
    return Rows(OutgoingMessage.__table__, rows)


def queue_once(dedupe_key: str, **message) -> OutgoingMessage | None:
    """``queue_message`` unless a message with this key was ever queued (None then).

    The key is unique in the outbox; the insert runs in a savepoint, so that a second writer
    racing this one is refused by the database without undoing the caller's transaction.
    """
    if db.session.scalar(select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key == dedupe_key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            return queue_message(dedupe_key=dedupe_key, **message)
    except IntegrityError:
        return None


def add_to_outbox(*, kind: str, to_address: str, to_name: str | None, language: str, event_id: int | None,
                  subject: str, body: str, html: str | None, dedupe_key: str | None = None) -> OutgoingMessage:
    message = OutgoingMessage(**_outbox_row(kind=kind, to_address=to_address, to_name=to_name, language=language,
                                            event_id=event_id, subject=subject, body=body, html=html,
                                            dedupe_key=dedupe_key))
    db.session.add(message)
    tasks.deliver_after_commit()
    return message


def _outbox_row(*, kind: str, to_address: str, to_name: str | None, language: str, event_id: int | None,
                subject: str, body: str, html: str | None, dedupe_key: str | None) -> dict:
    """The columns of an outbox row: name and subject on one line, a fresh Message-ID."""
    return {"event_id": event_id, "kind": kind, "to_address": to_address.strip(),
            "to_name": (clean_line(to_name) or "")[:200] or None, "subject": clean_line(subject)[:300],
            "body_text": body.strip() + "\n", "body_html": html, "language": language,
            "message_id": _message_id(), "dedupe_key": dedupe_key}


# --- the organizer's wording -------------------------------------------------------------------

@dataclass
class Written:
    subject: str
    body: str
    html: str
    #: True when the organizer's own wording was used, False for the product's
    custom: bool


#: built once: every guest message runs it (two columns, no ORM object)
_TEMPLATES = MailTemplate.__table__
_WORDING = select(_TEMPLATES.c.subject, _TEMPLATES.c.body).where(_TEMPLATES.c.event_id == bindparam("event_id"),
                                                                 _TEMPLATES.c.kind == bindparam("kind"),
                                                                 _TEMPLATES.c.language == bindparam("language"))


def wording_of(event_id: int | None, kind: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, custom): the event's wording of this kind in this language, with placeholders."""
    saved = None if event_id is None else db.session.execute(
        _WORDING, {"event_id": event_id, "kind": kind, "language": language}).first()
    if saved is not None:
        return saved.subject, saved.body, True
    return *wording.default_wording(kind, language), False


def compose(event_id: int | None, kind: str, language: str, values: dict,
            draft: tuple[str, str] | None = None, *, wordings: dict | None = None) -> Written:
    """The message a guest gets: the wording filled with ``values``, and its escaped HTML part.

    ``draft`` (subject, body): an organizer's unsaved wording, checked like a saved one (preview).
    ``wordings``: a dict remembering the wordings read, for many messages at once.
    """
    mail_kind = wording.kind_of(kind)
    language = _language(language)
    if draft is not None:
        wording.check(kind, *draft)
        subject, body, custom = draft[0], draft[1], True
    elif wordings is not None:
        key = (event_id, kind, language)
        if key not in wordings:
            wordings[key] = wording_of(event_id, kind, language)
        subject, body, custom = wordings[key]
    else:
        subject, body, custom = wording_of(event_id, kind, language)
    subject = clean_line(wording.fill(subject, values))
    body = wording.tidy(wording.fill(body, values))
    content = wording.to_html(body, values.get(mail_kind.button_link), _button_label(mail_kind, language))
    return Written(subject, body, _page(language, values.get("event_title", ""), content), custom)


def _button_label(mail_kind: wording.MailKind, language: str) -> str:
    """The HTML part's button text in the message's language (not the request's: an English
    organizer's page sends Chinese guests Chinese buttons), translated once per process."""
    labels = current_app.extensions.setdefault("eventsvc_mail_buttons", {})
    key = (mail_kind.key, language)
    if key not in labels:
        with force_locale(language):
            labels[key] = str(mail_kind.button_label)
    return labels[key]


#: where a message's content goes in the page rendered once for many messages (never in a wording:
#: a message's text is escaped HTML, this is not)
_SLOT = Markup("<!--eventsvc:content-->")


#: layouts remembered by one application in this process, (language, event title) → the two
#: halves; the layout depends on nothing else (no request, no row), so a new title is a new key
LAYOUTS_KEPT = 256


def _layout(language: str, event_title: str) -> list[str]:
    """The mail layout around ``_SLOT``, rendered once per language and event title per process."""
    layouts = current_app.extensions.setdefault("eventsvc_mail_layouts", {})
    key = (language, event_title)
    halves = layouts.get(key)
    if halves is None:
        with force_locale(language):
            halves = render_template("mail/written.html", language=language, event_title=event_title,
                                     content=_SLOT).split(str(_SLOT))
        if len(layouts) >= LAYOUTS_KEPT:
            layouts.clear()
        layouts[key] = halves
    return halves


def _page(language: str, event_title: str, content: Markup) -> str:
    """The HTML part: the content in the mail layout (``_layout``: rendered once, then two strings
    joined around each message's content)."""
    before, after = _layout(language, event_title)
    return before + str(content) + after  # plain strings: Markup would escape the layout


def save_wording(event_id: int, kind: str, language: str, subject: str, body: str,
                 user_id: int | None = None) -> MailTemplate:
    """Keep the organizer's wording of one kind in one language; refuse an unknown placeholder by name.

    Nothing is saved when refused. The caller commits.
    """
    wording.kind_of(kind)
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError("unknown_language", _("This language is not offered."), field="language")
    subject = clean_line(subject or "")
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise ServiceError("subject_required", _("Write a subject."), field="subject")
    if len(subject) > 300:
        raise ServiceError("subject_too_long", _("The subject is too long (300 characters at most)."),
                           field="subject")
    if not body:
        raise ServiceError("body_required", _("Write the message."), field="body")
    if len(body) > 20000:
        raise ServiceError("body_too_long", _("The message is too long (20,000 characters at most)."),
                           field="body")
    wording.check(kind, subject, body)
    saved = db.session.scalar(select(MailTemplate).where(
        MailTemplate.event_id == event_id, MailTemplate.kind == kind, MailTemplate.language == language))
    if saved is None:
        saved = MailTemplate(event_id=event_id, kind=kind, language=language)
        db.session.add(saved)
    saved.subject, saved.body, saved.updated_by_id = subject, body, user_id
    db.session.flush()
    return saved


def reset_wording(event_id: int, kind: str, language: str) -> bool:
    """Go back to the product's wording; whether there was an organizer's one. The caller commits."""
    wording.kind_of(kind)
    saved = db.session.scalar(select(MailTemplate).where(
        MailTemplate.event_id == event_id, MailTemplate.kind == kind, MailTemplate.language == language))
    if saved is not None:
        db.session.delete(saved)
    return saved is not None


def customized(event_id: int) -> set[tuple[str, str]]:
    """The (kind, language) pairs this event has rewritten, in one query."""
    return set(db.session.execute(select(MailTemplate.kind, MailTemplate.language).where(
        MailTemplate.event_id == event_id)).all())


def queue_test(event_id: int, kind: str, language: str, values: dict, *, to_address: str,
               to_name: str | None) -> OutgoingMessage:
    """"Send me a test": the message as a guest would get it, to the organizer, through the outbox."""
    written = compose(event_id, kind, language, values)
    with force_locale(_language(language)):
        subject = _("[Test] %(subject)s", subject=written.subject)
    return add_to_outbox(kind=f"test:{kind}"[:50], to_address=to_address, to_name=to_name,
                         language=_language(language), event_id=event_id, subject=subject, body=written.body,
                         html=written.html)
