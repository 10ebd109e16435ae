"""Reading uploaded CSV / XLSX files and writing CSV / XLSX exports, for every import and export.

Every export goes through ``export_response``, which writes no cell that a spreadsheet
program would run as a formula (``csv_cell`` and ``xlsx_cell``); every import goes through
``read_rows``, which keeps the upload limits of ``upload_limits`` before it parses.

Imports are all-or-nothing: the caller validates every row it gets from
``read_rows`` and, if any row is bad, reports them all (line numbers as the
person sees them in their spreadsheet, header = line 1) and writes nothing.
"""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from eventsvc.core.errors import ServiceError
from eventsvc.core.upload_limits import UploadLimits

CSV_MIME = "text/csv"  # Flask adds "; charset=utf-8" to text types
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
                         ngettext("Nothing was imported: %(num)d row has errors.",
                                  "Nothing was imported: %(num)d rows have errors.", len(errors)),
                         details={"rows": [e.to_json() for e in errors]})
        self.errors = errors


def _normalise_header(name) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(filename: str, data: bytes, *, aliases: dict[str, str] | None = None) -> list[Row]:
    """Rows of a .csv (UTF-8, with or without BOM; comma, semicolon or tab) or .xlsx file.

    Headers are lower-cased with spaces as underscores; ``aliases`` maps other header
    names (e.g. Chinese ones) to the canonical field. Blank rows are skipped. The upload
    limits (size, unpacked size, rows, columns, time) hold before and while parsing.
    """
    aliases = {_normalise_header(k): v for k, v in (aliases or {}).items()}
    name = (filename or "").lower()
    limits = UploadLimits.from_config()
    limits.check_file_size(data)
    if name.endswith(".xlsx"):
        table = _xlsx_table(data, limits)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_table(data, limits)
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


def _csv_table(data: bytes, limits: UploadLimits) -> list[list[str]]:
    if b"\0" in data:
        raise ServiceError("binary_file", _("This file contains binary data, not the text of a CSV file."),
                           field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("bad_encoding", _("Save the CSV file as UTF-8."), field="file") from None
    try:
        # the header lines suffice to tell the delimiter, and a short sample keeps the sniffer fast
        dialect = csv.Sniffer().sniff("\n".join(text[:4096].splitlines()[:5]), delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _bounded_table(csv.reader(io.StringIO(text), dialect), limits, csv.Error,
                          ServiceError("bad_file", _("This is not a readable CSV file."), field="file"))


def _xlsx_table(data: bytes, limits: UploadLimits) -> list[list]:
    limits.check_zip(data)
    unreadable = ServiceError("bad_file", _("This is not a readable .xlsx file."), field="file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file (and defusedxml for entities)
        raise unreadable from None
    try:
        if not workbook.worksheets:
            raise unreadable
        sheet = workbook.worksheets[0]
        # the declared dimension may lie (or pad every row to 16,384 columns): read rows as they are
        sheet.reset_dimensions()
        table = _bounded_table(sheet.iter_rows(values_only=True), limits, Exception, unreadable)
    finally:
        workbook.close()
    return [["" if c is None else c for c in row] for row in table]


def _bounded_table(rows: Iterator[Sequence], limits: UploadLimits, parse_error: type[Exception],
                   unreadable: ServiceError) -> list[Sequence]:
    """Take rows until a limit is passed: the header plus ``max_rows`` rows, ``max_columns`` each."""
    deadline = limits.deadline()
    table = []
    try:
        for row in rows:
            if len(table) > limits.max_rows:
                raise limits.too_many_rows()
            if len(row) > limits.max_columns:
                raise limits.too_many_columns()
            table.append(row)
            deadline.check()
    except ServiceError:
        raise
    except parse_error:
        raise unreadable from None
    return table


# --- exports ----------------------------------------------------------------------------------

#: what a spreadsheet program reads as the start of a formula (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A value for a CSV export: text that could start a formula gets a leading apostrophe.

    A CSV has no cell types, so the apostrophe is the only defence; Excel and LibreOffice
    show it in the cell (the guest ``=1+2`` reads ``'=1+2``), which is the price of safety.
    """
    if value is None:
        return ""
    if starts_like_formula(value):
        return "'" + value
    return value


def xlsx_cell(sheet, value):
    """A cell for an XLSX export: text is always stored as text, never as a formula.

    openpyxl turns any string starting with ``=`` into a formula, so text cells are
    written with data type "s" explicitly. Text that starts like a formula also gets
    the quote-prefix style: Excel's own mark for "typed with a leading apostrophe",
    so editing the cell and saving it again in Excel keeps it text, while the cell
    shows the guest's name exactly (no visible apostrophe). Numbers, dates and
    booleans stay what they are.
    """
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.isoformat()
    elif not isinstance(value, str | bool | int | float | Decimal | date | time):
        value = str(value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
        if starts_like_formula(value):
            cell.quotePrefix = True
    return cell


def export_response(filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str) -> Response:
    """A CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX download; no cell can run a formula."""
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename_stem[:31])
        for row in itertools.chain([headers], rows):
            sheet.append([xlsx_cell(sheet, v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        body, mime, ext = buffer.getvalue(), XLSX_MIME, "xlsx"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([csv_cell(v) for v in row] for row in itertools.chain([headers], rows))
        body, mime, ext = "\ufeff" + buffer.getvalue(), CSV_MIME, "csv"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{filename_stem}.{ext}"'})
