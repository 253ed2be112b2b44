"""FlightScope: the myflightscope cloud CSV and the FS Golf export, from fixtures and real files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.flightscope import SHAPE_REPAIR_NOTE
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_HEADER
from shots.imports.tests.reference import UNIT_SENSITIVE, reference_files
from shots.metrics import METRICS_BY_NAME

MPH_PER_MS = to_canonical("ball_speed", 1.0, "m/s")
MPH_PER_KMH = to_canonical("ball_speed", 1.0, "km/h")
YARDS_PER_M = to_canonical("carry", 1.0, "m")
FEET_PER_M = to_canonical("apex", 1.0, "m")

# As the flightscope-to-csv scraper writes it: the Shape header stands before
# Launch H and Launch V, while the shape word is the last of the three values.
CLOUD_HEADER = (
    "sessionId,Session,Time,Club,Shot,Ball (m/s),Club (m/s),Smash,Carry (m),Total (m),"
    "Spin (rpm),Sidespin (rpm),Spin estimated,Height (m),Time (s),AOA (*),Spin Loft (*),"
    "Spin Axis (*),Lateral (m),Curve (m),Shape,Launch H(*),Launch V (*),Mode"
)
CLOUD = (
    f"{CLOUD_HEADER}\r\n"
    "7001,2023-04-02 10:00:00,2023-04-02T10:03:15Z,7 Iron,1,50.5,37.2,1.3575,140.2,147.9,"
    "6100,-350,0,27.5,6.02,-4.1,30.2,-3.3,-5.75,-2.1,-1.2,17.9,draw,Outdoor\r\n"
    "7001,2023-04-02 10:00:00,2023-04-02T10:04:00Z,D BioCell+,2,68.0,-,-,230.4,251.0,"
    "2600,300,1,30.1,6.8,-,-,6.6,12.0,8.0,2.5,12.3,fade,Outdoor\r\n"
    # The scraper fetched session 7001 twice: the first shot comes again.
    "7001,2023-04-02 10:00:00,2023-04-02T10:03:15Z,7 Iron,1,50.5,37.2,1.3575,140.2,147.9,"
    "6100,-350,0,27.5,6.02,-4.1,30.2,-3.3,-5.75,-2.1,-1.2,17.9,draw,Outdoor\r\n"
    "7002,2023-04-09 09:30:00,2023-04-09T09:31:05Z,3W SIM2 Ti,1,62.1,43.5,1.4276,205.0,"
    "221.7,3900,-120,0,24.0,6.4,-1.0,14.2,-1.8,-3.0,-1.5,0.4,11.0,straight,Indoor\r\n"
)
FS_GOLF_HEADER = (
    "club,Shot,Ball (mph),Club (mph),Smash,Carry (yds),Total (yds),Roll (yds),Spin (rpm),"
    "Height (ft),Time (s),AOA (°),Spin Loft (°),Spin Axis (°),Lateral (yds),Shot Type,"
    "Launch H (°),Launch V (°),Club Path (°),FTP (°),FTT (°),Mode"
)
FS_GOLF = (
    f"{FS_GOLF_HEADER}\n"
    "7 Iron,1,118.2,86.0,1.37,162.4,170.1,7.7,6350,88,6.1,-3.9,24.1,3.2 R,4.6 R,Fade,"
    "1.1 R,17.2,2.4 R,0.8 L,1.6 R,Outdoor\n"
    "7 Iron,2,114.0,-,-,155.0,161.3,6.3,-,80,5.8,-,-,27.8 L,9.9 L,Draw,2.0 L,18.1,-,-,-,Outdoor\n"
    "7 Iron,Avg,116.1,86.0,1.37,158.7,165.7,7.0,6350,84,6.0,-3.9,24.1,12.3 L,2.7 L,,0.5 L,"
    "17.7,2.4 R,0.8 L,1.6 R,\n"
    "7 Iron,Dev,2.1,0.0,0.00,3.7,4.4,0.7,0,4,0.2,0.0,0.0,15.5,7.3,,1.6,0.5,0.0,0.0,0.0,\n"
    "Driver,1,150.3,103.5,1.45,245.0,268.2,23.2,2650,95,6.9,1.5,11.8,1.0 L,3.3 L,Straight,"
    "0.6 L,12.4,1.2 L,0.4 R,0.8 L,Outdoor\n"
    "Driver,Avg,150.3,103.5,1.45,245.0,268.2,23.2,2650,95,6.9,1.5,11.8,1.0 L,3.3 L,,"
    "0.6 L,12.4,1.2 L,0.4 R,0.8 L,\n"
)


def read(text: str | bytes, *, filename: str = "export.csv", **options: Any):
    content = text.encode() if isinstance(text, str) else text
    return read_export(content, filename=filename, options=ReadOptions(**options))


# The cloud CSV


def test_it_reads_the_cloud_csv_in_si_units():
    result = read(CLOUD)

    assert result.format == "flightscope_cloud_csv"
    assert result.vendor == "FlightScope"
    first = result.rows[0]
    assert first.row_number == 2
    assert (first.club_text, first.club) == ("7 Iron", "7i")
    assert first.values == pytest.approx(
        {
            "ball_speed": 50.5 * MPH_PER_MS,
            "club_speed": 37.2 * MPH_PER_MS,
            "smash_factor": 1.3575,
            "carry": 140.2 * YARDS_PER_M,
            "total": 147.9 * YARDS_PER_M,
            "spin_rate": 6100,
            "side_spin": -350,
            "apex": 27.5 * FEET_PER_M,
            "hang_time": 6.02,
            "attack_angle": -4.1,
            "spin_axis": -3.3,
            "carry_side": -5.75 * YARDS_PER_M,
            "launch_direction": -1.2,
            "launch_angle": 17.9,
        }
    )
    assert result.unit_of("ball_speed").unit == "m/s"
    assert result.unit_of("club_speed").unit == "m/s"
    assert result.unit_of("carry").unit == "m"
    assert result.unit_of("apex").unit == "m"
    assert result.unit_of("carry").source == UNIT_FROM_HEADER


def test_it_tells_the_shot_time_from_the_hang_time():
    result = read(CLOUD)

    first = result.rows[0]
    assert first.hit_at == datetime(2023, 4, 2, 10, 3, 15, tzinfo=UTC)
    assert first.values["hang_time"] == 6.02
    assert result.unit_of("hang_time").header == "Hang Time"


def test_it_tells_the_club_from_the_club_speed():
    result = read(CLOUD)

    assert result.unit_of("club_speed").header == "Club Speed"
    assert [row.club_text for row in result.rows] == ["7 Iron", "D BioCell+", "3W SIM2 Ti"]


def test_it_keeps_each_shots_session():
    result = read(CLOUD)

    assert [row.session_key for row in result.rows] == ["7001", "7001", "7002"]
    assert any("2 sessions" in note for note in result.notes)


def test_it_skips_a_shot_the_cloud_file_repeats():
    result = read(CLOUD)

    assert len(result.rows) == 3
    assert [note.row_number for note in result.skipped] == [4]
    assert result.skipped[0].reason.startswith("the same shot as line 2")


def test_it_reads_custom_club_names():
    result = read(CLOUD)

    assert [row.club for row in result.rows] == ["7i", "driver", "3w"]


def test_it_reads_dash_as_not_measured_and_keeps_the_spin_estimate_flag():
    result = read(CLOUD)

    drive = result.rows[1]
    assert not {"club_speed", "smash_factor", "attack_angle"} & set(drive.values)
    assert drive.flags == {"spin_rate": ["estimated"]}
    assert result.rows[0].flags == {}


def test_it_puts_the_scrapers_shape_and_launch_headers_over_their_values():
    result = read(CLOUD)

    assert [row.values["launch_angle"] for row in result.rows] == [17.9, 12.3, 11.0]
    assert [row.values["launch_direction"] for row in result.rows] == [-1.2, 2.5, 0.4]
    assert SHAPE_REPAIR_NOTE in result.notes
    assert result.rejected == []


def test_it_leaves_shape_and_launch_headers_alone_when_they_fit_their_values():
    header = CLOUD_HEADER.replace(
        "Shape,Launch H(*),Launch V (*)", "Launch H(*),Launch V (*),Shape"
    )
    text = CLOUD.replace(CLOUD_HEADER, header)

    result = read(text)

    assert [row.values["launch_angle"] for row in result.rows] == [17.9, 12.3, 11.0]
    assert SHAPE_REPAIR_NOTE not in result.notes


# The FS Golf export


def test_it_reads_the_fs_golf_export_in_its_header_units():
    result = read(FS_GOLF)

    assert result.format == "flightscope_fsgolf_csv"
    seven = result.rows[0]
    assert (seven.club_text, seven.club) == ("7 Iron", "7i")
    assert seven.hit_at is None
    assert seven.values == {
        "ball_speed": 118.2,
        "club_speed": 86.0,
        "smash_factor": 1.37,
        "carry": 162.4,
        "total": 170.1,
        "spin_rate": 6350,
        "apex": 88,
        "hang_time": 6.1,
        "attack_angle": -3.9,
        "spin_axis": 3.2,
        "carry_side": 4.6,
        "launch_direction": 1.1,
        "launch_angle": 17.2,
        "club_path": 2.4,
        "face_to_path": -0.8,
        "face_angle": 1.6,
    }
    assert result.unit_of("ball_speed").unit == "mph"
    assert result.unit_of("carry").unit == "yds"
    assert result.unit_of("apex").unit == "ft"


def test_it_reads_left_and_right_suffixes_and_dashes():
    result = read(FS_GOLF)

    second = result.rows[1]
    assert second.values["spin_axis"] == -27.8
    assert second.values["carry_side"] == -9.9
    assert second.values["launch_direction"] == -2.0
    assert not {"club_speed", "smash_factor", "spin_rate", "face_angle"} & set(second.values)


def test_it_skips_the_average_and_deviation_rows():
    result = read(FS_GOLF)

    assert [row.club for row in result.rows] == ["7i", "7i", "driver"]
    assert [note.row_number for note in result.skipped] == [4, 5, 7]
    assert "Avg" in result.skipped[0].reason
    assert "Dev" in result.skipped[1].reason


@pytest.mark.parametrize(
    ("speed", "speed_factor"), [("m/s", MPH_PER_MS), ("km/h", MPH_PER_KMH), ("mph", 1.0)]
)
def test_it_reads_metric_fs_golf_headers(speed, speed_factor):
    header = FS_GOLF_HEADER.replace("(mph)", f"({speed})").replace("(yds)", "(m)")
    header = header.replace("Height (ft)", "Height (m)")

    result = read(FS_GOLF.replace(FS_GOLF_HEADER, header))

    seven = result.rows[0].values
    assert seven["ball_speed"] == pytest.approx(118.2 * speed_factor)
    assert seven["club_speed"] == pytest.approx(86.0 * speed_factor)
    assert seven["carry"] == pytest.approx(162.4 * YARDS_PER_M)
    assert seven["carry_side"] == pytest.approx(4.6 * YARDS_PER_M)
    assert seven["apex"] == pytest.approx(88 * FEET_PER_M)
    assert result.unit_of("club_speed").unit == speed


def test_it_lets_the_golfer_override_an_fs_golf_unit():
    result = read(FS_GOLF, units={"carry": "m"})

    assert result.rows[0].values["carry"] == pytest.approx(162.4 * YARDS_PER_M)
    assert result.unit_of("carry").source == UNIT_CHOSEN


def test_it_tells_the_fs_golf_export_from_the_cloud_csv():
    assert read(FS_GOLF, filename="flightscope.csv").format == "flightscope_fsgolf_csv"
    assert read(CLOUD, filename="fsgolf.csv").format == "flightscope_cloud_csv"


# Round trips: plausible shots written the way FlightScope writes them read back the same.

CANONICAL_SHOT = st.fixed_dictionaries(
    {
        "ball_speed": st.floats(40, 190),
        "club_speed": st.one_of(st.none(), st.floats(40, 130)),
        "smash_factor": st.floats(1.0, 1.55),
        "carry": st.floats(5, 330),
        "total": st.floats(5, 360),
        "spin_rate": st.integers(800, 11500),
        "side_spin": st.integers(-2500, 2500),
        "apex": st.floats(1, 160),
        "hang_time": st.floats(0.5, 9),
        "attack_angle": st.floats(-10, 10),
        "spin_axis": st.floats(-40, 40),
        "carry_side": st.floats(-50, 50),
        "launch_direction": st.floats(-15, 15),
        "launch_angle": st.floats(-5, 45),
        "club_path": st.floats(-12, 12),
        "face_to_path": st.floats(-12, 12),
        "face_angle": st.floats(-12, 12),
    }
)
CLUB_DATA = (
    "club_speed",
    "smash_factor",
    "attack_angle",
    "club_path",
    "face_to_path",
    "face_angle",
)


def expected_values(shot: dict[str, Any], metrics: tuple[str, ...]) -> dict[str, float]:
    """The shot as the file can hold it: no club data without a club speed."""
    values = {metric: shot[metric] for metric in metrics}
    if values.get("club_speed", 0) is None:
        values = {metric: value for metric, value in values.items() if metric not in CLUB_DATA}
    return values


def assert_round_trip(read_back: dict[str, float], expected: dict[str, float], factors) -> None:
    assert set(read_back) == set(expected)
    for metric, value in expected.items():
        decimals = (
            0 if metric in ("spin_rate", "side_spin") else 4 if metric == "smash_factor" else 3
        )
        tolerance = 0.5 * 10**-decimals * factors.get(metric, 1.0) + 1e-9
        assert read_back[metric] == pytest.approx(value, abs=tolerance), metric


CLOUD_FACTORS = {
    "ball_speed": MPH_PER_MS,
    "club_speed": MPH_PER_MS,
    "carry": YARDS_PER_M,
    "total": YARDS_PER_M,
    "carry_side": YARDS_PER_M,
    "apex": FEET_PER_M,
}
CLOUD_METRICS = (
    "ball_speed",
    "club_speed",
    "smash_factor",
    "carry",
    "total",
    "spin_rate",
    "side_spin",
    "apex",
    "hang_time",
    "attack_angle",
    "spin_axis",
    "carry_side",
    "launch_direction",
    "launch_angle",
)


def si(shot: dict[str, Any], metric: str) -> str:
    value = shot[metric]
    if value is None or (shot["club_speed"] is None and metric in CLUB_DATA):
        return "-"
    if metric in ("spin_rate", "side_spin"):
        return str(value)
    decimals = 4 if metric == "smash_factor" else 3
    return f"{value / CLOUD_FACTORS.get(metric, 1.0):.{decimals}f}"


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sessions=st.lists(
        st.lists(st.tuples(CANONICAL_SHOT, st.booleans()), min_size=1, max_size=5),
        min_size=1,
        max_size=3,
    )
)
def test_cloud_csv_round_trips_plausible_shots(sessions):
    lines = [CLOUD_HEADER]
    expected = []
    start = datetime(2023, 5, 1, 17, 0, tzinfo=UTC)
    for session_number, shots in enumerate(sessions):
        session_id = str(9000 + session_number)
        for shot_number, (shot, estimated) in enumerate(shots, start=1):
            hit_at = start + timedelta(days=session_number, minutes=shot_number)
            cells = [
                session_id,
                start.strftime("%Y-%m-%d %H:%M:%S"),
                hit_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "7 Iron",
                str(shot_number),
                *(si(shot, metric) for metric in ("ball_speed", "club_speed", "smash_factor")),
                *(si(shot, metric) for metric in ("carry", "total", "spin_rate")),
                si(shot, "side_spin"),
                "1" if estimated else "0",
                si(shot, "apex"),
                si(shot, "hang_time"),
                si(shot, "attack_angle"),
                "20.0",  # spin loft
                si(shot, "spin_axis"),
                si(shot, "carry_side"),
                "0.5",  # curve
                # The scraper's order of values under "Shape, Launch H, Launch V".
                si(shot, "launch_direction"),
                si(shot, "launch_angle"),
                "straight",
                "Outdoor",
            ]
            lines.append(",".join(cells))
            expected.append((session_id, hit_at, estimated, shot))

    result = read("\r\n".join(lines) + "\r\n")

    assert len(result.rows) == len(expected)
    for row, (session_id, hit_at, estimated, shot) in zip(result.rows, expected, strict=True):
        assert row.session_key == session_id
        assert row.hit_at == hit_at
        assert ("spin_rate" in row.flags) is estimated
        assert_round_trip(row.values, expected_values(shot, CLOUD_METRICS), CLOUD_FACTORS)


FS_GOLF_UNITS = {
    "imperial": {"speed": ("mph", 1.0), "distance": ("yds", 1.0), "height": ("ft", 1.0)},
    "metric_ms": {
        "speed": ("m/s", MPH_PER_MS),
        "distance": ("m", YARDS_PER_M),
        "height": ("m", FEET_PER_M),
    },
    "metric_kmh": {
        "speed": ("km/h", MPH_PER_KMH),
        "distance": ("m", YARDS_PER_M),
        "height": ("m", FEET_PER_M),
    },
}
FS_GOLF_COLUMNS = (
    ("Ball", "ball_speed", "speed"),
    ("Club", "club_speed", "speed"),
    ("Smash", "smash_factor", ""),
    ("Carry", "carry", "distance"),
    ("Total", "total", "distance"),
    ("Spin", "spin_rate", "rpm"),
    ("Height", "apex", "height"),
    ("Time", "hang_time", "s"),
    ("AOA", "attack_angle", "°"),
    ("Spin Axis", "spin_axis", "°"),
    ("Lateral", "carry_side", "distance"),
    ("Launch H", "launch_direction", "°"),
    ("Launch V", "launch_angle", "°"),
    ("Club Path", "club_path", "°"),
    ("FTP", "face_to_path", "°"),
    ("FTT", "face_angle", "°"),
)
SIDED = {"spin_axis", "carry_side", "launch_direction", "club_path", "face_to_path", "face_angle"}


def fs_golf_cell(shot: dict[str, Any], metric: str, factor: float) -> str:
    value = shot[metric]
    if shot["club_speed"] is None and metric in CLUB_DATA:
        return "-"
    if metric == "spin_rate":
        return str(value)
    if metric == "smash_factor":
        return f"{value:.2f}"
    number = f"{abs(value) / factor:.1f}" if metric in SIDED else f"{value / factor:.1f}"
    if metric in SIDED and float(number) != 0:
        return f"{number} {'L' if value < 0 else 'R'}"
    return number


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    clubs=st.lists(
        st.tuples(
            st.sampled_from(["Driver", "3 Wood", "7 Iron", "Pitching Wedge"]),
            st.lists(CANONICAL_SHOT, min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=3,
    ),
    system=st.sampled_from(sorted(FS_GOLF_UNITS)),
)
def test_fs_golf_export_round_trips_plausible_shots(clubs, system):
    units = FS_GOLF_UNITS[system]
    unit_of = {kind: units[kind][0] for kind in units} | {"rpm": "rpm", "s": "s", "°": "°"}
    factor_of = {kind: units[kind][1] for kind in units}
    header = ["club", "Shot"] + [
        f"{name} ({unit_of[kind]})" if kind else name for name, _, kind in FS_GOLF_COLUMNS
    ]
    lines = [",".join(header)]
    expected = []
    for club, shots in clubs:
        for number, shot in enumerate(shots, start=1):
            cells = [club, str(number)]
            for _, metric, kind in FS_GOLF_COLUMNS:
                cells.append(fs_golf_cell(shot, metric, factor_of.get(kind, 1.0)))
            lines.append(",".join(cells))
            expected.append((club, shot))
        # The app's summary rows after each club's shots.
        lines.append(",".join([club, "Avg", *lines[-1].split(",")[2:]]))
        lines.append(",".join([club, "Dev"] + ["1.0"] * len(FS_GOLF_COLUMNS)))

    result = read("\n".join(lines) + "\n")

    assert len(result.rows) == len(expected)
    assert len(result.skipped) == 2 * len(clubs)
    factors = {metric: factor_of.get(kind, 1.0) for _, metric, kind in FS_GOLF_COLUMNS}
    metrics = tuple(metric for _, metric, _ in FS_GOLF_COLUMNS)
    for row, (club, shot) in zip(result.rows, expected, strict=True):
        assert row.club_text == club
        wanted = expected_values(shot, metrics)
        assert set(row.values) == set(wanted)
        for metric, value in wanted.items():
            decimals = 0 if metric == "spin_rate" else 2 if metric == "smash_factor" else 1
            tolerance = 0.5 * 10**-decimals * factors[metric] + 1e-9
            assert row.values[metric] == pytest.approx(value, abs=tolerance), metric


# The real files in shared/reference (third-party: read in place, never copied).


def test_it_reads_every_real_flightscope_file():
    for path in reference_files("flightscope"):
        content = path.read_bytes()
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        header, data_rows = lines[0], [line for line in lines[1:] if any(line)]

        result = read(content, filename=path.name)

        assert result.rows, path.name
        assert result.rejected == [], path.name
        assert len(result.rows) + len(result.skipped) == len(data_rows), path.name
        for row in result.rows:
            for name, value in row.values.items():
                assert abs(value) < 16777215, (path.name, row.row_number, name)
                metric = METRICS_BY_NAME[name]
                if metric.quantity in UNIT_SENSITIVE:
                    assert metric.is_within_hard_range(value), (row.row_number, name, value)
        if result.format == "flightscope_cloud_csv":
            assert all(note.reason.startswith("the same shot as") for note in result.skipped)
            assert result.unit_of("ball_speed").unit == "m/s", path.name
            assert result.unit_of("carry").unit == "m", path.name
            assert result.unit_of("apex").unit == "m", path.name
            session_column = header.index("sessionId")
            in_file = {line[session_column] for line in data_rows}
            assert {row.session_key for row in result.rows} == in_file, path.name
            assert all(row.hit_at is not None and row.hit_at.tzinfo for row in result.rows)
            # Launch V is a launch angle, never the shape word beside it.
            assert all("launch_angle" in row.values for row in result.rows), path.name
        else:
            assert result.format == "flightscope_fsgolf_csv", path.name
