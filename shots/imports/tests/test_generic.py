"""The generic reader: any CSV or workbook whose headers name metrics, with a mapping to change."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.generic import AVAILABLE_ROLES, GenericReadResult, suggested_role
from shots.imports.result import (
    UNIT_CHOSEN,
    UNIT_FROM_FORMAT,
    UNIT_FROM_HEADER,
    UNIT_FROM_UNITS_ROW,
    UNIT_GUESSED,
    ImportFileError,
)

LOG = """\
My range log, spring
Date,Club,Carry (m),Ball Speed [km/h],Spin,Launch,Notes
2025-03-01 10:00:00,7i,140,180,6500,18.5,ok
2025-03-01 10:01:00,7i,138.5,178,6400,18.1,
Average,,139,179,6450,18.3,
"""


def read(text: str, filename: str = "range log.csv", **options) -> GenericReadResult:
    result = read_export(text.encode(), filename=filename, options=ReadOptions(**options))
    assert isinstance(result, GenericReadResult)
    return result


def test_it_suggests_a_mapping_from_the_headers_and_returns_it():
    result = read(LOG)
    assert result.format == "generic_csv"
    assert result.vendor == "Other"
    assert result.mapping == [
        ("Date", "date"),
        ("Club", "club"),
        ("Carry (m)", "carry"),
        ("Ball Speed [km/h]", "ball_speed"),
        ("Spin", "spin_rate"),
        ("Launch", "launch_angle"),
        ("Notes", "ignored"),
    ]
    assert {"carry", "club", "time", "ignored"} <= set(result.available_roles)
    assert result.available_roles == AVAILABLE_ROLES


def test_it_reads_the_units_in_the_headers_and_the_rows_with_their_times():
    result = read(LOG)
    first = result.rows[0]
    assert first.row_number == 3
    assert first.club == "7i"
    assert first.hit_at == datetime(2025, 3, 1, 10, 0)
    assert first.values["carry"] == pytest.approx(140 * 1.09361)
    assert first.values["ball_speed"] == pytest.approx(180 * 0.621371)
    assert result.unit_of("carry").unit == "m"
    assert result.unit_of("carry").source == UNIT_FROM_HEADER
    assert result.unit_of("carry").header == "Carry"
    assert [note.reason for note in result.skipped] == ["summary row (Average)"]


def test_it_marks_a_speed_or_distance_without_a_unit_as_guessed():
    result = read("Club,Carry,Ball Speed,Launch Angle\n7i,150.5,110.2,18\n")
    carry = result.unit_of("carry")
    assert (carry.unit, carry.source) == ("", UNIT_GUESSED)
    assert carry.reason == "no unit in the header; taken as yards"
    assert result.unit_of("ball_speed").reason == "no unit in the header; taken as mph"
    assert result.unit_of("launch_angle").source == UNIT_FROM_FORMAT  # degrees: no other unit
    assert result.rows[0].values["carry"] == 150.5


def test_it_lets_the_preview_change_a_guessed_unit():
    result = read("Club,Carry,Ball Speed\n7i,140,180\n", units={"carry": "m", "ball_speed": "km/h"})
    assert result.rows[0].values["carry"] == pytest.approx(140 * 1.09361)
    assert result.unit_of("ball_speed").source == UNIT_CHOSEN


def test_it_reads_a_units_row_under_the_header():
    result = read("Club,Carry,Ball Speed\n,[m],[m/s]\n7i,140,50\n")
    assert result.unit_of("ball_speed").source == UNIT_FROM_UNITS_ROW
    assert result.rows[0].values["ball_speed"] == pytest.approx(50 * 2.236936, abs=1e-4)


def test_the_golfers_mapping_wins_over_the_suggestion():
    result = read(LOG, mapping={"Spin": "back_spin", "Launch": "", "Notes": "ignored"})
    assert dict(result.mapping)["Spin"] == "back_spin"
    assert dict(result.mapping)["Launch"] == ""
    values = result.rows[0].values
    assert values["back_spin"] == 6500
    assert "spin_rate" not in values
    assert "launch_angle" not in values


def test_a_header_the_golfer_set_takes_the_metric_from_a_suggested_one():
    text = "Club,Carry,Carry Total,Ball Speed\n7i,150,158,110\n"
    suggested = read(text)
    assert dict(suggested.mapping)["Carry Total"] == ""
    chosen = read(text, mapping={"Carry Total": "carry", "Carry": "ignored"})
    assert chosen.rows[0].values["carry"] == 158


def test_it_refuses_two_columns_set_to_one_metric():
    with pytest.raises(ImportFileError, match="Two columns are set to Carry: “Carry” and “Total”"):
        read(
            "Club,Carry,Total,Ball Speed\n7i,150,158,110\n",
            mapping={"Carry": "carry", "Total": "carry"},
        )


def test_it_refuses_a_role_it_does_not_know():
    with pytest.raises(ImportFileError, match="Column “Spin” cannot be set to “spinnn”"):
        read(LOG, mapping={"Spin": "spinnn"})


def test_it_refuses_a_mapping_without_any_metric():
    mapping = {"Carry (m)": "", "Ball Speed [km/h]": "", "Spin": "ignored", "Launch": ""}
    with pytest.raises(ImportFileError, match="None of the file's columns is set to a shot metric"):
        read(LOG, mapping=mapping)


def test_it_needs_two_metric_headers_to_take_a_file():
    with pytest.raises(ImportFileError, match="does not recognise this file"):
        read("Club,Carry,Player\n7i,150,Anna\n")


@pytest.mark.parametrize(
    ("header", "samples", "role"),
    [
        ("Carry(m)", [], "carry"),
        ("Club (mph)", [], "club_speed"),
        ("Club Type", [], "club"),
        ("BallSpeed_MS", [], "ball_speed"),
        ("Time", ["6.1", "5.8"], "hang_time"),
        ("Time", ["10:00:01", "10:01:12"], "clock"),
        ("Time", ["2025-03-01 10:00:01"], "time"),
        ("Ball", ["Premium", "Premium"], ""),
        ("Carry (Sim)", [], ""),
        ("Spin Rate Type", [], "spin_type"),
        ("Shot", [], "ignored"),
        ("When", ["01.03.2025 10:00"], "time"),
        ("Favourite colour", ["blue"], ""),
    ],
)
def test_it_suggests_a_role_by_the_header_and_what_the_column_holds(header, samples, role):
    assert suggested_role(header, samples) == role


def test_it_names_the_column_as_written_when_it_rejects_a_row():
    result = read("Club,Carry (m),Ball Speed\n7i,lots,110\n8i,140,100\n")
    assert [(note.row_number, note.reason) for note in result.rejected] == [
        (2, "Carry: 'lots' is not a number")
    ]


def test_it_reads_day_first_dates_when_the_file_writes_them():
    text = "Date,Club,Carry,Ball Speed\n13/05/2025 10:00,7i,150,110\n02/06/2025 10:00,7i,150,110\n"
    result = read(text)
    assert [row.hit_at for row in result.rows] == [
        datetime(2025, 5, 13, 10, 0),
        datetime(2025, 6, 2, 10, 0),
    ]


def test_it_takes_a_single_date_without_times_for_the_sessions():
    result = read("Date,Club,Carry,Ball Speed\n2025-05-13,7i,150,110\n2025-05-13,8i,140,100\n")
    assert result.session_date == date(2025, 5, 13)
    assert result.session_date_source == "file"
    assert [row.hit_at for row in result.rows] == [None, None]


def test_it_dates_times_of_day_by_the_file_name():
    result = read("Time,Club,Carry,Ball Speed\n10:00,7i,150,110\n", filename="range 2025-04-02.csv")
    assert result.rows[0].hit_at == datetime(2025, 4, 2, 10, 0)


def test_it_keeps_a_shot_whose_time_it_cannot_read():
    result = read("Date,Club,Carry,Ball Speed\n2025-05-13 10:00,7i,150,110\nsoon,8i,140,100\n")
    assert [row.hit_at is None for row in result.rows] == [False, True]
    assert any("could not be read" in note for note in result.notes)


def test_it_reads_a_workbook_with_metric_headers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Shot", "Club", "Carry (m)", "Ball Speed (km/h)", "Apex (m)"])
    sheet.append([1, "Driver", 210.5, 240.0, 30.0])
    sheet.append([2, "Driver", 205.0, 236.5, 28.5])
    output = io.BytesIO()
    workbook.save(output)
    result = read_export(output.getvalue(), filename="shots.xlsx")
    assert result.format == "generic_csv"
    assert [row.row_number for row in result.rows] == [2, 3]
    assert result.rows[0].values["apex"] == pytest.approx(30.0 * 3.28084)


# --- Property: plausible shots, in any units a header may name, read back the same ----------------

HEADERS = {
    "ball_speed": ("Ball Speed", ("mph", "km/h", "m/s")),
    "club_speed": ("Club Speed", ("mph", "km/h", "m/s")),
    "carry": ("Carry", ("yds", "m")),
    "total": ("Total", ("yds", "m")),
    "carry_side": ("Side", ("yds", "m")),
    "apex": ("Apex", ("ft", "m", "yds")),
    "launch_angle": ("Launch Angle", ("deg", "°")),
    "spin_rate": ("Spin Rate", ("rpm",)),
}
RANGES = {
    "ball_speed": (40, 190),
    "club_speed": (40, 125),
    "carry": (30, 300),
    "total": (35, 320),
    "carry_side": (-40, 40),
    "apex": (15, 140),
    "launch_angle": (2, 45),
    "spin_rate": (1000, 11000),
}
shots = st.fixed_dictionaries(
    {name: st.floats(low, high, allow_nan=False) for name, (low, high) in RANGES.items()}
)
units = st.fixed_dictionaries(
    {name: st.sampled_from(choices) for name, (_, choices) in HEADERS.items()}
)


@hypothesis_settings(max_examples=50, deadline=None)
@given(
    shot_list=st.lists(shots, min_size=1, max_size=5),
    chosen_units=units,
    brackets=st.sampled_from(("({})", "[{}]", " ({})")),
    separator=st.sampled_from((",", ";", "\t")),
)
def test_it_reads_back_any_plausible_shots_in_the_units_their_headers_name(
    shot_list, chosen_units, brackets, separator
):
    names = list(HEADERS)
    header = ["Club", *(HEADERS[name][0] + brackets.format(chosen_units[name]) for name in names)]
    lines = [separator.join(header)]
    for shot in shot_list:
        cells = ["7i"]
        for name in names:
            written = shot[name] / to_canonical(name, 1.0, chosen_units[name])
            text = f"{written:.5f}"
            cells.append(text.replace(".", ",") if separator != "," else text)
        lines.append(separator.join(cells))
    result = read("\n".join(lines) + "\n")
    assert result.format == "generic_csv"
    assert not result.rejected
    for row, shot in zip(result.rows, shot_list, strict=True):
        for name, value in shot.items():
            factor = to_canonical(name, 1.0, chosen_units[name])
            assert row.values[name] == pytest.approx(value, abs=1e-5 * factor), name
