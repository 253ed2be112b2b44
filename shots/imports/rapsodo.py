"""Rapsodo MLM2PRO "Export shots" CSV, and guessing units a file leaves unsaid.

Every cell is quoted except ``Club Data Est Type``; ``Club Type`` is the
app's short code (``7i``, ``Dr``, ``d``, ``sw``, ``3w``, ``4h``); some exports
end in ``Average`` and ``Std. Dev.`` rows and newer ones start with a
``"Rapsodo MLM2PRO: <player> - 04/24/2026 1:19 PM"`` line. Older MLM exports
have fewer columns: they are mapped by name.

**No unit is written anywhere.** The numbers are in whatever the golfer set
in the app, and the app sets distances and speeds separately (its screen can
show metres beside mph). ``guess_units`` infers them from the magnitudes,
club by club: a 7-iron ball speed of 153 is km/h, a carry of 112 beside it
and an apex of 10 are metres. Each guessed column says why in its
``ColumnUnit.reason``, and a unit the golfer picks in the preview wins.

The session's date is in that first line when there is one, else only in the
file name (``mlm2pro_shotexport_011826.csv`` = 18 January 2026, MMDDYY); the
rows have no time.

Garmin exports without a units row reuse ``read_guessing_units``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath

from shots.analysis.labels import label_key
from shots.analysis.units import to_canonical
from shots.imports import ReadOptions
from shots.imports import columns as c
from shots.imports.columns import CsvLayout, ParsedCells, find_header, read_layout
from shots.imports.result import (
    UNIT_FROM_FORMAT,
    UNIT_GUESSED,
    ImportRow,
    ReadResult,
)
from shots.imports.tables import Table
from shots.metrics import METRICS_BY_NAME, Quantity
from shots.models import Club

_COLUMNS = {
    "Club Type": c.CLUB,
    "Club Brand": c.IGNORED,
    "Club Model": c.IGNORED,
    "Shot Number": c.IGNORED,
    "Carry Distance": "carry",
    "Total Distance": "total",
    "Ball Speed": "ball_speed",
    "Launch Angle": "launch_angle",
    "Launch Direction": "launch_direction",
    "Apex": "apex",
    "Side Carry": "carry_side",
    "Club Speed": "club_speed",
    "Smash Factor": "smash_factor",
    "Descent Angle": "descent_angle",
    "Attack Angle": "attack_angle",
    "Club Path": "club_path",
    "Club Data Est Type": c.CLUB_ESTIMATED,
    "Spin Rate": "spin_rate",
    "Spin Axis": "spin_axis",
}
# The club data the engine flags for CLUB_ESTIMATED; kept in step with columns.py.
_CLUB_DATA = ("club_speed", "attack_angle", "club_path", "face_angle", "face_to_path")


def _flag_estimated_club_data(
    values: dict[str, float], flags: dict[str, list[str]], by_role: dict[str, str]
) -> None:
    # The engine flags "1". Real exports also write other codes (5, -1) beside
    # placeholder club data (-1.0 / 0.0): anything but 0 is not a measurement.
    text = by_role.get(c.CLUB_ESTIMATED, "").strip()
    try:
        estimated = float(text) != 0
    except ValueError:
        estimated = text.lower().startswith("est")
    if not estimated:
        return
    for name in _CLUB_DATA:
        if name in values and c.ESTIMATED_FLAG not in flags.get(name, []):
            flags.setdefault(name, []).append(c.ESTIMATED_FLAG)


def _layout(signature: Iterable[str]) -> CsvLayout:
    return CsvLayout(
        format="rapsodo_csv",
        label="Rapsodo MLM2PRO CSV",
        vendor="Rapsodo",
        device="Rapsodo MLM2PRO",
        columns={label_key(header): role for header, role in _COLUMNS.items()},
        signature=frozenset(label_key(header) for header in signature),
        units_row=False,
        adjust_row=_flag_estimated_club_data,
    )


# "Side Carry" is Rapsodo's own name; exports without it still have Brand and Model.
LAYOUTS = (
    _layout(("Club Type", "Carry Distance", "Side Carry")),
    _layout(("Club Type", "Club Brand", "Club Model", "Carry Distance")),
)
LAYOUT = LAYOUTS[0]

_FILE_NAME_DATE = re.compile(r"shotexport_(\d{2})(\d{2})(\d{2})(?!\d)", re.IGNORECASE)
_TITLE_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class RapsodoReader:
    format = LAYOUT.format
    label = LAYOUT.label
    vendor = LAYOUT.vendor

    def detect(self, table: Table) -> bool:
        return self._layout_for(table) is not None

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult:
        layout = self._layout_for(table) or LAYOUT
        result = read_guessing_units(table, layout, units=options.units)
        header_index = find_header(table, layout.signature) or 0
        title_date = session_date_from_title(table.rows[:header_index])
        name_date = session_date_from_file_name(table.filename)
        if title_date is not None:
            result.session_date, result.session_date_source = title_date, "file"
        elif name_date is not None:
            result.session_date, result.session_date_source = name_date, "file name"
        return result

    def _layout_for(self, table: Table) -> CsvLayout | None:
        if table.kind == "json":
            return None
        return next(
            (each for each in LAYOUTS if find_header(table, each.signature) is not None), None
        )


def session_date_from_file_name(filename: str) -> date | None:
    """``mlm2pro_shotexport_011826.csv`` -> 18 January 2026 (the app writes MMDDYY)."""
    match = _FILE_NAME_DATE.search(PurePath(filename).name)
    if not match:
        return None
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(2000 + year, month, day)
    except ValueError:
        return None


def session_date_from_title(rows: Sequence[list[str]]) -> date | None:
    """The date in a ``"Rapsodo MLM2PRO: Player - 04/24/2026 1:19 PM"`` line above the header.

    The app is American: month first, unless the first number cannot be a month.
    """
    for cells in rows:
        text = " ".join(cells)
        if "rapsodo" not in text.lower():
            continue
        match = _TITLE_DATE.search(text)
        if not match:
            continue
        first, second, year = (int(part) for part in match.groups())
        month, day = (second, first) if first > 12 else (first, second)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


# --- guessing units -----------------------------------------------------------------------


@dataclass(frozen=True)
class Typical:
    """A club's usual full swing, in canonical units (mph, yards)."""

    ball_speed: float
    club_speed: float
    carry: float

    @property
    def carry_per_mph(self) -> float:
        return self.carry / self.ball_speed


