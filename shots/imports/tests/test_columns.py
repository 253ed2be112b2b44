"""The column engine's fast paths read exactly what cell-by-cell reading reads."""

from __future__ import annotations

import gc
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shots.imports import columns as c
from shots.imports.cells import CellError, is_sentinel, parse_number, without_sentinels
from shots.imports.garmin import DATE_FORMATS
from shots.imports.plan import collector_paused
from shots.imports.result import ImportFileError
from shots.imports.tables import Table

# Cells real exports write, and the ones float() reads otherwise than parse_number.
CELLS = [
    "152.3",
    "-2.1",
    ".5",
    "5.",
    "1e-05",
    "",
    "--",
    "n/a",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1e999",
    "16777215",
    "-16777215",
    "0",
    "-0",
    "-3",
    "+5",
    "1_000",
    "7,920",
    "7.920",
    "1,45",
    "L 6.2",
    "6.2L",
    "R 1.8°",
    "152 mph",
    "Center",
    "abc",
    "٣",
]


def cell_by_cell(cells: list[str], metric: str, *, decimal_comma: bool) -> list[object]:
    """What reading each cell on its own gives: a number, None or the error's message."""
    read: list[object] = []
    for cell in cells:
        try:
            number = parse_number(cell, decimal_comma=decimal_comma)
        except CellError as error:
            read.append(str(error))
            continue
        read.append(None if number is None or is_sentinel(metric, number) else number)
    return read


def by_column(cells: list[str], metric: str, *, decimal_comma: bool) -> list[object]:
    column = c.number_column(cells, metric, decimal_comma=decimal_comma)
    return [column.errors.get(pos, number) for pos, number in enumerate(column.numbers)]


@pytest.mark.parametrize("metric", ["carry", "smash_factor"])
@pytest.mark.parametrize("decimal_comma", [False, True])
def test_a_column_reads_each_cell_as_parse_number_does(metric: str, decimal_comma: bool) -> None:
    for cell in CELLS:
        assert by_column([cell], metric, decimal_comma=decimal_comma) == cell_by_cell(
            [cell], metric, decimal_comma=decimal_comma
        ), cell
    assert by_column(CELLS, metric, decimal_comma=decimal_comma) == cell_by_cell(
        CELLS, metric, decimal_comma=decimal_comma
    )


@given(
    cells=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.integers(-20_000_000, 20_000_000).map(str),
            st.sampled_from(CELLS),
        ),
        min_size=1,
        max_size=30,
    ),
    metric=st.sampled_from(["ball_speed", "smash_factor"]),
    decimal_comma=st.booleans(),
)
def test_any_column_reads_as_its_cells_one_by_one(
    cells: list[str], metric: str, decimal_comma: bool
) -> None:
    assert by_column(cells, metric, decimal_comma=decimal_comma) == cell_by_cell(
        cells, metric, decimal_comma=decimal_comma
    )


def test_a_plain_column_is_marked_plain_and_one_with_gaps_is_not() -> None:
    assert c.number_column(["1.5", "-2", "3e2"], "carry", decimal_comma=False).plain
    assert not c.number_column(["1.5", "", "3"], "carry", decimal_comma=False).plain
    assert not c.number_column(["1.5", "-nan"], "carry", decimal_comma=False).plain


@given(
    numbers=st.lists(st.one_of(st.none(), st.floats(-2e7, 2e7)), max_size=20),
    metric=st.sampled_from(["carry", "smash_factor"]),
)
def test_without_sentinels_drops_what_is_sentinel_drops(
    numbers: list[float | None], metric: str
) -> None:
    expected = [None if n is None or is_sentinel(metric, n) else n for n in numbers]
    assert without_sentinels(metric, numbers) == expected


DATE_TEXTS = [
    "10/01/26 09:00:00 AM",
    "10/01/26 12:30:05 PM",
    "10/01/26 12:30:05 am",
    "1/2/2026 1:02:03 PM",
    "13/01/26 09:00:00",
    "31.12.25 23:59:59",
    "2026-10-01 09:00:00",
    "2026/10/01 09:00:00",
    "01-10-2026 09:00:00",
    "10/01/26 13:00:00 PM",
    "10/01/26 00:00:00 AM",
    "02/30/26 09:00:00 AM",
    "10/01/26 09:00:00",
    "",
    "garbage",
    "10/01/26 09:00:00 AM trailing",
]


