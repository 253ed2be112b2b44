"""The Rapsodo MLM2PRO CSV reader and its unit guess, on fixtures written here and on real exports."""

from __future__ import annotations

import csv
import io
import math
import statistics
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.imports import ReadOptions, read_export
from shots.imports.rapsodo import session_date_from_file_name
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_HEADER, UNIT_GUESSED

HEADERS = [
    "Club Type",
    "Club Brand",
    "Club Model",
    "Carry Distance",
    "Total Distance",
    "Ball Speed",
    "Launch Angle",
    "Launch Direction",
    "Apex",
    "Side Carry",
    "Club Speed",
    "Smash Factor",
    "Descent Angle",
    "Attack Angle",
    "Club Path",
    "Club Data Est Type",
    "Spin Rate",
    "Spin Axis",
]
# An older MLM export: no club data, no spin.
OLD_HEADERS = HEADERS[:13]

SPEEDS = ("ball_speed", "club_speed")
DISTANCES = ("carry", "total", "carry_side", "apex")
KMH = 0.621371
METRES = 1.09361
METRES_AS_FEET = 3.28084


def rapsodo_csv(
    rows: list[dict[str, str]],
    *,
    headers: list[str] = HEADERS,
    footer: bool = False,
    title: str = "",
    newline: str = "\n",
) -> bytes:
    """A file the way the MLM2PRO app writes one: every cell quoted but the estimate type."""

    def line(cells: list[str]) -> str:
        quoted = [
            cell if header == "Club Data Est Type" or not cell else f'"{cell}"'
            for header, cell in zip(headers, cells, strict=True)
        ]
        return ",".join(quoted)

    lines = []
    if title:
        lines += [f'"{title}"' + "," * (len(headers) - 1), ""]
    lines.append(",".join(f'"{header}"' for header in headers))
    lines += [line([row.get(header, "") for header in headers]) for row in rows]
    if footer:
        numbers = [header for header in headers[3:] if header != "Club Data Est Type"]
        average = {"Club Type": "Average"}
        deviation = {"Club Type": "Std. Dev."}
        for header in numbers:
            column = [float(row[header].rstrip("LR ")) for row in rows if row.get(header)]
            if column:
                average[header] = f"{statistics.mean(column):.1f}"
                deviation[header] = f"{statistics.pstdev(column):.1f}"
        lines += [line([summary.get(h, "") for h in headers]) for summary in (average, deviation)]
    return newline.join(lines).encode()


def shot(**cells: str) -> dict[str, str]:
    """One metric 7-iron (km/h, metres), with the given cells changed."""
    row = {
        "Club Type": "7i",
        "Carry Distance": "111.7",
        "Total Distance": "125.2",
        "Ball Speed": "152.6",
        "Launch Angle": "14.0",
        "Launch Direction": "-2.1",
        "Apex": "11.5",
        "Side Carry": "-3.2",
        "Club Speed": "118.2",
        "Smash Factor": "1.29",
        "Descent Angle": "28.4",
        "Attack Angle": "-6.1",
        "Club Path": "-4.4",
        "Club Data Est Type": "0",
        "Spin Rate": "4120",
        "Spin Axis": "6.3",
    }
    row.update({header.replace("_", " "): value for header, value in cells.items()})
    return row


def metric_session() -> list[dict[str, str]]:
    return [
        shot(),
        shot(**{"Ball Speed": "175.3", "Carry Distance": "121.7", "Apex": "12.9"}),
        shot(**{"Ball Speed": "146.6", "Carry Distance": "104.0", "Apex": "10.2"}),
    ]


def imperial_session() -> list[dict[str, str]]:
    driver = {
        "Club Type": "Dr",
        "Carry Distance": "228.4",
        "Total Distance": "251.0",
        "Ball Speed": "148.3",
        "Launch Angle": "12.8",
        "Apex": "88.0",
        "Side Carry": "9.6",
        "Club Speed": "102.1",
        "Smash Factor": "1.45",
        "Spin Rate": "2650",
    }
    iron = {
        "Carry Distance": "151.2",
        "Total Distance": "160.4",
        "Ball Speed": "112.5",
        "Launch Angle": "17.1",
        "Apex": "82.0",
        "Club Speed": "84.0",
        "Smash Factor": "1.34",
    }
    return [shot(**driver), shot(**driver), shot(**iron), shot(**iron), shot(**iron)]


def read(content: bytes, *, filename: str = "mlm2pro_shotexport_011826.csv", **kwargs):
    return read_export(content, filename=filename, **kwargs)


