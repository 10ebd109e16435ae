"""Slides of a speech: a PDF (checked by its content) up to SLIDES_MAX_BYTES, in storage under ``slides/``.

Served publicly only through the event's public pages, so a draft's slides stay private.
"""

import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from eventsvc.audit.service import record
from eventsvc.core import storage
from eventsvc.core.errors import ServiceError
from eventsvc.events.models import SpeechRecord

PREFIX = "slides"


def slides_key(stored_name: str) -> str:
    """The storage key of a speech's slides (``slides_path`` holds the file's name)."""
    return f"{PREFIX}/{stored_name}"


def save_slides(speech: SpeechRecord, stream, filename: str) -> SpeechRecord:
    """Stores a PDF (checked by its first bytes, not its name) up to SLIDES_MAX_BYTES."""
    limit = current_app.config["SLIDES_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError("slides_too_large", _("The slides may be at most %(mb)d MB.", mb=limit // (1024 * 1024)),
                           field="slides", status=413)
    if not data.startswith(b"%PDF-"):
        raise ServiceError("slides_not_pdf", _("The slides must be a PDF file."), field="slides")
    stored = f"{uuid.uuid4().hex}.pdf"
    storage.save(slides_key(stored), data)
    remove_slides(speech)
    speech.slides_path = stored
    speech.slides_filename = Path(filename or "slides.pdf").name[:300]
    record("speech.slides", event_id=speech.agenda_item.event_id, obj=speech, size=len(data))
    return speech


def remove_slides(speech: SpeechRecord) -> None:
    if speech.slides_path:
        storage.delete(slides_key(speech.slides_path))
        speech.slides_path = speech.slides_filename = None

