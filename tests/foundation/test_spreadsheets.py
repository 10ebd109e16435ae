"""The shared CSV / XLSX reader and writer used by every import and export."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from eventsvc.core.errors import ServiceError
from eventsvc.core.spreadsheets import export_response, read_rows


def test_csv_rows_keep_spreadsheet_line_numbers_and_skip_blank_lines(app_ctx):
    data = "\ufeffName,Local name,E-mail\nWang Wei,王伟,wang@example.org\n,,\nLi Na,李娜,li@example.org\n".encode()
    rows = read_rows("guests.csv", data, aliases={"邮箱": "e_mail"})
    assert [(r.line, r.values["name"], r.values["local_name"]) for r in rows] == [
        (2, "Wang Wei", "王伟"), (4, "Li Na", "李娜")]


def test_xlsx_rows_and_chinese_header_aliases(app_ctx):
    workbook = Workbook()
    workbook.active.append(["姓名", "邮箱"])
    workbook.active.append(["张华", "zhang@example.org"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_rows("guests.xlsx", buffer.getvalue(), aliases={"姓名": "name", "邮箱": "email"})
    assert rows[0].line == 2 and rows[0].values == {"name": "张华", "email": "zhang@example.org"}


@pytest.mark.parametrize("filename,data,code", [
    ("guests.pdf", b"%PDF", "unsupported_file"),
    ("guests.xlsx", b"not a zip", "bad_file"),
    ("guests.csv", "名字".encode("gb18030"), "bad_encoding"),
    ("guests.csv", b"", "empty_file"),
])
def test_unreadable_files_get_a_clear_error(app_ctx, filename, data, code):
    with pytest.raises(ServiceError) as error:
        read_rows(filename, data)
    assert error.value.code == code and error.value.field == "file"


def test_exports_in_csv_with_bom_and_in_xlsx(app_ctx):
    csv_response = export_response("guests", ["Name", "姓名"], [["Wang Wei", "王伟"]], "csv")
    assert csv_response.get_data(as_text=True).startswith("\ufeffName,姓名\r\nWang Wei,王伟")
    assert 'filename="guests.csv"' in csv_response.headers["Content-Disposition"]
    xlsx = export_response("guests", ["Name", "姓名"], [["Wang Wei", "王伟"]], "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in sheet[2]] == ["Wang Wei", "王伟"]