# Around the middle of the typical ranges in shared/reference/launch-monitor-data.md
# (driver ball 130-175 mph, 7-iron 95-130, PW 70-105; carry driver 180-300,
# 7-iron 110-190, PW 80-145), the clubs between them filled in.
TYPICAL: dict[str, Typical] = {
    Club.DRIVER: Typical(150, 102, 240),
    Club.WOOD_3: Typical(142, 97, 220),
    Club.WOOD_5: Typical(136, 94, 205),
    Club.WOOD_7: Typical(131, 91, 195),
    Club.HYBRID_2: Typical(136, 94, 205),
    Club.HYBRID_3: Typical(133, 92, 198),
    Club.HYBRID_4: Typical(129, 90, 190),
    Club.HYBRID_5: Typical(125, 88, 182),
    Club.IRON_2: Typical(133, 92, 198),
    Club.IRON_3: Typical(129, 90, 190),
    Club.IRON_4: Typical(125, 88, 180),
    Club.IRON_5: Typical(120, 86, 170),
    Club.IRON_6: Typical(116, 83, 160),
    Club.IRON_7: Typical(111, 80, 150),
    Club.IRON_8: Typical(105, 77, 140),
    Club.IRON_9: Typical(99, 74, 128),
    Club.PITCHING_WEDGE: Typical(90, 71, 115),
    Club.GAP_WEDGE: Typical(84, 69, 103),
    Club.SAND_WEDGE: Typical(76, 66, 88),
    Club.LOB_WEDGE: Typical(68, 62, 72),
}
# A shot whose club we do not know is compared with a 7-iron, allowing twice the spread.
_UNKNOWN_CLUB = TYPICAL[Club.IRON_7]
_UNKNOWN_CLUB_SPREAD = 2.0

