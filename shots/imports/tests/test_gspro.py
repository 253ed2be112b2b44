"""GSPro shot export CSV, on files written here in GSPro's format: 0 for what was not measured."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shots.imports import ReadOptions, read_export
from shots.imports.gspro import export_date_from_file_name
from shots.imports.result import UNIT_CHOSEN, UNIT_FROM_FORMAT

HEADER = (
    "Carry,TotalDistance,BallSpeed,BackSpin,SideSpin,HLA,VLA,Decent,DistanceToPin,PeakHeight,"
    "Offline,rawSpinAxis,rawCarryGame,rawCarryLM,Club,ClubSpeed,Path,AoA,FaceToTarget,FaceToPath,"
    "Lie,Loft,DynamicLoft,CR,HI,VI,SmashFactor"
)
COLUMNS = HEADER.split(",")
# A driver with club speed and path from the launch monitor but no attack angle or
# dynamic loft; an iron from a unit that sends no club data and no spin; an empty shot.
DRIVER = (
    "268.4121,283.1109,163.2215,2788.512,412.301,-3.911,12.734,43.1186,0 ft,121.8853,"
    "-7.418823,8.409561,268.5502,272.1101,DR,110.6634,0.823,0,-2.914,-3.737,0,0,0,0,0,0,1.474933"
)
IRON = "152.1,160.4,112.3,0,0,0,19.2,46.8,0 ft,88.4,0,0,152.1,152.1,7I,0,0,0,0,0,0,0,0,0,0,0,0"
NOTHING = "0,0,0,0,0,0,0,0,0 ft,0,0,0,0,0,PW,0,0,0,0,0,0,0,0,0,0,0,0"
FILE_NAME = "gspro-export08-16-26-14-43-17.csv"


def read(*rows: str, filename: str = FILE_NAME, **options):
    text = "\n".join([HEADER, *rows]) + "\n"
    return read_export(text.encode(), filename=filename, options=ReadOptions(**options))


def test_it_reads_a_gspro_export_in_mph_yards_and_feet():
    result = read(DRIVER)
    assert result.format == "gspro_csv"
    row = result.rows[0]
    assert row.club == "driver"
    assert row.values["carry"] == pytest.approx(268.4121)
    assert row.values["apex"] == pytest.approx(121.8853)  # PeakHeight is in feet
    assert row.values["spin_axis"] == pytest.approx(8.409561)
    assert row.values["launch_direction"] == pytest.approx(-3.911)
    assert row.values["carry_side"] == pytest.approx(-7.418823)
    assert row.values["descent_angle"] == pytest.approx(43.1186)
    assert row.values["smash_factor"] == pytest.approx(1.474933)
    assert result.unit_of("apex").unit == "ft"
    assert result.unit_of("carry").source == UNIT_FROM_FORMAT


def test_it_takes_gspros_zeros_for_not_measured():
    driver = read(DRIVER).rows[0].values
    assert "attack_angle" not in driver
    assert "dynamic_loft" not in driver
    assert driver["club_path"] == pytest.approx(0.823)
    assert driver["club_speed"] == pytest.approx(110.6634)


def test_it_keeps_a_straight_shot_but_not_the_spin_nobody_measured():
    iron = read(IRON).rows[0].values
    assert iron["launch_direction"] == 0.0  # straight: HLA 0 with a measured ball
    assert iron["carry_side"] == 0.0
    assert "back_spin" not in iron
    assert "side_spin" not in iron  # 0 beside a missing back spin: no spin measured
    assert "spin_axis" not in iron
    assert not {"club_speed", "club_path", "face_angle", "smash_factor"} & set(iron)


def test_it_keeps_zero_side_spin_when_the_back_spin_was_measured():
    row = DRIVER.split(",")
    row[COLUMNS.index("SideSpin")] = "0"
    row[COLUMNS.index("rawSpinAxis")] = "0"
    values = read(",".join(row)).rows[0].values
    assert values["side_spin"] == 0.0
    assert values["spin_axis"] == 0.0


def test_it_rejects_a_shot_of_nothing_but_zeros():
    result = read(DRIVER, NOTHING)
    assert len(result.rows) == 1
    assert [(note.row_number, note.reason) for note in result.rejected] == [
        (3, "no measured values")
    ]


def test_it_dates_the_session_by_the_export_stamp_in_the_file_name():
    result = read(DRIVER)
    assert result.session_date == date(2026, 8, 16)
    assert result.session_date_source == "file name"
    assert result.rows[0].hit_at is None
    assert read(DRIVER, filename="practice.csv").session_date is None


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("gspro-export08-16-26-14-43-17.csv", date(2026, 8, 16)),
        ("gspro-export08-16-26-14-43-17 (1).csv", date(2026, 8, 16)),
        ("gspro-export13-16-26-14-43-17.csv", None),
        ("range.csv", None),
    ],
)
def test_it_reads_the_export_stamp(name, day):
    assert export_date_from_file_name(name) == day


def test_it_lets_the_preview_choose_metres():
    result = read(DRIVER, units={"carry": "m"})
    assert result.rows[0].values["carry"] == pytest.approx(268.4121 * 1.09361)
    assert result.unit_of("carry").source == UNIT_CHOSEN


# --- Property: plausible shots written as GSPro writes them read back the same --------------------

BALL = {
    "Carry": ("carry", 30, 300),
    "TotalDistance": ("total", 35, 320),
    "BallSpeed": ("ball_speed", 40, 190),
    "BackSpin": ("back_spin", 1000, 11000),
    "VLA": ("launch_angle", 2, 45),
    "Decent": ("descent_angle", 20, 60),
    "PeakHeight": ("apex", 15, 140),
    "ClubSpeed": ("club_speed", 40, 125),
    "SmashFactor": ("smash_factor", 1.0, 1.52),
}
SIGNED = {
    "SideSpin": ("side_spin", 1500),
    "HLA": ("launch_direction", 10),
    "Offline": ("carry_side", 40),
    "rawSpinAxis": ("spin_axis", 30),
}
# GSPro's 0 means "not sent": a real club angle is never exactly 0 here.
CLUB_ANGLES = {
    "Path": "club_path",
    "AoA": "attack_angle",
    "FaceToTarget": "face_angle",
    "FaceToPath": "face_to_path",
}


def _club_angle() -> st.SearchStrategy[float]:
    return st.tuples(st.floats(0.01, 10), st.sampled_from((-1, 1))).map(
        lambda pair: pair[0] * pair[1]
    )


shots = st.fixed_dictionaries(
    {
        **{column: st.floats(low, high) for column, (_, low, high) in BALL.items()},
        **{column: st.floats(-limit, limit) for column, (_, limit) in SIGNED.items()},
        **{column: _club_angle() for column in CLUB_ANGLES},
    }
)
METRIC_OF = {
    **{column: metric for column, (metric, _, _) in BALL.items()},
    **{column: metric for column, (metric, _) in SIGNED.items()},
    **CLUB_ANGLES,
}


@hypothesis_settings(max_examples=50, deadline=None)
@given(shot_list=st.lists(shots, min_size=1, max_size=6))
def test_it_reads_back_any_plausible_shots_written_as_gspro_writes_them(shot_list):
    rows = []
    for shot in shot_list:
        cells = {column: f"{value:.7g}" for column, value in shot.items()}
        cells.update({"DistanceToPin": "0 ft", "Club": "7I", "Lie": "0", "Loft": "0"})
        rows.append(",".join(cells.get(column, "0") for column in COLUMNS))
    result = read(*rows)
    assert not result.rejected
    for row, shot in zip(result.rows, shot_list, strict=True):
        assert row.club == "7i"
        for column, value in shot.items():
            assert row.values[METRIC_OF[column]] == pytest.approx(value, rel=1e-6, abs=1e-6)
