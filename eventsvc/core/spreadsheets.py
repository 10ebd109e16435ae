"""Reading uploaded CSV / XLSX files and writing CSV / XLSX exports, for every import and export.

Imports are all-or-nothing: the caller validates every row it gets from
``read_rows`` and, if any row is bad, reports them all (line numbers as the
person sees them in their spreadsheet, header = line 1) and writes nothing.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook

from eventsvc.core.errors import ServiceError
from eventsvc.core.input import has_unstorable_characters, unstorable_text_message

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Row:
    #: line number in the file as a spreadsheet shows it (the header is line 1)
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str

    def to_json(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


class ImportRejected(ServiceError):
    """A file with bad rows: nothing was imported. ``errors`` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        super().__init__("import_rejected",
                         _("Nothing was imported: %(count)d row(s) have errors.", count=len(errors)),
                         details={"rows": [e.to_json() for e in errors]})
        self.errors = errors


def _normalise_header(name) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(filename: str, data: bytes, *, aliases: dict[str, str] | None = None) -> list[Row]:
    """Rows of a .csv (UTF-8, with or without BOM; comma, semicolon or tab) or .xlsx file.

    Headers are lower-cased with spaces as underscores; ``aliases`` maps other header
    names (e.g. Chinese ones) to the canonical field. Blank rows are skipped.
    """
    aliases = {_normalise_header(k): v for k, v in (aliases or {}).items()}
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_table(data)
    else:
        raise ServiceError("unsupported_file", _("Upload a .csv or .xlsx file."), field="file")
    if not table:
        raise ServiceError("empty_file", _("The file is empty."), field="file")
    header = [aliases.get(h, h) for h in (_normalise_header(c) for c in table[0])]
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        values = {header[i]: str(cell).strip() for i, cell in enumerate(cells)
                  if i < len(header) and header[i] and cell is not None}
        if any(values.values()):
            rows.append(Row(index, values))
    return rows


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("bad_encoding", _("Save the CSV file as UTF-8."), field="file") from None
    if has_unstorable_characters(text):
        raise ServiceError("bad_file", unstorable_text_message(), field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_table(data: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ServiceError("bad_file", _("This is not a readable .xlsx file."), field="file") from None
    sheet = workbook.worksheets[0]
    table = [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return table


def export_response(filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str) -> Response:
    """A CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX download."""
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename_stem[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        body, mime, ext = buffer.getvalue(), XLSX_MIME, "xlsx"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        body, mime, ext = "\ufeff" + buffer.getvalue(), CSV_MIME, "csv"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{filename_stem}.{ext}"'})