# How far (natural log) a session's median may sit from the typical value:
# one "spread" costs as much as a golfer being a third faster or slower.
_SPEED_SPREAD = 0.25
_CARRY_SPREAD = 0.35
_CARRY_PER_SPEED_SPREAD = 0.15
_APEX_SPREAD = 0.35
# Apex over the vacuum height v²·sin²(launch)/2g: lift makes a real apex about
# twice that (2.0-2.2 in the Rapsodo files seen, 2.3-2.9 in Trackman's tour averages).
_APEX_LIFT = 2.2
_MIN_LAUNCH_FOR_APEX = 5.0  # a topped shot's apex says little about units
_GRAVITY = 9.81
_METRES_PER_SECOND_PER_MPH = 0.44704
_FEET_PER_METRE = 3.28084
# Rapsodo writes one system; a file mixing mph with metres has to show it clearly.
_MIXED_SYSTEMS_COST = 1.0

GUESSED_QUANTITIES = frozenset({Quantity.SPEED, Quantity.DISTANCE, Quantity.HEIGHT})


@dataclass(frozen=True)
class System:
    """One way to read the unsaid columns: speeds in one unit, distances and apex in one system."""

    speed: str  # "mph" or "km/h"
    distance: str  # "yds" or "m"
    height: str  # "ft" or "m"

    @property
    def is_mixed(self) -> bool:
        return (self.speed == "mph") != (self.distance == "yds")

    def unit_for(self, metric: str) -> str:
        quantity = METRICS_BY_NAME[metric].quantity
        if quantity is Quantity.SPEED:
            return self.speed
        if quantity is Quantity.HEIGHT:
            return self.height
        return self.distance


# In order of preference when two fit equally: imperial first (to_canonical's own default).
SYSTEMS = (
    System("mph", "yds", "ft"),
    System("km/h", "m", "m"),
    System("km/h", "yds", "ft"),
    System("mph", "m", "m"),
)
_UNIT_WORDS = {"mph": "mph", "km/h": "km/h", "yds": "yards", "m": "metres", "ft": "feet"}


@dataclass(frozen=True)
class Guess:
    unit: str
    reason: str


def read_guessing_units(
    table: Table,
    layout: CsvLayout,
    *,
    units: Mapping[str, str] | None = None,
    parse_time: Callable[[dict[str, str]], datetime | None] | None = None,
) -> ReadResult:
    """``read_layout``, with the speed and distance columns the file gives no unit for guessed.

    The first read takes the numbers as written; ``guess_units`` picks the
    units they fit; the second read converts with them. ``units`` (the
    golfer's choice) wins for its metrics and is taken as known while guessing
    the rest.
    """
    # Both reads share the parsed cells: the second only converts with other factors.
    parsed = ParsedCells()
    first = read_layout(table, layout, units=units, parse_time=parse_time, parsed=parsed)
    unsaid = [
        column.metric
        for column in first.columns
        if column.source == UNIT_FROM_FORMAT
        and not column.unit
        and METRICS_BY_NAME[column.metric].quantity in GUESSED_QUANTITIES
    ]
    if not unsaid:
        return first
    guesses = guess_units(first.rows, unsaid=unsaid)
    guessed_layout = replace(
        layout,
        default_units={**layout.default_units, **{m: g.unit for m, g in guesses.items()}},
    )
    result = read_layout(table, guessed_layout, units=units, parse_time=parse_time, parsed=parsed)
    result.columns = [
        replace(column, source=UNIT_GUESSED, reason=guesses[column.metric].reason)
        if column.metric in guesses and column.source == UNIT_FROM_FORMAT
        else column
        for column in result.columns
    ]
    guessed = {guess.unit for guess in guesses.values()}
    described = [word for unit, word in _UNIT_WORDS.items() if unit in guessed]
    result.notes.append(
        f"The file gives no units; from the sizes of its numbers they are read as "
        f"{_listing(described)}. Check them, and change any that are wrong."
    )
    return result


