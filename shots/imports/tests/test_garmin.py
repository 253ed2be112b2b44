"""The Garmin Golf CSV reader, on fixtures written here in Garmin's format and on real exports."""

from __future__ import annotations

import codecs
import csv
import io
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.garmin import export_time
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_UNITS_ROW, UNIT_GUESSED

HEADERS_31 = [
    "Date",
    "Player",
    "Club Name",
    "Club Type",
    "Club Speed",
    "Attack Angle",
    "Club Path",
    "Club Face",
    "Face to Path",
    "Ball Speed",
    "Smash Factor",
    "Launch Angle",
    "Launch Direction",
    "Backspin",
    "Sidespin",
    "Spin Rate",
    "Spin Rate Type",
    "Spin Axis",
    "Apex Height",
    "Carry Distance",
    "Carry Deviation Angle",
    "Carry Deviation Distance",
    "Total Distance",
    "Total Deviation Angle",
    "Total Deviation Distance",
    "Note",
    "Tag",
    "Air Density",
    "Temperature",
    "Air Pressure",
    "Relative Humidity",
]
_TEMPO = [
    "Back Stroke Length",
    "Target Backswing Time",
    "Target Downswing Time",
    "Forward Stroke Length",
    "Backswing Time",
    "Downswing Time",
    "Target Tempo",
    "Swing Tempo",
]
HEADERS_42 = [
    *HEADERS_31[:3],
    "Brand/Model",
    *HEADERS_31[3:25],
    "Target Total Distance",
    "Target Carry Distance",
    *HEADERS_31[25:],
    *_TEMPO,
]
HEADERS_41 = [header for header in HEADERS_42 if header != "Smash Factor"]

GERMAN_HEADERS = [
    "Datum",
    "Spieler",
    "Schlägername",
    "Schlägerart",
    "Schl.gsch.",
    "Anstellwinkel",
    "Schwungbahn",
    "Schlagfläche",
    "Schlagflächenstellung",
    "Ballgeschwindigkeit",
    "Smash Factor",
    "Abflugwinkel",
    "Abflugrichtung",
    "Backspin",
    "Sidespin",
    "Drehrate",
    "Drehratentyp",
    "Drehachse",
    "Höhe des Scheitelpunkts",
    "Carry-Distanz",
    "Carry-Abweichungswinkel",
    "Carry-Abweichungsdistanz",
    "Gesamtstrecke",
    "Gesamtabweichungswinkel",
    "Gesamtabweichungsdistanz",
    "Notiz",
    "Markierung",
    "Luftdichte",
    "Temperatur",
    "Luftdruck",
    "Relative Luftfeuchtigkeit",
]
# English header -> German header, to write one shot in both languages.
TO_GERMAN = dict(zip(HEADERS_31, GERMAN_HEADERS, strict=True))

SPEEDS = ("Club Speed", "Ball Speed")
DISTANCES = (
    "Carry Distance",
    "Carry Deviation Distance",
    "Total Distance",
    "Total Deviation Distance",
    "Target Total Distance",
    "Target Carry Distance",
)
ANGLES = (
    "Attack Angle",
    "Club Path",
    "Club Face",
    "Face to Path",
    "Launch Angle",
    "Launch Direction",
    "Spin Axis",
    "Carry Deviation Angle",
    "Total Deviation Angle",
)
SPINS = ("Backspin", "Sidespin", "Spin Rate")


def units_for(
    headers: list[str], *, speed: str = "[mph]", distance: str = "[Yards]", apex: str = "[ft]"
) -> dict[str, str]:
    """The units row Garmin writes, with one unit per kind (tests change single columns)."""
    units: dict[str, str] = {}
    for header in headers:
        if header in SPEEDS:
            units[header] = speed
        elif header in DISTANCES:
            units[header] = distance
        elif header == "Apex Height":
            units[header] = apex
        elif header in ANGLES:
            units[header] = "[deg]"
        elif header in SPINS:
            units[header] = "[rpm]"
    units.update({"Air Density": "[g/L]", "Temperature": "[deg F]", "Air Pressure": "[kPa]"})
    units["Relative Humidity"] = "[%]"
    return units