def test_it_reads_a_metric_export_as_km_h_and_metres():
    result = read(rapsodo_csv(metric_session()))

    assert (result.format, result.vendor, result.device) == (
        "rapsodo_csv",
        "Rapsodo",
        "Rapsodo MLM2PRO",
    )
    assert not result.rejected
    first = result.rows[0]
    assert (first.club_text, first.club) == ("7i", "7i")
    assert first.values["ball_speed"] == pytest.approx(152.6 * KMH)
    assert first.values["club_speed"] == pytest.approx(118.2 * KMH)
    assert first.values["carry"] == pytest.approx(111.7 * METRES)
    assert first.values["carry_side"] == pytest.approx(-3.2 * METRES)
    assert first.values["apex"] == pytest.approx(11.5 * METRES_AS_FEET)
    assert first.values["spin_rate"] == 4120
    assert first.values["smash_factor"] == pytest.approx(1.29)
    assert first.hit_at is None
    for metric in SPEEDS:
        assert (result.unit_of(metric).unit, result.unit_of(metric).source) == (
            "km/h",
            UNIT_GUESSED,
        )
    for metric in DISTANCES:
        assert (result.unit_of(metric).unit, result.unit_of(metric).source) == ("m", UNIT_GUESSED)


def test_it_says_why_it_guessed_a_unit():
    result = read(rapsodo_csv(metric_session()))

    speed = result.unit_of("ball_speed").reason
    assert "7-iron ball speeds around 153 read as km/h" in speed
    assert "95 mph" in speed
    assert "read as metres" in result.unit_of("carry").reason
    assert any("no units" in note for note in result.notes)


def test_it_reads_an_imperial_export_as_mph_yards_and_feet():
    result = read(rapsodo_csv(imperial_session()))

    driver = result.rows[0]
    assert driver.club == "driver"
    assert driver.values["ball_speed"] == pytest.approx(148.3)
    assert driver.values["carry"] == pytest.approx(228.4)
    assert driver.values["apex"] == pytest.approx(88.0)
    assert [result.unit_of(m).unit for m in ("ball_speed", "carry", "apex")] == [
        "mph",
        "yds",
        "ft",
    ]
    assert "read as mph" in result.unit_of("ball_speed").reason


def test_it_reads_metres_beside_mph_as_the_app_can_show_them():
    # The app sets distances and speeds apart; apex and launch tell metres from yards.
    rows = [
        shot(**{"Ball Speed": "82.0", "Club Speed": "65.0", "Carry Distance": "97.0"})
        | {"Total Distance": "106.0", "Launch Angle": "22.0", "Apex": "19.5"}
        for _ in range(4)
    ]
    result = read(rapsodo_csv(rows))

    assert result.unit_of("ball_speed").unit == "mph"
    assert result.unit_of("carry").unit == "m"
    assert result.rows[0].values["carry"] == pytest.approx(97.0 * METRES)


def test_it_lets_the_golfer_override_a_guessed_unit():
    options = ReadOptions(units={"ball_speed": "mph", "carry": "yds"})
    result = read(rapsodo_csv(metric_session()), options=options)

    first = result.rows[0]
    assert first.values["ball_speed"] == pytest.approx(152.6)
    assert first.values["carry"] == pytest.approx(111.7)
    assert result.unit_of("ball_speed").source == UNIT_CHOSEN
    assert result.unit_of("carry").source == UNIT_CHOSEN
    # The columns the golfer left alone keep their guess.
    assert (result.unit_of("club_speed").unit, result.unit_of("club_speed").source) == (
        "km/h",
        UNIT_GUESSED,
    )
    assert result.unit_of("total").unit == "m"


def test_it_takes_a_unit_written_in_the_header():
    headers = [h.replace("Carry Distance", "Carry Distance (m)") for h in HEADERS]
    rows = [
        {h.replace("Carry Distance", "Carry Distance (m)"): v for h, v in row.items()}
        for row in metric_session()
    ]
    result = read(rapsodo_csv(rows, headers=headers))

    assert (result.unit_of("carry").unit, result.unit_of("carry").source) == ("m", UNIT_FROM_HEADER)
    assert result.unit_of("ball_speed").source == UNIT_GUESSED
    assert result.rows[0].values["carry"] == pytest.approx(111.7 * METRES)


def test_it_skips_the_average_and_std_dev_footer():
    result = read(rapsodo_csv(metric_session(), footer=True))

    assert len(result.rows) == 3
    assert [note.reason for note in result.skipped] == [
        "summary row (Average)",
        "summary row (Std. Dev.)",
    ]
    assert not result.rejected


def test_it_reads_left_and_right_suffixes():
    rows = metric_session()
    rows[0].update({"Launch Direction": "2.1 L", "Side Carry": "3.2R", "Club Path": "L4.4"})
    result = read(rapsodo_csv(rows))

    values = result.rows[0].values
    assert values["launch_direction"] == pytest.approx(-2.1)
    assert values["carry_side"] == pytest.approx(3.2 * METRES)
    assert values["club_path"] == pytest.approx(-4.4)