@pytest.mark.parametrize("pattern", DATE_FORMATS)
def test_the_date_reader_reads_as_strptime(pattern: str) -> None:
    read = c.date_reader(pattern)
    for text in DATE_TEXTS:
        try:
            expected: object = datetime.strptime(text, pattern)
        except ValueError:
            expected = ValueError
        try:
            got: object = read(text)
        except ValueError:
            got = ValueError
        assert got == expected, (pattern, text)
        assert c.date_reader(pattern) is read  # compiled once per pattern


def test_a_pattern_with_other_directives_is_left_to_strptime() -> None:
    read = c.date_reader("%d %b %Y")
    assert read("01 Oct 2026") == datetime(2026, 10, 1)
    with pytest.raises(ValueError, match="does not match format"):
        read("01 Okt 2026")


LAYOUT = c.CsvLayout(
    format="test_csv",
    label="Test CSV",
    vendor="Test",
    columns={"club": c.CLUB, "carry": "carry", "ballspeed": "ball_speed", "note": c.IGNORED},
    signature=frozenset({"club", "carry"}),
    units_row=False,
)


def table(*rows: list[str]) -> Table:
    all_rows = [["Club", "Carry", "Ball Speed", "Note"], *rows]
    return Table(rows=all_rows, line_numbers=list(range(1, len(all_rows) + 1)))


def test_the_first_formula_row_is_named_whatever_column_it_is_in() -> None:
    rows = table(
        ["7i", "150", "110", "ok"],
        ["7i", "151", "111", "=HYPERLINK(1)"],
        ["7i", "=1+2", "111", ""],
    )
    with pytest.raises(ImportFileError, match=r"Line 3 holds a spreadsheet formula \('=HYPERLINK"):
        c.read_layout(rows, LAYOUT)


def test_a_formula_in_a_row_cut_short_is_still_refused() -> None:
    rows = table(["7i", "150", "110", "ok"], ["7i", "-2+3"])
    with pytest.raises(ImportFileError, match="Line 3 holds a spreadsheet formula"):
        c.read_layout(rows, LAYOUT)


def test_negative_numbers_and_not_measured_dashes_are_no_formulas() -> None:
    result = c.read_layout(table(["7i", "-", "-110", "-"], ["7i", "150", "-1e-05", "+3"]), LAYOUT)
    assert [row.values for row in result.rows] == [
        {"ball_speed": -110.0},
        {"carry": 150.0, "ball_speed": -1e-05},
    ]


def test_a_row_names_the_first_column_it_cannot_read_and_keeps_the_file_order() -> None:
    result = c.read_layout(
        table(
            ["7i", "abc", "xyz", ""],
            ["7i", "150"],
            ["", "", "", ""],
            ["7i", "151", "112", ""],
        ),
        LAYOUT,
    )
    assert [(note.row_number, note.reason) for note in result.rejected] == [
        (2, "Carry: 'abc' is not a number"),
        (3, "the row is cut short (2 of 4 columns)"),
    ]
    assert [(note.row_number, note.reason) for note in result.skipped] == [(4, "blank row")]
    assert [row.row_number for row in result.rows] == [5]


def test_cells_parsed_once_give_the_same_rows_in_other_units() -> None:
    rows = table(["7i", "150", "110", ""], ["Average", "150", "110", ""], ["7i", "--", "1e999", ""])
    parsed = c.ParsedCells()
    first = c.read_layout(rows, LAYOUT, parsed=parsed)
    again = c.read_layout(rows, LAYOUT, units={"carry": "m"}, parsed=parsed)
    fresh = c.read_layout(rows, LAYOUT, units={"carry": "m"})
    assert again == fresh
    assert again.rows[0].values["carry"] != first.rows[0].values["carry"]


def test_the_collector_is_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner one does not switch it back on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_after_an_error() -> None:
    with pytest.raises(ImportFileError), collector_paused():
        raise ImportFileError("unreadable")
    assert gc.isenabled()
