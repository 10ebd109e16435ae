"""Queueing e-mail: every message becomes an outbox row in the caller's transaction.

Nothing here talks to a mail server. The caller commits the row together with the
change that caused it (an invitation, a promotion from the waitlist...), so a message
exists exactly when its cause does; once it commits, a worker delivers it (``eventsvc.mail.tasks``).
"""

import uuid

from flask import current_app, render_template
from flask_babel import force_locale

from eventsvc.core.text import clean_line
from eventsvc.extensions import db
from eventsvc.mail import tasks
from eventsvc.mail.models import OutgoingMessage


def public_url(path: str) -> str:
    """An absolute link for an e-mail, built on PUBLIC_BASE_URL (there is no request in the sender)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(" >") or "eventsvc.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_message(*, kind: str, to_address: str, to_name: str | None, template: str, language: str,
                  event_id: int | None = None, **context) -> OutgoingMessage:
    """Render ``templates/mail/<template>_text.html`` and ``<template>.html`` in ``language`` and add it to the outbox.

    The subject is the text template's first line ("Subject: ..."), so that one file holds
    the whole translatable message. The name and subject are cleaned to one line (they become
    headers). The caller commits.
    """
    language = language if language in current_app.config["LANGUAGES"] else "en"
    with force_locale(language):
        text = render_template(f"mail/{template}_text.html", language=language, **context)
        html = render_template(f"mail/{template}.html", language=language, **context)
    first, _, body = text.lstrip().partition("\n")
    subject = clean_line(first.removeprefix("Subject:"))
    to_name = (clean_line(to_name) or "")[:200] or None
    message = OutgoingMessage(
        event_id=event_id, kind=kind, to_address=to_address.strip(), to_name=to_name, subject=subject[:300],
        body_text=body.strip() + "\n", body_html=html, language=language, message_id=_message_id())
    db.session.add(message)
    tasks.deliver_after_commit()
    return message