def garmin_csv(
    rows: list[dict[str, str]],
    *,
    headers: list[str] = HEADERS_31,
    units: dict[str, str] | None = None,
    bom: bool = True,
    newline: str = "\r\n",
    separator: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    """A file the way Garmin Golf writes one: header, units row, one line per shot."""
    units = units_for(headers) if units is None else units
    lines = [headers, [units.get(header, "") for header in headers]]
    lines += [[row.get(header, "") for header in headers] for row in rows]
    text = newline.join(separator.join(cells) for cells in lines) + newline
    content = text.encode(encoding)
    return codecs.BOM_UTF8 + content if bom else content


def shot(**cells: str) -> dict[str, str]:
    """One 7-iron shot, in mph / yards / feet, with the given cells changed."""
    row = {
        "Date": "9/14/25 6:05:10 PM",
        "Player": "Sam",
        "Club Type": "7 Iron",
        "Club Speed": "80.5",
        "Attack Angle": "-3.5",
        "Club Path": "1.5",
        "Club Face": "-0.5",
        "Face to Path": "-2.0",
        "Ball Speed": "110.2",
        "Smash Factor": "1.369",
        "Launch Angle": "17.2",
        "Launch Direction": "-1.2",
        "Backspin": "6100.0",
        "Sidespin": "-300.0",
        "Spin Rate": "6107.4",
        "Spin Rate Type": "Measured",
        "Spin Axis": "-2.8",
        "Apex Height": "84.0",
        "Carry Distance": "152.4",
        "Carry Deviation Angle": "-1.9",
        "Carry Deviation Distance": "-5.1",
        "Total Distance": "161.0",
        "Total Deviation Angle": "-2.0",
        "Total Deviation Distance": "-5.6",
        "Air Density": "1.2",
        "Temperature": "70.0",
        "Air Pressure": "101.0",
        "Relative Humidity": "50",
    }
    row.update({header.replace("_", " "): value for header, value in cells.items()})
    return row


def german(row: dict[str, str]) -> dict[str, str]:
    return {TO_GERMAN.get(header, header): value for header, value in row.items()}


def read(content: bytes, *, filename: str = "DrivingRange-2025-09-15-010203-0000.csv", **kwargs):
    return read_export(content, filename=filename, **kwargs)


# --- layouts ---------------------------------------------------------------------------------


def test_it_reads_a_31_column_export_with_bom_and_crlf():
    result = read(garmin_csv([shot(), shot(Club_Type="Driver")], bom=True, newline="\r\n"))

    assert (result.format, result.vendor, result.device) == (
        "garmin_csv",
        "Garmin",
        "Garmin R10/R50",
    )
    assert not result.rejected
    first = result.rows[0]
    assert first.row_number == 3  # header and units row come first
    assert (first.club_text, first.club) == ("7 Iron", "7i")
    assert first.values["ball_speed"] == pytest.approx(110.2)
    assert first.values["carry"] == pytest.approx(152.4)
    assert first.values["apex"] == pytest.approx(84.0)
    assert first.values["carry_side"] == pytest.approx(-5.1)  # negative = left
    assert first.values["spin_rate"] == pytest.approx(6107.4)
    assert first.hit_at == datetime(2025, 9, 14, 18, 5, 10)
    assert result.rows[1].club == "driver"


def test_it_reads_42_columns_without_bom_and_with_lf():
    row = shot(Target_Total_Distance="160", Swing_Tempo="3.1")
    row["Brand/Model"] = "Titleist T200"
    result = read(garmin_csv([row], headers=HEADERS_42, bom=False, newline="\n"))

    assert not result.rejected
    values = result.rows[0].values
    assert values["ball_speed"] == pytest.approx(110.2)
    assert values["total"] == pytest.approx(161.0)  # not the target distance beside it
    assert values["smash_factor"] == pytest.approx(1.369)


def test_it_reads_41_columns_that_have_no_smash_factor():
    result = read(garmin_csv([shot()], headers=HEADERS_41))

    assert not result.rejected
    assert "smash_factor" not in result.rows[0].values
    assert result.rows[0].values["carry"] == pytest.approx(152.4)


def test_it_reads_the_unit_of_each_column_from_the_units_row():
    units = units_for(HEADERS_31, speed="[km/h]", distance="[Yards]", apex="[m]")
    row = shot(Ball_Speed="177.3", Club_Speed="129.6", Apex_Height="25.6")
    result = read(garmin_csv([row], units=units))

    values = result.rows[0].values
    assert values["ball_speed"] == pytest.approx(177.3 * 0.621371)
    assert values["club_speed"] == pytest.approx(129.6 * 0.621371)
    assert values["apex"] == pytest.approx(25.6 * 3.28084)
    assert values["carry"] == pytest.approx(152.4)  # yards stay yards
    assert result.unit_of("ball_speed").unit == "km/h"
    assert result.unit_of("apex").unit == "m"
    assert result.unit_of("carry").unit == "yds"
    assert {result.unit_of(m).source for m in ("ball_speed", "apex", "carry")} == {
        UNIT_FROM_UNITS_ROW
    }


def test_it_reads_metres_for_every_distance_when_the_units_row_says_so():
    units = units_for(HEADERS_31, speed="[km/h]", distance="[m]", apex="[m]")
    result = read(
        garmin_csv([shot(Carry_Distance="139.4", Total_Deviation_Distance="-5.0")], units=units)
    )

    values = result.rows[0].values
    assert values["carry"] == pytest.approx(139.4 * 1.09361)
    assert values["total_side"] == pytest.approx(-5.0 * 1.09361)


def test_it_lets_the_golfer_override_a_unit_from_the_units_row():
    options = ReadOptions(units={"ball_speed": "km/h"})
    result = read(garmin_csv([shot()]), options=options)

    assert result.rows[0].values["ball_speed"] == pytest.approx(110.2 * 0.621371)
    assert result.unit_of("ball_speed").source == UNIT_CHOSEN


# --- "not measured" ---------------------------------------------------------------------------


def test_it_treats_a_negative_smash_factor_as_not_measured():
    # No club data: Garmin writes minus the ball speed in m/s, and Club Face 0.0.
    row = shot(Club_Speed="", Attack_Angle="", Club_Path="", Face_to_Path="")
    row.update({"Club Face": "0.0", "Smash Factor": "-49.26"})
    result = read(garmin_csv([row]))

    values = result.rows[0].values
    assert "smash_factor" not in values
    assert "face_angle" not in values
    assert "club_speed" not in values
    assert values["ball_speed"] == pytest.approx(110.2)


def test_it_treats_an_infinite_smash_factor_as_not_measured():
    row = shot(Club_Speed="0.0", Smash_Factor="inf")
    result = read(garmin_csv([row]))

    assert not result.rejected
    assert "smash_factor" not in result.rows[0].values
    assert "club_speed" not in result.rows[0].values


def test_it_keeps_a_square_face_when_the_club_was_measured():
    result = read(garmin_csv([shot(Club_Face="0.0")]))

    assert result.rows[0].values["face_angle"] == 0.0


def test_it_flags_estimated_spin():
    result = read(garmin_csv([shot(Spin_Rate_Type="Estimated"), shot()]))

    assert result.rows[0].flags == {"spin_rate": ["estimated"]}
    assert result.rows[1].flags == {}


def test_it_rejects_a_row_with_text_where_a_number_belongs_and_keeps_the_others():
    result = read(garmin_csv([shot(), shot(Carry_Distance="abc"), shot()]))

    assert [row.row_number for row in result.rows] == [3, 5]
    assert len(result.rejected) == 1
    assert result.rejected[0].row_number == 4
    assert "Carry Distance" in result.rejected[0].reason


# --- dates -------------------------------------------------------------------------------------


def test_it_reads_us_dates_and_sets_the_session_date_from_the_first_shot():
    rows = [shot(Date="12/28/25 4:12:04 PM"), shot(Date="12/28/25 4:50:44 PM")]
    result = read(garmin_csv(rows), filename="DrivingRange-2025-12-28 22_14_56 +0000.csv")

    assert [row.hit_at for row in result.rows] == [
        datetime(2025, 12, 28, 16, 12, 4),
        datetime(2025, 12, 28, 16, 50, 44),
    ]
    assert result.session_date == date(2025, 12, 28)
    assert result.session_date_source == "file"


def test_it_reads_european_dates_day_first():
    rows = [shot(Date="10/09/2025 18:45:04"), shot(Date="10/09/2025 19:02:53")]
    result = read(garmin_csv(rows), filename="DrivingRange-2025-09-10-204415-0000.csv")

    assert result.rows[0].hit_at == datetime(2025, 9, 10, 18, 45, 4)
    assert result.session_date == date(2025, 9, 10)
    # Read as 9 October the shots would come after the export: the note says so.
    assert any("after the file was exported" in note for note in result.notes)


def test_it_reads_a_24_hour_clock_day_first_when_nothing_else_tells():
    result = read(garmin_csv([shot(Date="03/04/2025 09:15:00")]), filename="export.csv")

    assert result.rows[0].hit_at == datetime(2025, 4, 3, 9, 15)
    assert any("24-hour clock" in note for note in result.notes)


def test_it_reads_an_am_pm_clock_month_first_when_nothing_else_tells():
    result = read(garmin_csv([shot(Date="3/4/25 9:15:00 AM")]), filename="25-03-04.csv")

    assert result.rows[0].hit_at == datetime(2025, 3, 4, 9, 15)


def test_it_prefers_the_reading_that_is_not_after_the_export_time():
    # 24-hour clock, yet 05/09 is 9 May: as 5 September it would be after the export.
    rows = [shot(Date="05/09/2025 18:00:00")]
    result = read(garmin_csv(rows), filename="DrivingRange-2025-05-10-081500-0000.csv")

    assert result.rows[0].hit_at == datetime(2025, 5, 9, 18, 0)


def test_it_uses_one_date_format_for_the_whole_file():
    # 13/09 can only be day first, so 05/09 in the same file is 5 September.
    rows = [shot(Date="05/09/2025 18:00:00"), shot(Date="13/09/2025 18:00:00")]
    result = read(garmin_csv(rows), filename="export.csv")

    assert [row.hit_at for row in result.rows] == [
        datetime(2025, 9, 5, 18, 0),
        datetime(2025, 9, 13, 18, 0),
    ]


def test_it_allows_for_local_time_ahead_of_the_utc_export_time():
    # Exported at 01:02 UTC on the 15th; the shot was at 10:30 on the 15th in Sydney.
    rows = [shot(Date="15/09/2025 10:30:00")]
    result = read(garmin_csv(rows), filename="DrivingRange-2025-09-15-010203-0000.csv")

    assert result.rows[0].hit_at == datetime(2025, 9, 15, 10, 30)


@pytest.mark.parametrize(
    ("filename", "exported"),
    [
        ("DrivingRange-2025-09-10-204415-0000.csv", datetime(2025, 9, 10, 20, 44, 15)),
        ("DrivingRange-2025-12-28 22_14_56 +0000.csv", datetime(2025, 12, 28, 22, 14, 56)),
        ("DrivingRange-2026-08-02 14:54:24 +0000.csv", datetime(2026, 8, 2, 14, 54, 24)),
        ("DrivingRange-2026-02-19.csv", datetime(2026, 2, 19, 23, 59, 59)),
        ("25-04-01.csv", None),
        ("DrivingRange-2025-13-40-000000-0000.csv", None),
    ],
)
def test_it_reads_the_export_time_from_garmin_file_names(filename, exported):
    assert export_time(filename) == exported


# --- German -----------------------------------------------------------------------------------


def german_export(rows: list[dict[str, str]], **kwargs) -> bytes:
    english_units = units_for(HEADERS_31, speed="[km/h]", distance="[m]", apex="[m]")
    units = {TO_GERMAN[header]: unit for header, unit in english_units.items()}
    return garmin_csv([german(row) for row in rows], headers=GERMAN_HEADERS, units=units, **kwargs)


def metric_shot(**cells: str) -> dict[str, str]:
    changes = {
        "Date": "14.02.24 13:33:18",
        "Club_Speed": "129.6",
        "Ball_Speed": "177.3",
        "Apex_Height": "25.6",
        "Carry_Distance": "139.4",
        "Total_Distance": "147.2",
    }
    changes.update(cells)
    return shot(**changes)


def test_it_reads_a_german_export():
    rows = [
        metric_shot(Club_Type="Eisen 7", Spin_Rate_Type="Berechnet"),
        metric_shot(Club_Type="Holz 3", Spin_Rate_Type="Gemessen"),
        metric_shot(Club_Type="Hybrid 4"),
    ]
    result = read(german_export(rows), filename="DrivingRange-2024-02-14-200000-0000.csv")

    assert result.format == "garmin_csv"
    assert not result.rejected
    assert [row.club for row in result.rows] == ["7i", "3w", "4h"]
    first = result.rows[0]
    assert first.club_text == "Eisen 7"
    assert first.values["ball_speed"] == pytest.approx(177.3 * 0.621371)
    assert first.values["carry"] == pytest.approx(139.4 * 1.09361)
    assert first.values["apex"] == pytest.approx(25.6 * 3.28084)
    assert first.values["smash_factor"] == pytest.approx(1.369)
    assert first.hit_at == datetime(2024, 2, 14, 13, 33, 18)
    assert result.session_date == date(2024, 2, 14)
    # "Berechnet" (calculated) is Garmin's German for an estimated spin.
    assert first.flags == {"spin_rate": ["estimated"]}
    assert result.rows[1].flags == {}


def test_it_reads_a_german_export_with_semicolons_decimal_commas_and_windows_1252():
    row = metric_shot(Club_Type="Eisen 7", Ball_Speed="177,3", Carry_Distance="139,4")
    row = {
        header: value.replace(".", ",") if header != "Date" else value
        for header, value in row.items()
    }
    content = german_export([row], separator=";", encoding="cp1252", bom=False)
    result = read(content)

    assert not result.rejected
    values = result.rows[0].values
    assert values["ball_speed"] == pytest.approx(177.3 * 0.621371)
    assert values["carry"] == pytest.approx(139.4 * 1.09361)
    assert values["spin_rate"] == pytest.approx(6107.4)


def test_it_understands_unit_words_in_a_localised_units_row():
    units = {
        TO_GERMAN[h]: u
        for h, u in units_for(HEADERS_31, speed="[km/h]", distance="[Meter]").items()
    }
    units.update({TO_GERMAN["Apex Height"]: "[Fuß]", TO_GERMAN["Launch Angle"]: "[Grad]"})
    units[TO_GERMAN["Spin Rate"]] = "[U/min]"
    row = german(metric_shot(Apex_Height="84.0"))
    result = read(garmin_csv([row], headers=GERMAN_HEADERS, units=units))

    values = result.rows[0].values
    assert values["apex"] == pytest.approx(84.0)
    assert values["launch_angle"] == pytest.approx(17.2)
    assert values["carry"] == pytest.approx(139.4 * 1.09361)


# --- no units row -------------------------------------------------------------------------------


def test_it_guesses_units_when_an_export_has_no_units_row():
    # Older exports write no units row; km/h and metres must not be stored as mph and yards.
    rows = [metric_shot(Date="14/02/2024 13:33:18") for _ in range(3)]
    lines = [HEADERS_31] + [[row.get(header, "") for header in HEADERS_31] for row in rows]
    content = "\n".join(",".join(cells) for cells in lines).encode()
    result = read(content)

    values = result.rows[0].values
    assert values["ball_speed"] == pytest.approx(177.3 * 0.621371)
    assert values["carry"] == pytest.approx(139.4 * 1.09361)
    assert result.unit_of("ball_speed").source == UNIT_GUESSED
    assert "km/h" in result.unit_of("ball_speed").reason


# --- property: whatever units a file is written in, the same shot comes back -------------------

GARMIN_CLUBS = ["Driver", "3 Wood", "4 Hybrid", "5 Iron", "7 Iron", "9 Iron", "Pitching Wedge"]
SPEED_UNITS = {"[mph]": "mph", "[km/h]": "km/h", "[m/s]": "m/s"}
DISTANCE_UNITS = {"[Yards]": "yds", "[yds]": "yds", "[m]": "m"}
APEX_UNITS = {"[ft]": "ft", "[m]": "m", "[Yards]": "yds"}
METRIC_OF = {
    "Club Speed": "club_speed",
    "Ball Speed": "ball_speed",
    "Carry Distance": "carry",
    "Total Distance": "total",
    "Carry Deviation Distance": "carry_side",
    "Total Deviation Distance": "total_side",
    "Apex Height": "apex",
    "Launch Angle": "launch_angle",
    "Launch Direction": "launch_direction",
    "Spin Rate": "spin_rate",
    "Spin Axis": "spin_axis",
    "Attack Angle": "attack_angle",
}


@st.composite
def canonical_shots(draw):
    ball = draw(st.floats(40, 190))
    values = {
        "ball_speed": ball,
        "club_speed": ball / draw(st.floats(1.0, 1.5)),
        "carry": draw(st.floats(10, 320)),
        "carry_side": draw(st.floats(-40, 40)),
        "apex": draw(st.floats(5, 150)),
        "launch_angle": draw(st.floats(-5, 45)),
        "launch_direction": draw(st.floats(-15, 15)),
        "spin_rate": draw(st.floats(500, 11000)),
        "spin_axis": draw(st.floats(-40, 40)),
        "attack_angle": draw(st.floats(-8, 8)),
    }
    values["total"] = values["carry"] + draw(st.floats(-5, 40))
    values["total_side"] = values["carry_side"] * draw(st.floats(0.8, 1.4))
    return draw(st.sampled_from(GARMIN_CLUBS)), values


@st.composite
def garmin_files(draw):
    shots = draw(st.lists(canonical_shots(), min_size=1, max_size=8))
    headers = draw(st.sampled_from([HEADERS_31, HEADERS_41, HEADERS_42]))
    units = units_for(headers)
    for header in SPEEDS:
        units[header] = draw(st.sampled_from(sorted(SPEED_UNITS)))
    for header in DISTANCES:
        units[header] = draw(st.sampled_from(sorted(DISTANCE_UNITS)))
    units["Apex Height"] = draw(st.sampled_from(sorted(APEX_UNITS)))
    us_dates = draw(st.booleans())
    start = draw(st.datetimes(datetime(2021, 1, 1), datetime(2029, 12, 1))).replace(microsecond=0)
    unit_of = {**SPEED_UNITS, **DISTANCE_UNITS, **APEX_UNITS, "[deg]": "°", "[rpm]": "rpm"}
    rows, expected = [], []
    for number, (club, values) in enumerate(shots):
        hit_at = start + timedelta(seconds=40 * number)
        if us_dates:
            text = f"{hit_at.month}/{hit_at.day}/{hit_at:%y} {hit_at:%I:%M:%S %p}".replace(
                " 0", " "
            )
        else:
            text = f"{hit_at:%d/%m/%Y %H:%M:%S}"
        row = {"Date": text, "Player": "P", "Club Type": club, "Spin Rate Type": "Measured"}
        for header, metric in METRIC_OF.items():
            unit = unit_of[units[header]]
            written = values[metric] / to_canonical(metric, 1.0, unit)
            row[header] = f"{written:.9f}"  # Garmin writes long decimals, never exponents
        row["Smash Factor"] = f"{values['ball_speed'] / values['club_speed']:.9f}"
        rows.append(row)
        expected.append((club, values, hit_at))
    exported = start + timedelta(seconds=40 * len(shots), hours=draw(st.integers(0, 2000)))
    filename = f"DrivingRange-{exported:%Y-%m-%d-%H%M%S}-0000.csv"
    content = garmin_csv(
        rows,
        headers=headers,
        units=units,
        bom=draw(st.booleans()),
        newline=draw(st.sampled_from(["\r\n", "\n"])),
    )
    return content, filename, expected, "Smash Factor" in headers


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garmin_files())
def test_it_reads_back_the_shots_it_is_given_in_any_units(file):
    content, filename, expected, has_smash = file
    result = read_export(content, filename=filename)

    assert not result.rejected
    assert len(result.rows) == len(expected)
    for row, (club, values, hit_at) in zip(result.rows, expected, strict=True):
        assert row.club_text == club
        assert row.hit_at == hit_at
        for metric, value in values.items():
            assert row.values[metric] == pytest.approx(value, rel=1e-7, abs=1e-7), metric
        if has_smash:
            assert row.values["smash_factor"] == pytest.approx(
                values["ball_speed"] / values["club_speed"], abs=1e-8
            )
    assert result.session_date == expected[0][2].date()


