"""Garmin Golf (Approach R10 / R50) "Export as CSV", English and German.

Header row in the phone's language, then a units row (``[mph]`` or
``[km/h]``, ``[Yards]`` or ``[m]``, per column and mixed in one file); 31,
41 or 42 columns, mapped by name. Smash Factor is minus the ball speed in m/s
when club data is missing, and Club Face ``0.0``: both "not measured"
(``shots.imports.cells``). ``Spin Rate Type`` says whether the spin was
measured or estimated (German: ``Gemessen`` / ``Berechnet``).

Dates are in the phone's locale: ``M/D/YY h:mm:ss AM/PM`` (US),
``DD/MM/YYYY HH:MM:SS`` (European English), ``DD.MM.YY HH:MM:SS``
(German). One format is chosen per file, the one that reads every row; when
both a day-first and a month-first one do, the one whose dates are not after
the export time in the file name (``DrivingRange-2025-09-10-204415-0000.csv``,
UTC) wins, else a 24-hour clock means day first and AM/PM month first.

The German headers are those of a German Garmin Golf export as listed by
thraizz/r10progress (``Datum``, ``Schlägerart``, ``Schl.gsch.``,
``Ballgeschwindigkeit``, ``Carry-Distanz``, ...), with ``Smash-Faktor`` and
``Schlägergeschwindigkeit`` as other parsers have seen them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import PurePath

from shots.analysis.labels import label_key
from shots.imports import ReadOptions
from shots.imports import columns as c
from shots.imports.columns import (
    CsvLayout,
    find_header,
    is_summary_row,
    looks_like_units_row,
)
from shots.imports.rapsodo import read_guessing_units
from shots.imports.result import ReadResult
from shots.imports.tables import Table

_ENGLISH = {
    "Date": c.TIME,
    "Player": c.IGNORED,
    "Club Name": c.CLUB_NAME,
    "Brand/Model": c.IGNORED,
    "Club Type": c.CLUB,
    "Club Speed": "club_speed",
    "Attack Angle": "attack_angle",
    "Club Path": "club_path",
    "Club Face": "face_angle",
    "Face to Path": "face_to_path",
    "Ball Speed": "ball_speed",
    "Smash Factor": "smash_factor",
    "Launch Angle": "launch_angle",
    "Launch Direction": "launch_direction",
    "Backspin": "back_spin",
    "Sidespin": "side_spin",
    "Spin Rate": "spin_rate",
    "Spin Rate Type": c.SPIN_TYPE,
    "Spin Axis": "spin_axis",
    "Apex Height": "apex",
    "Carry Distance": "carry",
    "Carry Deviation Distance": "carry_side",
    "Total Distance": "total",
    "Total Deviation Distance": "total_side",
}
_GERMAN = {
    "Datum": c.TIME,
    "Spieler": c.IGNORED,
    "Schlägername": c.CLUB_NAME,
    "Schlägerart": c.CLUB,
    "Schl.gsch.": "club_speed",
    "Schlägergeschwindigkeit": "club_speed",
    "Anstellwinkel": "attack_angle",
    "Schwungbahn": "club_path",
    "Schlagfläche": "face_angle",
    "Schlagflächenstellung": "face_to_path",
    "Ballgeschwindigkeit": "ball_speed",
    "Smash Factor": "smash_factor",
    "Smash-Faktor": "smash_factor",
    "Abflugwinkel": "launch_angle",
    "Abflugrichtung": "launch_direction",
    "Backspin": "back_spin",
    "Sidespin": "side_spin",
    "Drehrate": "spin_rate",
    "Drehratentyp": c.SPIN_TYPE,
    "Drehachse": "spin_axis",
    "Höhe des Scheitelpunkts": "apex",
    "Carry-Distanz": "carry",
    "Carry-Abweichungsdistanz": "carry_side",
    "Gesamtstrecke": "total",
    "Gesamtabweichungsdistanz": "total_side",
}

# Unit words a localised units row may spell out, as shots.analysis.units knows them.
_UNIT_WORDS = {
    "grad": "deg",
    "fuß": "ft",
    "fuss": "ft",
    "meter": "m",
    "upm": "rpm",
    "u/min": "rpm",
    "sek": "s",
    "km/std": "km/h",
}


def _flag_calculated_spin(
    values: dict[str, float], flags: dict[str, list[str]], by_role: dict[str, str]
) -> None:
    # The engine knows "Estimated"; German exports write "Berechnet" (calculated).
    spin_type = by_role.get(c.SPIN_TYPE, "").strip().lower()
    spin_flags = flags.setdefault("spin_rate", [])
    if spin_type.startswith(("berech", "calc")) and c.ESTIMATED_FLAG not in spin_flags:
        spin_flags.append(c.ESTIMATED_FLAG)
    if not spin_flags:
        del flags["spin_rate"]


def _layout(columns: dict[str, str], signature: Sequence[str]) -> CsvLayout:
    return CsvLayout(
        format="garmin_csv",
        label="Garmin Golf CSV",
        vendor="Garmin",
        device="Garmin R10/R50",
        columns={label_key(header): role for header, role in columns.items()},
        signature=frozenset(label_key(header) for header in signature),
        adjust_row=_flag_calculated_spin,
    )


# "Carry Deviation Distance" keeps Rapsodo's "Club Type, Ball Speed, Carry Distance" out.
ENGLISH = _layout(
    _ENGLISH, ("Club Type", "Ball Speed", "Carry Distance", "Carry Deviation Distance")
)
GERMAN = _layout(_GERMAN, ("Schlägerart", "Ballgeschwindigkeit", "Carry-Distanz"))

MONTH_FIRST = "month/day"
DAY_FIRST = "day/month"
YEAR_FIRST = "year-month-day"


@dataclass(frozen=True)
class DateStyle:
    pattern: str
    order: str

    @property
    def twelve_hour(self) -> bool:
        return "%p" in self.pattern


DATE_STYLES = (
    DateStyle("%m/%d/%y %I:%M:%S %p", MONTH_FIRST),
    DateStyle("%m/%d/%Y %I:%M:%S %p", MONTH_FIRST),
    DateStyle("%d/%m/%Y %H:%M:%S", DAY_FIRST),
    DateStyle("%d/%m/%y %H:%M:%S", DAY_FIRST),
    DateStyle("%m/%d/%Y %H:%M:%S", MONTH_FIRST),
    DateStyle("%m/%d/%y %H:%M:%S", MONTH_FIRST),
    DateStyle("%d/%m/%y %I:%M:%S %p", DAY_FIRST),
    DateStyle("%d/%m/%Y %I:%M:%S %p", DAY_FIRST),
    DateStyle("%d.%m.%y %H:%M:%S", DAY_FIRST),
    DateStyle("%d.%m.%Y %H:%M:%S", DAY_FIRST),
    DateStyle("%d-%m-%Y %H:%M:%S", DAY_FIRST),
    DateStyle("%Y-%m-%d %H:%M:%S", YEAR_FIRST),
    DateStyle("%Y/%m/%d %H:%M:%S", YEAR_FIRST),
)
DATE_FORMATS = tuple(style.pattern for style in DATE_STYLES)

# The file name's export time is UTC and the shots' times are local; the
# furthest ahead of UTC a local clock runs is 14 hours (Kiribati).
_LOCAL_AHEAD_OF_UTC = timedelta(hours=14)
# "DrivingRange-2025-09-10-204415-0000", "DrivingRange-2025-12-28 22_14_56 +0000".
_EXPORT_STAMP = re.compile(
    r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?:[ _T-]+(\d\d)[_:.-]?(\d\d)[_:.-]?(\d\d))?(?!\d)"
)


@dataclass(frozen=True)
class DateChoice:
    style: DateStyle | None
    note: str = ""  # why, when the dates alone could be read both ways
    # Each date text as the chosen style read it while choosing, so rows are not parsed twice.
    parsed: Mapping[str, datetime] = field(default_factory=dict)


class GarminReader:
    format = ENGLISH.format
    label = ENGLISH.label
    vendor = ENGLISH.vendor

    def __init__(self, layout: CsvLayout) -> None:
        self.layout = layout

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_header(table, self.layout.signature) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        table = _with_unit_words_spelled_out(table, self.layout)
        choice = choose_date_style(
            _date_cells(table, self.layout), exported_at=export_time(table.filename)
        )
        # A Garmin file has a units row; one without is read like a Rapsodo file.
        result = read_guessing_units(
            table, self.layout, units=options.units, parse_time=_time_reader(choice)
        )
        if choice.note:
            result.notes.append(choice.note)
        first_time = next((row.hit_at for row in result.rows if row.hit_at), None)
        if first_time is not None:
            result.session_date, result.session_date_source = first_time.date(), "file"
        return result


def export_time(filename: str) -> datetime | None:
    """The export time (UTC) Garmin writes into its file names, or None."""
    match = _EXPORT_STAMP.search(PurePath(filename).name)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups()[:3])
    clock = match.groups()[3:]
    # Without the time of day, the end of the day is the latest the export can be.
    hour, minute, second = (int(part) for part in clock) if clock[0] else (23, 59, 59)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def choose_date_style(texts: Sequence[str], *, exported_at: datetime | None) -> DateChoice:
    """The one date format for the whole file; see the module docstring."""
    read: dict[DateStyle, list[datetime]] = {}
    choice = _choose_date_style(texts, exported_at=exported_at, read=read)
    if choice.style is None:
        return choice
    readings = read.get(choice.style, [])
    if len(readings) != len(texts):
        return choice  # some rows do not fit: those are read (and rejected) one by one
    return replace(choice, parsed=dict(zip(texts, readings, strict=True)))


def _choose_date_style(
    texts: Sequence[str], *, exported_at: datetime | None, read: dict[DateStyle, list[datetime]]
) -> DateChoice:
    if not texts:
        return DateChoice(None)
    # Most formats fail on the first rows: try each until it fails, and
    # count partial readings only when no format reads every row.
    readings = {style: _read_all(texts, style, stop_at_failure=True) for style in DATE_STYLES}
    read.update(readings)
    complete = [style for style in DATE_STYLES if len(readings[style]) == len(texts)]
    if not complete:
        readings = {style: _read_all(texts, style) for style in DATE_STYLES}
        # No format reads every row: the best one reads most, the rest are rejected.
        best = max(DATE_STYLES, key=lambda style: len(readings[style]))
        return DateChoice(best if readings[best] else None)
    if len({style.order for style in complete}) == 1:
        return DateChoice(complete[0])
    example = texts[0]
    if exported_at is not None:
        latest = exported_at + _LOCAL_AHEAD_OF_UTC
        fitting = [style for style in complete if max(readings[style]) <= latest]
        if len({style.order for style in fitting}) == 1:
            other = "month/day" if fitting[0].order == DAY_FIRST else "day/month"
            return DateChoice(
                fitting[0],
                f"Dates such as {example} are read as {fitting[0].order}: as {other} "
                f"they would fall after the file was exported ({exported_at:%Y-%m-%d}).",
            )
    twelve_hour = complete[0].twelve_hour
    order = MONTH_FIRST if twelve_hour else DAY_FIRST
    chosen = next((style for style in complete if style.order == order), complete[0])
    clock = "an AM/PM clock (US)" if twelve_hour else "a 24-hour clock"
    return DateChoice(
        chosen,
        f"Dates such as {example} could be day/month or month/day; read as {chosen.order} "
        f"because the file uses {clock}.",
    )


def _read_all(
    texts: Sequence[str], style: DateStyle, *, stop_at_failure: bool = False
) -> list[datetime]:
    readings = []
    read = c.date_reader(style.pattern)
    for text in texts:
        try:
            readings.append(read(text))
        except ValueError:
            if stop_at_failure:
                break
            continue
    return readings


def _time_reader(choice: DateChoice) -> Callable[[dict[str, str]], datetime | None]:
    style = choice.style
    read = c.date_reader(style.pattern) if style is not None else None

    def read_time(by_role: dict[str, str]) -> datetime | None:
        text = by_role.get(c.TIME, "").strip()
        if not text:
            return None
        if text in choice.parsed:
            return choice.parsed[text]
        if read is None:
            return c.parse_datetime_text(text, DATE_FORMATS)
        try:
            return read(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a date in the file's format (as its other rows are)"
            ) from None

    return read_time


def _date_cells(table: Table, layout: CsvLayout) -> list[str]:
    """The date cell of every shot row, to choose one date format for the file."""
    header_index = find_header(table, layout.signature)
    if header_index is None:
        return []
    headers = table.rows[header_index]
    column = next(
        (index for index, header in enumerate(headers) if layout.role_for(header) == c.TIME),
        None,
    )
    if column is None:
        return []
    texts = []
    for cells in table.rows[header_index + 1 :]:
        text = cells[column].strip() if column < len(cells) else ""
        # A row with a date is not blank, and a units row only if its date cell looks like a unit.
        if not text or is_summary_row(cells):
            continue
        if c.UNIT_CELL.fullmatch(cells[column]) and looks_like_units_row(cells):
            continue
        texts.append(text)
    return texts


def _with_unit_words_spelled_out(table: Table, layout: CsvLayout) -> Table:
    """The table with a localised units row (``[Grad]``, ``[Fuß]``) in the words the engine knows."""
    header_index = find_header(table, layout.signature)
    if header_index is None or header_index + 1 >= len(table.rows):
        return table
    cells = table.rows[header_index + 1]
    plain = [_plain_unit(cell) for cell in cells]
    if plain == cells or not looks_like_units_row(plain):
        return table
    rows = list(table.rows)
    rows[header_index + 1] = plain
    return replace(table, rows=rows)


def _plain_unit(cell: str) -> str:
    word = cell.strip().strip("[]()").strip().lower()
    return f"[{_UNIT_WORDS[word]}]" if word in _UNIT_WORDS else cell


READERS = (GarminReader(ENGLISH), GarminReader(GERMAN))
