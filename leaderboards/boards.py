"""What a board is: ``BoardSpec`` (scope, club, metric, period) and its window.

A module of its own, not part of selectors.py: a board's identity is needed
where no query runs (the filter form, the API's parameters, the cache keys,
the templates' titles), and selectors.py, cache.py, views.py and api.py all
import it from here, one layer below them, with no ORM code attached. The
rules are in DESIGN.md, "Leaderboards".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from accounts.models import Units
from retailers.models import Retailer
from shots.metrics import METRICS_BY_NAME, RECORD_METRICS
from shots.models import Club

BOARD_METRICS: tuple[str, ...] = RECORD_METRICS
BOARD_PERIODS: tuple[str, ...] = ("today", "week", "month", "year", "all")
BOARD_CLUBS: tuple[str, ...] = tuple(Club.values)
PERIOD_LABELS: dict[str, str] = {
    "today": "Today",
    "week": "This week",
    "month": "This month",
    "year": "This year",
    "all": "All time",
}
CLUB_LABELS: dict[str, str] = dict(Club.choices)


class BoardParameterError(ValueError):
    """A board was asked for with a metric, period or club that does not exist."""

    def __init__(self, field: str, value: object, allowed: Sequence[str]) -> None:
        self.field = field
        self.allowed = tuple(allowed)
        super().__init__(f"Unknown {field} {value!r}. Allowed: {', '.join(self.allowed)}.")


@dataclass(frozen=True)
class BoardWindow:
    """A board's period as seen at ``now``: shots hit in [start, end); both None for all time."""

    now: datetime
    start: datetime | None
    end: datetime | None

    @property
    def key(self) -> str:
        """The local date the period starts on, so a cached "today" rolls over at midnight."""
        return self.start.date().isoformat() if self.start is not None else "all"


@dataclass(frozen=True)
class BoardSpec:
    """One board: ``retailer`` None = all stores, ``club`` None = any club.

    Checked when built: an unknown metric, period or club raises
    BoardParameterError, so every BoardSpec that exists names a real board.
    """

    retailer: Retailer | None
    club: str | None
    metric: str
    period: str

    def __post_init__(self) -> None:
        if self.metric not in BOARD_METRICS:
            raise BoardParameterError("metric", self.metric, BOARD_METRICS)
        if self.period not in BOARD_PERIODS:
            raise BoardParameterError("period", self.period, BOARD_PERIODS)
        if self.club is not None and self.club not in BOARD_CLUBS:
            raise BoardParameterError("club", self.club, BOARD_CLUBS)

    @property
    def zone(self) -> tzinfo:
        """The clock the period is read on: the store's, or the site's for all stores."""
        return self.retailer.zone if self.retailer is not None else ZoneInfo(settings.TIME_ZONE)

    def window(self, now: datetime | None = None) -> BoardWindow:
        """The period's [start, end) at ``now`` (default: the current time).

        Boundaries are local midnights, so "today" in a New York store ends at
        midnight New York time whatever the server's zone. Weeks start on Monday.
        """
        now = now or timezone.now()
        start, end = period_window(self.period, self.zone, now)
        return BoardWindow(now=now, start=start, end=end)

    def key_parts(
        self, window: BoardWindow, *, metric_units: bool | None = None, limit: int | None = None
    ) -> list[str]:
        """The board's part of a cache key; the scope and its version are added by the cache.

        ``metric_units`` and ``limit`` shape a rendering, not the board, so
        they are added only when given.
        """
        parts = [self.club or "any", self.metric, self.period, window.key]
        if metric_units is not None:
            parts.append(Units.METRIC if metric_units else Units.IMPERIAL)
        if limit is not None:
            parts.append(str(limit))
        return parts

    @property
    def metric_label(self) -> str:
        return METRICS_BY_NAME[self.metric].label

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS[self.period]

    @property
    def scope_label(self) -> str:
        return self.retailer.name if self.retailer is not None else "all stores"

    @property
    def title(self) -> str:
        parts = [self.metric_label]
        if self.club:
            parts.append(CLUB_LABELS[self.club])
        parts.append(self.period_label)
        return " · ".join(parts)


def period_window(
    period: str, tz: tzinfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The period's [start, end) in ``tz``; ``(None, None)`` for all time."""
    today = now.astimezone(tz).date()
    if period == "all":
        return None, None
    if period == "today":
        first, after = today, today + timedelta(days=1)
    elif period == "week":
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    elif period == "month":
        first = today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    elif period == "year":
        first, after = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    else:
        raise BoardParameterError("period", period, BOARD_PERIODS)
    return _local_midnight(first, tz), _local_midnight(after, tz)


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
