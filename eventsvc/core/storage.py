"""Files the app keeps (badge PDFs, certificate batches, slides, import uploads), behind one small interface.

The default is a folder: STORAGE_DIR (``EVENTSVC_STORAGE_DIR``), else ``<instance>/storage``.
On one machine that is the instance folder; on several hosts it is a shared mount (NFS) that
every web server and worker sees, so a PDF written by a worker on one host downloads through
a web server on another. Nothing else in eventsvc writes files of its own (the development
mail backend's .eml files excepted: they stand for a mail server).

A key is a relative path of plain names (``badge-jobs/<id>.pdf``); a key that could leave the
folder (``..``, an absolute path, a backslash, a NUL byte) is refused. A file is written to a
temporary name and renamed, so a reader sees the old file or the whole new one, never half.
"""

import builtins
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")

#: folders of generated files kept STORAGE_KEEP_DAYS, then pruned (capabilities add theirs);
#: uploads people keep (slides, photos) are not among them
TEMPORARY_PREFIXES: set[str] = set()


class BadKey(ValueError):
    """The key is not a relative path of plain names."""


def root() -> Path:
    configured = current_app.config.get("STORAGE_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "storage"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_key(key: str) -> str:
    parts = (key or "").split("/")
    if not parts or not all(_PART.match(part) and ".." not in part for part in parts):
        raise BadKey(f"not a storage key: {key!r}")
    return key


def path(key: str) -> Path:
    """Where the file of ``key`` is (for send_file); it may not exist."""
    return root() / check_key(key)


def save(key: str, data) -> int:
    """Store bytes or the rest of a file object under ``key``, replacing what was there; the size."""
    target = path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with builtins.open(temporary, "wb") as out:
            if isinstance(data, bytes | bytearray | memoryview):
                out.write(data)
            else:
                while chunk := data.read(1 << 20):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())  # on NFS, the rename must not overtake the data
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target.stat().st_size


def open(key: str):  # noqa: A001 (the interface's verb)
    """The stored file for reading (FileNotFoundError when there is none)."""
    return path(key).open("rb")


def read(key: str) -> bytes:
    return path(key).read_bytes()


def exists(key: str) -> bool:
    return path(key).is_file()


def delete(key: str) -> None:
    path(key).unlink(missing_ok=True)


def prune(prefix: str, older_than_seconds: float) -> int:
    """Delete files under the folder ``prefix`` last written more than ``older_than_seconds`` ago."""
    folder = path(prefix)
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than_seconds
    removed = 0
    for item in folder.rglob("*"):
        try:
            if item.is_file() and item.stat().st_mtime < limit:
                item.unlink()
                removed += 1
        except FileNotFoundError:  # another host pruned it first
            pass
    return removed
