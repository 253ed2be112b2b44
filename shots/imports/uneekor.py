"""Uneekor (EYE XO, QED, EYE MINI) session CSV from View / Refine.

``No, Carry, Total, Side Dist, Smash Factor, Club Speed, Ball Speed, ...``:
no club column (the preview asks for the club), shots numbered newest first
(the rows keep the file's order; ``row_number`` is the file's line), sides
as a prefix (``L 32.2``, ``R 1.8°``), ``°`` and `` s`` inside the cells,
``--`` for not measured and the header typo ``Decent Angle``.

The file names no unit anywhere: it is written in whatever the software
displays (speed mph or km/h, distance yards or metres). The units are
therefore guessed per file and marked so in the preview, where the golfer
can change them:

- speeds and distances from carry ÷ ball speed over the full shots: about
  1.1 to 1.7 in mph and yards (a 100 mph wedge carries about 125 yards),
  0.6 to 0.95 in km/h and metres (161 km/h, 114 m);
- apex from the hang time: a ball in the air ``t`` seconds rises to about
  0.55 to 0.85 of ``g·t²/8`` (drag), so apex ÷ ``g·t²/8`` in metres is
  about 2 to 2.8 when the apex is in feet and under 1 when it is in metres
  or yards. The real files seen are mph, yards and an apex in feet.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable
from typing import TYPE_CHECKING

from shots.analysis.labels import label_key
from shots.imports import columns as c
from shots.imports.cells import CellError, parse_number
from shots.imports.columns import CsvLayout, find_header, read_layout
from shots.imports.result import UNIT_FROM_FORMAT, UNIT_GUESSED, ReadResult
from shots.imports.tables import Table

if TYPE_CHECKING:
    from shots.imports import ReadOptions

_COLUMNS = {
    "No": c.IGNORED,
    "Club": c.CLUB,
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
    "Decent Angle": "descent_angle",  # sic, as Uneekor writes it
    "Descent Angle": "descent_angle",
    "Apex": "apex",
    "Flight Time": "hang_time",
    "Type": c.IGNORED,  # "Push Slice": the software's name for the shape
    "Spin Axis": "spin_axis",
    "Total Spin": "spin_rate",
    "Face Angle": "face_angle",
    "Club Path": "club_path",
    "Attack Angle": "attack_angle",
    "Club Lie": c.IGNORED,
    "Impact Pos X": c.IGNORED,
    "Impact Pos Y": c.IGNORED,
    "Dynamic Loft": "dynamic_loft",
    "Face to Path": "face_to_path",
    "Dist to Apex": c.IGNORED,
}

LAYOUT = CsvLayout(
    format="uneekor_csv",
    label="Uneekor CSV",
    vendor="Uneekor",
    device="Uneekor",
    columns={label_key(header): role for header, role in _COLUMNS.items()},
    signature=frozenset(label_key(h) for h in ("Carry", "Side Dist", "Side Angle", "Ball Speed")),
    units_row=False,
)

SPEED_METRICS = ("ball_speed", "club_speed")
DISTANCE_METRICS = ("carry", "total", "carry_side")

# carry ÷ ball speed: mph and yards give 1.1 and more, km/h and metres 0.95 and less.
IMPERIAL_CARRY_PER_SPEED = 0.95
# apex ÷ (g·t²/8 in metres): feet give about 2 and more, metres and yards 1 and less.
APEX_IN_FEET_RATIO = 1.3
FULL_SHOT_CARRY = 30.0  # yards or metres; mishits and chips say nothing about the units
FULL_SHOT_HANG_TIME = 1.5  # seconds
GRAVITY = 9.81
NEWEST_FIRST_NOTE = (
    "Uneekor numbers the shots newest first: the first row is the last shot hit. "
    "The rows keep the file's order."
)


@dataclasses.dataclass(frozen=True)
class UnitGuess:
    speed: str
    distance: str
    apex: str
    speed_reason: str
    apex_reason: str

    def default_units(self) -> dict[str, str]:
        return {
            **dict.fromkeys(SPEED_METRICS, self.speed),
            **dict.fromkeys(DISTANCE_METRICS, self.distance),
            "apex": self.apex,
        }

    def reason_for(self, metric: str) -> str:
        return self.apex_reason if metric == "apex" else self.speed_reason


class UneekorReader:
    format = LAYOUT.format
    label = LAYOUT.label
    vendor = LAYOUT.vendor

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, LAYOUT.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        guess = guess_units(table)
        layout = dataclasses.replace(LAYOUT, default_units=guess.default_units())
        result = read_layout(table, layout, units=options.units)
        # The engine calls a unit it was given "the format's"; here it was guessed.
        result.columns = [
            dataclasses.replace(column, source=UNIT_GUESSED, reason=guess.reason_for(column.metric))
            if column.source == UNIT_FROM_FORMAT and column.metric in layout.default_units
            else column
            for column in result.columns
        ]
        if _numbered_newest_first(table):
            result.notes.append(NEWEST_FIRST_NOTE)
        return result


def guess_units(table: Table) -> UnitGuess:
    """The units this file is most likely in, with the reasons, from its full shots."""
    shots = _columns_of(table, ("carry", "ball_speed", "apex", "hang_time"))
    carry_per_speed = _median(
        carry / speed
        for carry, speed in zip(shots["carry"], shots["ball_speed"], strict=True)
        if carry is not None and speed and carry >= FULL_SHOT_CARRY
    )
    if carry_per_speed is None:
        speed, distance = "mph", "yds"
        speed_reason = (
            "Uneekor files name no units and this one has no full shot to judge them by; "
            "golfshots takes mph and yards, the units of the Uneekor files seen so far."
        )
    else:
        imperial = carry_per_speed > IMPERIAL_CARRY_PER_SPEED
        speed, distance = ("mph", "yds") if imperial else ("km/h", "m")
        speed_reason = (
            f"Uneekor files name no units; carry ÷ ball speed is {carry_per_speed:.2f} here, "
            + (
                "as in mph and yards (about 1.1–1.7; km/h and metres give about 0.6–0.95)."
                if imperial
                else "as in km/h and metres (about 0.6–0.95; mph and yards give about 1.1–1.7)."
            )
        )
    apex_ratio = _median(
        apex / (GRAVITY * hang_time**2 / 8)
        for apex, hang_time in zip(shots["apex"], shots["hang_time"], strict=True)
        if apex is not None and hang_time is not None and hang_time >= FULL_SHOT_HANG_TIME
    )
    if apex_ratio is None:
        apex = "ft" if distance == "yds" else "m"
        apex_reason = f"Uneekor files name no units; apex in {apex} goes with {distance}."
    else:
        apex = "ft" if apex_ratio >= APEX_IN_FEET_RATIO else distance
        apex_reason = (
            f"Uneekor files name no units; apex is {apex_ratio:.1f}× the height its hang time "
            "gives in metres (g·t²/8), "
            + (
                "as when it is in feet (about 2–2.8; metres or yards give under 1)."
                if apex == "ft"
                else "as when it is in metres or yards (under 1; feet give about 2–2.8)."
            )
        )
    return UnitGuess(
        speed=speed,
        distance=distance,
        apex=apex,
        speed_reason=speed_reason,
        apex_reason=apex_reason,
    )


def _columns_of(table: Table, metrics: tuple[str, ...]) -> dict[str, list[float | None]]:
    """Each metric's numbers down the data rows (None where blank or not a number)."""
    found: dict[str, list[float | None]] = {metric: [] for metric in metrics}
    header_index = find_header(table, LAYOUT.signature)
    if header_index is None:
        return found
    headers = table.rows[header_index]
    column_of: dict[str, int] = {}
    for index, header in enumerate(headers):
        role = LAYOUT.role_for(header) if header else None
        if role in found and role not in column_of:
            column_of[role] = index
    for cells in table.rows[header_index + 1 :]:
        for metric in metrics:
            column = column_of.get(metric)
            found[metric].append(
                _number(cells[column]) if column is not None and column < len(cells) else None
            )
    return found


def _number(text: str) -> float | None:
    try:
        return parse_number(text)
    except CellError:
        return None


def _median(ratios: Iterable[float]) -> float | None:
    values = list(ratios)
    return statistics.median(values) if values else None


def _numbered_newest_first(table: Table) -> bool:
    header_index = find_header(table, LAYOUT.signature)
    if header_index is None:
        return False
    keys = [label_key(header) for header in table.rows[header_index]]
    if "no" not in keys:
        return False
    column = keys.index("no")
    numbers = [
        number
        for cells in table.rows[header_index + 1 :]
        if len(cells) > column and (number := _number(cells[column])) is not None
    ]
    return len(numbers) > 1 and numbers == sorted(numbers, reverse=True)


READERS = (UneekorReader(),)
