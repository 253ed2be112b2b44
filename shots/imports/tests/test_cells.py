"""One exported cell: a number, "not measured", a formula or text that is no number."""

from __future__ import annotations

import pytest

from shots.imports.cells import (
    FORESIGHT_NO_DATA,
    CellError,
    drop_unmeasured_club_data,
    drop_zero_as_unmeasured,
    is_sentinel,
    looks_like_formula,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("152.3", 152.3),
        ("-2.5", -2.5),
        ("+3", 3.0),
        (".5", 0.5),
        ('"152.3"', 152.3),
        ("L 6.2", -6.2),
        ("6.2L", -6.2),
        ("L6.2", -6.2),
        ("27.8 L", -27.8),
        ("R 1.8°", 1.8),
        ("3.0°L", -3.0),
        ("2.1°R", 2.1),
        ("12 yds R", 12.0),
        ("29.4°", 29.4),
        ("-3.1°", -3.1),
        ("6.0 s", 6.0),
        ("152 mph", 152.0),
        ("7,920", 7920.0),
        ("1,45", 1.45),
        ("1e-05", 0.00001),
        ("-1.5E-3", -0.0015),
        ("Center", 0.0),
    ],
)
def test_it_reads_numbers_as_exports_write_them(text, number):
    assert parse_number(text) == pytest.approx(number)


@pytest.mark.parametrize("text", ["", " ", "-", "--", "---", "—", "N/A", "nan", "null", "inf"])
def test_it_reads_not_measured_as_none(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("1,45", 1.45), ("152,3", 152.3), ("7.920", 7920.0), ("-1.234,5", -1234.5), ("152.3", 152.3)],
)
def test_it_reads_decimal_commas_when_the_file_writes_them(text, number):
    assert parse_number(text, decimal_comma=True) == pytest.approx(number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not a number"),
        ("12 apples", "is not a number"),
        ("-5 L", "both a minus sign and a side"),
        ("L 5 R", "side before and after"),
        ("1e999", "is not a number"),
    ],
)
def test_it_rejects_text_that_is_no_number_with_the_cell_in_the_message(text, message):
    with pytest.raises(CellError, match=message) as raised:
        parse_number(text)
    assert text in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","Carry")',
        "=1+1",
        "@SUM(1)",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "-cmd|' /C calc'!A0",
        " =SUM(A1:A9)",
    ],
)
def test_it_knows_a_formula(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize(
    "text", ["-2.5", "+3", "L 6.2", "-3.1°", "-", "--", "-7,920", "-1.234,5", "152", "", "7 Iron"]
)
def test_it_takes_signed_numbers_and_dashes_for_data_not_formulas(text):
    assert not looks_like_formula(text)


@pytest.mark.parametrize(
    ("metric", "value", "sentinel"),
    [
        ("carry", FORESIGHT_NO_DATA, True),
        ("club_speed", -FORESIGHT_NO_DATA, True),
        ("smash_factor", -45.1, True),
        ("smash_factor", 0.0, True),
        ("smash_factor", 1.45, False),
        ("carry_side", -3.0, False),
    ],
)
def test_it_knows_the_devices_not_measured_numbers(metric, value, sentinel):
    assert is_sentinel(metric, value) is sentinel


def test_it_drops_zero_club_data_only_without_a_club_speed():
    without = {"face_angle": 0.0, "club_path": 0.0, "ball_speed": 120.0}
    drop_unmeasured_club_data(without)
    assert without == {"ball_speed": 120.0}

    measured = {"club_speed": 85.0, "face_angle": 0.0}
    drop_unmeasured_club_data(measured)
    assert measured == {"club_speed": 85.0, "face_angle": 0.0}


def test_it_drops_zeros_of_the_listed_metrics_only():
    values = {"ball_speed": 0.0, "launch_direction": 0.0, "carry": 150.0}
    drop_zero_as_unmeasured(values, metrics=frozenset({"ball_speed", "carry"}))
    assert values == {"launch_direction": 0.0, "carry": 150.0}
