"""Foresight FSX: LastShot.CSV and the session JSON, from fixtures written here and real files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.foresight import DISABLED_REASON, SessionJsonReader
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_FORMAT, UNIT_FROM_HEADER, ImportFileError
from shots.imports.tables import table_from_bytes
from shots.imports.tests.reference import UNIT_SENSITIVE, reference_files
from shots.metrics import METRICS_BY_NAME

MPH_PER_MS = to_canonical("ball_speed", 1.0, "m/s")
YARDS_PER_M = to_canonical("carry", 1.0, "m")
FEET_PER_M = to_canonical("apex", 1.0, "m")
NO_DATA = "16777215.000000"

LASTSHOT_HEADER = (
    "Shot ID, Club, Club head Speed (m/s), Ball Speed (m/s), Launch Angle (deg), Azimuth (deg), "
    "Side Spin (rpm), Back Spin (rpm), Total Spin (rpm), Descent Angle (deg), Carry (m), "
    "Total Distance (m), Offline (m), Peak Height (m), Distance to Pin (m), Vert Path (deg), "
    "Horiz Path (deg), Face to Path (deg), Face to Target (deg), Lie (deg), Loft (deg), "
    "Closure Rate (deg/s), Horiz Impact (mm), Vert Impact (mm), "
)
# A 7-iron with club data, as FSX writes it: ", " between cells and a trailing ", ".
LASTSHOT_7I = (
    f"{LASTSHOT_HEADER}\r\n"
    "12, 7i, 38.000000, 52.000000, 17.500000, -1.250000, -310, 6200, 6208, 49.000000, "
    "150.000000, 160.000000, -4.500000, 30.000000, 12.000000, -4.000000, 2.000000, "
    "-1.500000, 0.500000, 60.000000, 21.000000, 1200.000000, 3.000000, -2.000000, \r\n"
)
# A drive where FSX saw no club: every club cell is 2**24 - 1.
LASTSHOT_NO_CLUB = (
    f"{LASTSHOT_HEADER}\n"
    "3, 1w, " + NO_DATA + ", 70.000000, 12.000000, 2.000000, 250, 2400, 2413, 38.000000, "
    "230.000000, 255.000000, 9.000000, 28.000000, 40.000000, " + ", ".join([NO_DATA] * 9) + ", \n"
)


def read(text: str | bytes, *, filename: str = "export", **options: Any):
    content = text.encode() if isinstance(text, str) else text
    return read_export(content, filename=filename, options=ReadOptions(**options))


def session(shots: list[dict[str, Any]], **fields: Any) -> bytes:
    document = {
        "PlayerName": "PLAYER 1",
        "SessionType": "Improve",
        "SessionStartDate": "2024.03.09",
        "SessionStartTime": "18:05:00",
        "Timestamp": "2024.03.09T23:05:00",
        "SessionID": "0c8e1f5e-test",
        **fields,
        "Shots": shots,
    }
    return json.dumps(document).encode()


def fsx_shot(**changes: Any) -> dict[str, Any]:
    shot: dict[str, Any] = {
        "ID": 101,
        "Timestamp": "18:06:30",
        "Enabled": True,
        "ClubType": "7i",
        "ClubName": "7 Iron",
        "BallData": {
            "BallSpeed_MS": 50.0,
            "Azimuth_DEG": -2.0,
            "LaunchAngle_DEG": 18.0,
            "BackSpin_RPM": 6500,
            "SideSpin_RPM": -400,
            "TotalSpin_RPM": 6512,
            "SpinAxis_DEG": -3.5,
        },
        "FlightData": {
            "CarryDistance_M": 145.0,
            "TotalDistance_M": 152.0,
            "OfflineDistance_M": -6.0,
            "DistanceToPin_M": 20.0,
            "MaxHeight_M": 27.0,
            "DescentAngle_DEG": 47.0,
        },
    }
    shot.update(changes)
    return shot


def club_data(**changes: Any) -> dict[str, Any]:
    """ClubData as FSX writes it when it saw no club: nulls, and 0 for face-to-path."""
    data: dict[str, Any] = {
        "ClubSpeed_MS": None,
        "ClubSpeedAtImpact_MS": None,
        "Efficiency": None,
        "VerticalPath_DEG": None,
        "HorizontalPath_DEG": None,
        "Lie_DEG": None,
        "Loft_DEG": None,
        "FAxis_DEG": None,
        "FaceImpactHorizontal_MM": None,
        "FaceImpactVertical_MM": None,
        "FaceToTarget_DEG": None,
        "FaceToPath_DEG": 0,
        "ClosureRate_DEG": None,
        "Algorithm": "",
    }
    data.update(changes)
    return data


# LastShot.CSV


def test_it_reads_lastshot_csv_in_si_units():
    result = read(LASTSHOT_7I, filename="LastShot.CSV")

    assert result.format == "foresight_lastshot_csv"
    assert result.vendor == "Foresight"
    assert len(result.rows) == 1
    row = result.rows[0]
    assert row.row_number == 2
    assert (row.club_text, row.club) == ("7i", "7i")
    assert row.hit_at is None  # the file has no time; the preview asks
    values = row.values
    assert values["ball_speed"] == pytest.approx(52 * MPH_PER_MS)
    assert values["club_speed"] == pytest.approx(38 * MPH_PER_MS)
    assert values["carry"] == pytest.approx(150 * YARDS_PER_M)
    assert values["total"] == pytest.approx(160 * YARDS_PER_M)
    assert values["carry_side"] == pytest.approx(-4.5 * YARDS_PER_M)
    assert values["apex"] == pytest.approx(30 * FEET_PER_M)
    assert values["launch_angle"] == 17.5
    assert values["launch_direction"] == -1.25
    assert (values["spin_rate"], values["back_spin"], values["side_spin"]) == (6208, 6200, -310)
    assert values["descent_angle"] == 49
    assert values["attack_angle"] == -4  # "Vert Path"
    assert values["club_path"] == 2  # "Horiz Path"
    assert values["face_to_path"] == -1.5
    assert values["face_angle"] == 0.5  # "Face to Target"
    assert values["dynamic_loft"] == 21  # "Loft"
    assert result.unit_of("ball_speed").unit == "m/s"
    assert result.unit_of("carry").unit == "m"
    assert result.unit_of("apex").unit == "m"
    assert result.unit_of("carry").source == UNIT_FROM_HEADER


def test_it_ignores_distance_to_pin_lie_and_impact_columns():
    result = read(LASTSHOT_7I)

    # 12 m to the pin, lie 60°, closure 1200°/s: none of them is a shot metric here.
    assert set(result.rows[0].values) == {
        "ball_speed",
        "club_speed",
        "launch_angle",
        "launch_direction",
        "side_spin",
        "back_spin",
        "spin_rate",
        "descent_angle",
        "carry",
        "total",
        "carry_side",
        "apex",
        "attack_angle",
        "club_path",
        "face_to_path",
        "face_angle",
        "dynamic_loft",
    }


def test_it_treats_16777215_as_not_measured():
    result = read(LASTSHOT_NO_CLUB)

    row = result.rows[0]
    assert (row.club_text, row.club) == ("1w", "driver")
    assert row.values["ball_speed"] == pytest.approx(70 * MPH_PER_MS)
    for metric in ("club_speed", "attack_angle", "club_path", "face_to_path", "face_angle"):
        assert metric not in row.values
    assert "dynamic_loft" not in row.values
    assert all(abs(value) < 1e6 for value in row.values.values())


def test_it_recognises_lastshot_by_its_content_not_its_name():
    assert read(LASTSHOT_7I, filename="upload.txt").format == "foresight_lastshot_csv"


def test_it_reads_lastshot_without_the_trailing_separator():
    text = "\n".join(line.rstrip(", ") for line in LASTSHOT_7I.splitlines()) + "\n"

    result = read(text)

    assert len(result.rows) == 1
    assert result.rejected == []


def test_it_lets_the_golfer_override_a_lastshot_unit():
    result = read(LASTSHOT_7I, units={"carry": "yds"})

    assert result.rows[0].values["carry"] == 150
    assert result.unit_of("carry").source == UNIT_CHOSEN


# The session JSON


def test_it_reads_a_session_shot_in_si_units():
    result = read(session([fsx_shot()]), filename="20240309PLAYER_1.session")

    assert result.format == "foresight_session_json"
    assert result.device == "Foresight FSX"
    assert result.session_date == date(2024, 3, 9)
    assert result.session_date_source == "file"
    row = result.rows[0]
    assert row.row_number == 1
    assert row.hit_at == datetime(2024, 3, 9, 18, 6, 30)  # naive: the simulator's local clock
    assert (row.club_text, row.club) == ("7 Iron", "7i")
    assert row.values == pytest.approx(
        {
            "ball_speed": 50 * MPH_PER_MS,
            "launch_direction": -2.0,
            "launch_angle": 18.0,
            "back_spin": 6500,
            "side_spin": -400,
            "spin_rate": 6512,
            "spin_axis": -3.5,
            "carry": 145 * YARDS_PER_M,
            "total": 152 * YARDS_PER_M,
            "carry_side": -6 * YARDS_PER_M,
            "apex": 27 * FEET_PER_M,
            "descent_angle": 47.0,
        }
    )
    assert result.unit_of("ball_speed").unit == "m/s"
    assert result.unit_of("carry").unit == "m"
    assert result.unit_of("carry").source == UNIT_FROM_FORMAT
    assert result.unit_of("carry").header == "CarryDistance_M"
    assert result.unit_of("club_speed") is None  # no ClubData in this file


def test_it_numbers_session_rows_by_the_shot_index_and_skips_disabled_shots():
    shots = [fsx_shot(ID=1), fsx_shot(ID=2, Enabled=False), fsx_shot(ID=3)]

    result = read(session(shots))

    assert [row.row_number for row in result.rows] == [1, 3]
    assert [(note.row_number, note.reason) for note in result.skipped] == [(2, DISABLED_REASON)]
    assert DISABLED_REASON == "disabled in FSX"


def test_it_treats_null_zero_and_2_24_club_data_as_not_measured():
    shots = [
        fsx_shot(ClubData=club_data()),
        fsx_shot(ClubData=club_data(ClubSpeed_MS=40.0, FaceToPath_DEG=16777216)),
    ]

    result = read(session(shots))

    unmeasured, lost_face = (row.values for row in result.rows)
    assert not {"club_speed", "face_to_path", "smash_factor", "attack_angle"} & set(unmeasured)
    assert lost_face["club_speed"] == pytest.approx(40 * MPH_PER_MS)
    assert "face_to_path" not in lost_face


def test_it_reads_club_data_when_fsx_measured_it():
    data = club_data(
        ClubSpeed_MS=40.0,
        Efficiency=1.25,
        VerticalPath_DEG=-4.5,
        HorizontalPath_DEG=2.0,
        Loft_DEG=22.0,
        FaceToTarget_DEG=1.0,
        FaceToPath_DEG=-1.0,
        Lie_DEG=61.0,
        ClosureRate_DEG=900.0,
    )

    result = read(session([fsx_shot(ClubData=data)]))

    values = result.rows[0].values
    assert values["club_speed"] == pytest.approx(40 * MPH_PER_MS)
    assert values["smash_factor"] == 1.25
    assert values["attack_angle"] == -4.5
    assert values["club_path"] == 2.0
    assert values["dynamic_loft"] == 22.0
    assert values["face_angle"] == 1.0
    assert values["face_to_path"] == -1.0
    assert result.unit_of("club_speed").unit == "m/s"


@pytest.mark.parametrize(
    ("club_type", "club_name", "club_text", "club"),
    [
        ("1w", "Driver", "Driver", "driver"),
        ("7i", "My Blade", "My Blade", "7i"),  # FSX's own code wins over a custom name
        ("Irn", "7 iron", "7 iron", "7i"),  # a generic code defers to the name
        ("Wdg", "56", "56", "sw"),
        ("Wdg", "Gap Wedge", "Gap Wedge", "gw"),
        ("Wdg", "Old faithful", "Old faithful", ""),  # the preview asks
        ("Pt", "", "Pt", "putter"),
    ],
)
def test_it_takes_the_club_from_fsx_code_or_name(club_type, club_name, club_text, club):
    result = read(session([fsx_shot(ClubType=club_type, ClubName=club_name)]))

    assert (result.rows[0].club_text, result.rows[0].club) == (club_text, club)


def test_it_puts_shots_after_midnight_on_the_next_day():
    shots = [fsx_shot(Timestamp="23:58:10"), fsx_shot(Timestamp="00:03:40")]

    result = read(session(shots, SessionStartDate="2024.12.31", SessionStartTime="23:50:00"))

    assert [row.hit_at for row in result.rows] == [
        datetime(2024, 12, 31, 23, 58, 10),
        datetime(2025, 1, 1, 0, 3, 40),
    ]


def test_it_keeps_a_shot_a_little_before_the_start_on_the_same_day():
    result = read(session([fsx_shot(Timestamp="18:04:58")]))  # the session starts 18:05:00

    assert result.rows[0].hit_at == datetime(2024, 3, 9, 18, 4, 58)


def test_it_leaves_the_time_empty_without_a_session_date():
    result = read(session([fsx_shot()], SessionStartDate=""))

    assert result.rows[0].hit_at is None
    assert result.session_date is None


def test_it_lets_the_golfer_override_a_session_unit():
    result = read(session([fsx_shot()]), units={"carry": "yds", "ball_speed": "mph"})

    assert result.rows[0].values["carry"] == 145
    assert result.rows[0].values["ball_speed"] == 50
    assert result.unit_of("carry").source == UNIT_CHOSEN


def test_it_rejects_a_session_unit_that_cannot_be():
    with pytest.raises(ImportFileError, match="CarryDistance_M"):
        read(session([fsx_shot()]), units={"carry": "rpm"})


def test_it_rejects_a_session_shot_whose_value_is_not_a_number():
    bad = fsx_shot()
    bad["BallData"]["BallSpeed_MS"] = "fast"

    result = read(session([bad, fsx_shot()]))

    assert [row.row_number for row in result.rows] == [2]
    assert result.rejected[0].row_number == 1
    assert "BallSpeed_MS" in result.rejected[0].reason


def test_it_rejects_a_session_shot_without_any_measurement():
    empty = fsx_shot(BallData={"BallSpeed_MS": None}, FlightData={"CarryDistance_M": None})

    result = read(session([empty]))

    assert result.rows == []
    assert result.rejected[0].reason == "no measured values"


def test_it_refuses_a_session_without_shots():
    with pytest.raises(ImportFileError, match="no shots"):
        read(session([]))


def test_it_does_not_take_other_json_for_an_fsx_session():
    table = table_from_bytes(json.dumps({"shots": [{"carry": 150}]}).encode())

    assert SessionJsonReader().detect(table) is False


# Round trips: plausible shots written the way FSX writes them read back the same.

CANONICAL_SHOT = st.fixed_dictionaries(
    {
        "ball_speed": st.floats(40, 190),
        "club_speed": st.floats(40, 130),
        "launch_angle": st.floats(-5, 45),
        "launch_direction": st.floats(-15, 15),
        "back_spin": st.integers(500, 11000),
        "side_spin": st.integers(-2500, 2500),
        "spin_rate": st.integers(800, 11500),
        "descent_angle": st.floats(5, 60),
        "carry": st.floats(5, 330),
        "total": st.floats(5, 360),
        "carry_side": st.floats(-50, 50),
        "apex": st.floats(1, 160),
        "attack_angle": st.floats(-10, 10),
        "club_path": st.floats(-12, 12),
        "face_to_path": st.floats(-12, 12),
        "face_angle": st.floats(-12, 12),
        "dynamic_loft": st.floats(5, 55),
    }
)
SI_FACTORS = {
    "ball_speed": MPH_PER_MS,
    "club_speed": MPH_PER_MS,
    "carry": YARDS_PER_M,
    "total": YARDS_PER_M,
    "carry_side": YARDS_PER_M,
    "apex": FEET_PER_M,
}
LASTSHOT_ORDER = [
    "club_speed",
    "ball_speed",
    "launch_angle",
    "launch_direction",
    "side_spin",
    "back_spin",
    "spin_rate",
    "descent_angle",
    "carry",
    "total",
    "carry_side",
    "apex",
    "pin",
    "attack_angle",
    "club_path",
    "face_to_path",
    "face_angle",
    "lie",
    "dynamic_loft",
    "closure",
    "horiz_impact",
    "vert_impact",
]


def assert_round_trip(read_back: dict[str, float], shot: dict[str, float], decimals: int) -> None:
    assert set(read_back) == set(shot)
    for metric, value in shot.items():
        tolerance = 0.5 * 10**-decimals * SI_FACTORS.get(metric, 1.0) + 1e-9
        assert read_back[metric] == pytest.approx(value, abs=tolerance), metric


def si_cell(metric: str, value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{value / SI_FACTORS.get(metric, 1.0):.6f}"


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shot=CANONICAL_SHOT, club=st.sampled_from(["1w", "3w", "4h", "7i", "PW", "SW"]))
def test_lastshot_round_trips_plausible_shots(shot, club):
    cells = ["7", club]
    for metric in LASTSHOT_ORDER:
        cells.append(si_cell(metric, shot[metric]) if metric in shot else "0.000000")
    text = f"{LASTSHOT_HEADER}\r\n{', '.join(cells)}, \r\n"

    result = read(text)

    assert len(result.rows) == 1
    assert_round_trip(result.rows[0].values, shot, decimals=6)


SESSION_KEYS = {
    "ball_speed": ("BallData", "BallSpeed_MS"),
    "launch_angle": ("BallData", "LaunchAngle_DEG"),
    "launch_direction": ("BallData", "Azimuth_DEG"),
    "spin_rate": ("BallData", "TotalSpin_RPM"),
    "back_spin": ("BallData", "BackSpin_RPM"),
    "side_spin": ("BallData", "SideSpin_RPM"),
    "carry": ("FlightData", "CarryDistance_M"),
    "total": ("FlightData", "TotalDistance_M"),
    "carry_side": ("FlightData", "OfflineDistance_M"),
    "apex": ("FlightData", "MaxHeight_M"),
    "descent_angle": ("FlightData", "DescentAngle_DEG"),
    "club_speed": ("ClubData", "ClubSpeed_MS"),
    "attack_angle": ("ClubData", "VerticalPath_DEG"),
    "club_path": ("ClubData", "HorizontalPath_DEG"),
    "face_angle": ("ClubData", "FaceToTarget_DEG"),
    "face_to_path": ("ClubData", "FaceToPath_DEG"),
    "dynamic_loft": ("ClubData", "Loft_DEG"),
}


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shots=st.lists(CANONICAL_SHOT, min_size=1, max_size=8))
def test_session_json_round_trips_plausible_shots(shots):
    written = []
    for index, shot in enumerate(shots):
        groups = {"BallData": {}, "FlightData": {}, "ClubData": {}}
        for metric, value in shot.items():
            group, key = SESSION_KEYS[metric]
            si = value if isinstance(value, int) else round(value / SI_FACTORS.get(metric, 1), 6)
            groups[group][key] = si
        written.append(fsx_shot(ID=index, Timestamp=f"18:{10 + index:02}:00", **groups))

    result = read(session(written))

    assert [row.row_number for row in result.rows] == list(range(1, len(shots) + 1))
    for row, shot in zip(result.rows, shots, strict=True):
        assert_round_trip(row.values, shot, decimals=6)


# The real files in shared/reference (third-party: read in place, never copied).


def assert_no_sentinel_or_unit_mistake(rows) -> None:
    for row in rows:
        for name, value in row.values.items():
            assert abs(value) < 16777215, (row.row_number, name, value)
            metric = METRICS_BY_NAME[name]
            if metric.quantity in UNIT_SENSITIVE:
                assert metric.is_within_hard_range(value), (row.row_number, name, value)


def test_it_reads_every_real_foresight_file():
    for path in reference_files("foresight"):
        content = path.read_bytes()

        result = read(content, filename=path.name)

        assert result.rows, path.name
        assert result.rejected == [], path.name
        assert_no_sentinel_or_unit_mistake(result.rows)
        assert result.unit_of("ball_speed").unit == "m/s", path.name
        assert result.unit_of("carry").unit == "m", path.name
        if result.format == "foresight_session_json":
            shots = json.loads(content)["Shots"]
            disabled = sum(shot.get("Enabled") is False for shot in shots)
            assert len(result.rows) == len(shots) - disabled, path.name
            assert all(note.reason == DISABLED_REASON for note in result.skipped)
            assert all(row.hit_at is not None for row in result.rows), path.name
        else:
            assert result.format == "foresight_lastshot_csv", path.name
            lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
            data_rows = [line for line in lines[1:] if any(cell.strip() for cell in line)]
            assert len(result.rows) == len(data_rows), path.name
            assert all(row.hit_at is None for row in result.rows)
