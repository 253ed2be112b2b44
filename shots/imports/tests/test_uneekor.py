"""Uneekor View / Refine CSV, from fixtures written here and the real files."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.result import UNIT_CHOSEN, UNIT_GUESSED
from shots.imports.tests.reference import UNIT_SENSITIVE, reference_files
from shots.imports.uneekor import NEWEST_FIRST_NOTE
from shots.metrics import METRICS_BY_NAME

MPH_PER_KMH = to_canonical("ball_speed", 1.0, "km/h")
YARDS_PER_M = to_canonical("carry", 1.0, "m")
FEET_PER_M = to_canonical("apex", 1.0, "m")

HEADER = (
    "No,Carry,Total,Side Dist,Smash Factor,Club Speed,Ball Speed,Back Spin,Side Spin,"
    "Launch Angle,Side Angle,Decent Angle,Apex,Flight Time,Type,Spin Axis,Total Spin,"
    "Face Angle,Club Path,Attack Angle,Club Lie,Impact Pos X,Impact Pos Y,Dynamic Loft,"
    "Face to Path,Dist to Apex"
)
# A 7-iron session as Uneekor writes it (in mph, yards and an apex in feet),
# newest shot first; shot 2 is a thin one, shot 1 has only the club's numbers.
SESSION = (
    f"{HEADER}\n"
    "4,152.3,160.8,L 12.4,1.36,87.5,119.0,6400,L 820,17.8°,L 2.1°,47.5°,92,6.1 s,Draw,-7.3°,"
    "6452,L 1.2°,R 2.5°,-3.8°,--,--,--,21.4°,L 3.7°,88.1\n"
    "3,148.0,155.2,R 6.3,--,--,116.2,6650,R 310,18.4°,R 1.0°,48.0°,90,6.0 s,Straight,2.7°,"
    "6657,--,--,--,--,--,--,--,--,85.0\n"
    "2,20.5,35.0,L 1.0,--,--,60.1,2100,R 150,3.0°,L 0.5°,4.0°,2,0.8 s,Straight,4.1°,2105,"
    "--,--,--,--,--,--,--,--,10.0\n"
    "1,145.2,152.9,R 2.2,1.33,86.1,114.5,,,,,,,,,,,,,,,,,,,\n"
)
GUESSED_METRICS = ("ball_speed", "club_speed", "carry", "total", "carry_side", "apex")


def read(text: str | bytes, *, filename: str = "export.csv", **options: Any):
    content = text.encode() if isinstance(text, str) else text
    return read_export(content, filename=filename, options=ReadOptions(**options))


def test_it_reads_a_uneekor_session():
    result = read(SESSION)

    assert result.format == "uneekor_csv"
    assert result.vendor == "Uneekor"
    newest = result.rows[0]
    assert newest.row_number == 2
    assert newest.values == {
        "carry": 152.3,
        "total": 160.8,
        "carry_side": -12.4,
        "smash_factor": 1.36,
        "club_speed": 87.5,
        "ball_speed": 119.0,
        "back_spin": 6400,
        "side_spin": -820,
        "launch_angle": 17.8,
        "launch_direction": -2.1,
        "descent_angle": 47.5,  # "Decent Angle", sic
        "apex": 92,
        "hang_time": 6.1,
        "spin_axis": -7.3,
        "spin_rate": 6452,
        "face_angle": -1.2,
        "club_path": 2.5,
        "attack_angle": -3.8,
        "dynamic_loft": 21.4,
        "face_to_path": -3.7,
    }


def test_it_leaves_the_club_to_the_golfer():
    result = read(SESSION)

    assert {(row.club_text, row.club) for row in result.rows} == {("", "")}
    assert all(row.hit_at is None for row in result.rows)


def test_it_keeps_the_files_newest_first_order_and_says_so():
    result = read(SESSION)

    assert [row.row_number for row in result.rows] == [2, 3, 4, 5]
    assert [row.values["carry"] for row in result.rows] == [152.3, 148.0, 20.5, 145.2]
    assert NEWEST_FIRST_NOTE in result.notes


def test_it_reads_double_dash_and_blank_as_not_measured():
    result = read(SESSION)

    assert not {"club_speed", "smash_factor", "face_angle"} & set(result.rows[1].values)
    assert set(result.rows[3].values) == {
        "carry",
        "total",
        "carry_side",
        "smash_factor",
        "club_speed",
        "ball_speed",
    }
    assert result.rejected == []


def test_it_guesses_mph_yards_and_feet_from_the_magnitudes():
    result = read(SESSION)

    units = {metric: result.unit_of(metric).unit for metric in GUESSED_METRICS}
    assert units == {
        "ball_speed": "mph",
        "club_speed": "mph",
        "carry": "yds",
        "total": "yds",
        "carry_side": "yds",
        "apex": "ft",
    }
    assert {result.unit_of(metric).source for metric in GUESSED_METRICS} == {UNIT_GUESSED}
    # The median of 152.3 ÷ 119.0, 148.0 ÷ 116.2 and 145.2 ÷ 114.5; the thin shot does not count.
    assert "carry ÷ ball speed is 1.27" in result.unit_of("carry").reason
    assert "feet" in result.unit_of("apex").reason


def metric_session() -> str:
    """SESSION as a golfer whose Uneekor shows km/h and metres would export it."""
    lines = [HEADER]
    for cells in csv.reader(io.StringIO(SESSION.split("\n", 1)[1])):
        if not cells:
            continue
        for index, factor in ((1, YARDS_PER_M), (2, YARDS_PER_M), (5, MPH_PER_KMH)):
            if cells[index] not in ("", "--"):
                cells[index] = f"{float(cells[index]) / factor:.1f}"
        cells[6] = f"{float(cells[6]) / MPH_PER_KMH:.1f}"
        side, distance = cells[3].split()
        cells[3] = f"{side} {float(distance) / YARDS_PER_M:.1f}"
        if cells[12]:
            cells[12] = str(round(float(cells[12]) / FEET_PER_M))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def test_it_guesses_km_h_and_metres_from_the_magnitudes():
    result = read(metric_session())

    assert result.unit_of("ball_speed").unit == "km/h"
    assert result.unit_of("carry").unit == "m"
    assert result.unit_of("apex").unit == "m"
    newest = result.rows[0].values
    assert newest["ball_speed"] == pytest.approx(119.0, abs=0.1)
    assert newest["carry"] == pytest.approx(152.3, abs=0.1)
    assert newest["carry_side"] == pytest.approx(-12.4, abs=0.1)
    assert newest["apex"] == pytest.approx(92, abs=2)


def test_it_guesses_an_apex_in_yards_when_the_hang_time_says_so():
    # 92 ft is 30.7 yd: written in yards, the apex is well under the feet's range.
    text = SESSION.replace(",92,6.1 s,", ",31,6.1 s,").replace(",90,6.0 s,", ",30,6.0 s,")

    result = read(text)

    assert result.unit_of("apex").unit == "yds"
    assert result.rows[0].values["apex"] == pytest.approx(93)


def test_it_falls_back_to_mph_and_yards_without_a_full_shot():
    text = f"{HEADER}\n1,0.8,12.0,L 1.1,--,--,82.3,2893,R 286,-2.2°,L 5.2°,2.1°,0,0.0 s,Straight,5.6°,2907,--,--,--,--,--,--,--,--,0\n"

    result = read(text)

    assert (result.unit_of("ball_speed").unit, result.unit_of("carry").unit) == ("mph", "yds")
    assert result.unit_of("apex").unit == "ft"
    assert result.unit_of("carry").source == UNIT_GUESSED
    assert "no full shot" in result.unit_of("carry").reason


def test_it_lets_the_golfer_override_a_guessed_unit():
    result = read(SESSION, units={"ball_speed": "km/h", "club_speed": "km/h"})

    assert result.rows[0].values["ball_speed"] == pytest.approx(119.0 * MPH_PER_KMH)
    assert result.unit_of("ball_speed").source == UNIT_CHOSEN
    assert result.unit_of("ball_speed").reason == ""
    assert result.unit_of("carry").source == UNIT_GUESSED


def test_it_recognises_a_uneekor_file_by_its_content():
    assert read(SESSION, filename="26.0301.101500.csv").format == "uneekor_csv"
    assert read(SESSION, filename="shots.txt").format == "uneekor_csv"


def test_it_does_not_note_the_order_when_shots_count_up():
    lines = SESSION.strip().split("\n")
    text = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"

    assert NEWEST_FIRST_NOTE not in read(text).notes


# Round trip: plausible shots written the way Uneekor writes them read back the same.


@st.composite
def plausible_shots(draw: st.DrawFn) -> dict[str, Any]:
    """A shot whose numbers hang together (carry for its ball speed, apex for its hang time)."""
    ball = draw(st.floats(60, 180))
    hang = draw(st.floats(2.5, 7.5))
    apex_m = 9.81 * hang**2 / 8 * draw(st.floats(0.55, 0.85))
    carry = ball * draw(st.floats(1.1, 1.65))
    shot: dict[str, Any] = {
        "ball_speed": ball,
        "carry": carry,
        "total": carry + draw(st.floats(0, 25)),
        "carry_side": draw(st.floats(-40, 40)),
        "back_spin": draw(st.integers(1500, 10000)),
        "side_spin": draw(st.integers(-2000, 2000)),
        "spin_rate": draw(st.integers(1500, 10500)),
        "launch_angle": draw(st.floats(5, 40)),
        "launch_direction": draw(st.floats(-10, 10)),
        "descent_angle": draw(st.floats(20, 60)),
        "apex": apex_m * FEET_PER_M,
        "hang_time": hang,
        "spin_axis": draw(st.floats(-30, 30)),
    }
    if draw(st.booleans()):
        smash = draw(st.floats(1.2, 1.5))
        shot |= {
            "smash_factor": smash,
            "club_speed": ball / smash,
            "face_angle": draw(st.floats(-8, 8)),
            "club_path": draw(st.floats(-8, 8)),
            "attack_angle": draw(st.floats(-8, 8)),
            "dynamic_loft": draw(st.floats(8, 45)),
            "face_to_path": draw(st.floats(-8, 8)),
        }
    return shot


SYSTEMS = {
    "imperial": {"speed": 1.0, "distance": 1.0, "apex": 1.0},
    "metric": {"speed": MPH_PER_KMH, "distance": YARDS_PER_M, "apex": FEET_PER_M},
}
KIND = {
    "ball_speed": "speed",
    "club_speed": "speed",
    "carry": "distance",
    "total": "distance",
    "carry_side": "distance",
    "apex": "apex",
}
DECIMALS = {"apex": 0, "smash_factor": 2, "back_spin": 0, "side_spin": 0, "spin_rate": 0}


def uneekor_cell(shot: dict[str, Any], metric: str, factors: dict[str, float]) -> str:
    """A cell as Uneekor writes it: sides as a prefix, ° and " s" inside, "--" for none."""
    if metric not in shot:
        return "--"
    value = shot[metric] / factors.get(KIND.get(metric, ""), 1.0)
    number = f"{abs(value):.{DECIMALS.get(metric, 1)}f}"
    side = "" if float(number) == 0 else ("L " if value < 0 else "R ")
    if metric in ("carry_side", "side_spin"):
        return f"{side}{number}"
    if metric in ("launch_direction", "face_angle", "club_path", "face_to_path"):
        return f"{side}{number}°"
    if metric in ("launch_angle", "descent_angle", "spin_axis", "attack_angle", "dynamic_loft"):
        return f"{value:.1f}°"
    if metric == "hang_time":
        return f"{value:.1f} s"
    return f"{value:.{DECIMALS.get(metric, 1)}f}"


COLUMN_METRICS = {
    "Carry": "carry",
    "Total": "total",
    "Side Dist": "carry_side",
    "Smash Factor": "smash_factor",
    "Club Speed": "club_speed",
    "Ball Speed": "ball_speed",
    "Back Spin": "back_spin",
    "Side Spin": "side_spin",
    "Launch Angle": "launch_angle",
    "Side Angle": "launch_direction",
    "Decent Angle": "descent_angle",
    "Apex": "apex",
    "Flight Time": "hang_time",
    "Spin Axis": "spin_axis",
    "Total Spin": "spin_rate",
    "Face Angle": "face_angle",
    "Club Path": "club_path",
    "Attack Angle": "attack_angle",
    "Dynamic Loft": "dynamic_loft",
    "Face to Path": "face_to_path",
}


@hypothesis_settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shots=st.lists(plausible_shots(), min_size=1, max_size=10),
    system=st.sampled_from(sorted(SYSTEMS)),
)
def test_uneekor_csv_round_trips_plausible_shots(shots, system):
    factors = SYSTEMS[system]
    lines = [HEADER]
    for number, shot in zip(range(len(shots), 0, -1), shots, strict=True):
        cells = []
        for header in HEADER.split(","):
            if header == "No":
                cells.append(str(number))
            elif header in COLUMN_METRICS:
                cells.append(uneekor_cell(shot, COLUMN_METRICS[header], factors))
            elif header == "Type":
                cells.append("Straight")
            else:
                cells.append("--")
        lines.append(",".join(cells))

    result = read("\n".join(lines) + "\n")

    speed, distance, apex = ("mph", "yds", "ft") if system == "imperial" else ("km/h", "m", "m")
    assert result.unit_of("ball_speed").unit == speed
    assert result.unit_of("carry").unit == distance
    assert result.unit_of("apex").unit == apex
    assert len(result.rows) == len(shots)
    for row, shot in zip(result.rows, shots, strict=True):
        assert set(row.values) == set(shot)
        for metric, value in shot.items():
            decimals = DECIMALS.get(metric, 1)
            tolerance = 0.5 * 10**-decimals * factors.get(KIND.get(metric, ""), 1.0) + 1e-9
            assert row.values[metric] == pytest.approx(value, abs=tolerance), metric


# The real files in shared/reference (third-party: read in place, never copied).


def test_it_reads_every_real_uneekor_file():
    for path in reference_files("uneekor"):
        content = path.read_bytes()
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        data_rows = [line for line in lines[1:] if any(cell.strip() for cell in line)]

        result = read(content, filename=path.name)

        assert result.format == "uneekor_csv", path.name
        assert result.rows, path.name
        assert result.rejected == [], path.name
        assert len(result.rows) == len(data_rows), path.name
        for metric in GUESSED_METRICS:
            assert result.unit_of(metric).source == UNIT_GUESSED, (path.name, metric)
        speed, carry = result.unit_of("ball_speed").unit, result.unit_of("carry").unit
        assert (speed, carry) in {("mph", "yds"), ("km/h", "m")}, path.name
        assert result.unit_of("apex").unit in {"ft", carry}, path.name
        for row in result.rows:
            for name, value in row.values.items():
                assert abs(value) < 16777215, (path.name, row.row_number, name)
                metric = METRICS_BY_NAME[name]
                if metric.quantity in UNIT_SENSITIVE:
                    assert metric.is_within_hard_range(value), (row.row_number, name, value)
