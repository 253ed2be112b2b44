"""SkyTrak shot history: the legacy ``Export_ShotsHistory_*.csv`` and the current ``activity-*.csv``.

Both generations are a block layout, not one flat table::

    PRACTICE: 6/9/2026 9:15 AM                   the session's start
    PLAYER: NAME
                                                 (blank)
    SHOT,HAND,SHOT SCORE,BALL SPEED,LAUNCH,BACK,SIDE,SIDE,OFFLINE,CARRY,...   names
    #,L/R,SCORE,MPH,DEG,RPM,RPM,DEG,YD,YD,...                                 units
    PW                                           a club: its name, the rest blank
    1,R,70,96,21,6000,-400,4,5,127,...           that club's shots, numbered
    AVG,,75,97,21,5800,...                       their average (skipped)
    7 IRON                                       the next club ...
    NOTES                                        then free text to the end

The legacy file is unquoted and pads every row to the column count; the
current one quotes every cell, writes ragged rows, puts a bullet between date
and time (``PRACTICE GREENS: 08/23/2026 • 04:30 PM``, the label may be
qualified) and adds ``FTP`` (face to path) before ``FTT``. Columns are found
by name and unit, never by position: ``SIDE`` is there twice and only its
unit tells side spin (``RPM``) from side angle (``DEG``); ``HEIGHT`` is in
yards (``YD``). The app writes metric units (``KPH``, ``M``) when set to them;
the units row says which. Club names are codes or words (``PW``, ``7I``,
``D``, ``7 IRON``, ``56°``). Signs as written: negative is left.

The file gives the session's start, not each shot's time: ``hit_at`` stays
None, the date is the session's (``session_date``) and the start time is in
the notes for the preview.

A flat "activity" layout (``Shot, Date, Club, Ball Speed (mph), ..., Side
Angle (deg), Offline (yds), Max Height (ft), Flight Time (sec)``) is described
in the reference notes but no real file of it has been seen; it is read too,
with its units from the headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shots.analysis.labels import label_key
from shots.imports import columns as c
from shots.imports.columns import CsvLayout, find_header, looks_like_units_row, read_layout
from shots.imports.generic import DATE_TIME_FORMATS, ShotTimes
from shots.imports.result import ImportFileError, ReadResult, RowNote
from shots.imports.tables import Table

if TYPE_CHECKING:
    from shots.imports import ReadOptions

LEGACY = "skytrak_legacy_csv"
ACTIVITY = "skytrak_activity_csv"

_PRACTICE = re.compile(r"^\s*PRACTICE[^:,]*:\s*(?P<when>.*)$", re.IGNORECASE)
_PRACTICE_FORMATS = (
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y",
)
_CUT_SHORT = re.compile(r"the row is cut short \((\d+) of (\d+) columns\)")
_SPEED_UNITS = frozenset({"mph", "kph", "km/h", "kmh", "m/s"})
CLUB_HEADER = "Club"

# Label keys of the headers as ``flatten_blocks`` writes them -> role: the two
# SIDE columns become SIDE SPIN and SIDE ANGLE by their units, the oldest
# files' "CLUB" (in mph) becomes CLUB SPEED, and "Club" is the club heading.
_BLOCK_COLUMNS = {
    "shot": c.IGNORED,
    "hand": c.IGNORED,
    "shotscore": c.IGNORED,
    "expecteddist": c.IGNORED,  # the score column, relabelled in some legacy files
    "pti": c.IGNORED,
    "ballspeed": "ball_speed",
    "ball": "ball_speed",
    "launch": "launch_angle",
    "back": "back_spin",
    "backspin": "back_spin",
    "sidespin": "side_spin",
    "sideangle": "launch_direction",
    "offline": "carry_side",
    "carry": "carry",
    "roll": c.IGNORED,
    "total": "total",
    "flight": "hang_time",
    "flighttime": "hang_time",
    "dscnt": "descent_angle",
    "descent": "descent_angle",
    "height": "apex",
    "clubspeed": "club_speed",
    "smash": "smash_factor",
    "smashfactor": "smash_factor",
    "path": "club_path",
    "ftp": "face_to_path",
    "ftt": "face_angle",
    label_key(CLUB_HEADER): c.CLUB,
}


def _block_layout(format_key: str, label: str) -> CsvLayout:
    return CsvLayout(
        format=format_key,
        label=label,
        vendor="SkyTrak",
        device="SkyTrak",
        columns=_BLOCK_COLUMNS,
        signature=frozenset({label_key(CLUB_HEADER), "carry"}),
        # The units row is always there; these are for a blank cell in it.
        default_units={
            "apex": "yd",
            **dict.fromkeys(("ball_speed", "club_speed"), "mph"),
            **dict.fromkeys(("carry", "total", "carry_side"), "yd"),
        },
        units_row=True,
    )


BLOCK_LAYOUTS = {
    LEGACY: _block_layout(LEGACY, "SkyTrak shot history CSV"),
    ACTIVITY: _block_layout(ACTIVITY, "SkyTrak activity CSV"),
}

_FLAT_COLUMNS = {
    "Shot": c.IGNORED,
    "Date": c.TIME,
    "Club": c.CLUB,
    "Hand": c.IGNORED,
    "Ball Speed": "ball_speed",
    "Club Speed": "club_speed",
    "Smash Factor": "smash_factor",
    "Launch Angle": "launch_angle",
    "Side Angle": "launch_direction",
    "Back Spin": "back_spin",
    "Side Spin": "side_spin",
    "Total Spin": "spin_rate",
    "Spin Axis": "spin_axis",
    "Carry": "carry",
    "Roll": c.IGNORED,
    "Total": "total",
    "Offline": "carry_side",
    "Max Height": "apex",
    "Descent Angle": "descent_angle",
    "Flight Time": "hang_time",
    "Club Path": "club_path",
    "Face to Path": "face_to_path",
    "Face to Target": "face_angle",
    "Angle of Attack": "attack_angle",
    "Shot Score": c.IGNORED,
}
FLAT_LAYOUT = CsvLayout(
    format=ACTIVITY,
    label="SkyTrak activity CSV",
    vendor="SkyTrak",
    device="SkyTrak",
    columns={label_key(header): role for header, role in _FLAT_COLUMNS.items()},
    signature=frozenset(
        label_key(h) for h in ("Shot", "Side Angle", "Back Spin", "Offline", "Carry")
    ),
    default_units={
        "apex": "ft",
        **dict.fromkeys(("ball_speed", "club_speed"), "mph"),
        **dict.fromkeys(("carry", "total", "carry_side"), "yd"),
    },
    date_formats=DATE_TIME_FORMATS,
)


@dataclass(frozen=True)
class Block:
    """Where a block-layout file's parts are: the PRACTICE line and the column header."""

    practice_index: int
    header_index: int
    generation: str  # LEGACY or ACTIVITY

    def practice_text(self, table: Table) -> str:
        match = _PRACTICE.match(table.rows[self.practice_index][0])
        return match["when"].strip() if match else ""


