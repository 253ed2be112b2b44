"""Any CSV or XLSX whose headers name launch-monitor metrics: the reader of last resort.

Tried after every vendor's reader. Its header row is the first of the file's
first 30 rows in which at least two cells name a metric (``Carry``, ``Ball
Speed (km/h)``, ``Spin [rpm]``): each header, without its unit, goes through
``shots.analysis.labels.metric_for_label``, the vocabulary the screen readers
use, and its unit comes from the header (``split_header_unit``: ``[km/h]``,
``(m/s)``, ``Carry(m)``), from a units row under it, or from a name that
carries it (``BallSpeed_MS``).

The column mapping is only a suggestion. ``read`` returns a
``GenericReadResult``: a ``ReadResult`` with

- ``mapping``: ``[(header as written, role), ...]`` for every header in file
  order, as read: the role is a metric name (``"carry"``), a column role
  (``"club"``, ``"time"``, ``"date"``, ``"clock"``, ``"ignored"``, ...) or ``""``
  for a column that is not imported;
- ``available_roles``: what a header may be set to (``AVAILABLE_ROLES``: the
  metric names, then the column roles), for the preview's choices.

``ReadOptions.mapping`` (header as written -> role, ``""`` to leave a column
out) wins over the suggestion; a header the golfer set wins over a suggested
header for the same metric, two headers the golfer set to one metric are an
``ImportFileError``. Headers are matched as written, so of two columns with
the same header only the first can be given a metric. Each metric is read
from one column: of ``Carry (m)`` and ``Carry (yds)`` the first is suggested. A speed, distance or height whose unit the file
does not give is read in the canonical unit (mph, yards, feet) and marked
``UNIT_GUESSED`` ("no unit in the header; taken as mph"), so the preview
shows it and ``ReadOptions.units`` can change it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from shots.analysis.labels import CLUB_CAPTION, UNITS_IN_NAMES, label_key, metric_for_label
from shots.analysis.labels import IGNORED as IGNORED_LABEL
from shots.analysis.units import FACTORS
from shots.imports import columns as c
from shots.imports.cells import CellError, parse_number
from shots.imports.columns import CsvLayout, looks_like_units_row, read_layout, split_header_unit
from shots.imports.result import (
    UNIT_FROM_FORMAT,
    UNIT_GUESSED,
    ColumnUnit,
    ImportFileError,
    ReadResult,
    RowNote,
)
from shots.imports.tables import Table
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME, UNITS, Quantity

if TYPE_CHECKING:
    from shots.imports import ReadOptions

NOT_IMPORTED = ""
COLUMN_ROLES = (
    c.CLUB,
    c.CLUB_NAME,
    c.TIME,
    c.DATE,
    c.CLOCK,
    c.SESSION,
    c.SPIN_TYPE,
    c.SPIN_ESTIMATED,
    c.CLUB_ESTIMATED,
    c.IGNORED,
)
AVAILABLE_ROLES: tuple[str, ...] = (*METRIC_NAMES, *COLUMN_ROLES)
MIN_METRIC_HEADERS = 2
HEADER_SEARCH_ROWS = 30
SAMPLE_ROWS = 200

# Headers that are a column role, not a metric (as label keys: letters only, lower case).
_ROLE_HEADERS = {
    label_key(header): role
    for header, role in {
        "Club": c.CLUB,
        "Club Type": c.CLUB,
        "Schläger": c.CLUB,
        "Schlägerart": c.CLUB,
        "Club Name": c.CLUB_NAME,
        "Date": c.DATE,
        "Datum": c.DATE,
        "Day": c.DATE,
        "Date/Time": c.TIME,
        "Date Time": c.TIME,
        "Timestamp": c.TIME,
        "Shot Time": c.TIME,
        "Hit At": c.TIME,
        "Created": c.TIME,
        "Clock": c.CLOCK,
        "Time of Day": c.CLOCK,
        "Uhrzeit": c.CLOCK,
        "Session": c.SESSION,
        "Session Id": c.SESSION,
        "Spin Rate Type": c.SPIN_TYPE,
        "Spin Type": c.SPIN_TYPE,
        "Spin Estimated": c.SPIN_ESTIMATED,
        "Club Data Est Type": c.CLUB_ESTIMATED,
        "Shot": c.IGNORED,
        "Shot No": c.IGNORED,
        "Shot Number": c.IGNORED,
        "No": c.IGNORED,
        "Index": c.IGNORED,
        "Id": c.IGNORED,
        "Player": c.IGNORED,
        "Golfer": c.IGNORED,
        "Name": c.IGNORED,
        "Email": c.IGNORED,
        "Notes": c.IGNORED,
        "Note": c.IGNORED,
        "Comment": c.IGNORED,
        "Tags": c.IGNORED,
        "Roll": c.IGNORED,
        "Hand": c.IGNORED,
    }.items()
}
# A "Club" header with a speed unit is club speed (FlightScope's "Club (mph)").
_CLUB_SPEED_UNITS = frozenset(FACTORS[Quantity.SPEED])

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
)
CLOCK_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%H:%M:%S.%f")
DATE_TIME_FORMATS = (
    *(f"{day} {clock}" for day in DATE_FORMATS for clock in CLOCK_FORMATS),
    *DATE_FORMATS,
)
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_DAY = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_FILE_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})-(\d{2})-(\d{2})(?!\d)")


@dataclass
class GenericReadResult(ReadResult):
    """A ``ReadResult`` with the column mapping the preview shows and lets the golfer change."""

    mapping: list[tuple[str, str]] = field(default_factory=list)  # (header, role or "")
    available_roles: tuple[str, ...] = AVAILABLE_ROLES


class ShotTimes:
    """Reads each row's time with the file's formats; a time it cannot read costs the time only.

    Pass it as ``read_layout(parse_time=...)``. A shot whose time cannot be
    read keeps its values (the preview places it by the session's start);
    ``note()`` says how many there were, for ``ReadResult.notes``.
    """

    def __init__(self, formats: Sequence[str], *, day: date | None = None) -> None:
        self.formats = tuple(formats)
        self.day = day  # for a file of times of day only: the date its name gives
        self.unreadable: list[str] = []

    def __call__(self, by_role: dict[str, str]) -> datetime | None:
        if self.day and by_role.get(c.CLOCK) and not (by_role.get(c.DATE) or by_role.get(c.TIME)):
            by_role = {**by_role, c.DATE: self.day.isoformat()}
        try:
            return c.default_time(by_role, self.formats)
        except ValueError:
            self.unreadable.append(
                by_role.get(c.TIME) or f"{by_role.get(c.DATE, '')} {by_role.get(c.CLOCK, '')}"
            )
            return None

    def note(self) -> str:
        if not self.unreadable:
            return ""
        return (
            f"{len(self.unreadable)} shot times could not be read (such as "
            f"“{self.unreadable[0].strip()}”); those shots are placed by the session's start."
        )


def time_formats_for(samples: Sequence[str], candidates: Sequence[str]) -> tuple[str, ...]:
    """``candidates`` with the ones that read every sample first: ``13/05/2024`` is day first."""
    texts = [text.strip() for text in samples if text.strip()]

    def reads_all(pattern: str) -> bool:
        for text in texts:
            try:
                datetime.strptime(text, pattern)
            except ValueError:
                return False
        return True

    fitting = [pattern for pattern in candidates if reads_all(pattern)] if texts else []
    return (*fitting, *(pattern for pattern in candidates if pattern not in fitting))


class GenericReader:
    format = "generic_csv"
    label = "CSV or Excel file with metric names"
    vendor = "Other"

    def detect(self, table: Table) -> bool:
        return table.kind != "json" and find_generic_header(table) is not None

    def read(self, table: Table, *, options: ReadOptions) -> GenericReadResult:
        header_index = find_generic_header(table)
        if header_index is None:
            raise ImportFileError(
                "golfshots cannot find a header row naming at least two shot metrics "
                "(Carry, Ball Speed, ...) in the file's first rows."
            )
        headers = table.rows[header_index]
        samples = _samples(table, header_index)
        roles = _roles(headers, samples, chosen=options.mapping)
        if not any(role in METRICS_BY_NAME for role in roles):
            raise ImportFileError(
                "None of the file's columns is set to a shot metric: set at least one column "
                "to the metric it holds (Carry, Ball Speed, ...)."
            )
        header_units = [
            _header_unit(header, role) for header, role in zip(headers, roles, strict=True)
        ]
        flat = dataclasses.replace(
            table,
            rows=[
                *table.rows[:header_index],
                _synthetic_headers(roles, header_units),
                *table.rows[header_index + 1 :],
            ],
        )
        used = {role for role in roles if role and role != c.IGNORED}
        day_samples = [
            *samples.get(_index_of(roles, c.DATE), []),
            *samples.get(_index_of(roles, c.TIME), []),
        ]
        formats = time_formats_for(day_samples, DATE_TIME_FORMATS)
        named_day = date_from_file_name(table.filename)
        clock_only = c.CLOCK in used and not used & {c.DATE, c.TIME}
        times = ShotTimes(formats, day=named_day if clock_only else None)
        layout = CsvLayout(
            format=self.format,
            label=self.label,
            vendor=self.vendor,
            columns={label_key(role): role for role in used},
            signature=frozenset(label_key(role) for role in used),
            date_formats=formats,
        )
        result = read_layout(flat, layout, units=options.units, parse_time=times)
        names = {
            role: split_header_unit(header)[0] or header
            for header, role in zip(headers, roles, strict=True)
            if role
        }
        result.columns = [
            _as_written(column, names.get(column.metric, column.header))
            for column in result.columns
        ]
        result.rejected = [_named(note, names) for note in result.rejected]
        if times.note():
            result.notes.append(times.note())
        if clock_only and named_day and any(row.hit_at for row in result.rows):
            result.notes.append(
                "The file gives each shot's time of day only; the date is taken from its name."
            )
        if c.DATE in used and not used & {c.TIME, c.CLOCK}:
            _dates_without_times(result, samples.get(_index_of(roles, c.DATE), []))
        if result.session_date is None and not any(row.hit_at for row in result.rows):
            result.session_date = named_day
            result.session_date_source = "file name" if named_day else ""
        return GenericReadResult(
            **{each.name: getattr(result, each.name) for each in dataclasses.fields(ReadResult)},
            mapping=list(zip(headers, roles, strict=True)),
        )


def find_generic_header(table: Table) -> int | None:
    """The first row (of the first 30) in which at least two headers name a metric."""
    for index, cells in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        if len(cells) < MIN_METRIC_HEADERS:
            continue
        metrics = {suggested_role(cell) for cell in cells if cell}
        if len(metrics & set(METRICS_BY_NAME)) >= MIN_METRIC_HEADERS:
            return index
    return None


def suggested_role(header: str, samples: Sequence[str] = ()) -> str:
    """What a header most likely holds: a metric, a column role, or "" (not imported).

    ``samples``: cells of the column, when known: a metric column of text
    (Trackman's "Ball": "Premium") is no metric, and a "Time" of clock times
    is the time of day, not the hang time.
    """
    name, unit = split_header_unit(header)
    key = label_key(name)
    if not key:
        return NOT_IMPORTED
    unit_key = c.unit_text(unit)
    if key in _ROLE_HEADERS:
        role = _ROLE_HEADERS[key]
        if role == c.CLUB and unit_key in _CLUB_SPEED_UNITS:
            return "club_speed"
        return role
    found = metric_for_label(name)
    if found == CLUB_CAPTION:
        return "club_speed" if unit_key in _CLUB_SPEED_UNITS else c.CLUB
    if found == IGNORED_LABEL:
        return c.IGNORED
    if found in METRICS_BY_NAME and unit and not _fits(found, unit_key):
        # "Carry (Sim)": the bracket is part of the name, not a unit.
        found = metric_for_label(header)
    if found is None or found not in METRICS_BY_NAME:
        return _time_role(samples)
    if found == "hang_time" and not unit and (clock := _time_role(samples)):
        return clock
    if samples and not _mostly_numbers(samples):
        return NOT_IMPORTED
    return found


def _roles(
    headers: list[str], samples: dict[int, list[str]], *, chosen: Mapping[str, str]
) -> list[str]:
    """One role per header: the golfer's choice, else the suggestion, each metric once."""
    for header, wanted in chosen.items():
        if wanted not in AVAILABLE_ROLES and wanted != NOT_IMPORTED:
            raise ImportFileError(
                f"Column “{header}” cannot be set to “{wanted}”: golfshots knows the metrics "
                f"{', '.join(METRIC_NAMES)} and the roles {', '.join(COLUMN_ROLES)}."
            )
    set_by_golfer = [chosen.get(header) for header in headers]
    chosen_by: dict[str, str] = {}
    for header, golfer_role in zip(headers, set_by_golfer, strict=True):
        if golfer_role and golfer_role != c.IGNORED:
            if golfer_role in chosen_by:
                raise ImportFileError(
                    f"Two columns are set to {_role_label(golfer_role)}: “{chosen_by[golfer_role]}” and "
                    f"“{header}”. Set one of them to another metric or leave it out."
                )
            chosen_by[golfer_role] = header
    taken = set(chosen_by)
    result: list[str] = []
    for index, (header, golfer_role) in enumerate(zip(headers, set_by_golfer, strict=True)):
        if golfer_role is not None:
            result.append(golfer_role)
            continue
        suggestion = suggested_role(header, samples.get(index, [])) if header else NOT_IMPORTED
        if suggestion == c.CLUB and c.CLUB in taken:
            suggestion = c.CLUB_NAME  # "Club Type" then "Club Name" (Garmin's order)
        if suggestion in taken and suggestion != c.IGNORED:
            suggestion = NOT_IMPORTED  # "Carry (m)" beside "Carry (yds)": the first is read
        if suggestion and suggestion != c.IGNORED:
            taken.add(suggestion)
        result.append(suggestion)
    return result


def _role_label(role: str) -> str:
    metric = METRICS_BY_NAME.get(role)
    return metric.label if metric else f"“{role}”"


def _samples(table: Table, header_index: int) -> dict[int, list[str]]:
    """Cells under each header (past a units row), for what the column holds."""
    first = header_index + 1
    if looks_like_units_row(table.cells(first)):
        first += 1
    found: dict[int, list[str]] = {}
    for cells in table.rows[first : first + SAMPLE_ROWS]:
        for index, cell in enumerate(cells):
            if cell:
                found.setdefault(index, []).append(cell)
    return found


def _mostly_numbers(samples: Sequence[str]) -> bool:
    numbers = 0
    for text in samples:
        try:
            parse_number(text)
        except CellError:
            continue
        numbers += 1
    # Summary rows ("Average") and a few broken cells do not make a column text.
    return numbers * 2 >= len(samples)


def _time_role(samples: Sequence[str]) -> str:
    """``time`` for date-and-time cells, ``date`` or ``clock`` for one of them, else ""."""
    texts = [text for text in samples if text.strip()]
    if not texts:
        return NOT_IMPORTED
    days = sum(bool(_DAY.search(text)) for text in texts) * 2 > len(texts)
    clocks = sum(bool(_CLOCK.search(text)) for text in texts) * 2 > len(texts)
    if days and clocks:
        return c.TIME
    if days:
        return c.DATE
    if clocks and not _mostly_numbers(texts):
        return c.CLOCK
    return NOT_IMPORTED


def _fits(metric: str, unit: str) -> bool:
    quantity = METRICS_BY_NAME[metric].quantity
    return quantity is Quantity.RATIO or unit in FACTORS[quantity]


def _header_unit(header: str, role: str) -> str:
    """The unit the header gives for its metric ("" for none, or one that does not fit)."""
    if role not in METRICS_BY_NAME:
        return ""
    name, unit = split_header_unit(header)
    unit = c.unit_text(unit) or UNITS_IN_NAMES.get(label_key(name), "")
    return unit if unit and _fits(role, unit) else ""


def _synthetic_headers(roles: list[str], units: list[str]) -> list[str]:
    # The engine maps headers by name: each column's header becomes its role
    # ("carry [m]"), unique by construction; left-out columns get none.
    return [
        "" if not role or role == c.IGNORED else (f"{role} [{unit}]" if unit else role)
        for role, unit in zip(roles, units, strict=True)
    ]


def _index_of(roles: list[str], role: str) -> int:
    return roles.index(role) if role in roles else -1


def _as_written(column: ColumnUnit, header: str) -> ColumnUnit:
    quantity = METRICS_BY_NAME[column.metric].quantity
    if column.source == UNIT_FROM_FORMAT and quantity in (
        Quantity.SPEED,
        Quantity.DISTANCE,
        Quantity.HEIGHT,
    ):
        canonical = {"yd": "yards", "ft": "feet"}.get(UNITS[quantity][0], UNITS[quantity][0])
        return dataclasses.replace(
            column,
            header=header,
            source=UNIT_GUESSED,
            reason=f"no unit in the header; taken as {canonical}",
        )
    return dataclasses.replace(column, header=header)


def _named(note: RowNote, names: Mapping[str, str]) -> RowNote:
    # The engine names a column by its header, which here is the role: say it as written.
    for role, name in names.items():
        if note.reason.startswith(f"{role}: "):
            return RowNote(note.row_number, f"{name}: {note.reason[len(role) + 2 :]}")
    return note


def _dates_without_times(result: ReadResult, samples: Sequence[str]) -> None:
    """A date column and no time: one date is the session's; several put shots at noon."""
    if any(_CLOCK.search(text) for text in samples):
        return  # the "date" cells hold times too: the rows have their own
    days = {row.hit_at.date() for row in result.rows if row.hit_at is not None}
    if len(days) == 1:
        result.session_date = days.pop()
        result.session_date_source = "file"
        for row in result.rows:
            row.hit_at = None
        return
    for row in result.rows:
        if row.hit_at is not None:
            row.hit_at = datetime.combine(row.hit_at.date(), time(12, 0))
    if days:
        result.notes.append(
            "The file gives each shot's date but no time of day; the shots are placed at noon."
        )


def date_from_file_name(filename: str) -> date | None:
    """``range 2025-04-02.csv`` -> 2025-04-02; None when the name holds no ISO date."""
    match = _FILE_NAME_DATE.search(filename)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


READERS = (GenericReader(),)
