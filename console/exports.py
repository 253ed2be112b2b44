"""CSV exports of a store's shots and customers, streamed row by row.

Columns carry canonical units in their names (``carry_yd``, ``ball_speed_mph``)
whatever the store's display units, so a spreadsheet never has to guess.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from console import selectors
from golfshots.local_time import localtime_or_utc
from retailers.models import Retailer
from shots.metrics import METRICS

CHUNK_SIZE = 2000
# Spreadsheets run a cell starting with these as a formula (CSV injection).
# Checked after NFKC folding, so the full-width forms (＝＋－＠) and the small
# ones (﹦﹢﹣﹫), which spreadsheets read as the ASCII signs, count too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A line break inside a cell: quoted, it is valid CSV, but importers that read
# line by line (and people reading the file) take it for a new row, so free
# text (a name, an exclusion reason) keeps to one line.
LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
ASCII_UNITS = {"°": "deg"}


def metric_column(name: str, unit: str) -> str:
    unit = ASCII_UNITS.get(unit, unit)
    return f"{name}_{unit}" if unit else name


SHOT_COLUMNS = [
    "shot_id",
    "hit_at",
    "golfer_id",
    "golfer_username",
    "golfer_name",
    "club",
    "status",
    "source",
    "counted",
    "verified_at",
    "excluded",
    "exclusion_reason",
    *(metric_column(metric.name, metric.unit(metric=False)) for metric in METRICS),
]

CUSTOMER_COLUMNS = [
    "golfer_id",
    "username",
    "display_name",
    "board_name",
    "leaderboard_consent",
    "marketing_consent",
    "email",
    "joined_at",
    "joined_via",
    "shots_here",
    "last_shot_here",
]


def escape_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    Line breaks inside text become spaces. Leading spaces do not hide a
    formula (" =1+1" is still escaped). Numbers are left alone: a negative
    launch direction is data, not a formula.
    """
    if not isinstance(value, str):
        return value
    first = value.lstrip(" ")[:1]
    if unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS):
        value = "'" + value
    return LINE_BREAKS.sub(" ", value)


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([escape_cell(value) for value in row])


def _local(moment: datetime | None, retailer: Retailer) -> str:
    if moment is None:
        return ""
    # A moment at the calendar's ends (a year-1 shot stored before the check)
    # would raise mid-download and cut the file off: it is written in UTC.
    return localtime_or_utc(moment, retailer.zone).isoformat()


def shot_rows(retailer: Retailer) -> Iterator[list[Any]]:
    shots = selectors.shots_at_store(retailer).order_by("hit_at", "id")
    for shot in shots.iterator(chunk_size=CHUNK_SIZE):
        yield [
            shot.pk,
            _local(shot.hit_at, retailer),
            shot.golfer_id,
            shot.golfer.username,
            shot.golfer.display_name,
            shot.club,
            shot.status,
            shot.source,
            "yes" if shot.is_counted else "no",
            _local(shot.verified_at, retailer),
            "yes" if shot.is_excluded else "no",
            shot.exclusion_reason,
            *("" if value is None else value for value in shot.metric_values().values()),
        ]


def customer_rows(retailer: Retailer) -> Iterator[list[Any]]:
    activity = selectors.customers_activity(retailer)
    no_shots: selectors.CustomerActivity = {"shots_here": 0, "last_shot_here": None}
    links = selectors.customer_links(retailer).order_by("joined_at", "id")
    for link in links.iterator(chunk_size=CHUNK_SIZE):
        here = activity.get(link.golfer_id, no_shots)
        yield [
            link.golfer_id,
            link.golfer.username,
            link.golfer.display_name,
            link.leaderboard_name,
            "yes" if link.leaderboard_consent else "no",
            "yes" if link.marketing_consent else "no",
            # The address is the golfer's private data unless they agreed to store e-mail.
            link.golfer.email if link.marketing_consent else "",
            _local(link.joined_at, retailer),
            link.joined_via,
            here["shots_here"],
            _local(here["last_shot_here"], retailer),
        ]
