"""A person's photo: checked by its content, re-encoded small, kept in storage under ``photos/``.

What is kept is never the upload itself: the image is decoded (JPEG, PNG or WebP, whatever the
file is called), turned upright, shrunk to PHOTO_SIZE pixels on its longest side and written
as a fresh JPEG, so no EXIF (a phone's GPS position), colour profile trick or polyglot file
survives. A small file may declare a huge image, so the pixel count is read from the header
and refused before anything is decoded.

Each upload gets a new stored name, so the address of a photo never changes its content and
may be cached for good. A copied event's person shares the file (people.identity copies
``photo_path``): the file is deleted only when no one else still points at it.
"""

import io
import secrets

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import exists, select

from eventsvc.audit.service import record
from eventsvc.core import storage
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db
from eventsvc.people.models import Person

PREFIX = "photos"
#: what Pillow calls the formats we take
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 85


def photo_key(stored_name: str) -> str:
    """The storage key of a photo (``photo_path`` holds the file's name)."""
    return f"{PREFIX}/{stored_name}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _not_an_image() -> ServiceError:
    return ServiceError("photo_not_image", _("The photo must be a JPEG, PNG or WebP image."), field="photo")


def _too_many_pixels(config) -> ServiceError:
    return ServiceError("photo_too_many_pixels",
                        _("The photo has more than %(megapixels)d million pixels: send a smaller one.",
                          megapixels=config["PHOTO_MAX_PIXELS"] // 1_000_000), field="photo", status=413)


def photo_jpeg(data: bytes) -> bytes:
    """The photo re-encoded: upright, at most PHOTO_SIZE on its longest side, a plain JPEG.

    Raises ServiceError (field ``photo``) for anything else than a readable JPEG, PNG or WebP
    within PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS."""
    config = current_app.config
    if len(data) > config["PHOTO_MAX_BYTES"]:
        raise ServiceError("photo_too_large", _("The photo may be at most %(mb)s MB.",
                                                mb=_megabytes(config["PHOTO_MAX_BYTES"])),
                           field="photo", status=413)
    try:
        image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
    except Image.DecompressionBombError:  # Pillow's own, far higher limit
        raise _too_many_pixels(config) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _not_an_image() from None
    if image.size[0] * image.size[1] > config["PHOTO_MAX_PIXELS"]:
        raise _too_many_pixels(config)
    try:
        image.seek(0)  # an animated image: its first frame
        image = ImageOps.exif_transpose(image)
        image.thumbnail((config["PHOTO_SIZE"], config["PHOTO_SIZE"]), Image.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _not_an_image() from None
    return out.getvalue()


def save_photo(person: Person, stream) -> Person:
    """Check, re-encode and store an uploaded photo in place of the person's old one."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = stream.read(limit + 1)
    jpeg = photo_jpeg(data)
    stored = f"{person.id}-{secrets.token_hex(8)}.jpg"
    storage.save(photo_key(stored), jpeg)
    remove_photo(person, audit=False)
    person.photo_path = stored
    record("person.photo_set", event_id=person.event_id, obj=person, size=len(jpeg))
    return person


def remove_photo(person: Person, *, audit: bool = True) -> None:
    """Take the photo off the person; its file goes once nobody else points at it."""
    if not person.photo_path:
        return
    stored, person.photo_path = person.photo_path, None
    shared = db.session.scalar(select(exists().where(Person.photo_path == stored, Person.id != person.id)))
    if not shared:
        storage.delete(photo_key(stored))
    if audit:
        record("person.photo_removed", event_id=person.event_id, obj=person)
