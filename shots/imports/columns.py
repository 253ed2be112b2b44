"""The engine most CSV readers share: find the header, map columns by name, read the rows.

A vendor reader describes its format as a ``CsvLayout`` (which headers mean
which metric, which unit each is in when the file does not say, how dates are
written) and calls ``read_layout``. The engine does the rest the same way for
every vendor:

- the header row is the first row holding all of the layout's signature
  headers; a units row under it (``[mph]``, ``[Yards]``) is read per column;
- a header may carry its unit (``Ball (m/s)``, ``Carry(m)``, ``Speed [km/h]``);
- blank rows and summary rows (``Average``, ``Std. Dev.``) are skipped, rows
  cut short or holding text that is no number are rejected with the reason;
- sentinels become "not measured" (``shots.imports.cells``), values are
  converted to canonical units, estimated spin keeps its flag.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shots.analysis.labels import label_key
from shots.analysis.units import FACTORS, UnknownUnitError, normalise_unit_text, to_canonical
from shots.imports.cells import (
    PLAIN_NUMBER,
    CellError,
    drop_unmeasured_club_data,
    drop_zero_as_unmeasured,
    is_sentinel,
    looks_like_formula,
    parse_number,
)
from shots.imports.clubs import club_for_text
from shots.imports.result import (
    UNIT_CHOSEN,
    UNIT_FROM_FORMAT,
    UNIT_FROM_HEADER,
    UNIT_FROM_UNITS_ROW,
    ColumnUnit,
    ImportFileError,
    ImportRow,
    ReadResult,
    RowNote,
)
from shots.imports.tables import Table
from shots.metrics import METRICS_BY_NAME, Quantity

# Column roles besides metrics.
CLUB = "club"  # the club (Garmin's "Club Type")
CLUB_NAME = "club_name"  # a custom name, used when CLUB is blank or unknown
TIME = "time"  # date and time of the shot
DATE = "date"  # date only
CLOCK = "clock"  # time of day only
SESSION = "session"  # a session id, for files holding several sessions
SPIN_TYPE = "spin_type"  # "Measured" / "Estimated" for spin_rate
SPIN_ESTIMATED = "spin_estimated"  # 1 = spin_rate estimated
CLUB_ESTIMATED = "club_estimated"  # 1 = club data estimated (Rapsodo "Club Data Est Type")
IGNORED = "ignored"  # a column we know and do not store
ROLES = frozenset(
    {
        CLUB,
        CLUB_NAME,
        TIME,
        DATE,
        CLOCK,
        SESSION,
        SPIN_TYPE,
        SPIN_ESTIMATED,
        CLUB_ESTIMATED,
        IGNORED,
    }
)

SUMMARY_WORDS = frozenset(
    {
        "average",
        "avg",
        "mean",
        "median",
        "stddev",
        "stdev",
        "standarddeviation",
        "deviation",
        "dev",
        "min",
        "max",
        "minimum",
        "maximum",
        "total",
        "totals",
        "consistency",
        "durchschnitt",
        "mittelwert",
        "standardabweichung",
        "abweichung",
    }
)
_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*(?:\[(?P<square>[^\]]*)\]|\((?P<round>[^)]*)\))\s*$")
# FlightScope writes "(*)" for degrees.
_FORMULA_STARTS = frozenset("=+-@")
_UNIT_ALIASES = {"*": "°", "degc": "", "degf": "", "%": "", "yards": "yds"}
ESTIMATED_FLAG = "estimated"


@dataclass(frozen=True)
class CsvLayout:
    """What a vendor's CSV looks like; ``read_layout`` reads any file in it."""

    format: str
    label: str
    vendor: str
    # label_key(header without its unit) -> metric name or one of ROLES. Headers
    # not listed are ignored (and listed in the preview as not imported).
    columns: Mapping[str, str]
    # Headers (as label keys) that must all be present for a row to be the header.
    signature: frozenset[str]
    device: str = ""
    # The unit of a metric when neither a units row nor the header says.
    default_units: Mapping[str, str] = field(default_factory=dict)
    # Metrics this format writes as 0 when it did not measure them (GSPro).
    zero_is_unmeasured: frozenset[str] = frozenset()
    # strptime formats for TIME / DATE / CLOCK cells, tried in order (ISO is always tried).
    date_formats: tuple[str, ...] = ()
    # Whether the row under the header is a units row. None: detect it.
    units_row: bool | None = None
    # A last, vendor-specific pass over a row's values and flags, given its cells by role.
    adjust_row: Callable[[dict[str, float], dict[str, list[str]], dict[str, str]], None] | None = (
        None
    )

    def role_for(self, header: str) -> str | None:
        return self.columns.get(label_key(split_header_unit(header)[0]))


