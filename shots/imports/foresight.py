"""Foresight FSX (GC3, GCQuad, GCHawk, Falcon): ``LastShot.CSV`` and the session JSON.

``LastShot.CSV`` is the one-shot file FSX rewrites after every shot: cells
separated by ``, `` with a trailing ``, ``, SI units in the headers
(``Ball Speed (m/s)``, ``Carry (m)``, ``Peak Height (m)``), clubs as codes
(``1w``, ``7i``) and ``16777215.000000`` (2**24 - 1) wherever FSX has no
data, typically all club data when the club was not seen. It holds no time.

The session file (``*.session``, JSON) holds ``Shots[]``, each with
``BallData``, ``FlightData`` and (in newer versions) ``ClubData``, always in
SI units (the unit is in the key: ``BallSpeed_MS``, ``CarryDistance_M``);
``null`` means not measured, and FSX writes ``0`` for a face-to-path it did
not measure and ``16777216`` for club data it lost. Shots the golfer
disabled in FSX are skipped. A shot's time is the session's start date plus
its ``Timestamp`` (the clock on the simulator PC, no zone).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from shots.analysis.labels import label_key
from shots.analysis.units import to_canonical
from shots.imports import columns as c
from shots.imports.cells import drop_unmeasured_club_data, is_sentinel
from shots.imports.clubs import club_for_text
from shots.imports.columns import CsvLayout, check_unit, find_header, read_layout, unit_text
from shots.imports.result import (
    UNIT_CHOSEN,
    UNIT_FROM_FORMAT,
    ColumnUnit,
    ImportFileError,
    ImportRow,
    ReadResult,
    RowNote,
)
from shots.imports.tables import Table

if TYPE_CHECKING:
    from shots.imports import ReadOptions

VENDOR = "Foresight"
DEVICE = "Foresight FSX"

_LASTSHOT_COLUMNS = {
    "Shot ID": c.IGNORED,
    "Club": c.CLUB,
    "Club head Speed": "club_speed",
    "Club Speed": "club_speed",
    "Ball Speed": "ball_speed",
    "Launch Angle": "launch_angle",
    "Azimuth": "launch_direction",
    "Side Spin": "side_spin",
    "Back Spin": "back_spin",
    "Total Spin": "spin_rate",
    "Spin Axis": "spin_axis",
    "Descent Angle": "descent_angle",
    "Carry": "carry",
    "Total Distance": "total",
    "Offline": "carry_side",
    "Peak Height": "apex",
    "Distance to Pin": c.IGNORED,
    # FSX calls the club's vertical path what others call the attack angle.
    "Vert Path": "attack_angle",
    "Horiz Path": "club_path",
    "Face to Path": "face_to_path",
    "Face to Target": "face_angle",
    "Lie": c.IGNORED,
    "Loft": "dynamic_loft",
    "Closure Rate": c.IGNORED,
    "Horiz Impact": c.IGNORED,
    "Vert Impact": c.IGNORED,
}

LASTSHOT = CsvLayout(
    format="foresight_lastshot_csv",
    label="Foresight FSX LastShot.CSV",
    vendor=VENDOR,
    device=DEVICE,
    columns={label_key(header): role for header, role in _LASTSHOT_COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("Club", "Ball Speed", "Azimuth", "Carry")),
    # The line under the header is the shot, never a units row.
    units_row=False,
)


class LastShotReader:
    format = LASTSHOT.format
    label = LASTSHOT.label
    vendor = VENDOR

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, LASTSHOT.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        # The file has no time of the shot: hit_at stays None and the preview asks.
        return read_layout(table, LASTSHOT, units=options.units)


# (group, key, metric, unit the key names). Keys left out on purpose:
# DistanceToPin_M (the simulator's target), ClubSpeedAtImpact_MS, Lie_DEG,
# FAxis_DEG, FaceImpact*_MM, ClosureRate_DEG, Algorithm.
SESSION_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("BallData", "BallSpeed_MS", "ball_speed", "m/s"),
    ("BallData", "LaunchAngle_DEG", "launch_angle", "°"),
    ("BallData", "Azimuth_DEG", "launch_direction", "°"),
    ("BallData", "TotalSpin_RPM", "spin_rate", "rpm"),
    ("BallData", "BackSpin_RPM", "back_spin", "rpm"),
    ("BallData", "SideSpin_RPM", "side_spin", "rpm"),
    ("BallData", "SpinAxis_DEG", "spin_axis", "°"),
    ("FlightData", "CarryDistance_M", "carry", "m"),
    ("FlightData", "TotalDistance_M", "total", "m"),
    ("FlightData", "OfflineDistance_M", "carry_side", "m"),
    ("FlightData", "MaxHeight_M", "apex", "m"),
    ("FlightData", "DescentAngle_DEG", "descent_angle", "°"),
    ("ClubData", "ClubSpeed_MS", "club_speed", "m/s"),
    ("ClubData", "Efficiency", "smash_factor", ""),
    ("ClubData", "VerticalPath_DEG", "attack_angle", "°"),
    ("ClubData", "HorizontalPath_DEG", "club_path", "°"),
    ("ClubData", "FaceToTarget_DEG", "face_angle", "°"),
    ("ClubData", "FaceToPath_DEG", "face_to_path", "°"),
    ("ClubData", "Loft_DEG", "dynamic_loft", "°"),
)
SESSION_DATE_FORMATS = ("%Y.%m.%d", "%Y-%m-%d", "%d.%m.%Y")
SHOT_TIME_FORMATS = ("%H:%M:%S", "%H:%M:%S.%f", "%H:%M")
DISABLED_REASON = "disabled in FSX"
MIDNIGHT_GAP = timedelta(hours=12)


class SessionJsonReader:
    format = "foresight_session_json"
    label = "Foresight FSX session (JSON)"
    vendor = VENDOR

    def detect(self, table: Table) -> bool:
        document = table.document
        if table.kind != "json" or not isinstance(document, dict):
            return False
        shots = document.get("Shots")
        if not isinstance(shots, list):
            return False
        return "SessionStartDate" in document or any(
            isinstance(shot, dict) and "BallData" in shot for shot in shots[:5]
        )

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        document: dict[str, Any] = table.document
        shots = document["Shots"]
        if not shots:
            raise ImportFileError("The FSX session holds no shots.")
        columns = _session_columns(shots, options.units)
        units = {column.metric: column.unit for column in columns}
        session_date = _session_date(document.get("SessionStartDate"))
        start_clock = _clock(document.get("SessionStartTime"))
        result = ReadResult(
            vendor=VENDOR,
            format=self.format,
            format_label=self.label,
            columns=columns,
            rows=[],
            session_date=session_date,
            session_date_source="file" if session_date else "",
            device=DEVICE,
        )
        for number, shot in enumerate(shots, start=1):
            if not isinstance(shot, dict):
                result.rejected.append(RowNote(number, "the entry is not a shot"))
                continue
            if shot.get("Enabled") is False:
                result.skipped.append(RowNote(number, DISABLED_REASON))
                continue
            row, problem = _session_row(
                number, shot, units=units, session_date=session_date, start_clock=start_clock
            )
            if row is None:
                result.rejected.append(RowNote(number, problem))
            else:
                result.rows.append(row)
        return result


def _session_columns(shots: list[Any], chosen: Mapping[str, str]) -> list[ColumnUnit]:
    """One column per field the file has (even if null everywhere), in its SI unit or the chosen one."""
    present = {
        (group, key)
        for shot in shots
        if isinstance(shot, dict)
        for group, values in shot.items()
        if isinstance(values, dict)
        for key in values
    }
    columns = []
    for group, key, metric, unit in SESSION_FIELDS:
        if (group, key) not in present:
            continue
        source = UNIT_FROM_FORMAT
        if metric in chosen:
            unit, source = check_unit(metric, unit_text(chosen[metric]), header=key), UNIT_CHOSEN
        columns.append(ColumnUnit(metric=metric, header=key, unit=unit, source=source))
    return columns


def _session_row(
    number: int,
    shot: dict[str, Any],
    *,
    units: Mapping[str, str],
    session_date: date | None,
    start_clock: time | None,
) -> tuple[ImportRow | None, str]:
    values: dict[str, float] = {}
    for group, key, metric, _ in SESSION_FIELDS:
        data = shot.get(group)
        if not isinstance(data, dict) or metric not in units:
            continue
        raw = data.get(key)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return None, f"{key}: {raw!r} is not a number"
        number_value = float(raw)
        if not math.isfinite(number_value) or is_sentinel(metric, number_value):
            continue
        values[metric] = to_canonical(metric, number_value, units[metric] or None)
    drop_unmeasured_club_data(values)
    if not values:
        return None, "no measured values"
    try:
        hit_at = _hit_at(shot.get("Timestamp"), session_date=session_date, start=start_clock)
    except ValueError as error:
        return None, str(error)
    club_text, club = _club(shot)
    return ImportRow(
        row_number=number, club_text=club_text, club=club, values=values, hit_at=hit_at
    ), ""


def _club(shot: Mapping[str, Any]) -> tuple[str, str]:
    """FSX's club code ("1w", "7i") wins; generic codes ("Wdg", "Irn") defer to the club's name."""
    code = str(shot.get("ClubType") or "").strip()
    name = str(shot.get("ClubName") or "").strip()
    club = club_for_text(code) or club_for_text(name)
    return name or code, club


def _session_date(text: object) -> date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    for pattern in SESSION_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _clock(text: object) -> time | None:
    if not isinstance(text, str) or not text.strip():
        return None
    for pattern in SHOT_TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).time()
        except ValueError:
            continue
    return None


def _hit_at(text: object, *, session_date: date | None, start: time | None) -> datetime | None:
    """Session date + the shot's clock; a clock well before the session's start is the next day."""
    if text is None or text == "" or session_date is None:
        return None
    clock = _clock(text)
    if clock is None:
        raise ValueError(f"{text!r} is not a time of day FSX writes")
    hit_at = datetime.combine(session_date, clock)
    if start is not None and datetime.combine(session_date, start) - hit_at > MIDNIGHT_GAP:
        # The session went past midnight. A clock a little before the start is
        # the PC's clock being a little off, not a shot from the next day.
        hit_at += timedelta(days=1)
    return hit_at


READERS = (SessionJsonReader(), LastShotReader())