def test_it_flags_estimated_club_data():
    rows = metric_session()
    rows[0]["Club Data Est Type"] = "1"
    rows[1].update({"Club Data Est Type": "5", "Attack Angle": "-1.0", "Club Path": "-1.0"})
    result = read(rapsodo_csv(rows))

    for row in result.rows[:2]:
        assert row.flags == {
            "club_speed": ["estimated"],
            "attack_angle": ["estimated"],
            "club_path": ["estimated"],
        }
    assert result.rows[2].flags == {}


def test_it_takes_the_session_date_from_the_file_name():
    result = read(rapsodo_csv(metric_session()), filename="mlm2pro_shotexport_011826.csv")

    assert result.session_date == date(2026, 1, 18)
    assert result.session_date_source == "file name"
    assert all(row.hit_at is None for row in result.rows)


def test_it_leaves_the_session_date_to_the_golfer_when_no_name_gives_one():
    result = read(rapsodo_csv(metric_session()), filename="my range day.csv")

    assert (result.session_date, result.session_date_source) == (None, "")


@pytest.mark.parametrize(
    ("filename", "day"),
    [
        ("mlm2pro_shotexport_011826.csv", date(2026, 1, 18)),
        ("dagla__GolfAI__mlm2pro_shotexport_020126.csv", date(2026, 2, 1)),
        ("mlm2pro_shotexport_123125 (1).csv", date(2025, 12, 31)),
        ("mlm2pro_shotexport_180126.csv", None),  # no 18th month: not MMDDYY
        ("shots.csv", None),
    ],
)
def test_it_reads_mmddyy_from_the_file_name(filename, day):
    assert session_date_from_file_name(filename) == day


def test_it_takes_the_session_date_from_the_title_line_of_newer_exports():
    title = "Rapsodo MLM2PRO: Sam Golfer - 04/24/2026 1:19 PM"
    result = read(rapsodo_csv(imperial_session(), title=title, footer=True))

    assert result.session_date == date(2026, 4, 24)
    assert result.session_date_source == "file"
    assert len(result.rows) == 5
    assert result.rows[0].row_number == 4  # title, blank line, header


def test_it_reads_older_exports_with_fewer_columns():
    rows = [{h: v for h, v in row.items() if h in OLD_HEADERS} for row in metric_session()]
    result = read(rapsodo_csv(rows, headers=OLD_HEADERS))

    assert result.format == "rapsodo_csv"
    assert result.rows[0].values["ball_speed"] == pytest.approx(152.6 * KMH)
    assert "spin_rate" not in result.rows[0].values


def test_it_knows_an_export_by_brand_and_model_without_side_carry():
    headers = [h for h in HEADERS if h != "Side Carry"]
    rows = [{h: v for h, v in row.items() if h in headers} for row in imperial_session()]
    result = read(rapsodo_csv(rows, headers=headers))

    assert result.format == "rapsodo_csv"
    assert result.rows[0].values["carry"] == pytest.approx(228.4)


def test_it_is_not_taken_for_a_garmin_export():
    # Garmin's signature columns Club Type, Ball Speed and Carry Distance are here too.
    assert read(rapsodo_csv(metric_session())).format == "rapsodo_csv"


# --- property: a session written metric or imperial, with no units, comes back the same --------

# (code, ball speed mph, launch °, carry yd per mph, smash): plausible full swings for
# golfers from slow to fast, chosen here and not taken from the reader's own table.
CLUBS = [
    ("Dr", (105, 175), (8, 17), (1.40, 1.75), (1.35, 1.50)),
    ("3w", (100, 160), (9, 16), (1.35, 1.65), (1.30, 1.48)),
    ("4h", (95, 145), (10, 18), (1.30, 1.55), (1.28, 1.45)),
    ("5i", (90, 135), (11, 18), (1.25, 1.50), (1.25, 1.42)),
    ("7i", (80, 130), (13, 22), (1.20, 1.45), (1.20, 1.40)),
    ("9i", (70, 115), (18, 28), (1.15, 1.40), (1.15, 1.36)),
    ("pw", (65, 105), (22, 32), (1.10, 1.35), (1.10, 1.32)),
    ("sw", (55, 90), (26, 38), (1.00, 1.30), (1.00, 1.28)),
]
GRAVITY = 9.81


