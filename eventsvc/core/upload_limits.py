"""Limits an uploaded spreadsheet must keep before (and while) it is parsed.

A 150 KB .xlsx can unpack to hundreds of megabytes of XML; parsing it whole once took a
worker 31 seconds and then its life. So every import checks, in this order and each time
as cheaply as possible: the size of the upload; for an .xlsx the sizes its zip declares
for its members and how tightly they are packed (Python's zipfile never unpacks a member
beyond its declared size: a lying size ends in a CRC error, not in more data); the number
of rows counted in the packed sheet XML without parsing it; and then, while reading, the
rows, the columns and the time spent. XML entity tricks (billion laughs, external entities)
are refused by defusedxml, which openpyxl uses whenever it is installed: we make sure it is.

Every refusal is a ``ServiceError`` on the ``file`` field with a sentence a person
understands; sizes answer 413, and nothing has been written when it is raised.
"""

import io
import re
import time
import zipfile
from dataclasses import dataclass

import openpyxl
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from eventsvc.core.errors import ServiceError

if not openpyxl.DEFUSEDXML:  # pragma: no cover - a broken installation, not a request
    raise ImportError("defusedxml must be installed (and OPENPYXL_DEFUSEDXML not False): openpyxl "
                      "parses uploaded spreadsheets with it to refuse XML entity expansion.")

#: members smaller than this may be packed as tightly as they like (a theme of zeros is harmless)
_RATIO_CHECK_FROM_BYTES = 1024 * 1024
#: a row start tag in sheet XML, with or without a namespace prefix
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_rows: int
    max_columns: int
    max_unzipped_bytes: int
    max_compression_ratio: int
    max_seconds: float

    @classmethod
    def from_config(cls) -> "UploadLimits":
        config = current_app.config
        return cls(config["IMPORT_MAX_FILE_BYTES"], config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_COLUMNS"],
                   config["IMPORT_MAX_UNZIPPED_BYTES"], config["IMPORT_MAX_COMPRESSION_RATIO"],
                   config["IMPORT_MAX_SECONDS"])

    def check_file_size(self, data: bytes) -> None:
        if len(data) > self.max_file_bytes:
            raise _too_large("file_too_large", _("The file is larger than %(mb)s MB: split it into smaller files.",
                                                 mb=_megabytes(self.max_file_bytes)))

    def check_zip(self, data: bytes) -> None:
        """Refuse an .xlsx whose zip declares too much data or packs it too tightly; count sheet rows."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _bad_xlsx() from None
        with archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > self.max_unzipped_bytes:
                raise _unpacks_too_large(self)
            for member in members:
                if member.file_size >= _RATIO_CHECK_FROM_BYTES and \
                        member.file_size > self.max_compression_ratio * max(member.compress_size, 1):
                    raise _unpacks_too_large(self)
            # every member, not only xl/worksheets/: the workbook may name any path as its sheet
            for member in members:
                self._count_sheet_rows(archive, member)

    def _count_sheet_rows(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        """Count row start tags in the unpacked stream: milliseconds where parsing takes seconds.

        Any sheet of the workbook over the row limit refuses the file, even one that is not read.
        """
        count, tail = 0, b""
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    window = tail + chunk
                    # a tag that starts in the last 64 bytes is counted in the next window
                    cut = max(len(window) - 64, 0)
                    count += sum(1 for match in _ROW_TAG.finditer(window) if match.start() < cut)
                    tail = window[cut:]
                    if count > self.max_rows + 1:
                        raise self.too_many_rows()
                count += len(_ROW_TAG.findall(tail))
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise _bad_xlsx() from None
        if count > self.max_rows + 1:
            raise self.too_many_rows()

    def too_many_rows(self) -> ServiceError:
        return _too_large("too_many_rows", ngettext(
            "The file has more than %(count)s row: split it into smaller files.",
            "The file has more than %(count)s rows: split it into smaller files.", self.max_rows,
            count=f"{self.max_rows:,}"))

    def too_many_columns(self) -> ServiceError:
        return _too_large("too_many_columns", ngettext(
            "The file has more than %(count)s column.", "The file has more than %(count)s columns.",
            self.max_columns, count=f"{self.max_columns:,}"))

    def deadline(self) -> "Deadline":
        return Deadline(time.monotonic() + self.max_seconds)


@dataclass(frozen=True)
class Deadline:
    at: float

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise _too_large("import_too_slow", _("Reading the file took too long: split it into smaller files."))


def _too_large(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, field="file", status=413)


def _unpacks_too_large(limits: UploadLimits) -> ServiceError:
    return _too_large("file_too_large", _("This .xlsx file unpacks to more than %(mb)s MB, or is packed suspiciously "
                                          "tightly: it is not imported.", mb=_megabytes(limits.max_unzipped_bytes)))


def _bad_xlsx() -> ServiceError:
    return ServiceError("bad_file", _("This is not a readable .xlsx file."), field="file")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"