def find_block(table: Table) -> Block | None:
    """The PRACTICE line and the ``SHOT, ..., CARRY`` header of a block-layout file, if it is one."""
    if table.kind == "json":
        return None
    practice_index = next(
        (
            index
            for index, cells in enumerate(table.rows[:10])
            if cells and _PRACTICE.match(cells[0])
        ),
        None,
    )
    if practice_index is None:
        return None
    for index in range(practice_index + 1, min(len(table.rows), practice_index + 12)):
        keys = [label_key(cell) for cell in table.rows[index]]
        if keys and keys[0] == "shot" and "carry" in keys:
            practice = table.rows[practice_index][0]
            current = "•" in practice or "ftp" in keys
            return Block(practice_index, index, ACTIVITY if current else LEGACY)
    return None


class SkyTrakBlockReader:
    def __init__(self, generation: str) -> None:
        self.layout = BLOCK_LAYOUTS[generation]
        self.format = self.layout.format
        self.label = self.layout.label
        self.vendor = self.layout.vendor

    def detect(self, table: Table) -> bool:
        block = find_block(table)
        return block is not None and block.generation == self.format

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        block = find_block(table)
        if block is None:
            raise ImportFileError(f"The file has no {self.label} header row.")
        flat, skipped, notes = flatten_blocks(table, block)
        result = read_layout(flat, self.layout, units=options.units)
        result.skipped = sorted([*result.skipped, *skipped], key=lambda note: note.row_number)
        result.rejected = [_without_club_column(note) for note in result.rejected]
        for row in result.rows:
            if not row.club:
                row.club = _SKYTRAK_CODES.get(row.club_text.strip().upper(), "")
        started = parse_practice_time(block.practice_text(table))
        if started is not None:
            result.session_date = started.date()
            result.session_date_source = "file"
            if started.time() != datetime.min.time():
                result.session_started_at = started
                result.notes.append(
                    f"The file says the session started at {started:%H:%M} on "
                    f"{started:%Y-%m-%d}; it does not give each shot's time."
                )
        result.notes.extend(notes)
        return result


