"""Queueing e-mail: every message becomes an outbox row in the caller's transaction.

Nothing here talks to a mail server. The caller commits the row together with the
change that caused it (an invitation, a promotion from the waitlist...), so a message
exists exactly when its cause does; once it commits, a worker delivers it (``eventsvc.mail.tasks``).
"""

import uuid
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
    to_name = (clean_line(to_name) or "")[:200] or None
    message = OutgoingMessage(
        event_id=event_id, kind=kind, to_address=to_address.strip(), to_name=to_name,
        subject=clean_line(subject)[:300], body_text=body.strip() + "\n", body_html=html, language=language,
        message_id=_message_id(), dedupe_key=dedupe_key)
    db.session.add(message)
    tasks.deliver_after_commit()
    return message


# --- the organizer's wording -------------------------------------------------------------------

@dataclass
class Written:
    subject: str
    body: str
    html: str
    #: True when the organizer's own wording was used, False for the product's
    custom: bool


def wording_of(event_id: int | None, kind: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, custom): the event's wording of this kind in this language, with placeholders."""
    saved = None if event_id is None else db.session.scalar(select(MailTemplate).where(
        MailTemplate.event_id == event_id, MailTemplate.kind == kind, MailTemplate.language == language))
    if saved is not None:
        return saved.subject, saved.body, True
    return *wording.default_wording(kind, language), False


def compose(event_id: int | None, kind: str, language: str, values: dict,
            draft: tuple[str, str] | None = None) -> Written:
    """The message a guest gets: the wording filled with ``values``, and its escaped HTML part.

    ``draft`` (subject, body): an organizer's unsaved wording, checked like a saved one (preview).
    """
    mail_kind = wording.kind_of(kind)
    language = _language(language)
    if draft is not None:
        wording.check(kind, *draft)
        subject, body, custom = draft[0], draft[1], True
    else:
        subject, body, custom = wording_of(event_id, kind, language)
    subject = clean_line(wording.fill(subject, values))
    body = wording.tidy(wording.fill(body, values))
    with force_locale(language):
        html = render_template("mail/written.html", language=language, event_title=values.get("event_title", ""),
                               content=wording.to_html(body, values.get(mail_kind.button_link),
                                                       str(mail_kind.button_label)))
    return Written(subject, body, html, custom)


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