# --- the real exports in shared/reference ------------------------------------------------------

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "exports" / "garmin"


def reference_files() -> list[Path]:
    return sorted(REFERENCE.glob("*.csv")) if REFERENCE.is_dir() else []


def data_lines(content: bytes) -> int:
    """Shot lines in a Garmin file, counted without the importer: after header and units row."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = next(index for index, cells in enumerate(rows) if "Club Type" in cells)
    return sum(1 for cells in rows[header + 2 :] if any(cell.strip() for cell in cells))


def test_it_reads_every_real_garmin_export():
    files = reference_files()
    if not files:
        pytest.skip(f"no real Garmin exports at {REFERENCE} (shared/reference is not checked out)")
    for path in files:
        content = path.read_bytes()
        result = read_export(content, filename=path.name)
        name = path.name

        assert result.format == "garmin_csv", name
        assert result.rows, name
        assert result.rejected == [], f"{name}: {result.rejected}"
        assert len(result.rows) == data_lines(content), name
        assert result.session_date is not None, name
        exported = export_time(name)
        for row in result.rows:
            assert row.hit_at is not None, name
            if exported is not None:
                assert row.hit_at <= exported + timedelta(hours=14), (name, row.row_number)
            for metric, value in row.values.items():
                assert math.isfinite(value), (name, row.row_number, metric)
                assert abs(value) < 16777215, (name, row.row_number, metric)
            assert row.values.get("smash_factor", 1.0) > 0, (name, row.row_number)
            if "club_speed" not in row.values:
                assert "face_angle" not in row.values, (name, row.row_number)
