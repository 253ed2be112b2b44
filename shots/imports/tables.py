"""Bytes of an uploaded export turned into a table of text cells (or a JSON document).

Handles what real exports do: UTF-8 with or without BOM, UTF-16 (Excel's
"Unicode text") with or without BOM, Windows-1252 (older German exports),
CRLF, LF or CR, ``,`` or ``;`` or tab separators, ``, `` with a space
(Foresight), a ``sep=,`` first line (Trackman), decimal commas beside ``;``
or tabs, and XLSX through openpyxl. It refuses what no reader can take
(empty, binary, pictures, old ``.xls``, a quote that is never closed, too
many rows) with a message for the golfer, before any reader looks at it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from shots.imports.result import ImportFileError

# A 10,000-shot session is about 3 MB as Garmin CSV; the caps leave room for
# the biggest real exports and stop a 1,000,000-row file before it costs anything.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000

XLSX_MAGIC = b"PK\x03\x04"
# Files people pick by mistake, named so the message can say what they picked.
_OTHER_FILES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
)
_SEPARATOR_LINE = re.compile(r"""^\s*["']?sep=(.)["']?\s*$""", re.IGNORECASE)
_FIRST_LINE = re.compile(r"^[^\r\n]*(?:\r\n|\r|\n)?")
_EXPORT_AGAIN = "Export the session as CSV from your launch monitor's app and upload that file."


@dataclass
class Table:
    """The file's rows as lists of stripped text cells, each with the line it starts on."""

    rows: list[list[str]]
    line_numbers: list[int]
    filename: str = ""
    separator: str = ","
    decimal_comma: bool = False
    kind: str = "csv"  # "csv", "xlsx" or "json"
    document: Any = None  # the parsed JSON, for kind "json"
    lines_before_header: list[str] = field(default_factory=list)  # SkyTrak's "PRACTICE:" block

    def cells(self, index: int) -> list[str]:
        return self.rows[index] if 0 <= index < len(self.rows) else []


def table_from_bytes(content: bytes, *, filename: str = "") -> Table:
    """Decode and split an uploaded file; raise ImportFileError when it is no table at all."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; golfshots imports files up to "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB. Export one session at a time."
        )
    if not content.strip():
        raise ImportFileError("The file is empty.")
    for magic, what in _OTHER_FILES:
        if content.startswith(magic):
            raise ImportFileError(f"This file is {what}, not a shot export. {_EXPORT_AGAIN}")
    if content.startswith(XLSX_MAGIC):
        return _xlsx_table(content, filename=filename)
    text = decode_text(content)
    stripped = text.strip()
    if not stripped:
        raise ImportFileError("The file is empty.")
    if stripped.startswith(("{", "[")):
        return Table(
            rows=[], line_numbers=[], filename=filename, kind="json", document=_json(stripped)
        )
    return _csv_table(text, filename=filename)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ImportFileError(
            "The file looks like JSON but is not complete JSON (is it cut short?)."
        ) from None
    except RecursionError:
        raise ImportFileError("The file's JSON is nested too deeply to be a shot export.") from None


def decode_text(content: bytes) -> str:
    """The file's text: BOM first, then UTF-16 without BOM, UTF-8, then Windows-1252."""
    if content.startswith(codecs.BOM_UTF8):
        return _decode(content[len(codecs.BOM_UTF8) :], "utf-8")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(content, "utf-16")
    encoding = _utf16_without_bom(content[:2000])
    if encoding:
        return _decode(content, encoding)
    # Some exporters pad the end of a file with NUL bytes; anywhere else they mean binary.
    content = content.rstrip(b"\x00")
    if b"\x00" in content:
        raise ImportFileError(f"This is not a text export: it holds binary data. {_EXPORT_AGAIN}")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        # Older Windows exports (German "Schlägerart") are in Windows-1252.
        return _decode(content, "cp1252")


def _utf16_without_bom(head: bytes) -> str:
    """The encoding of UTF-16 text without a BOM ("utf-16-le" or "utf-16-be"), else ""."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return ""
    # Text in Latin letters: the high byte of (almost) every character is NUL,
    # the low byte (almost) never. Binary data has NULs everywhere.
    if odd.count(0) > len(odd) * 0.7 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.7 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return ""


def _decode(content: bytes, encoding: str) -> str:
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file's text cannot be read (it is not UTF-8, UTF-16 or Windows-1252). "
            "Export it again as CSV."
        ) from None
    text = text.rstrip("\x00")
    if "\x00" in text:
        raise ImportFileError(f"This is not a text export: it holds binary data. {_EXPORT_AGAIN}")
    return text


def _csv_table(text: str, *, filename: str) -> Table:
    lines = text.splitlines()
    separator = ""
    first_line = 1
    if lines and (match := _SEPARATOR_LINE.match(lines[0])):
        separator = match[1]
        text = _FIRST_LINE.sub("", text, count=1)
        first_line = 2
    if not separator:
        separator = sniff_separator(lines)
    # Foresight writes ", " between cells; the space belongs to the separator.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, skipinitialspace=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    next_line = first_line
    try:
        for cells in reader:
            line_numbers.append(next_line)
            lines_read = first_line + reader.line_num - next_line
            next_line += lines_read
            if lines_read > 1 or (cells and ("\n" in cells[-1] or "\r" in cells[-1])):
                # A cell holds a line break only in a row that spans lines, or at
                # the end of a last row whose quote is never closed.
                _check_quotes(cells, separator=separator, line=line_numbers[-1])
            rows.append(list(map(str.strip, cells)))
            if len(rows) > MAX_IMPORT_ROWS + 10:  # + header, units and summary rows
                raise ImportFileError(
                    f"The file has more than {MAX_IMPORT_ROWS:,} rows; golfshots imports up to "
                    f"{MAX_IMPORT_ROWS:,} shots at a time. Export a shorter range of sessions."
                )
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                f"Line {next_line} holds a cell of more than {csv.field_size_limit():,} "
                "characters; this is not a shot export. " + _EXPORT_AGAIN
            ) from None
        raise ImportFileError(
            f"The file is not readable CSV near line {next_line} ({error}). " + _EXPORT_AGAIN
        ) from None
    return Table(
        rows=rows,
        line_numbers=line_numbers,
        filename=filename,
        separator=separator,
        decimal_comma=_has_decimal_commas(rows, separator=separator),
    )


def _check_quotes(cells: list[str], *, separator: str, line: int) -> None:
    """A quote that is never closed swallows the following lines into one cell: refuse it.

    A cell may hold a line break (a note, "windy, cold"); a cell holding a
    line with two separators or more holds rows of the file read as text.
    """
    for cell in cells:
        if ("\n" in cell or "\r" in cell) and any(
            part.count(separator) >= 2 for part in cell.splitlines()[1:]
        ):
            raise ImportFileError(
                f'Line {line} has a quote mark (") that is never closed, so the lines after it '
                "cannot be read as columns. Was the file edited by hand? " + _EXPORT_AGAIN
            )


def sniff_separator(lines: list[str]) -> str:
    """The separator of the first line that has one: ``;``, tab or ``,``."""
    for line in lines[:20]:
        counts = {sep: line.count(sep) for sep in (";", "\t", ",")}
        best = max(counts, key=lambda sep: counts[sep])
        if counts[best] >= 1:
            return best
    return ","


def _has_decimal_commas(rows: list[list[str]], *, separator: str) -> bool:
    """Whether the numbers are written ``1,45`` (a European locale's export).

    ``152,3`` and ``1,45`` are decimal commas; ``7,920`` could be either (a
    thousands separator in an English export). Beside ``;`` and tabs, European
    exports are the rule; in a ``,`` file a quoted ``"152,3"`` must outnumber
    the decimal points to count.
    """
    sure = ambiguous = points = 0
    for row in rows[1:50]:
        for cell in row:
            if re.fullmatch(r"[-+]?\d{1,3},\d{3}", cell):
                ambiguous += 1
            elif re.fullmatch(r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+", cell):
                sure += 1
            elif re.fullmatch(r"[-+]?\d+\.\d+", cell):
                points += 1
    if separator == ",":
        return sure > points
    return sure + ambiguous > points


def _xlsx_table(content: bytes, *, filename: str) -> Table:
    # Imported here: only XLSX uploads need openpyxl.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            "The file starts like an Excel workbook but cannot be opened (is it cut short?)."
        ) from None
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            f"This file is a ZIP archive, not an Excel workbook or CSV. {_EXPORT_AGAIN}"
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            "The file starts like an Excel workbook but cannot be opened (is it cut short?)."
        ) from None
    try:
        rows: list[list[str]] = []
        line_numbers: list[int] = []
        # The first sheet that holds anything: some workbooks open on an empty cover sheet.
        for sheet in workbook.worksheets:
            rows, line_numbers = _sheet_rows(sheet)
            if rows:
                break
    finally:
        workbook.close()
    if not rows:
        raise ImportFileError("The workbook is empty.")
    return Table(rows=rows, line_numbers=line_numbers, filename=filename, kind="xlsx")


def _sheet_rows(sheet: Any) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if len(rows) > MAX_IMPORT_ROWS + 10:
            raise ImportFileError(
                f"The workbook has more than {MAX_IMPORT_ROWS:,} rows; golfshots imports up "
                f"to {MAX_IMPORT_ROWS:,} shots at a time."
            )
        rows.append([_xlsx_text(value) for value in values])
        line_numbers.append(number)
    while rows and not any(rows[-1]):
        rows.pop()
        line_numbers.pop()
    return rows, line_numbers


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()
