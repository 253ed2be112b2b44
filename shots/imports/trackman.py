"""Trackman Performance Studio (TPS) "Trackman CSV" export.

``sep=,`` on the first line (for Excel), then the header, then a units row
(``[mph]``, ``[deg]``, ``[rpm]``, ``[yds]``, ``[ft]``, ``[]`` for none; metric
exports write ``[km/h]``, ``[m/s]``, ``[m]``), every cell quoted, numbers in
full float precision (``"90.84421975662131"``). About 60 columns mapped by
name: ``Date`` (``2/19/2026 4:54:48 PM``), ``Player``, ``Club``, club and
ball data, ``Spin Rate Type`` (``Measured`` / ``Estimated``), the flat-ground
results ``Carry Flat - Length / Side / Land. Angle / Time`` and ``Est. Total
Flat - Length / Side``, apex as ``Max Height - Height`` (feet or metres).

Missing club data is a blank cell. The ``(Sim)`` columns (``Carry (Sim)``,
``Spin Axis (Sim)``) are simulated, not measured, and are not read: the
bracket is no unit. Sides may also be written ``5.2 L`` / ``R``
(``shots.imports.cells``); Trackman's signs are ours (negative = left, spin
axis positive = curving right).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from shots.analysis.labels import label_key
from shots.imports import columns as c
from shots.imports.columns import CsvLayout, find_header, read_layout
from shots.imports.generic import DATE_TIME_FORMATS, ShotTimes, time_formats_for
from shots.imports.result import ReadResult
from shots.imports.tables import Table

if TYPE_CHECKING:
    from shots.imports import ReadOptions

_COLUMNS = {
    "Date": c.TIME,
    "TMD No": c.IGNORED,
    "TMD Filename": c.IGNORED,
    "Player": c.IGNORED,
    "Email": c.IGNORED,
    "Club": c.CLUB,
    "Ball": c.IGNORED,  # the ball model ("Premium"), not its speed
    "Club Speed": "club_speed",
    "Attack Angle": "attack_angle",
    "Club Path": "club_path",
    "Dyn. Loft": "dynamic_loft",
    "Dynamic Loft": "dynamic_loft",
    "Face Angle": "face_angle",
    "Face To Path": "face_to_path",
    "Ball Speed": "ball_speed",
    "Smash Factor": "smash_factor",
    "Launch Angle": "launch_angle",
    "Launch Direction": "launch_direction",
    "Spin Rate": "spin_rate",
    "Spin Rate Type": c.SPIN_TYPE,
    "Spin Axis": "spin_axis",
    "Max Height - Height": "apex",
    "Max Height": "apex",
    "Carry Flat - Length": "carry",
    "Carry Flat - Side": "carry_side",
    "Carry Flat - Land. Angle": "descent_angle",
    "Land. Angle": "descent_angle",
    "Landing Angle": "descent_angle",
    "Carry Flat - Time": "hang_time",
    "Hang Time": "hang_time",
    "Est. Total Flat - Length": "total",
    "Est. Total Flat - Side": "total_side",
    "Use In Stat": c.IGNORED,
    "Tags": c.IGNORED,
    "Condition": c.IGNORED,
}

LAYOUT = CsvLayout(
    format="trackman_csv",
    label="Trackman CSV",
    vendor="Trackman",
    device="Trackman",
    columns={label_key(header): role for header, role in _COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("Club", "Ball Speed", "Carry Flat - Length")),
    # The units row says; these are for a cell it leaves blank (TPS in imperial units).
    default_units={
        **dict.fromkeys(("club_speed", "ball_speed"), "mph"),
        **dict.fromkeys(("carry", "carry_side", "total", "total_side"), "yds"),
        "apex": "ft",
    },
    date_formats=DATE_TIME_FORMATS,
)
# "Carry (Sim)" would be "Carry" in "Sim" units: the bracket belongs to the name.
_SIMULATED = re.compile(r"\s*\(\s*sim\s*\)\s*$", re.IGNORECASE)


class TrackmanReader:
    format = LAYOUT.format
    label = LAYOUT.label
    vendor = LAYOUT.vendor

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, LAYOUT.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        table = _simulated_columns_renamed(table)
        header_index = find_header(table, LAYOUT.signature)
        formats = DATE_TIME_FORMATS
        if header_index is not None:
            formats = time_formats_for(_dates(table, header_index), DATE_TIME_FORMATS)
        times = ShotTimes(formats)
        result = read_layout(
            table,
            dataclasses.replace(LAYOUT, date_formats=formats),
            units=options.units,
            parse_time=times,
        )
        if times.note():
            result.notes.append(times.note())
        return result


def _simulated_columns_renamed(table: Table) -> Table:
    header_index = find_header(table, LAYOUT.signature)
    if header_index is None:
        return table
    rows = list(table.rows)
    rows[header_index] = [_SIMULATED.sub(" Sim", cell) for cell in rows[header_index]]
    return dataclasses.replace(table, rows=rows)


def _dates(table: Table, header_index: int) -> list[str]:
    keys = [label_key(cell) for cell in table.rows[header_index]]
    if "date" not in keys:
        return []
    column = keys.index("date")
    return [
        cells[column]
        for cells in table.rows[header_index + 1 : header_index + 201]
        if len(cells) > column and cells[column] and not cells[column].startswith("[")
    ]


READERS = (TrackmanReader(),)
