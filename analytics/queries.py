"""Golfer analytics: honest distances, gapping, dispersion and trend per club.

Everything is read from counted shots only, in canonical units; views convert
for the viewer. One query per concern (summary, stock carry, trend), never
one per club. On PostgreSQL the summary, percentiles included, is computed by
the database (``percentile_cont``); on SQLite, the embedded default with
small data, it has no percentiles and its STDDEV chokes on NULLs, so the
summary reads the metric columns once and Python does the statistics.

Reads go to the "replica" database when one is configured, and fall back to
the primary when it is unreachable (golfshots/db_replica.py). The cached
wrappers the pages and the API call are in analytics/cache.py.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Avg, Count, FloatField, Max, QuerySet, StdDev
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from golfshots.db_replica import read_with_replica_fallback
from retailers.models import Retailer
from shots.models import CLUB_ORDER, Club, PersonalBest, Shot
from shots.validation import EARLIEST_SHOT

# The metrics summarised per club (mean, median, stdev, max).
SUMMARY_METRICS: tuple[str, ...] = (
    "carry",
    "total",
    "ball_speed",
    "club_speed",
    "smash_factor",
    "launch_angle",
    "spin_rate",
)
TREND_METRICS: tuple[str, ...] = ("carry", "ball_speed")
PERIOD_DAYS: tuple[int, ...] = (7, 30, 90, 365)
# Every club but the putter: a putt has no carry to analyse.
ANALYTICS_CLUBS: tuple[str, ...] = tuple(club for club in Club.values if club != Club.PUTTER)

# A scatter chart of more shots than this per club is a blot, not a picture.
POINTS_PER_CLUB = 300
POINTS_LIMIT = 6000

# Gapping rules of thumb, in yards: closer clubs duplicate each other,
# wider gaps leave distances the bag cannot hit.
GAP_TOO_SMALL_YARDS = 5.0
GAP_TOO_LARGE_YARDS = 15.0


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expr)``; NULLs are skipped."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: str, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class Period:
    """A window of hit times: ``start`` inclusive, ``end`` exclusive; None = unbounded."""

    start: datetime | None
    end: datetime | None
    days: int | None = None  # set for "the last N days"
    first_day: date | None = None  # set for an explicit date range
    last_day: date | None = None

    @property
    def key(self) -> str:
        """Names the period in cache keys; "last N days" rolls over with the local date."""
        if self.first_day is not None and self.last_day is not None:
            return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"
        if self.days is None or self.end is None:
            return "all"
        return f"{self.days}d@{self.end.date().isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def period_last_days(days: int | None, *, tz: tzinfo, now: datetime | None = None) -> Period:
    """The last ``days`` local calendar days up to the end of today; None = all time."""
    now = timezone.localtime(now or timezone.now(), tz)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), clock_time.min, tzinfo=tz)
    if days is None:
        return Period(start=None, end=None, days=None)
    return Period(start=tomorrow - timedelta(days=days), end=tomorrow, days=days)


def period_between(first_day: date, last_day: date, *, tz: tzinfo) -> Period:
    """Whole local days from ``first_day`` to ``last_day``, both included."""
    if last_day < first_day:
        raise ValueError("The period ends before it starts.")
    return Period(
        start=datetime.combine(first_day, clock_time.min, tzinfo=tz),
        end=datetime.combine(last_day + timedelta(days=1), clock_time.min, tzinfo=tz),
        first_day=first_day,
        last_day=last_day,
    )


@dataclass
class MetricSummary:
    mean: float | None = None
    median: float | None = None
    stdev: float | None = None
    max: float | None = None


@dataclass
class CarrySummary(MetricSummary):
    # The trimmed mean without the shortest quarter: what the golfer can count on.
    stock: float | None = None
    p25: float | None = None
    p75: float | None = None


@dataclass
class Dispersion:
    """Carry × side: means, spreads and the 2-σ box the chart draws its ellipse in."""

    carry_mean: float | None = None
    side_mean: float | None = None
    carry_stdev: float | None = None
    side_stdev: float | None = None
    box: dict[str, float] | None = None  # carry_low/high, side_low/high


@dataclass
class ClubAnalytics:
    club: str
    label: str
    shots: int
    metrics: dict[str, MetricSummary]
    dispersion: Dispersion
    trend: list[dict[str, Any]] = field(default_factory=list)  # {"week", "carry", "ball_speed"}
    # The newest (carry, side) pairs for the scatter chart; not part of the API.
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def carry(self) -> CarrySummary:
        return self.metrics["carry"]  # type: ignore[return-value]


@dataclass
class Gap:
    club: str
    next_club: str
    gap: float  # stock carry of club minus that of next_club, yards
    too_small: bool
    too_large: bool
    overlaps: bool  # the longer club's p25 reaches below the shorter club's p75


@dataclass
class Analytics:
    period: Period
    clubs: list[ClubAnalytics]
    gaps: list[Gap]

    def as_dict(self) -> dict[str, Any]:
        """The API's shape, canonical units."""
        return {
            "period": self.period.as_dict(),
            "clubs": [
                {
                    "club": row.club,
                    "label": row.label,
                    "shots": row.shots,
                    **{name: asdict(summary) for name, summary in row.metrics.items()},
                    "dispersion": asdict(row.dispersion),
                    "trend": [{**point, "week": point["week"].isoformat()} for point in row.trend],
                }
                for row in self.clubs
            ],
            "gaps": [asdict(gap) for gap in self.gaps],
        }