def split_header_unit(header: str) -> tuple[str, str]:
    """``"Ball (m/s)"`` -> ``("Ball", "m/s")``; ``"Carry(m)"`` -> ``("Carry", "m")``."""
    match = _HEADER_UNIT.match(header.strip())
    if not match:
        return header.strip(), ""
    unit = match["square"] if match["square"] is not None else match["round"]
    return match["name"].strip(), unit.strip()


def unit_text(raw: str) -> str:
    """A unit as the engine compares it: ``"[Yards]"`` -> ``"yds"``, ``"(*)"`` -> ``"°"``."""
    unit = normalise_unit_text(raw)
    return _UNIT_ALIASES.get(unit, unit)


def check_unit(metric: str, unit: str, *, header: str) -> str:
    """The unit if the metric can be in it; ImportFileError naming the column otherwise."""
    if not unit:
        return ""
    quantity = METRICS_BY_NAME[metric].quantity
    if quantity is Quantity.RATIO:
        return ""
    try:
        to_canonical(metric, 1.0, unit)
    except UnknownUnitError:
        known = ", ".join(sorted(set(FACTORS[quantity]) - {"'"}))
        raise ImportFileError(
            f"Column {header!r} is in {unit!r}, which golfshots cannot convert (it knows {known})."
        ) from None
    return unit


def find_header(table: Table, signature: frozenset[str], *, search_rows: int = 30) -> int | None:
    """Index of the first row holding every signature header, or None."""
    for index, cells in enumerate(table.rows[:search_rows]):
        keys = {label_key(split_header_unit(cell)[0]) for cell in cells if cell}
        if signature <= keys:
            return index
    return None


