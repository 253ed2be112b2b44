"""FlightScope (Mevo, Mevo+, X3): the FS Golf app's table export and the myflightscope cloud CSV.

Both name two columns alike: ``club`` (the club) beside ``Club (mph)`` (its
speed), and the cloud CSV ``Time`` (when the shot was hit) beside ``Time (s)``
(hang time). The engine maps a header by its name without the unit, so this
module renames the header row first (``Club Speed (mph)``, ``Hang Time (s)``)
and then reads the file with ``columns.read_layout``.

FS Golf export (``club, Shot, Ball (mph), ...``): units in the headers
(``(mph)``/``(m/s)``/``(km/h)``, ``(yds)``/``(m)``, ``(ft)``/``(m)``, ``(°)``),
directions as ``27.8 L`` / ``3.5 R``, ``-`` for not measured, and ``Avg`` /
``Dev`` rows after each club's shots. It has no time of the shot.

myflightscope cloud CSV (written by the flightscope-to-csv scraper): SI units
(``Ball (m/s)``, ``Carry (m)``, ``(*)`` for degrees), one row per shot of
many sessions (``sessionId`` becomes the row's ``session_key``), the shot's
time in ISO 8601 UTC, ``Spin estimated`` 0/1, ``-`` for not measured and the
golfer's own club names (``D BioCell+``, ``3W SIM2 Ti``). Two flaws of that
scraper are repaired here: its ``Shape``, ``Launch H`` and ``Launch V``
headers sit one column off their values (the shape word is last), and it
writes the same shot several times when it fetched a session twice.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from shots.analysis.labels import label_key
from shots.analysis.units import FACTORS
from shots.imports import columns as c
from shots.imports.cells import CellError, parse_number
from shots.imports.columns import (
    CsvLayout,
    find_header,
    read_layout,
    split_header_unit,
    unit_text,
)
from shots.imports.result import ReadResult, RowNote
from shots.imports.tables import Table
from shots.metrics import Quantity

if TYPE_CHECKING:
    from shots.imports import ReadOptions

VENDOR = "FlightScope"
DEVICE = "FlightScope Mevo/Mevo+"

# What this module renames ambiguous headers to (see the module docstring).
CLUB_SPEED_HEADER = "Club Speed"
HANG_TIME_HEADER = "Hang Time"

# Metric headers both exports share.
_METRICS = {
    "Ball": "ball_speed",
    CLUB_SPEED_HEADER: "club_speed",
    "Smash": "smash_factor",
    "Smash Factor": "smash_factor",
    "Carry": "carry",
    "Total": "total",
    "Roll": c.IGNORED,
    "Spin": "spin_rate",
    "Backspin": "back_spin",
    "Sidespin": "side_spin",
    "Height": "apex",
    HANG_TIME_HEADER: "hang_time",
    "AOA": "attack_angle",
    "Spin Loft": c.IGNORED,
    "Spin Axis": "spin_axis",
    "Lateral": "carry_side",
    "Curve": c.IGNORED,
    "Curve Dist": c.IGNORED,
    "Launch H": "launch_direction",
    "Launch V": "launch_angle",
    "Landing Angle": "descent_angle",
    "DescentV": "descent_angle",
    "Club Path": "club_path",
    "FTP": "face_to_path",
    "FTT": "face_angle",
    "Dynamic Loft": "dynamic_loft",
    "Dyn Loft": "dynamic_loft",
    # Swing H / Swing V are the swing plane's directions, not the club's path at impact.
    "Swing H": c.IGNORED,
    "Swing V": c.IGNORED,
    "Shape": c.IGNORED,
    "Shot Type": c.IGNORED,
    "Shot": c.IGNORED,
    "Mode": c.IGNORED,
    "Location": c.IGNORED,
    "Altitude": c.IGNORED,
    "Lateral Impact": c.IGNORED,
    "Vertical Impact": c.IGNORED,
}

_CLOUD_COLUMNS = {
    **_METRICS,
    "sessionId": c.SESSION,
    "Session": c.IGNORED,  # the session's start, as text
    "Session Name": c.IGNORED,
    "Swing ID": c.IGNORED,
    "Time": c.TIME,
    "Club": c.CLUB,
    "Club Name": c.CLUB_NAME,
    "Spin estimated": c.SPIN_ESTIMATED,
    "Range ball": c.IGNORED,
}

_FS_GOLF_COLUMNS = {
    **_METRICS,
    "club": c.CLUB,
    "Date": c.DATE,
    "Time": c.CLOCK,
}

CLOUD = CsvLayout(
    format="flightscope_cloud_csv",
    label="FlightScope cloud CSV (myflightscope.com)",
    vendor=VENDOR,
    device=DEVICE,
    columns={label_key(header): role for header, role in _CLOUD_COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("sessionId", "Ball", "Carry")),
    units_row=False,
)

FS_GOLF = CsvLayout(
    format="flightscope_fsgolf_csv",
    label="FlightScope FS Golf CSV",
    vendor=VENDOR,
    device=DEVICE,
    columns={label_key(header): role for header, role in _FS_GOLF_COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("club", "Shot", "Ball", "Carry")),
    date_formats=(
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
    ),
    units_row=False,
)

SHAPE_REPAIR_NOTE = (
    "The file's Shape, Launch H and Launch V headers sit one column off their values "
    "(a flaw of the flightscope-to-csv scraper); golfshots read those columns by what they hold."
)
# Rows enough to tell the scraper's shifted headers from a correct file.
_SAMPLE_ROWS = 20


class FlightScopeReader:
    vendor = VENDOR

    def __init__(self, layout: CsvLayout) -> None:
        self.layout = layout
        self.format = layout.format
        self.label = layout.label

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, self.layout.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        header_index = find_header(table, self.layout.signature)
        notes: list[str] = []
        duplicates: list[RowNote] = []
        if header_index is not None:
            headers = _distinct_headers(table.rows[header_index])
            if _repair_shape_headers(table, header_index, headers):
                notes.append(SHAPE_REPAIR_NOTE)
            table = _with_header(table, header_index, headers)
            if self.layout is CLOUD:
                table, duplicates = _without_repeated_shots(table, header_index, headers)
        result = read_layout(table, self.layout, units=options.units)
        result.skipped = sorted(result.skipped + duplicates, key=lambda note: note.row_number)
        result.notes.extend(notes)
        sessions = {row.session_key for row in result.rows if row.session_key}
        if len(sessions) > 1:
            result.notes.append(
                f"The file holds {len(sessions)} sessions; each shot keeps the session it is from."
            )
        return result


def _distinct_headers(headers: list[str]) -> list[str]:
    """The header row with ``Club (mph)`` and ``Time (s)`` renamed apart from ``Club`` and ``Time``."""
    renamed = []
    for header in headers:
        name, unit = split_header_unit(header)
        key = label_key(name)
        if key == "club" and unit and unit_text(unit) in FACTORS[Quantity.SPEED]:
            header = f"{CLUB_SPEED_HEADER} ({unit})"
        elif key == "time" and unit and unit_text(unit) in FACTORS[Quantity.TIME]:
            header = f"{HANG_TIME_HEADER} ({unit})"
        renamed.append(header)
    return renamed


def _repair_shape_headers(table: Table, header_index: int, headers: list[str]) -> bool:
    """Put ``Shape``, ``Launch H``, ``Launch V`` over their values if they sit one column off.

    The scraper writes the values Launch H, Launch V, Shape under the headers
    Shape, Launch H, Launch V. Seen from the data: numbers under "Shape" and
    shape words ("draw", "push/fade") under "Launch V". Changes ``headers``.
    """
    keys = [label_key(split_header_unit(header)[0]) for header in headers]
    if not {"shape", "launchh", "launchv"} <= set(keys):
        return False
    shape, launch_h, launch_v = keys.index("shape"), keys.index("launchh"), keys.index("launchv")
    if not shape + 1 == launch_h == launch_v - 1:
        return False
    sample = [
        cells
        for cells in table.rows[header_index + 1 :][: _SAMPLE_ROWS * 5]
        if len(cells) > launch_v and cells[shape] and cells[launch_v]
    ][:_SAMPLE_ROWS]
    shifted = bool(sample) and all(
        _is_number(cells[shape]) and not _is_number(cells[launch_v]) for cells in sample
    )
    if shifted:
        headers[shape], headers[launch_h], headers[launch_v] = (
            headers[launch_h],
            headers[launch_v],
            headers[shape],
        )
    return shifted


def _is_number(text: str) -> bool:
    try:
        return parse_number(text) is not None
    except CellError:
        return False


def _with_header(table: Table, header_index: int, headers: list[str]) -> Table:
    rows = [*table.rows[:header_index], headers, *table.rows[header_index + 1 :]]
    return dataclasses.replace(table, rows=rows)


def _without_repeated_shots(
    table: Table, header_index: int, headers: list[str]
) -> tuple[Table, list[RowNote]]:
    """The table without a shot's second and later copies (same session, shot number and time)."""
    roles = [CLOUD.role_for(header) if header else None for header in headers]
    keys = [label_key(split_header_unit(header)[0]) for header in headers]
    if c.SESSION not in roles or c.TIME not in roles or "shot" not in keys:
        return table, []
    session, clock, shot = roles.index(c.SESSION), roles.index(c.TIME), keys.index("shot")
    first_line: dict[tuple[str, str, str], int] = {}
    rows, lines = table.rows[: header_index + 1], table.line_numbers[: header_index + 1]
    repeated: list[RowNote] = []
    for cells, line in zip(
        table.rows[header_index + 1 :], table.line_numbers[header_index + 1 :], strict=True
    ):
        if len(cells) > max(session, clock, shot) and cells[session] and cells[shot]:
            key = (cells[session], cells[shot], cells[clock])
            if key in first_line:
                repeated.append(
                    RowNote(
                        line,
                        f"the same shot as line {first_line[key]} (session {key[0]}, "
                        f"shot {key[1]}): the file repeats it",
                    )
                )
                continue
            first_line[key] = line
        rows.append(cells)
        lines.append(line)
    return dataclasses.replace(table, rows=rows, line_numbers=lines), repeated


# The cloud CSV first: it also has every header the FS Golf signature asks for.
READERS = (FlightScopeReader(CLOUD), FlightScopeReader(FS_GOLF))
