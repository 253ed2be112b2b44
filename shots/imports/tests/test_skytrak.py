"""SkyTrak shot history exports, on files written here in SkyTrak's block layout."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.analysis.units import to_canonical
from shots.imports import ReadOptions, read_export
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_UNITS_ROW

LEGACY = """\
PRACTICE: 3/14/2025 6:05 PM,,,,,,,,,,,,,,,,,,
PLAYER: TESTER,,,,,,,,,,,,,,,,,,
,,,,,,,,,,,,,,,,,,
SHOT,HAND,SHOT SCORE,BALL SPEED,LAUNCH,BACK,SIDE,SIDE,OFFLINE,CARRY,ROLL,TOTAL,FLIGHT,DSCNT,HEIGHT,CLUB SPEED,SMASH,PATH,FTT
#,L/R,SCORE,MPH,DEG,RPM,RPM,DEG,YD,YD,YD,YD,SEC,DEG,YD,MPH,FACTOR,DEG,DEG
8I ,,,,,,,,,,,,,,,,,,
1,R,71,101,19,6800,-350,2,4,141,7,148,5,45,24,77,1.31,2.2,1
2,R,64,99,20,7100,420,-3,-9,137,6,143,5,46,25,76,1.3,-1.1,-2.5
AVG,,67,100,19,6950,35,0,-2,139,6,145,5,45,24,76,1.3,0.5,-0.7
,,,,,,,,,,,,,,,,,,
D ,,,,,,,,,,,,,,,,,,
1,R,80,150,12,2600,150,1,6,240,22,262,6,33,30,103,1.46,0.2,1.5
AVG,,80,150,12,2600,150,1,6,240,22,262,6,33,30,103,1.46,0.2,1.5
,,,,,,,,,,,,,,,,,,
NOTES,,,,,,,,,,,,,,,,,,
cold morning,,,,,,,,,,,,,,,,,,
"""

ACTIVITY = """\
"PRACTICE GREENS: 08/23/2025 • 04:30 PM"
"PLAYER: "

"SHOT","HAND","SHOT SCORE","BALL SPEED","LAUNCH","BACK","SIDE","SIDE","OFFLINE","CARRY","ROLL","TOTAL","FLIGHT","DSCNT","HEIGHT","CLUB SPEED","SMASH","PATH","FTP","FTT"
"#","L/R","SCORE","KPH","DEG","RPM","RPM","DEG","M","M","M","M","SEC","DEG","M","KPH","FACTOR","DEG","DEG","DEG"

"7 IRON"
"1","R","100","180","18.6","5411","647","7.7","9","140","0","140","5","44","24","130","1.38","5.4","2.9","8.3"
"AVG","","100","180","18.6","5411","647","7.7","9","140","0","140","5","44","24","130","1.38","5.4","2.9","8.3"

