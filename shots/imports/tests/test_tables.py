"""Uploaded bytes to a table: encodings, separators, workbooks, and files that are no export."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings

from shots.imports import read_export
from shots.imports.result import ImportFileError
from shots.imports.tables import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, table_from_bytes

TEXT = "Club,Carry,Ball Speed\r\n7 Iron,152.3,120.1\r\nDriver,240.5,160.2\r\n"
ROWS = [["Club", "Carry", "Ball Speed"], ["7 Iron", "152.3", "120.1"], ["Driver", "240.5", "160.2"]]
REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "exports"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(TEXT.encode(), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode(), id="utf-8 with BOM"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), id="utf-16 LE with BOM"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16 BE with BOM"),
        pytest.param(TEXT.encode("utf-16-le"), id="utf-16 LE without BOM"),
        pytest.param(TEXT.encode("utf-16-be"), id="utf-16 BE without BOM"),
        pytest.param(TEXT.replace("\r\n", "\n").encode(), id="LF"),
        pytest.param(TEXT.replace("\r\n", "\r").encode(), id="CR"),
        pytest.param(TEXT.encode() + b"\x00\x00\x00", id="NUL padding at the end"),
    ],
)
def test_it_reads_every_encoding_and_line_ending_to_the_same_rows(content):
    table = table_from_bytes(content, filename="session.csv")
    assert table.rows == ROWS
    assert table.line_numbers == [1, 2, 3]
    assert table.separator == ","


def test_it_reads_windows_1252_with_german_umlauts_and_decimal_commas():
    text = "Schlägerart;Carry-Distanz;Ballgeschwindigkeit\r\nEisen 7;140,5;150,2\r\n"
    table = table_from_bytes(text.encode("cp1252"), filename="Übung.csv")
    assert table.rows[0][0] == "Schlägerart"
    assert table.separator == ";"
    assert table.decimal_comma


def test_it_reads_semicolons_with_decimal_commas_as_numbers():
    text = "Club;Carry;Ball Speed;Smash Factor\n7i;140,5;101,2;1,450\nPW;110,0;80,1;1,230\n"
    result = read_export(text.encode(), filename="range.csv")
    assert [row.values["carry"] for row in result.rows] == [140.5, 110.0]
    assert [row.values["smash_factor"] for row in result.rows] == [1.45, 1.23]


def test_it_reads_tabs_and_excels_unicode_text_with_decimal_commas():
    # Excel's "Unicode text" from a German locale: UTF-16, tabs, decimal commas.
    text = "Club\tCarry\tBall Speed\tSmash Factor\r\n7i\t140,5\t101,2\t1,450\r\n"
    table = table_from_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert table.separator == "\t"
    assert table.decimal_comma
    result = read_export(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), filename="range.txt")
    assert result.rows[0].values["smash_factor"] == 1.45


def test_it_keeps_thousands_separators_apart_from_decimal_commas_in_comma_files():
    text = 'Club,Carry,Spin\n7i,152.3,"7,920"\n8i,140.1,"7,105"\n'
    table = table_from_bytes(text.encode())
    assert not table.decimal_comma
    result = read_export(text.encode(), filename="range.csv")
    assert [row.values["spin_rate"] for row in result.rows] == [7920.0, 7105.0]


@pytest.mark.parametrize(
    ("first_line", "separator"),
    [("sep=,", ","), ("sep=;", ";"), ('"sep=;"', ";"), ("SEP=\t", "\t")],
)
def test_it_takes_the_separator_from_a_sep_line_and_counts_it_as_a_line(first_line, separator):
    # A header holding another separator: only the sep line says which one it is.
    other = ";" if separator == "," else ","
    trap = f"Carry{other} m{other} yd{other} total"
    header = separator.join(["Club", trap, "Ball Speed"])
    text = f"{first_line}\r\n{header}\r\n{separator.join(['7i', '150.5', '110.2'])}\r\n"
    table = table_from_bytes(text.encode())
    assert table.separator == separator
    assert table.rows == [["Club", trap, "Ball Speed"], ["7i", "150.5", "110.2"]]
    assert table.line_numbers == [2, 3]


def test_it_reads_a_sep_line_in_a_file_with_old_mac_line_endings():
    table = table_from_bytes(b"sep=,\rClub,Carry,Ball Speed\r7i,150,110\r")
    assert table.rows == [["Club", "Carry", "Ball Speed"], ["7i", "150", "110"]]


def test_it_numbers_rows_by_the_line_they_start_on_across_quoted_line_breaks():
    text = 'Club,Carry,Note\n7i,150,"windy, cold\nday, wet"\n8i,140,ok\n'
    table = table_from_bytes(text.encode())
    assert table.line_numbers == [1, 2, 4]
    assert table.rows[1][2] == "windy, cold\nday, wet"


def _garmin_like_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            "Date",
            "Club Name",
            "Club Type",
            "Ball Speed",
            "Carry Distance",
            "Carry Deviation Distance",
        ]
    )
    sheet.append(["", "", "", "[mph]", "[yds]", "[yds]"])
    sheet.append(["03/14/25 6:05:01 PM", "", "7 Iron", 120.5, 152.25, -3.5])
    sheet.append(["03/14/25 6:05:45 PM", "", "Driver", 160, 241.0, 12.0])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_it_reads_an_xlsx_workbook_like_a_csv():
    result = read_export(_garmin_like_workbook(), filename="session.xlsx")
    assert result.format == "garmin_csv"
    assert [row.club for row in result.rows] == ["7i", "driver"]
    assert [row.values["carry"] for row in result.rows] == [152.25, 241.0]
    assert [row.row_number for row in result.rows] == [3, 4]


def test_it_reads_the_first_sheet_that_holds_anything():
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Cover", 0)
    data = workbook.create_sheet("Shots")
    data.append(["Club", "Carry (m)", "Ball Speed (km/h)"])
    data.append(["7i", 140.0, 180.0])
    output = io.BytesIO()
    workbook.save(output)
    result = read_export(output.getvalue(), filename="shots.xlsx")
    assert result.rows[0].values["carry"] == pytest.approx(140.0 * 1.09361)


def test_it_refuses_a_formula_in_a_workbook():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Club", "Carry", "Ball Speed"])
    sheet.append(["7i", '=HYPERLINK("http://evil.example","150")', 110.0])
    output = io.BytesIO()
    workbook.save(output)
    with pytest.raises(ImportFileError, match="formula"):
        read_export(output.getvalue(), filename="shots.xlsx")


@pytest.mark.parametrize(
    "cell",
    [
        '"=HYPERLINK(""http://evil.example"",""Carry"")"',
        "@SUM(1)",
        "\"+cmd|' /C calc'!A0\"",
        "-2+3",
    ],
)
def test_it_refuses_a_file_with_a_spreadsheet_formula(cell):
    text = f"Club,Carry,Side\n7i,150.5,2.1\n8i,140.2,{cell}\n"
    with pytest.raises(ImportFileError, match=r"Line 3 holds a spreadsheet formula"):
        read_export(text.encode(), filename="range.csv")


@pytest.mark.parametrize(("cell", "side"), [("-2.5", -2.5), ("L 6.2", -6.2), ("R 1.8", 1.8)])
def test_it_reads_signed_and_sided_cells_as_data(cell, side):
    text = f"Club,Carry,Side\n7i,150.5,{cell}\n"
    result = read_export(text.encode(), filename="range.csv")
    assert result.rows[0].values["carry_side"] == side


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "The file is empty", id="empty"),
        pytest.param(b"  \r\n\t\n  ", "The file is empty", id="whitespace only"),
        pytest.param(
            codecs.BOM_UTF16_LE + "  \r\n".encode("utf-16-le"), "empty", id="utf-16 blank"
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "PNG picture", id="png"
        ),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG picture", id="jpeg"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF document", id="pdf"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old Excel workbook", id="xls"
        ),
        pytest.param(b"\x7fELF\x02\x01\x01\x00\x00\x00\x10\x03binary", "binary data", id="binary"),
        pytest.param(b'{"Shots": [{"BallData": {"BallSpeed_MS": 6', "cut short", id="json cut"),
        pytest.param(b"[" * 100_000, "nested too deeply", id="json too deep"),
        pytest.param(b"Name,Score\nAnna,71\nBen,75\n", "Ball Speed", id="no metric columns"),
        pytest.param(b"PK\x03\x04" + bytes(40), "cut short", id="broken zip"),
    ],
)
def test_it_refuses_what_is_no_export_with_a_message_for_the_golfer(content, message):
    with pytest.raises(ImportFileError, match=message):
        read_export(content, filename="upload.csv")


def test_it_refuses_a_zip_that_is_no_workbook():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("session.csv", TEXT)
    with pytest.raises(ImportFileError, match="ZIP archive"):
        read_export(output.getvalue(), filename="session.zip")


def test_it_rejects_the_last_row_when_the_file_is_cut_short_mid_row():
    text = "Club,Carry,Ball Speed,Launch Angle\n7i,150.5,110.2,18.1\n8i,140.2,10"
    result = read_export(text.encode(), filename="range.csv")
    assert [row.row_number for row in result.rows] == [2]
    assert [note.row_number for note in result.rejected] == [3]
    assert "cut short (3 of 4 columns)" in result.rejected[0].reason


def test_it_refuses_a_quote_that_is_never_closed():
    text = 'Club,Carry,Ball Speed\n7i,"150.5,110.2\n8i,140.2,101.5\nPW,110.0,80.3\n'
    with pytest.raises(ImportFileError, match=r"Line 2 has a quote mark \(\"\) that is never"):
        read_export(text.encode(), filename="range.csv")


def test_it_refuses_more_rows_than_one_import_takes():
    rows = "".join(f"7i,{150 + index % 10}.5,110.2\n" for index in range(MAX_IMPORT_ROWS + 11))
    with pytest.raises(ImportFileError, match=f"more than {MAX_IMPORT_ROWS:,} rows"):
        read_export(f"Club,Carry,Ball Speed\n{rows}".encode(), filename="range.csv")


def test_it_refuses_a_file_over_the_size_limit_before_reading_it():
    content = b"Club,Carry\n" + b"7" * MAX_IMPORT_BYTES
    with pytest.raises(ImportFileError, match=r"golfshots imports files up to 10 MB"):
        read_export(content, filename="huge.csv")


@pytest.mark.parametrize(
    "path",
    sorted(REFERENCE.glob("*/*")) if REFERENCE.exists() else [None],
    ids=lambda path: path.name if path else "none",
)
def test_it_decodes_every_real_export_into_rows(path):
    if path is None:
        pytest.skip(f"the real exports are not here ({REFERENCE}); they live beside the checkout")
    table = table_from_bytes(path.read_bytes(), filename=path.name)
    if table.kind == "json":
        assert table.document
    else:
        assert len(table.rows) >= 2
        header_width = max(len(row) for row in table.rows[:5])
        assert header_width >= 10
