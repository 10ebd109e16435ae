"""Hand-made spreadsheets for the upload-limit tests: sheet XML written by us, zipped with deflate."""

import csv
import io
import zipfile

from openpyxl import load_workbook

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    '</Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Guests" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '</Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = "</sheetData></worksheet>"


def xlsx_from_sheet_xml(sheet_xml: bytes | str, *, with_sheet: bool = True,
                        sheet_path: str = "worksheets/sheet1.xml") -> bytes:
    """A minimal .xlsx whose first sheet is exactly ``sheet_xml``, stored at ``xl/<sheet_path>``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK if with_sheet else _WORKBOOK.replace(
            '<sheet name="Guests" sheetId="1" r:id="rId1"/>', ""))
        if with_sheet:
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace("worksheets/sheet1.xml", sheet_path))
            archive.writestr(f"xl/{sheet_path}", sheet_xml)
    return buffer.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def rows_xml(rows: list[list[str]]) -> str:
    """Sheet XML for a few rows of text (columns A, B, C, …, up to Z)."""
    body = "".join(f'<row r="{n}">' + "".join(_cell(f"{chr(65 + i)}{n}", v) for i, v in enumerate(row)) + "</row>"
                   for n, row in enumerate(rows, start=1))
    return SHEET_START + body + SHEET_END


def bomb_xlsx(row_count: int = 400_000) -> bytes:
    """About 150 KB that unpacks to ``row_count`` rows of sheet XML (about 40 MB): the issue's bomb.

    Most rows are alike (so deflate packs them tightly); every 128th is numbered.
    """
    alike = ('<row><c t="inlineStr"><is><t>Guest</t></is></c>'
             '<c t="inlineStr"><is><t>guest@example.org</t></is></c></row>')
    header = '<row r="1">' + _cell("A1", "name") + _cell("B1", "email") + "</row>"
    body = "".join(f'<row r="{n}">{_cell(f"A{n}", f"Guest {n}")}</row>' if n % 128 == 0 else alike
                   for n in range(2, row_count + 1))
    return xlsx_from_sheet_xml(SHEET_START + header + body + SHEET_END)


def entity_bomb_xlsx() -> bytes:
    """The "billion laughs": ten levels of entities, each ten of the one below."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return xlsx_from_sheet_xml(sheet)


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def read_xlsx_cells(data: bytes) -> list[list]:
    """Every cell of the first sheet as openpyxl loads it (full mode: types and styles)."""
    return [list(row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows()]


def read_csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