"56° "
"1","R","125","78","19","3600","-301","3.7","-4","95","0","95","4","32","12","76","1.02","5.4","-2.3","3"
"2","R","125","78","19"
"""


def read(text: str, filename: str = "Export_ShotsHistory_03142025_180500.csv", **options):
    return read_export(text.encode(), filename=filename, options=ReadOptions(**options))


def test_it_reads_the_legacy_block_layout_club_by_club():
    result = read(LEGACY)
    assert result.format == "skytrak_legacy_csv"
    assert result.vendor == "SkyTrak"
    assert [(row.row_number, row.club_text, row.club) for row in result.rows] == [
        (7, "8I", "8i"),
        (8, "8I", "8i"),
        (12, "D", "driver"),
    ]
    first = result.rows[0].values
    assert first["ball_speed"] == 101.0
    assert first["side_spin"] == -350.0
    assert first["launch_direction"] == 2.0
    assert first["carry_side"] == 4.0
    assert first["apex"] == 72.0  # HEIGHT is in yards: 24 yd
    assert first["face_angle"] == 1.0
    assert first["smash_factor"] == 1.31
    assert "face_to_path" not in first  # legacy files have no FTP
    assert result.rows[1].values["carry_side"] == -9.0
    assert result.rows[0].hit_at is None


def test_it_skips_club_headings_averages_and_notes_and_says_so():
    result = read(LEGACY)
    reasons = {note.row_number: note.reason for note in result.skipped}
    assert reasons[6] == "club heading (“8I”)"
    assert reasons[9] == "summary row (AVG)"
    assert reasons[15] == "notes"
    assert not result.rejected
    assert "The file's notes: “cold morning”" in result.notes


def test_it_takes_the_session_date_and_start_from_the_practice_line():
    result = read(LEGACY)
    assert result.session_date == date(2025, 3, 14)
    assert result.session_date_source == "file"
    assert any("started at 18:05" in note for note in result.notes)


def test_it_tells_side_spin_from_side_angle_by_the_unit_whatever_their_order():
    swapped = LEGACY.replace("RPM,RPM,DEG,YD", "RPM,DEG,RPM,YD").replace(
        "1,R,71,101,19,6800,-350,2,", "1,R,71,101,19,6800,2,-350,"
    )
    first = read(swapped).rows[0].values
    assert first["side_spin"] == -350.0
    assert first["launch_direction"] == 2.0


def test_it_reads_the_current_activity_export():
    result = read(ACTIVITY, filename="activity-1788786050.csv")
    assert result.format == "skytrak_activity_csv"
    assert result.session_date == date(2025, 8, 23)
    assert [row.club for row in result.rows] == ["7i", "sw"]
    first = result.rows[0].values
    assert first["ball_speed"] == pytest.approx(180 * 0.621371)
    assert first["carry"] == pytest.approx(140 * 1.09361)
    assert first["apex"] == pytest.approx(24 * 3.28084)
    assert first["face_to_path"] == 2.9
    assert first["face_angle"] == 8.3
    units = {column.metric: (column.unit, column.source) for column in result.columns}
    assert units["carry"] == ("m", UNIT_FROM_UNITS_ROW)
    assert units["ball_speed"] == ("kph", UNIT_FROM_UNITS_ROW)


def test_it_rejects_a_shot_row_cut_short_and_counts_the_files_own_columns():
    result = read(ACTIVITY, filename="activity-1788786050.csv")
    assert [(note.row_number, note.reason) for note in result.rejected] == [
        (13, "the row is cut short (5 of 20 columns)")
    ]


@pytest.mark.parametrize(
    ("heading", "club"),
    [
        ("D", "driver"),
        ("DRIVER", "driver"),
        ("7 IRON", "7i"),
        ("7I", "7i"),
        ("7W", "7w"),
        ("3 HYBRID", "3h"),
        ("PW ", "pw"),
        ("PITCHING WEDGE", "pw"),
        ("GW", "gw"),
        ("56° ", "sw"),
        ("60", "lw"),
        ("99°", ""),
    ],
)
def test_it_maps_skytrak_club_headings_to_our_clubs(heading, club):
    result = read(LEGACY.replace("8I ,,,", f"{heading},,,"))
    assert result.rows[0].club_text == heading.strip()
    assert result.rows[0].club == club


def test_it_leaves_the_club_to_the_preview_for_shots_before_any_heading():
    result = read(LEGACY.replace("8I ,,,,,,,,,,,,,,,,,,\n", ""))
    assert result.rows[0].club_text == ""
    assert result.rows[0].club == ""


def test_it_lets_the_preview_choose_the_unit():
    result = read(LEGACY, units={"apex": "ft"})
    assert result.rows[0].values["apex"] == 24.0
    assert result.unit_of("apex").source == UNIT_CHOSEN


def test_it_reads_the_flat_activity_layout_with_units_in_the_headers():
    text = (
        "Shot,Date,Club,Ball Speed (mph),Club Speed (mph),Launch Angle (deg),Side Angle (deg),"
        "Back Spin (rpm),Side Spin (rpm),Carry (yds),Roll (yds),Total (yds),Offline (yds),"
        "Max Height (ft),Descent Angle (deg),Flight Time (sec)\n"
        "1,2025-05-02 17:03:11,7 Iron,120.5,85.2,17.1,-1.5,6500,-420,165.2,8.1,173.3,-6.2,"
        "92.0,46.5,6.2\n"
    )
    result = read(text, filename="activity-1746205391.csv")
    assert result.format == "skytrak_activity_csv"
    row = result.rows[0]
    assert row.club == "7i"
    assert row.hit_at == datetime(2025, 5, 2, 17, 3, 11)
    assert row.values["launch_direction"] == -1.5
    assert row.values["apex"] == 92.0
    assert row.values["hang_time"] == 6.2


# --- Property: whatever plausible shots, written the way SkyTrak writes them, read back -----------

LEGACY_COLUMNS = [
    ("SHOT", "#", None),
    ("HAND", "L/R", None),
    ("SHOT SCORE", "SCORE", None),
    ("BALL SPEED", "speed", "ball_speed"),
    ("LAUNCH", "DEG", "launch_angle"),
    ("BACK", "RPM", "back_spin"),
    ("SIDE", "RPM", "side_spin"),
    ("SIDE", "DEG", "launch_direction"),
    ("OFFLINE", "distance", "carry_side"),
    ("CARRY", "distance", "carry"),
    ("ROLL", "distance", None),
    ("TOTAL", "distance", "total"),
    ("FLIGHT", "SEC", "hang_time"),
    ("DSCNT", "DEG", "descent_angle"),
    ("HEIGHT", "distance", "apex"),
    ("CLUB SPEED", "speed", "club_speed"),
    ("SMASH", "FACTOR", "smash_factor"),
    ("PATH", "DEG", "club_path"),
    ("FTP", "DEG", "face_to_path"),
    ("FTT", "DEG", "face_angle"),
]
RANGES = {
    "ball_speed": (40, 190),
    "launch_angle": (2, 45),
    "back_spin": (1000, 11000),
    "side_spin": (-1500, 1500),
    "launch_direction": (-10, 10),
    "carry_side": (-40, 40),
    "carry": (30, 300),
    "total": (35, 320),
    "hang_time": (2, 8),
    "descent_angle": (20, 60),
    "apex": (15, 140),
    "club_speed": (40, 125),
    "smash_factor": (1.0, 1.5),
    "club_path": (-10, 10),
    "face_to_path": (-10, 10),
    "face_angle": (-10, 10),
}
shots = st.fixed_dictionaries(
    {
        name: st.floats(low, high, allow_nan=False, allow_infinity=False)
        for name, (low, high) in RANGES.items()
    }
)
CLUBS = {"D": "driver", "7 IRON": "7i", "PW": "pw", "56°": "sw"}
UNIT_KINDS = ("speed", "distance")


def _unit(kind: str, metric: bool) -> str:
    if kind == "speed":
        return "KPH" if metric else "MPH"
    if kind == "distance":
        return "M" if metric else "YD"
    return kind


def _written(value: float, name: str, unit: str) -> float:
    return round(value / to_canonical(name, 1.0, unit), 2)


def write_block_file(
    blocks: list[tuple[str, list[dict[str, float]]]], *, metric: bool, legacy: bool
) -> str:
    """The legacy file: unquoted, padded rows, no FTP; the current one: quoted, ragged, a bullet."""
    columns = [each for each in LEGACY_COLUMNS if not (legacy and each[0] == "FTP")]
    width = len(columns)
    output = io.StringIO()
    if legacy:
        writer = csv.writer(output, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    else:
        writer = csv.writer(output, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def padded(cells: list[str]) -> list[str]:
        return [*cells, *[""] * (width - len(cells))] if legacy else cells

    practice = "PRACTICE: 5/2/2025 5:00 PM" if legacy else "PRACTICE: 05/02/2025 • 05:00 PM"
    writer.writerow(padded([practice]))
    writer.writerow(padded(["PLAYER: TESTER"]))
    writer.writerow(padded([]))
    writer.writerow([name for name, _, _ in columns])
    writer.writerow([_unit(kind, metric) for _, kind, _ in columns])
    for club, club_shots in blocks:
        writer.writerow(padded([club]))
        for number, shot in enumerate(club_shots, start=1):
            cells = []
            for name, kind, metric_name in columns:
                if name == "SHOT":
                    cells.append(str(number))
                elif name == "HAND":
                    cells.append("R")
                elif metric_name is None:
                    cells.append("0")
                elif kind in ("DEG", "RPM", "SEC", "FACTOR"):
                    cells.append(f"{shot[metric_name]:.2f}")
                else:
                    unit = _unit(kind, metric).lower()
                    cells.append(f"{_written(shot[metric_name], metric_name, unit):.2f}")
            writer.writerow(cells)
        writer.writerow(["AVG", "", *["0"] * (width - 2)])
        writer.writerow(padded([]))
    return output.getvalue()


@hypothesis_settings(max_examples=40, deadline=None)
@given(
    blocks=st.lists(
        st.tuples(st.sampled_from(sorted(CLUBS)), st.lists(shots, min_size=1, max_size=4)),
        min_size=1,
        max_size=3,
    ),
    metric=st.booleans(),
    legacy=st.booleans(),
)
def test_it_reads_back_any_plausible_shots_written_in_skytraks_layout(blocks, metric, legacy):
    result = read(write_block_file(blocks, metric=metric, legacy=legacy))
    assert result.format == ("skytrak_legacy_csv" if legacy else "skytrak_activity_csv")
    expected = [(club, shot) for club, club_shots in blocks for shot in club_shots]
    assert not result.rejected
    assert len(result.rows) == len(expected)
    for row, (club, shot) in zip(result.rows, expected, strict=True):
        assert row.club == CLUBS[club]
        for name, value in shot.items():
            if legacy and name == "face_to_path":
                assert name not in row.values
                continue
            kind = next(each[1] for each in LEGACY_COLUMNS if each[2] == name)
            factor = to_canonical(name, 1.0, _unit(kind, metric)) if kind in UNIT_KINDS else 1.0
            assert row.values[name] == pytest.approx(value, abs=0.006 * factor), name