def looks_like_units_row(cells: list[str]) -> bool:
    """``,,,,[mph],[deg],...``: every filled cell is a bracketed unit (or a plain unit word)."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(
        re.fullmatch(r"\[[^\]]*\]|\([^)]*\)|deg [CF]|[a-zA-Z/%°]{1,6}", cell) for cell in filled
    )


def is_summary_row(cells: list[str]) -> str:
    """The summary word of an ``Average`` / ``Std. Dev.`` row in its first cells, or ""."""
    for cell in cells[:3]:
        # Every summary word starts with a letter; dates and numbers need no look.
        if cell[:1].isalpha() and _is_summary_word(cell):
            return cell
    return ""


@functools.lru_cache(maxsize=1024)
def _is_summary_word(cell: str) -> bool:
    # Cached: a file repeats its few club names on every row.
    return label_key(cell) in SUMMARY_WORDS


def read_layout(
    table: Table,
    layout: CsvLayout,
    *,
    units: Mapping[str, str] | None = None,
    parse_time: Callable[[dict[str, str]], datetime | None] | None = None,
) -> ReadResult:
    """Read every shot row of ``table`` as ``layout`` describes; see the module docstring.

    ``units``: metric -> unit text chosen in the preview; it wins over the file.
    ``parse_time``: the vendor's own way to get a shot's time from its cells by role
    (default: ``TIME``, else ``DATE`` + ``CLOCK``, with ``layout.date_formats``).
    """
    header_index = find_header(table, layout.signature)
    if header_index is None:
        raise ImportFileError(f"The file has no {layout.label} header row.")
    headers = table.rows[header_index]
    first_data = header_index + 1
    units_cells: list[str] = []
    has_units_row = layout.units_row
    if has_units_row is None:
        has_units_row = looks_like_units_row(table.cells(first_data))
    if has_units_row:
        units_cells = table.cells(first_data)
        first_data += 1

    chosen = {metric: unit_text(unit) for metric, unit in (units or {}).items()}
    roles: dict[int, str] = {}
    column_units: dict[str, ColumnUnit] = {}
    for index, header in enumerate(headers):
        role = layout.role_for(header) if header else None
        if role is None or role == IGNORED:
            continue
        if role in roles.values():
            continue  # the first column of a name wins (Garmin repeats none, others might)
        roles[index] = role
        if role in ROLES:
            continue
        name, header_unit = split_header_unit(header)
        row_unit = units_cells[index] if index < len(units_cells) else ""
        if role in chosen:
            unit, source = chosen[role], UNIT_CHOSEN
        elif row_unit:
            unit, source = unit_text(row_unit), UNIT_FROM_UNITS_ROW
        elif header_unit:
            unit, source = unit_text(header_unit), UNIT_FROM_HEADER
        else:
            unit, source = unit_text(layout.default_units.get(role, "")), UNIT_FROM_FORMAT
        unit = check_unit(role, unit, header=header)
        column_units[role] = ColumnUnit(
            metric=role, header=name or header, unit=unit, source=source
        )

    if not any(role not in ROLES for role in roles.values()):
        raise ImportFileError(f"The {layout.label} header has no shot metrics golfshots knows.")

    # Every unit converts by a factor (shots.analysis.units): worked out once per column.
    factors = {
        metric: to_canonical(metric, 1.0, column.unit or None)
        for metric, column in column_units.items()
    }
    result = ReadResult(
        vendor=layout.vendor,
        format=layout.format,
        format_label=layout.label,
        columns=list(column_units.values()),
        rows=[],
        device=layout.device,
    )
    for index in range(first_data, len(table.rows)):
        cells = table.rows[index]
        line = table.line_numbers[index]
        if not any(cells):
            result.skipped.append(RowNote(line, "blank row"))
            continue
        summary = is_summary_row(cells)
        if summary:
            result.skipped.append(RowNote(line, f"summary row ({summary})"))
            continue
        for cell in cells:
            # Checked on the first character first: 300,000 cells of a big file
            # must not each run the formula pattern.
            if (
                cell[:1] in _FORMULA_STARTS
                and not PLAIN_NUMBER.match(cell)
                and looks_like_formula(cell)
            ):
                raise ImportFileError(
                    f"Line {line} holds a spreadsheet formula ({cell[:40]!r}). golfshots "
                    "imports numbers only; export the file again from the launch monitor's app."
                )
        needed = max(roles) + 1 if roles else 0
        if len(cells) < needed and not _only_blank_after(cells, headers):
            result.rejected.append(
                RowNote(line, f"the row is cut short ({len(cells)} of {len(headers)} columns)")
            )
            continue
        row, problem = _read_row(
            cells, roles, column_units, factors, layout, table, line, parse_time
        )
        if problem:
            result.rejected.append(RowNote(line, problem))
        elif row is not None:
            result.rows.append(row)
    return result


def _only_blank_after(cells: list[str], headers: list[str]) -> bool:
    # A trailing empty column (Foresight's trailing ", ") may be missing from a row.
    return all(not header for header in headers[len(cells) :])


def _read_row(
    cells: list[str],
    roles: dict[int, str],
    column_units: dict[str, ColumnUnit],
    factors: dict[str, float],
    layout: CsvLayout,
    table: Table,
    line: int,
    parse_time: Callable[[dict[str, str]], datetime | None] | None,
) -> tuple[ImportRow | None, str]:
    by_role: dict[str, str] = {}
    values: dict[str, float] = {}
    flags: dict[str, list[str]] = {}
    for index, role in roles.items():
        cell = cells[index] if index < len(cells) else ""
        if role in ROLES:
            by_role[role] = cell
            continue
        try:
            number = parse_number(cell, decimal_comma=table.decimal_comma)
        except CellError as error:
            return None, f"{column_units[role].header}: {error}"
        if number is None or is_sentinel(role, number):
            continue
        values[role] = number * factors[role]
    drop_unmeasured_club_data(values)
    if layout.zero_is_unmeasured:
        drop_zero_as_unmeasured(values, metrics=layout.zero_is_unmeasured)
    if by_role.get(SPIN_TYPE, "").strip().lower().startswith(("est", "gesch")):
        flags.setdefault("spin_rate", []).append(ESTIMATED_FLAG)
    if by_role.get(SPIN_ESTIMATED, "").strip() in ("1", "true", "True", "yes"):
        flags.setdefault("spin_rate", []).append(ESTIMATED_FLAG)
    if by_role.get(CLUB_ESTIMATED, "").strip() in ("1", "true", "True", "yes"):
        for name in ("club_speed", "attack_angle", "club_path", "face_angle", "face_to_path"):
            if name in values:
                flags.setdefault(name, []).append(ESTIMATED_FLAG)
    if layout.adjust_row is not None:
        layout.adjust_row(values, flags, by_role)
    if not values:
        return None, "no measured values"

    club_text = by_role.get(CLUB, "")
    club = club_for_text(club_text)
    if not club and by_role.get(CLUB_NAME):
        name_club = club_for_text(by_role[CLUB_NAME])
        if name_club or not club_text:
            club_text, club = by_role[CLUB_NAME], name_club
    try:
        hit_at = parse_time(by_role) if parse_time else default_time(by_role, layout.date_formats)
    except ValueError as error:
        return None, str(error)
    return (
        ImportRow(
            row_number=line,
            club_text=club_text,
            club=club,
            values=values,
            flags=flags,
            hit_at=hit_at,
            session_key=by_role.get(SESSION, ""),
        ),
        "",
    )


# strptime directives the exports use, as regular expressions. strptime costs
# about 10 µs a call; a 10,000-row file parses its dates two or three times
# (choosing the day/month order, then reading), so they are matched here.
_DIRECTIVES = {
    "%d": r"(?P<day>\d{1,2})",
    "%m": r"(?P<month>\d{1,2})",
    "%y": r"(?P<year2>\d{2})",
    "%Y": r"(?P<year>\d{4})",
    "%H": r"(?P<hour>\d{1,2})",
    "%I": r"(?P<hour12>\d{1,2})",
    "%M": r"(?P<minute>\d{1,2})",
    "%S": r"(?P<second>\d{1,2})",
    "%p": r"(?P<ampm>[AaPp][Mm])",
}
_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _pattern_for(pattern: str) -> re.Pattern[str] | None:
    if pattern not in _PATTERNS:
        parts = re.split(r"(%.)", pattern)
        if any(part.startswith("%") and part not in _DIRECTIVES for part in parts):
            _PATTERNS[pattern] = None  # a directive we do not translate: strptime it is
        else:
            regex = "".join(_DIRECTIVES.get(part, re.escape(part)) for part in parts)
            _PATTERNS[pattern] = re.compile(regex + r"\Z")
    return _PATTERNS[pattern]


def strptime(text: str, pattern: str) -> datetime:
    """``datetime.strptime`` for the directives exports use, five times faster; ValueError alike."""
    compiled = _pattern_for(pattern)
    if compiled is None:
        return datetime.strptime(text, pattern)
    match = compiled.match(text)
    if match is None:
        raise ValueError(f"{text!r} does not match {pattern!r}")
    parts = match.groupdict()
    if parts.get("year") is not None:
        year = int(parts["year"])
    elif parts.get("year2") is not None:
        two_digits = int(parts["year2"])
        year = two_digits + (2000 if two_digits < 69 else 1900)  # strptime's POSIX rule
    else:
        year = 1900  # as strptime: no year in the pattern
    hour = int(parts.get("hour") or 0)
    if parts.get("hour12") is not None:
        hour = int(parts["hour12"])
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r}: hour {hour} on a 12-hour clock")
        hour = hour % 12 + (12 if (parts.get("ampm") or "").lower() == "pm" else 0)
    return datetime(
        year,
        int(parts.get("month") or 1),
        int(parts.get("day") or 1),
        hour,
        int(parts.get("minute") or 0),
        int(parts.get("second") or 0),
    )


def default_time(by_role: Mapping[str, str], formats: tuple[str, ...]) -> datetime | None:
    """The shot's time from a TIME cell, or DATE + CLOCK cells; None when the file has none."""
    text = by_role.get(TIME, "").strip()
    if not text and by_role.get(DATE):
        text = f"{by_role[DATE].strip()} {by_role.get(CLOCK, '').strip()}".strip()
    if not text:
        return None
    return parse_datetime_text(text, formats)


def parse_datetime_text(text: str, formats: tuple[str, ...]) -> datetime:
    """``text`` by the first matching format, then ISO 8601; ValueError with a readable message."""
    for pattern in formats:
        try:
            return strptime(text, pattern)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time this format writes") from None