@st.composite
def club_shots(draw, club):
    code, ball_range, launch_range, carry_per_mph, smash_range = club
    ball = draw(st.floats(*ball_range))
    launch = draw(st.floats(*launch_range))
    carry = ball * draw(st.floats(*carry_per_mph))
    rise = ball * 0.44704 * math.sin(math.radians(launch))
    # Lift lifts a ball 1.5 to 2.9 times the height a vacuum would give.
    apex_feet = draw(st.floats(1.5, 2.9)) * rise * rise / (2 * GRAVITY) * METRES_AS_FEET
    return code, {
        "ball_speed": ball,
        "club_speed": ball / draw(st.floats(*smash_range)),
        "launch_angle": launch,
        "carry": carry,
        "total": carry * draw(st.floats(1.0, 1.2)),
        "carry_side": draw(st.floats(-25, 25)),
        "apex": apex_feet,
        "launch_direction": draw(st.floats(-8, 8)),
        "spin_rate": float(draw(st.integers(1500, 10000))),
        "descent_angle": draw(st.floats(20, 55)),
    }


@st.composite
def sessions(draw):
    clubs = draw(st.lists(st.sampled_from(CLUBS), min_size=1, max_size=3, unique=True))
    shots = []
    for club in clubs:
        shots += draw(st.lists(club_shots(club), min_size=1, max_size=10))
    return shots, draw(st.booleans()), draw(st.booleans())


COLUMN_OF = {
    "ball_speed": "Ball Speed",
    "club_speed": "Club Speed",
    "launch_angle": "Launch Angle",
    "carry": "Carry Distance",
    "total": "Total Distance",
    "carry_side": "Side Carry",
    "apex": "Apex",
    "launch_direction": "Launch Direction",
    "spin_rate": "Spin Rate",
    "descent_angle": "Descent Angle",
}


def written_factor(metric: str, *, metric_units: bool) -> float:
    """Canonical value = written value x this."""
    if not metric_units:
        return 1.0
    if metric in SPEEDS:
        return KMH
    if metric == "apex":
        return METRES_AS_FEET
    if metric in DISTANCES:
        return METRES
    return 1.0


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_it_reads_back_a_session_in_either_system_without_units(session):
    shots, metric_units, footer = session
    rows = []
    for code, values in shots:
        row = {"Club Type": code, "Club Data Est Type": "0"}
        for metric, header in COLUMN_OF.items():
            written = values[metric] / written_factor(metric, metric_units=metric_units)
            row[header] = f"{written:.0f}" if metric == "spin_rate" else f"{written:.1f}"
        row["Smash Factor"] = f"{values['ball_speed'] / values['club_speed']:.2f}"
        rows.append(row)
    result = read_export(rapsodo_csv(rows, footer=footer), filename="mlm2pro_shotexport_060125.csv")

    assert not result.rejected
    assert len(result.rows) == len(shots)
    expected_units = ("km/h", "m") if metric_units else ("mph", "yds")
    assert (result.unit_of("ball_speed").unit, result.unit_of("carry").unit) == expected_units
    for row, (code, values) in zip(result.rows, shots, strict=True):
        assert row.club_text == code
        for metric, value in values.items():
            rounding = 0.5 if metric == "spin_rate" else 0.05
            allowed = rounding * written_factor(metric, metric_units=metric_units) + 1e-6
            assert row.values[metric] == pytest.approx(value, abs=allowed), metric


# --- the real exports in shared/reference ------------------------------------------------------

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "exports" / "rapsodo"


def reference_files() -> list[Path]:
    return sorted(REFERENCE.glob("*.csv")) if REFERENCE.is_dir() else []


def data_lines(content: bytes) -> int:
    """Shot lines in a Rapsodo file, counted without the importer: not blank, not a summary."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = next(index for index, cells in enumerate(rows) if "Club Type" in cells)
    return sum(
        1
        for cells in rows[header + 1 :]
        if any(cell.strip() for cell in cells) and cells[0] not in ("Average", "Std. Dev.")
    )


def test_it_reads_every_real_rapsodo_export():
    files = reference_files()
    if not files:
        pytest.skip(f"no real Rapsodo exports at {REFERENCE} (shared/reference is not checked out)")
    for path in files:
        content = path.read_bytes()
        result = read_export(content, filename=path.name)
        name = path.name

        assert result.format == "rapsodo_csv", name
        assert result.rows, name
        assert result.rejected == [], f"{name}: {result.rejected}"
        assert len(result.rows) == data_lines(content), name
        # These golfers export metric: a 7-iron at 150 is km/h, its carry of 110 metres.
        for metric in SPEEDS:
            assert (result.unit_of(metric).unit, result.unit_of(metric).source) == (
                "km/h",
                UNIT_GUESSED,
            ), name
        for metric in DISTANCES:
            assert result.unit_of(metric).unit == "m", (name, metric)
        assert result.session_date_source == "file name", name
        assert result.session_date == session_date_from_file_name(name), name
        for row in result.rows:
            for metric, value in row.values.items():
                assert math.isfinite(value), (name, row.row_number, metric)
                assert abs(value) < 16777215, (name, row.row_number, metric)
            assert row.values.get("smash_factor", 1.0) > 0, (name, row.row_number)