def _listing(words: Sequence[str]) -> str:
    """``["km/h", "metres"]`` -> ``"km/h and metres"``; three or more get commas."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def guess_units(rows: Sequence[ImportRow], *, unsaid: Sequence[str]) -> dict[str, Guess]:
    """The unit of each ``unsaid`` metric, judged from ``rows`` read without converting them.

    Every way of reading the file (``SYSTEMS``) is scored by how far, club by
    club, its medians sit from a typical swing with that club: ball and club
    speed, carry, carry per mph of ball speed, and apex against the height the
    ball speed and launch angle give. The lowest score wins.
    """
    by_club: dict[str, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if row.club != Club.PUTTER:
            by_club[row.club].append(row)
    unsaid_set = frozenset(unsaid)
    scores = [(_misfit(by_club, system, unsaid_set), index) for index, system in enumerate(SYSTEMS)]
    best = SYSTEMS[min(scores)[1]]
    reasons = _Reasons(by_club, best, unsaid_set)
    return {metric: Guess(best.unit_for(metric), reasons.for_metric(metric)) for metric in unsaid}


def _factor(metric: str, system: System, unsaid: frozenset[str]) -> float:
    if metric not in unsaid:
        return 1.0  # already canonical: the file or the golfer said its unit
    return to_canonical(metric, 1.0, system.unit_for(metric))


def _values(
    rows: Sequence[ImportRow], metric: str, system: System, unsaid: frozenset[str]
) -> list[float]:
    factor = _factor(metric, system, unsaid)
    return [row.values[metric] * factor for row in rows if row.values.get(metric, 0) > 0]


def _apex_fits(rows: Sequence[ImportRow], system: System, unsaid: frozenset[str]) -> list[float]:
    """Apex over the height ball speed and launch give, per shot (1.0 = as expected)."""
    ball_factor = _factor("ball_speed", system, unsaid)
    apex_factor = _factor("apex", system, unsaid)
    fits = []
    for row in rows:
        ball, apex = row.values.get("ball_speed", 0), row.values.get("apex", 0)
        launch = row.values.get("launch_angle", 0)
        if ball <= 0 or apex <= 0 or launch < _MIN_LAUNCH_FOR_APEX:
            continue
        rise = ball * ball_factor * _METRES_PER_SECOND_PER_MPH * math.sin(math.radians(launch))
        expected_feet = _APEX_LIFT * rise * rise / (2 * _GRAVITY) * _FEET_PER_METRE
        fits.append(apex * apex_factor / expected_feet)
    return fits


def _carry_per_mph(
    rows: Sequence[ImportRow], system: System, unsaid: frozenset[str]
) -> list[float]:
    carry_factor = _factor("carry", system, unsaid)
    ball_factor = _factor("ball_speed", system, unsaid)
    return [
        row.values["carry"] * carry_factor / (row.values["ball_speed"] * ball_factor)
        for row in rows
        if row.values.get("carry", 0) > 0 and row.values.get("ball_speed", 0) > 0
    ]


def _misfit(by_club: dict[str, list[ImportRow]], system: System, unsaid: frozenset[str]) -> float:
    total = 0.0
    shots = 0
    for club, rows in by_club.items():
        typical = TYPICAL.get(club, _UNKNOWN_CLUB)
        spread = 1.0 if club in TYPICAL else _UNKNOWN_CLUB_SPREAD
        measures = (
            (_values(rows, "ball_speed", system, unsaid), typical.ball_speed, _SPEED_SPREAD),
            (_values(rows, "club_speed", system, unsaid), typical.club_speed, _SPEED_SPREAD),
            (_values(rows, "carry", system, unsaid), typical.carry, _CARRY_SPREAD),
            (
                _carry_per_mph(rows, system, unsaid),
                typical.carry_per_mph,
                _CARRY_PER_SPEED_SPREAD,
            ),
            (_apex_fits(rows, system, unsaid), 1.0, _APEX_SPREAD),
        )
        misfit = 0.0
        for observed, expected, allowed in measures:
            if observed:
                misfit += (math.log(statistics.median(observed) / expected) / allowed) ** 2
        total += len(rows) * misfit / spread**2
        shots += len(rows)
    score = total / shots if shots else 0.0
    guesses_both = any(_quantity(m) is Quantity.SPEED for m in unsaid) and any(
        _quantity(m) is not Quantity.SPEED for m in unsaid
    )
    if guesses_both and system.is_mixed:
        score += _MIXED_SYSTEMS_COST
    return score


def _quantity(metric: str) -> Quantity:
    return METRICS_BY_NAME[metric].quantity


class _Reasons:
    """The sentence the preview shows beside a guessed unit, from the club with most shots."""

    def __init__(
        self, by_club: dict[str, list[ImportRow]], system: System, unsaid: frozenset[str]
    ) -> None:
        self.system = system
        self.unsaid = unsaid
        known = {club: rows for club, rows in by_club.items() if club in TYPICAL}
        pool = known or by_club
        self.club = max(pool, key=lambda club: len(pool[club])) if pool else ""
        self.rows = pool.get(self.club, [])
        if self.club in TYPICAL:
            name = Club(self.club).label
            self.subject = f"{name} "  # "7-iron ball speeds", "Driver carries"
            article = "an" if name[0].lower() in "aeiou8" else "a"
            self.fits = f"{article} {name.lower()}"
        else:
            self.subject = ""
            self.fits = "a typical full swing"

    def _median(self, metric: str) -> float | None:
        values = [row.values[metric] for row in self.rows if row.values.get(metric, 0) > 0]
        return statistics.median(values) if values else None

    def for_metric(self, metric: str) -> str:
        if not self.rows:
            return "Nothing in the file shows its units; read as mph, yards and feet."
        if _quantity(metric) is Quantity.SPEED:
            return self._speed_reason(metric)
        return self._distance_reason()

    def _speed_reason(self, metric: str) -> str:
        # Ball speed tells most; club speed when the file has no ball speed.
        shown = "ball_speed" if self._median("ball_speed") else metric
        raw = self._median(shown)
        if raw is None:
            return f"Read as {self.system.speed}, like the file's other numbers."
        typical = TYPICAL.get(self.club, _UNKNOWN_CLUB)
        usual = typical.ball_speed if shown == "ball_speed" else typical.club_speed
        said = _sentence(f"{self.subject}{METRICS_BY_NAME[shown].label.lower()}s around {raw:.0f}")
        as_mph = raw * to_canonical(shown, 1.0, "km/h")
        if self.system.speed == "km/h":
            return (
                f"{said} read as km/h: {as_mph:.0f} mph fits {self.fits} "
                f"(usually about {usual:.0f} mph); {raw:.0f} mph would not."
            )
        return (
            f"{said} read as mph: that fits {self.fits} (usually about {usual:.0f} mph); "
            f"as km/h they would be only {as_mph:.0f} mph."
        )

    def _distance_reason(self) -> str:
        carry = self._median("carry") or self._median("total")
        apex = self._median("apex")
        ball = self._median("ball_speed")
        if carry is None and apex is None:
            return f"Read in {_UNIT_WORDS[self.system.distance]}, like the file's other numbers."
        parts = []
        if carry is not None:
            parts.append(f"carries around {carry:.0f}")
        if apex is not None:
            parts.append(f"an apex around {apex:.0f}")
        said = _sentence(f"{self.subject}{' with '.join(parts)}")
        fits = ""
        if ball is not None:
            mph = ball * _factor("ball_speed", self.system, self.unsaid)
            fits = f", which fits ball speeds around {mph:.0f} mph"
        if self.system.distance == "m":
            converted = []
            if carry is not None:
                converted.append(f"{carry * to_canonical('carry', 1.0, 'm'):.0f} yd")
            if apex is not None:
                converted.append(f"apex {apex * to_canonical('apex', 1.0, 'm'):.0f} ft")
            return f"{said} read as metres ({', '.join(converted)}){fits}."
        return f"{said} read as yards (apex as feet){fits}."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


READERS = (RapsodoReader(),)