class SkyTrakFlatReader:
    format = FLAT_LAYOUT.format
    label = FLAT_LAYOUT.label
    vendor = FLAT_LAYOUT.vendor

    def detect(self, table: Table) -> bool:
        return (
            table.kind != "json"
            and find_block(table) is None
            and find_header(table, FLAT_LAYOUT.signature) is not None
        )

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        times = ShotTimes(DATE_TIME_FORMATS)
        result = read_layout(table, FLAT_LAYOUT, units=options.units, parse_time=times)
        for row in result.rows:
            if not row.club:
                row.club = _SKYTRAK_CODES.get(row.club_text.strip().upper(), "")
        if times.note():
            result.notes.append(times.note())
        return result


# SkyTrak's own club codes that the shared club names do not cover.
_SKYTRAK_CODES = {"D": "driver", "P": "putter", "PT": "putter"}


def flatten_blocks(table: Table, block: Block) -> tuple[Table, list[RowNote], list[str]]:
    """The block layout as one flat table: ``Club`` + the columns, one row per shot.

    Returns the table, the rows left out on the way (club headings, notes)
    and notes for the preview. Shot and AVG rows keep their line numbers; the
    engine rejects a shot row cut short and skips the AVG rows.
    """
    names = table.rows[block.header_index]
    units = table.cells(block.header_index + 1)
    if not (units and (units[0] == "#" or looks_like_units_row([u for u in units if u != "#"]))):
        units = []
    first_data = block.header_index + (2 if units else 1)
    headers = [CLUB_HEADER, *_block_headers(names, units)]
    rows = [headers, ["", *units]]
    line_numbers = [table.line_numbers[block.header_index], table.line_numbers[first_data - 1]]
    skipped: list[RowNote] = []
    notes: list[str] = []
    club = ""
    left_handed = 0
    for index in range(first_data, len(table.rows)):
        cells = table.rows[index]
        line = table.line_numbers[index]
        first = cells[0].strip() if cells else ""
        if first.upper() == "NOTES":
            text = " ".join(
                " ".join(cell for cell in later if cell) for later in table.rows[index + 1 :]
            ).strip()
            skipped.append(RowNote(line, "notes"))
            if text:
                notes.append(f"The file's notes: “{text[:200]}”")
            break
        # A heading is one cell ("PW", "7 IRON", "56°", even "60"); a shot row fills its columns.
        if first and not any(cells[1:]) and first.upper() != "AVG":
            club = first
            skipped.append(RowNote(line, f"club heading (“{club}”)"))
            continue
        if len(cells) > 1 and cells[1].strip().upper() == "L" and _is_number(first):
            left_handed += 1
        rows.append([club if any(cells) else "", *cells])
        line_numbers.append(line)
    if left_handed:
        notes.append(
            f"{left_handed} shots are marked left-handed (HAND L); their sides are imported "
            "as the file writes them."
        )
    flat = Table(
        rows=rows,
        line_numbers=line_numbers,
        filename=table.filename,
        separator=table.separator,
        decimal_comma=table.decimal_comma,
        kind=table.kind,
    )
    return flat, skipped, notes


def _without_club_column(note: RowNote) -> RowNote:
    # The engine counted the Club column flatten_blocks added; say what the file has.
    match = _CUT_SHORT.fullmatch(note.reason)
    if not match:
        return note
    cells, columns = int(match[1]) - 1, int(match[2]) - 1
    return RowNote(note.row_number, f"the row is cut short ({cells} of {columns} columns)")


def _block_headers(names: list[str], units: list[str]) -> list[str]:
    """The header row with each name made unique by its unit: ``SIDE`` + ``RPM`` is side spin."""
    headers = []
    sides_seen = 0
    for index, name in enumerate(names):
        key = label_key(name)
        unit = c.unit_text(units[index]) if index < len(units) else ""
        if key == "side":
            # Without a units row, the known files have side spin before side angle.
            is_spin = unit == "rpm" if unit else sides_seen == 0
            headers.append("SIDE SPIN" if is_spin else "SIDE ANGLE")
            sides_seen += 1
        elif key == "club" and (unit in _SPEED_UNITS or not unit):
            headers.append("CLUB SPEED")  # the oldest exports: "CLUB" in mph
        else:
            headers.append(name)
    return headers


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\d+", text.strip()))


def parse_practice_time(text: str) -> datetime | None:
    """``6/9/2026 9:15 AM`` or ``07/09/2026 • 01:40 PM`` as a naive datetime; None if unreadable."""
    cleaned = " ".join(text.replace("•", " ").replace(",", " ").split())
    for pattern in _PRACTICE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return None


READERS = (
    SkyTrakBlockReader(LEGACY),
    SkyTrakBlockReader(ACTIVITY),
    SkyTrakFlatReader(),
)
