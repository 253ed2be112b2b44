"""What importing a file would do, given the preview's choices: the preview and the commit share it.

``plan_import`` reads the file (``read_export``) with the chosen units, maps
its clubs, gives every row an aware ``hit_at``, checks the values with the
same rules as typed shots (``shots.validation``), fingerprints each row and
looks up which fingerprints the golfer already has. Nothing is written: the
preview shows the plan, ``shots.services.imports.import_commit`` stores it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import operator
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from django.db import connection
from django.utils import timezone

from shots.imports import ReadOptions, read_export
from shots.imports.result import ColumnUnit, ReadResult, RowNote
from shots.metrics import RECORD_METRICS
from shots.models import Club, Shot
from shots.validation import CLOCK_SKEW, EARLIEST_SHOT, check_values, derive_exact

# A club choice that leaves the club's rows out of the import.
LEAVE_OUT = "skip"
# Rows with no time of their own get the session's start plus this much per row,
# so they keep the file's order.
TIMELESS_ROW_SPACING = timedelta(seconds=1)
FINGERPRINT_LOOKUP_CHUNK = 5000
UTC = zoneinfo.ZoneInfo("UTC")
_RECORD_METRICS = frozenset(RECORD_METRICS)


@dataclass(frozen=True)
class ImportChoices:
    """The preview's choices: units per metric, our club per club name, the session's start."""

    units: Mapping[str, str] = field(default_factory=dict)
    clubs: Mapping[str, str] = field(default_factory=dict)
    session_started_at: datetime | None = None


@dataclass
class PlannedShot:
    row_number: int
    club: str
    hit_at: datetime
    values: dict[str, float]
    flags: dict[str, list[str]]
    fingerprint: str
    session_key: str
    warnings: list[str]


@dataclass
class ClubFound:
    text: str  # as the file writes it ("" when the file has no club column)
    suggested: str  # our club the name maps to, or ""
    chosen: str  # what will be used: the choice, else the suggestion
    rows: int


@dataclass
class ImportPlan:
    result: ReadResult
    new_shots: list[PlannedShot]
    duplicates: list[PlannedShot]
    rejected: list[RowNote]
    skipped: list[RowNote]
    dropped: list[RowNote]  # single values outside their hard range, left out of a kept shot
    clubs: list[ClubFound]
    session_started_at: datetime | None
    session_time_source: str  # "file", "file name", "chosen" or "" (to be asked)
    problems: list[str]  # what must be settled before the import can be confirmed

    @property
    def can_commit(self) -> bool:
        return not self.problems and bool(self.new_shots)

    @property
    def warned(self) -> list[PlannedShot]:
        return [shot for shot in self.new_shots if shot.warnings]

    @property
    def columns(self) -> list[ColumnUnit]:
        return self.result.columns


def plan_import(
    *,
    content: bytes,
    file_name: str,
    golfer_id: int,
    zone: zoneinfo.ZoneInfo,
    choices: ImportChoices,
) -> ImportPlan:
    """Read the file with ``choices`` and work out every shot it would create; writes nothing.

    ``zone``: where naive times in the file were written (the store's zone
    for a store import, else the golfer's). Raises ``ImportFileError``.
    """
    with collector_paused():
        return _plan(
            content=content, file_name=file_name, golfer_id=golfer_id, zone=zone, choices=choices
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a file's rows are made.

    Reading and planning 10,000 rows allocates a few hundred thousand lists,
    dicts and rows; each 700 allocations start a collection, and the older
    generations' collections walk every object of the process: a quarter of
    the read's time (docs/performance.md). Reference counting still frees
    what is dropped; only cycles wait until the end. The collector is
    process-wide: it is switched back on only by whoever switched it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _plan(
    *,
    content: bytes,
    file_name: str,
    golfer_id: int,
    zone: zoneinfo.ZoneInfo,
    choices: ImportChoices,
) -> ImportPlan:
    result = _read(content, file_name, tuple(sorted(choices.units.items())))
    rejected = list(result.rejected)
    skipped = list(result.skipped)
    problems: list[str] = []
    dropped: list[RowNote] = []

    clubs = _clubs_found(result, choices.clubs)
    chosen_club = {found.text: found.chosen for found in clubs}
    unmapped = [found for found in clubs if not found.chosen]
    for found in unmapped:
        shown = f"“{found.text}”" if found.text else "the shots (the file names no club)"
        problems.append(f"Choose the club for {shown}: {found.rows} rows.")

    session_started_at, time_source = _session_start(result, choices, zone)
    if session_started_at is None and any(row.hit_at is None for row in result.rows):
        problems.append("The file does not say when the session was: enter its date and time.")

    planned: list[PlannedShot] = []
    occurrences: Counter[str] = Counter()
    timeless_index = 0
    now = timezone.now()
    latest = now + CLOCK_SKEW
    for row in result.rows:
        club = chosen_club.get(row.club_text, "")
        if club == LEAVE_OUT:
            skipped.append(RowNote(row.row_number, f"club “{row.club_text}” left out"))
            continue
        if row.hit_at is not None:
            hit_at = (
                row.hit_at
                if row.hit_at.utcoffset() is not None  # timezone.is_aware, inlined: per row
                else row.hit_at.replace(tzinfo=zone)
            )
            own_time = True
        elif session_started_at is not None:
            hit_at = session_started_at + timeless_index * TIMELESS_ROW_SPACING
            timeless_index += 1
            own_time = False
        else:
            continue  # reported once above
        # shots.validation.hit_at_problem's window, inlined: this runs per row.
        if hit_at < EARLIEST_SHOT or hit_at > latest:
            when = "in the future" if hit_at > now else "before 2000"
            rejected.append(RowNote(row.row_number, f"the shot's date {hit_at:%Y-%m-%d} is {when}"))
            continue
        values: dict[str, float | None] = dict(row.values)
        flags = {name: list(names) for name, names in row.flags.items()}
        derive_exact(values, flags)  # as typed and photo shots: smash, total spin, face to path
        checks = check_values(values, club=club or Club.DRIVER)
        if checks.rejected and not _RECORD_METRICS.isdisjoint(checks.rejected):
            # A carry or ball speed no launch monitor can measure is a wrong
            # unit or a broken row: the shot would top a board, so it stays out.
            rejected.append(RowNote(row.row_number, " ".join(checks.rejected.values())))
            continue
        for name, message in checks.rejected.items():
            # A real device's mishit (face to path 24°) is past what we store for
            # that metric; the shot is still a shot, without that one number.
            dropped.append(RowNote(row.row_number, f"left out: {message}"))
            values[name] = None
        warnings = [message for _name, message in checks.warnings]
        for name, _message in checks.warnings:
            if name:
                flags.setdefault(name, []).append("warned")
        kept = (
            {name: value for name, value in values.items() if value is not None}
            if checks.rejected or None in values.values()
            else cast("dict[str, float]", values)  # no None in it: the same dict
        )
        basis = (
            hit_at.astimezone(UTC).isoformat(timespec="seconds")
            if own_time
            else f"session {hit_at.astimezone(zone).date().isoformat()}"
        )
        key = _fingerprint_key(basis, club, kept)
        occurrences[key] += 1
        planned.append(
            PlannedShot(
                row_number=row.row_number,
                club=club,
                hit_at=hit_at,
                values=kept,
                flags=flags,
                fingerprint=_fingerprint(key, occurrences[key]),
                session_key=row.session_key,
                warnings=warnings,
            )
        )

    existing = existing_fingerprints(
        golfer_id=golfer_id, fingerprints=(p.fingerprint for p in planned)
    )
    new_shots = [shot for shot in planned if shot.fingerprint not in existing]
    duplicates = [shot for shot in planned if shot.fingerprint in existing]
    if not planned and not problems:
        problems.append("No row of the file can be imported (see the rejected rows).")
    return ImportPlan(
        result=result,
        new_shots=new_shots,
        duplicates=duplicates,
        rejected=sorted(rejected, key=lambda note: note.row_number),
        skipped=sorted(skipped, key=lambda note: note.row_number),
        dropped=dropped,
        clubs=clubs,
        session_started_at=session_started_at,
        session_time_source=time_source,
        problems=problems,
    )


# Two: a 10,000-row file and its reading hold some 30 MB.
@functools.lru_cache(maxsize=2)
def _read(content: bytes, file_name: str, units: tuple[tuple[str, str], ...]) -> ReadResult:
    """``read_export``, remembered for the last few files of this process.

    One confirm plans a file two or three times (the form, the choices, the
    commit under its lock) and the preview page again after each change of
    club; the reading depends only on the bytes, the name and the units, so
    it is done once. The result is shared: ``plan_import`` copies what it
    changes.
    """
    return read_export(content, filename=file_name, options=ReadOptions(units=dict(units)))


def _clubs_found(result: ReadResult, choices: Mapping[str, str]) -> list[ClubFound]:
    counts: Counter[str] = Counter(row.club_text for row in result.rows)
    suggested = {row.club_text: row.club for row in result.rows}
    found = []
    for text, rows in counts.items():
        choice = choices.get(text, "")
        chosen = choice if choice in (*Club.values, LEAVE_OUT) else suggested[text]
        found.append(ClubFound(text=text, suggested=suggested[text], chosen=chosen, rows=rows))
    order = {club: index for index, club in enumerate(Club.values)}
    return sorted(found, key=lambda f: (order.get(f.suggested, len(order)), f.text))


def _session_start(
    result: ReadResult, choices: ImportChoices, zone: zoneinfo.ZoneInfo
) -> tuple[datetime | None, str]:
    if choices.session_started_at is not None:
        return choices.session_started_at, "chosen"
    timed = [row.hit_at for row in result.rows if row.hit_at is not None]
    if timed:
        if all(moment.tzinfo is None for moment in timed):
            # The usual file: every time gets the same zone, so the earliest naive
            # time is the earliest aware one (without a replace() per row).
            return _aware(min(timed), zone), "file"
        first = min(timed, key=lambda moment: _aware(moment, zone))
        return _aware(first, zone), "file"
    if result.session_started_at is not None:
        return _aware(result.session_started_at, zone), "file"
    if result.session_date is not None:
        return _noon(result.session_date, zone), result.session_date_source or "file name"
    return None, ""


def _aware(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)


def _noon(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    # A date with no time: noon keeps it on that date in every nearby zone.
    return datetime.combine(day, time(12, 0), tzinfo=zone)


# What tells one shot from another in a session: with its time (to the
# second) and club, these numbers as the shot page rounds them. Rounded, so
# re-reading the same file (or an overlapping export) gives the same key
# whatever float noise a unit conversion adds.
FINGERPRINT_METRICS = (
    "ball_speed",
    "club_speed",
    "launch_angle",
    "launch_direction",
    "spin_rate",
    "carry",
    "total",
    "carry_side",
)


_FINGERPRINT_NUMBERS = operator.itemgetter(*FINGERPRINT_METRICS)
# "%.1f" formats a number as f"{n:.1f}" does: the key of a shot with all eight
# numbers (nearly every row of a file) in one formatting call instead of eight.
_FINGERPRINT_TEMPLATE = "|".join(["%.1f"] * len(FINGERPRINT_METRICS))


def _fingerprint_key(basis: str, club: str, values: Mapping[str, float]) -> str:
    try:
        numbers = _FINGERPRINT_NUMBERS(values)
    except KeyError:
        return _fingerprint_key_with_gaps(basis, club, values)
    return f"{basis}|{club}|{_FINGERPRINT_TEMPLATE % numbers}"


def _fingerprint_key_with_gaps(basis: str, club: str, values: Mapping[str, float]) -> str:
    # The key's definition: a number the shot lacks is an empty field.
    numbers = [values.get(name) for name in FINGERPRINT_METRICS]
    return "|".join([basis, club, *("" if n is None else f"{n:.1f}" for n in numbers)])


def _fingerprint(key: str, occurrence: int) -> str:
    # The same key twice in one file (two identical shots in one session with
    # no times) are two shots: the occurrence keeps them apart.
    return hashlib.sha256(f"{key}#{occurrence}".encode()).hexdigest()


def existing_fingerprints(*, golfer_id: int, fingerprints: Iterable[str]) -> set[str]:
    """Which of these fingerprints the golfer's shots already carry (the unique index)."""
    wanted = list(dict.fromkeys(fingerprints))
    if not wanted:
        return set()
    if connection.vendor == "postgresql":
        return _existing_fingerprints_postgresql(golfer_id=golfer_id, wanted=wanted)
    found: set[str] = set()
    # SQLite takes fewer parameters in one statement than PostgreSQL.
    size = min(
        FINGERPRINT_LOOKUP_CHUNK, connection.features.max_query_params or FINGERPRINT_LOOKUP_CHUNK
    )
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        found.update(
            Shot.objects.filter(golfer_id=golfer_id, import_fingerprint__in=chunk).values_list(
                "import_fingerprint", flat=True
            )
        )
    return found


def _existing_fingerprints_postgresql(*, golfer_id: int, wanted: list[str]) -> set[str]:
    """One statement with the fingerprints as one parameter.

    ``import_fingerprint IN (%s, %s, ...)`` with 10,000 parameters costs
    more to compose than to run (psycopg splits and quotes the query on the
    client), and so does a list adapted to an array, element by element. A
    fingerprint is hex: one comma-separated text, split by the server, is
    the cheapest. ``<> ''`` is the unique index's own condition, so
    PostgreSQL can use that partial index (golfer, import_fingerprint).
    """
    table = connection.ops.quote_name(Shot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT import_fingerprint FROM {table} WHERE golfer_id = %s "
            "AND import_fingerprint <> '' "
            "AND import_fingerprint = ANY(string_to_array(%s, ','))",
            [golfer_id, ",".join(wanted)],
        )
        return {fingerprint for (fingerprint,) in cursor.fetchall()}