# --- statistics helpers (Python side) ----------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, exactly like ``percentile_cont``."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * weight


def _summary_in_python(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    return {
        "mean": statistics.fmean(ordered) if ordered else None,
        "median": percentile(ordered, 0.5),
        "stdev": statistics.stdev(ordered) if len(ordered) > 1 else None,
        "max": ordered[-1] if ordered else None,
        "p25": percentile(ordered, 0.25),
        "p75": percentile(ordered, 0.75),
    }


# --- the queries ---------------------------------------------------------------


def _counted_shots(
    *,
    using: str,
    golfer: User,
    period: Period,
    club: str | None,
    retailer: Retailer | None,
) -> QuerySet[Shot]:
    shots = Shot.objects.using(using).counted().filter(golfer=golfer).exclude(club=Club.PUTTER)
    # "All time" starts where a real shot can: a shot stored before the
    # hit_at window existed (year 1) would make TruncWeek answer a BC week,
    # which psycopg cannot read back.
    shots = shots.filter(hit_at__gte=period.start or EARLIEST_SHOT)
    if period.end is not None:
        shots = shots.filter(hit_at__lt=period.end)
    if club:
        shots = shots.filter(club=club)
    if retailer is not None:
        shots = shots.filter(retailer=retailer)
    return shots


def _summary_rows(shots: QuerySet[Shot], *, vendor: str) -> dict[str, dict[str, Any]]:
    """Per club: shot count and, per metric, mean/median/stdev/max (+ carry p25/p75, side)."""
    if vendor == "postgresql":
        aggregates: dict[str, Aggregate] = {"shots": Count("id")}
        for name in (*SUMMARY_METRICS, "carry_side"):
            aggregates[f"{name}__mean"] = Avg(name)
            aggregates[f"{name}__median"] = Percentile(name, 0.5)
            aggregates[f"{name}__stdev"] = StdDev(name, sample=True)
            aggregates[f"{name}__max"] = Max(name)
        aggregates["carry__p25"] = Percentile("carry", 0.25)
        aggregates["carry__p75"] = Percentile("carry", 0.75)
        rows: Iterable[Mapping[str, Any]] = shots.order_by().values("club").annotate(**aggregates)
        return {row["club"]: dict(row) for row in rows}

    columns = (*SUMMARY_METRICS, "carry_side")
    values_by_club: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    for row in shots.order_by().values_list("club", *columns):
        counts[row[0]] += 1
        for name, value in zip(columns, row[1:], strict=True):
            if value is not None:
                values_by_club[row[0]][name].append(value)
    summaries: dict[str, dict[str, Any]] = {}
    for club, count in counts.items():
        summary: dict[str, Any] = {"club": club, "shots": count}
        for name in columns:
            for statistic, value in _summary_in_python(values_by_club[club][name]).items():
                summary[f"{name}__{statistic}"] = value
        summaries[club] = summary
    return summaries


def _stock_carries(shots: QuerySet[Shot], *, using: str) -> dict[str, float]:
    """Per club, the mean carry without the shortest quarter, in one windowed query."""
    inner = shots.filter(carry__isnull=False).order_by().values("club", "carry")
    inner_sql, params = inner.query.get_compiler(using=using).as_sql()
    # Django cannot aggregate over a window, so the ranking is wrapped in plain
    # SQL; both PostgreSQL and SQLite (3.25+) have window functions.
    sql = (
        "SELECT club, AVG(carry) FROM ("
        "  SELECT ranked.club, ranked.carry,"
        "    ROW_NUMBER() OVER (PARTITION BY ranked.club ORDER BY ranked.carry) AS position,"
        "    COUNT(*) OVER (PARTITION BY ranked.club) AS how_many"
        f"  FROM ({inner_sql}) ranked"
        ") windowed WHERE position > how_many / 4 GROUP BY club"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return {club: float(stock) for club, stock in cursor.fetchall()}


def _weekly_trend(
    shots: QuerySet[Shot], *, vendor: str, tz: tzinfo
) -> dict[str, list[dict[str, Any]]]:
    """Per club, per local week (Monday), the median carry and ball speed."""
    weekly = shots.order_by().annotate(week=TruncWeek("hit_at", tzinfo=tz))
    trend: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if vendor == "postgresql":
        rows: Iterable[Mapping[str, Any]] = (
            weekly.values("club", "week")
            .annotate(**{name: Percentile(name, 0.5) for name in TREND_METRICS})
            .order_by("club", "week")
        )
        for row in rows:
            trend[row["club"]].append(
                {"week": row["week"].date(), **{name: row[name] for name in TREND_METRICS}}
            )
        return trend

    grouped: dict[tuple[str, datetime], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for club, week, *values in weekly.values_list("club", "week", *TREND_METRICS):
        # Looked up before the values: a week whose shots lack both metrics still shows.
        week_values = grouped[club, week]
        for name, value in zip(TREND_METRICS, values, strict=True):
            if value is not None:
                week_values[name].append(value)
    for (club, week), values_by_metric in sorted(grouped.items()):
        trend[club].append(
            {
                "week": week.date(),
                **{name: percentile(sorted(values_by_metric[name]), 0.5) for name in TREND_METRICS},
            }
        )
    return trend


def _dispersion_points(shots: QuerySet[Shot]) -> dict[str, list[tuple[float, float]]]:
    """Per club, the newest ``POINTS_PER_CLUB`` (carry, side) pairs, in one query."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows = (
        shots.filter(carry__isnull=False, carry_side__isnull=False)
        .order_by("-hit_at", "-id")
        .values_list("club", "carry", "carry_side")[:POINTS_LIMIT]
    )
    for club, carry, side in rows:
        if len(points[club]) < POINTS_PER_CLUB:
            points[club].append((carry, side))
    return points


def _dispersion(summary: dict[str, Any]) -> Dispersion:
    carry_mean, carry_stdev = summary["carry__mean"], summary["carry__stdev"]
    side_mean, side_stdev = summary["carry_side__mean"], summary["carry_side__stdev"]
    box = None
    if None not in (carry_mean, carry_stdev, side_mean, side_stdev):
        box = {
            "carry_low": carry_mean - 2 * carry_stdev,
            "carry_high": carry_mean + 2 * carry_stdev,
            "side_low": side_mean - 2 * side_stdev,
            "side_high": side_mean + 2 * side_stdev,
        }
    return Dispersion(
        carry_mean=carry_mean,
        side_mean=side_mean,
        carry_stdev=carry_stdev,
        side_stdev=side_stdev,
        box=box,
    )


def gaps_between(clubs: Iterable[ClubAnalytics]) -> list[Gap]:
    """Clubs by stock carry, longest first, each with the gap to the next one down."""
    with_stock = sorted(
        ((row, stock) for row in clubs if (stock := row.carry.stock) is not None),
        key=lambda pair: (-pair[1], CLUB_ORDER.get(pair[0].club, 99)),
    )
    gaps = []
    for (longer, longer_stock), (shorter, shorter_stock) in itertools.pairwise(with_stock):
        gap = longer_stock - shorter_stock
        gaps.append(
            Gap(
                club=longer.club,
                next_club=shorter.club,
                gap=gap,
                too_small=gap < GAP_TOO_SMALL_YARDS,
                too_large=gap > GAP_TOO_LARGE_YARDS,
                overlaps=longer.carry.p25 is not None
                and shorter.carry.p75 is not None
                and longer.carry.p25 <= shorter.carry.p75,
            )
        )
    return gaps


def _analytics_on(
    using: str,
    *,
    golfer: User,
    period: Period,
    club: str | None,
    retailer: Retailer | None,
    tz: tzinfo,
) -> Analytics:
    shots = _counted_shots(using=using, golfer=golfer, period=period, club=club, retailer=retailer)
    vendor = connections[using].vendor
    summaries = _summary_rows(shots, vendor=vendor)
    stocks = _stock_carries(shots, using=using)
    trends = _weekly_trend(shots, vendor=vendor, tz=tz)
    points = _dispersion_points(shots)

    labels = dict(Club.choices)
    clubs = []
    for club_name in sorted(summaries, key=lambda name: CLUB_ORDER.get(name, 99)):
        summary = summaries[club_name]
        metrics: dict[str, MetricSummary] = {
            name: MetricSummary(
                mean=summary[f"{name}__mean"],
                median=summary[f"{name}__median"],
                stdev=summary[f"{name}__stdev"],
                max=summary[f"{name}__max"],
            )
            for name in SUMMARY_METRICS
            if name != "carry"
        }
        metrics = {
            "carry": CarrySummary(
                mean=summary["carry__mean"],
                median=summary["carry__median"],
                stdev=summary["carry__stdev"],
                max=summary["carry__max"],
                stock=stocks.get(club_name),
                p25=summary["carry__p25"],
                p75=summary["carry__p75"],
            ),
            **metrics,
        }
        clubs.append(
            ClubAnalytics(
                club=club_name,
                label=labels.get(club_name, club_name),
                shots=summary["shots"],
                metrics=metrics,
                dispersion=_dispersion(summary),
                trend=trends.get(club_name, []),
                points=points.get(club_name, []),
            )
        )
    return Analytics(period=period, clubs=clubs, gaps=gaps_between(clubs))


def carry_personal_bests(golfer: User) -> dict[str, float]:
    """The golfer's best carry per club, from the kept personal bests (primary: it is tiny)."""
    return dict(
        PersonalBest.objects.filter(golfer=golfer, metric="carry").values_list("club", "value")
    )


def golfer_analytics(
    *,
    golfer: User,
    period: Period,
    club: str | None = None,
    retailer: Retailer | None = None,
    tz: tzinfo | None = None,
) -> Analytics:
    """Per club statistics, stock carry, dispersion, weekly trend and gapping.

    ``retailer`` limits to shots hit at one store (the staff console's view of
    a customer). ``tz`` decides where weeks start; the current zone by default.
    """
    return read_with_replica_fallback(
        lambda using: _analytics_on(
            using,
            golfer=golfer,
            period=period,
            club=club,
            retailer=retailer,
            tz=tz or timezone.get_current_timezone(),
        )
    )
