"""GSPro's shot export CSV (``gspro-export08-16-26-14-43-17.csv``).

One header row, then a row per shot, no units anywhere::

    Carry,TotalDistance,BallSpeed,BackSpin,SideSpin,HLA,VLA,Decent,DistanceToPin,
    PeakHeight,Offline,rawSpinAxis,rawCarryGame,rawCarryLM,Club,ClubSpeed,Path,AoA,
    FaceToTarget,FaceToPath,Lie,Loft,DynamicLoft,CR,HI,VI,SmashFactor

Values are what the launch monitor sent GSPro and what GSPro's ball flight
made of them, in mph, yards and degrees; ``PeakHeight`` is in **feet** (a
275-yard drive peaks at about 125 in the real exports: feet, since 125 yards
is no golf shot). ``Decent`` is GSPro's spelling. ``rawSpinAxis`` is the
spin axis in degrees (atan(side spin ÷ back spin); positive = curving
right); HLA and Offline are negative left of the target. ``DistanceToPin``
(``"0 ft"``), ``rawCarryGame`` / ``rawCarryLM`` (GSPro's and the launch
monitor's carry, beside ``Carry``), ``Lie``, ``Loft``, ``CR``, ``HI``,
``VI`` are not stored. The file names no date; the export time in the file
name (``MM-DD-YY-HH-MM-SS``) gives the session's date.

**GSPro writes 0 for everything the launch monitor did not send.** Which
zeros are "not measured" (``CsvLayout.zero_is_unmeasured``):

- always: ball and club speed, smash factor, launch angle, back spin, carry,
  total, peak height, descent angle, and the club data (attack angle, path,
  face to target, face to path, dynamic loft). No struck ball has exactly 0
  of any of them, and a launch monitor without club sensing (most camera
  units) sends 0 for all club data. A real 0.0° face or path is therefore
  lost when it is exact to the thousandth, which is rare, and a kept fake
  0 would pull every average towards square;
- never on their own: HLA, Offline, side spin and spin axis. Straight is a
  real and common result, and 0 is straight. They are dropped only with the
  measurement they come from: side spin and spin axis of 0 when the back
  spin is missing too (no spin was measured), HLA and Offline of 0 when the
  ball speed is missing (no ball was measured).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from shots.analysis.labels import label_key
from shots.imports import columns as c
from shots.imports.columns import CsvLayout, find_header, read_layout
from shots.imports.result import ReadResult
from shots.imports.tables import Table

if TYPE_CHECKING:
    from shots.imports import ReadOptions

_COLUMNS = {
    "Carry": "carry",
    "TotalDistance": "total",
    "BallSpeed": "ball_speed",
    "BackSpin": "back_spin",
    "SideSpin": "side_spin",
    "TotalSpin": "spin_rate",
    "HLA": "launch_direction",
    "VLA": "launch_angle",
    "Decent": "descent_angle",  # sic, as GSPro writes it
    "Descent": "descent_angle",
    "DistanceToPin": c.IGNORED,
    "PeakHeight": "apex",
    "Offline": "carry_side",
    "rawSpinAxis": "spin_axis",
    "SpinAxis": "spin_axis",
    "rawCarryGame": c.IGNORED,
    "rawCarryLM": c.IGNORED,
    "Club": c.CLUB,
    "ClubSpeed": "club_speed",
    "Path": "club_path",
    "AoA": "attack_angle",
    "FaceToTarget": "face_angle",
    "FaceToPath": "face_to_path",
    "Lie": c.IGNORED,
    "Loft": c.IGNORED,
    "DynamicLoft": "dynamic_loft",
    "CR": c.IGNORED,
    "HI": c.IGNORED,
    "VI": c.IGNORED,
    "SmashFactor": "smash_factor",
}

ZERO_IS_UNMEASURED = frozenset(
    {
        "ball_speed",
        "club_speed",
        "smash_factor",
        "launch_angle",
        "back_spin",
        "spin_rate",
        "carry",
        "total",
        "apex",
        "descent_angle",
        "attack_angle",
        "club_path",
        "face_angle",
        "face_to_path",
        "dynamic_loft",
    }
)
_FILE_NAME_STAMP = re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})(?!\d)")


def _drop_zeros_without_their_measurement(
    values: dict[str, float], flags: dict[str, list[str]], by_role: dict[str, str]
) -> None:
    # Runs after the always-unmeasured zeros are gone: a missing back spin or
    # ball speed here means the launch monitor sent none.
    if "back_spin" not in values and "spin_rate" not in values:
        for name in ("side_spin", "spin_axis"):
            if values.get(name) == 0.0:
                del values[name]
    if "ball_speed" not in values:
        for name in ("launch_direction", "carry_side"):
            if values.get(name) == 0.0:
                del values[name]


LAYOUT = CsvLayout(
    format="gspro_csv",
    label="GSPro CSV",
    vendor="GSPro",
    device="GSPro",
    columns={label_key(header): role for header, role in _COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("BallSpeed", "HLA", "VLA", "TotalDistance")),
    default_units={
        **dict.fromkeys(("ball_speed", "club_speed"), "mph"),
        **dict.fromkeys(("carry", "total", "carry_side"), "yds"),
        "apex": "ft",
    },
    zero_is_unmeasured=ZERO_IS_UNMEASURED,
    units_row=False,
    adjust_row=_drop_zeros_without_their_measurement,
)


class GSProReader:
    format = LAYOUT.format
    label = LAYOUT.label
    vendor = LAYOUT.vendor

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, LAYOUT.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        result = read_layout(table, LAYOUT, units=options.units)
        exported = export_date_from_file_name(table.filename)
        if exported is not None:
            result.session_date = exported
            result.session_date_source = "file name"
        return result


def export_date_from_file_name(filename: str) -> date | None:
    """``gspro-export08-16-26-14-43-17.csv`` -> 2026-08-16 (month, day, two-digit year)."""
    match = _FILE_NAME_STAMP.search(filename)
    if not match:
        return None
    try:
        return date(2000 + int(match[3]), int(match[1]), int(match[2]))
    except ValueError:
        return None


READERS = (GSProReader(),)
