"""Trackman TPS CSV exports, on files written here in Trackman's format."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.result import UNIT_FROM_UNITS_ROW

HEADERS = [
    "Date",
    "TMD No",
    "TMD Filename",
    "Player",
    "Club",
    "Ball",
    "Club Speed",
    "Attack Angle",
    "Club Path",
    "Low Point",
    "Dyn. Loft",
    "Face Angle",
    "Face To Path",
    "Ball Speed",
    "Smash Factor",
    "Launch Angle",
    "Launch Direction",
    "Spin Rate",
    "Spin Rate Type",
    "Spin Axis",
    "Max Height - Dist.",
    "Max Height - Height",
    "Max Height - Side",
    "Carry Flat - Length",
    "Carry Flat - Side",
    "Carry Flat - Land. Angle",
    "Carry Flat - Ball Speed",
    "Carry Flat - Time",
    "Est. Total Flat - Length",
    "Est. Total Flat - Side",
    "Curve",
    "Spin Axis (Sim)",
    "Carry (Sim)",
    "Total (Sim)",
    "Carry Side (Sim)",
    "Spin Loft",
    "Use In Stat",
    "Tags",
    "Email",
]
METRICS = {
    "Club Speed": "club_speed",
    "Attack Angle": "attack_angle",
    "Club Path": "club_path",
    "Dyn. Loft": "dynamic_loft",
    "Face Angle": "face_angle",
    "Face To Path": "face_to_path",
    "Ball Speed": "ball_speed",
    "Smash Factor": "smash_factor",
    "Launch Angle": "launch_angle",
    "Launch Direction": "launch_direction",
    "Spin Rate": "spin_rate",
    "Spin Axis": "spin_axis",
    "Max Height - Height": "apex",
    "Carry Flat - Length": "carry",
    "Carry Flat - Side": "carry_side",
    "Carry Flat - Land. Angle": "descent_angle",
    "Carry Flat - Time": "hang_time",
    "Est. Total Flat - Length": "total",
    "Est. Total Flat - Side": "total_side",
}
IMPERIAL = {"speed": "[mph]", "distance": "[yds]", "height": "[ft]"}
METRIC = {"speed": "[km/h]", "distance": "[m]", "height": "[m]"}
KIND = {
    "club_speed": "speed",
    "ball_speed": "speed",
    "apex": "height",
    "carry": "distance",
    "carry_side": "distance",
    "total": "distance",
    "total_side": "distance",
}
OTHER_UNITS = {
    "Low Point": "[in]",
    "Max Height - Dist.": "[yds]",
    "Max Height - Side": "[ft]",
    "Carry Flat - Ball Speed": "[mph]",
    "Curve": "[ft]",
    "Spin Axis (Sim)": "[deg]",
    "Carry (Sim)": "[yds]",
    "Total (Sim)": "[yds]",
    "Carry Side (Sim)": "[ft/in]",
    "Spin Loft": "[deg]",
}


def units_row(system: dict[str, str]) -> list[str]:
    cells = []
    for header in HEADERS:
        metric = METRICS.get(header)
        if metric in KIND:
            cells.append(system[KIND[metric]])
        elif metric == "smash_factor" or header == "Spin Rate Type":
            cells.append("[]")
        elif metric in ("spin_rate",):
            cells.append("[rpm]")
        elif metric == "hang_time":
            cells.append("[s]")
        elif metric:
            cells.append("[deg]")
        else:
            cells.append(OTHER_UNITS.get(header, ""))
    return cells


def tps_file(rows: list[dict[str, str]], *, system: dict[str, str] = IMPERIAL) -> bytes:
    output = io.StringIO()
    output.write("sep=,\r\n")
    writer = csv.writer(output, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerow(units_row(system))
    for row in rows:
        writer.writerow([row.get(header, "") for header in HEADERS])
    return codecs.BOM_UTF8 + output.getvalue().encode()


FULL_SHOT = {
    "Date": "2/19/2026 4:54:48 PM",
    "Player": "Tester",
    "Club": "8 Iron",
    "Ball": "Premium",
    "Club Speed": "90.84421975662131",
    "Attack Angle": "-7.6000000000000005",
    "Club Path": "-3.2",
    "Low Point": "5.15748031496063",
    "Dyn. Loft": "22.114",
    "Face Angle": "1.583",
    "Face To Path": "4.783",
    "Ball Speed": "118.95714030064427",
    "Smash Factor": "1.3094629533870137",
    "Launch Angle": "16.603",
    "Launch Direction": "0.624",
    "Spin Rate": "6588.999999999999",
    "Spin Rate Type": "Measured",
    "Spin Axis": "7.792",
    "Max Height - Height": "90.72365088508026",
    "Carry Flat - Length": "163.99463830288707",
    "Carry Flat - Side": "13.742941752836114",
    "Carry Flat - Land. Angle": "47.42190803702046",
    "Carry Flat - Time": "6.04760589599601",
    "Est. Total Flat - Length": "167.78662478201272",
    "Est. Total Flat - Side": "14.84747092487933",
    "Spin Axis (Sim)": "9.1",
    "Carry (Sim)": "170.2",
    "Use In Stat": "TRUE",
}
NO_CLUB_DATA = {
    **{key: value for key, value in FULL_SHOT.items() if METRICS.get(key) not in KIND},
    "Date": "2/19/2026 4:55:11 PM",
    "Club Speed": "",
    "Attack Angle": "",
    "Club Path": "",
    "Face To Path": "",
    "Smash Factor": "",
    "Spin Rate Type": "Estimated",
    "Ball Speed": "128.64307444523982",
    "Carry Flat - Length": "178.60709789667712",
    "Carry Flat - Side": "4.2 L",
    "Max Height - Height": "99.8",
}


def read(content: bytes, **options):
    return read_export(content, filename="TPS export.csv", options=ReadOptions(**options))


def test_it_reads_a_tps_export_with_its_units_row():
    result = read(tps_file([FULL_SHOT]))
    assert result.format == "trackman_csv"
    assert result.vendor == "Trackman"
    row = result.rows[0]
    assert row.row_number == 4  # "sep=," is line 1
    assert row.club == "8i"
    assert row.hit_at == datetime(2026, 2, 19, 16, 54, 48)
    assert row.values["club_speed"] == pytest.approx(90.844, abs=0.001)
    assert row.values["carry"] == pytest.approx(163.995, abs=0.001)
    assert row.values["apex"] == pytest.approx(90.72, abs=0.01)  # feet
    assert row.values["descent_angle"] == pytest.approx(47.42, abs=0.01)
    assert row.values["hang_time"] == pytest.approx(6.05, abs=0.01)
    assert row.values["total_side"] == pytest.approx(14.85, abs=0.01)
    assert result.unit_of("carry").source == UNIT_FROM_UNITS_ROW


def test_it_does_not_read_the_simulated_columns():
    result = read(tps_file([{**FULL_SHOT, "Carry Flat - Length": "", "Spin Axis": ""}]))
    row = result.rows[0]
    assert "carry" not in row.values  # "Carry (Sim)" is no carry measured
    assert "spin_axis" not in row.values
    assert {column.header for column in result.columns} >= {"Carry Flat - Length"}
    assert not any("Sim" in column.header for column in result.columns)


def test_it_leaves_out_missing_club_data_and_flags_estimated_spin():
    result = read(tps_file([FULL_SHOT, NO_CLUB_DATA]))
    second = result.rows[1]
    assert "club_speed" not in second.values
    assert "attack_angle" not in second.values
    assert second.flags == {"spin_rate": ["estimated"]}
    assert second.values["carry_side"] == pytest.approx(-4.2)
    assert result.rows[0].flags == {}


def test_it_converts_a_metric_export():
    result = read(tps_file([FULL_SHOT], system=METRIC))
    row = result.rows[0]
    assert row.values["ball_speed"] == pytest.approx(118.957 * 0.621371, abs=0.001)
    assert row.values["carry"] == pytest.approx(163.995 * 1.09361, abs=0.001)
    assert row.values["apex"] == pytest.approx(90.72365 * 3.28084, abs=0.001)
    assert result.unit_of("apex").unit == "m"


@pytest.mark.parametrize(
    ("dates", "first"),
    [
        (["19.02.2026 16:54:48", "19.02.2026 16:55:11"], datetime(2026, 2, 19, 16, 54, 48)),
        (["13/02/2026 16:54:48", "02/03/2026 09:05:00"], datetime(2026, 2, 13, 16, 54, 48)),
        (["2026-02-19T16:54:48", "2026-02-19T16:55:11"], datetime(2026, 2, 19, 16, 54, 48)),
    ],
)
def test_it_reads_the_dates_of_other_locales(dates, first):
    result = read(tps_file([{**FULL_SHOT, "Date": dates[0]}, {**FULL_SHOT, "Date": dates[1]}]))
    assert result.rows[0].hit_at == first


def test_it_keeps_a_shot_whose_date_it_cannot_read_and_says_so():
    result = read(tps_file([FULL_SHOT, {**FULL_SHOT, "Date": "yesterday"}]))
    assert [row.hit_at is None for row in result.rows] == [False, True]
    assert any("could not be read" in note for note in result.notes)


# --- Property: plausible shots written as Trackman writes them read back the same ---------------

RANGES = {
    "club_speed": (40, 125),
    "attack_angle": (-10, 10),
    "club_path": (-10, 10),
    "dynamic_loft": (5, 55),
    "face_angle": (-10, 10),
    "face_to_path": (-10, 10),
    "ball_speed": (40, 190),
    "smash_factor": (1.0, 1.52),
    "launch_angle": (2, 45),
    "launch_direction": (-10, 10),
    "spin_rate": (1000, 11000),
    "spin_axis": (-30, 30),
    "apex": (15, 140),
    "carry": (30, 300),
    "carry_side": (-40, 40),
    "descent_angle": (20, 60),
    "hang_time": (2, 8),
    "total": (35, 320),
    "total_side": (-45, 45),
}
shots = st.fixed_dictionaries(
    {name: st.floats(low, high, allow_nan=False) for name, (low, high) in RANGES.items()}
)
COLUMN_OF = {metric: header for header, metric in METRICS.items()}


@hypothesis_settings(max_examples=40, deadline=None)
@given(
    shot_list=st.lists(shots, min_size=1, max_size=5),
    metric=st.booleans(),
    sided=st.booleans(),
)
def test_it_reads_back_any_plausible_shots_written_as_trackman_writes_them(
    shot_list, metric, sided
):
    system = METRIC if metric else IMPERIAL
    start = datetime(2025, 6, 1, 17, 0, 0)
    rows = []
    for index, shot in enumerate(shot_list):
        when = start + timedelta(seconds=40 * index)
        row = {
            "Date": f"{when.month}/{when.day}/{when.year} {when:%I:%M:%S %p}".lstrip("0"),
            "Club": "7 Iron",
        }
        for name, value in shot.items():
            unit = system[KIND[name]].strip("[]") if name in KIND else None
            written = value / to_canonical(name, 1.0, unit) if unit else value
            if sided and name in ("carry_side", "launch_direction"):
                row[COLUMN_OF[name]] = f"{abs(written):.4f} {'L' if written < 0 else 'R'}"
            else:
                row[COLUMN_OF[name]] = repr(written)
        rows.append(row)
    result = read(tps_file(rows, system=system))
    assert not result.rejected
    assert [row.hit_at for row in result.rows] == [
        start + timedelta(seconds=40 * index) for index in range(len(shot_list))
    ]
    for row, shot in zip(result.rows, shot_list, strict=True):
        for name, value in shot.items():
            assert row.values[name] == pytest.approx(value, abs=0.001), name
