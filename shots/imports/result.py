"""What a launch-monitor file reader hands back: rows of canonical values, and what it skipped.

Every reader (one module per vendor in ``shots.imports``) returns a
``ReadResult``. Values are already in canonical units (``shots.metrics``);
``columns`` says which unit each metric was read in and where that unit came
from, so the preview can show it and the golfer can change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


class ImportFileError(ValueError):
    """The file cannot be imported at all; the message is for the golfer."""


# Where a column's unit came from, shown in the preview beside the unit.
UNIT_FROM_UNITS_ROW = "units row"
UNIT_FROM_HEADER = "header"
UNIT_FROM_FORMAT = "format"  # the vendor always writes this unit (Foresight JSON: SI)
UNIT_GUESSED = "guessed"  # no unit anywhere; inferred from the magnitudes (Rapsodo)
UNIT_CHOSEN = "chosen"  # the golfer (or staff) picked it in the preview


@dataclass(frozen=True)
class ColumnUnit:
    """One metric column: its header as written and the unit its numbers are in."""

    metric: str
    header: str
    unit: str  # as normalised by shots.analysis.units ("km/h", "yds", "m", "°"); "" = canonical
    source: str  # one of the UNIT_* names above
    reason: str = ""  # why a guessed unit was guessed, for the preview


@dataclass
class ImportRow:
    """One shot as the file has it, in canonical units."""

    row_number: int  # the file's own line (CSV) or row (XLSX), or the shot's index (JSON)
    club_text: str  # the club as written ("7 Iron", "Eisen 7", "7i", "D BioCell+")
    club: str  # our club for it (shots.models.Club value), or "" when it maps to none
    values: dict[str, float]  # canonical; a metric the file did not measure is absent
    flags: dict[str, list[str]] = field(default_factory=dict)  # {"spin_rate": ["estimated"]}
    hit_at: datetime | None = None  # naive = the golfer's local time; None = the file has no time
    session_key: str = ""  # a file holding several sessions (FlightScope cloud) names each


@dataclass(frozen=True)
class RowNote:
    """A row left out: skipped (summary, blank) or rejected (with the reason)."""

    row_number: int
    reason: str


@dataclass
class ReadResult:
    vendor: str  # "Garmin"
    format: str  # a key of shots.imports.FORMATS ("garmin_csv")
    format_label: str  # "Garmin Golf CSV"
    columns: list[ColumnUnit]
    rows: list[ImportRow]
    skipped: list[RowNote] = field(default_factory=list)
    rejected: list[RowNote] = field(default_factory=list)
    # The session's date when only the file name (or a header line) gives it.
    session_date: date | None = None
    session_date_source: str = ""  # "file", "file name" or "" (the preview asks)
    # The session's start (naive = local) when the file gives it but not each shot's time.
    session_started_at: datetime | None = None
    device: str = ""  # "Garmin R10", "Rapsodo MLM2PRO"; stored as the shots' source_device
    notes: list[str] = field(default_factory=list)  # anything else the preview should say

    def unit_of(self, metric: str) -> ColumnUnit | None:
        return next((column for column in self.columns if column.metric == metric), None)
