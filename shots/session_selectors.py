"""Reads for practice sessions: a golfer's sessions, and one session's statistics per club.

The statistics are what launch-monitor apps (Trackman, Garmin Golf, Rapsodo)
show after a session: per club, how many shots, and per metric the average,
the spread (sample standard deviation) and the best and range. They are read
from the session's counted shots only, as personal bests and analytics are,
in one query per session. On PostgreSQL the database aggregates per club;
on SQLite (the embedded default, a session is a few dozen rows) the query
reads the metric columns and Python does the statistics, as
analytics/queries.py does.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Avg, Count, Max, Min, QuerySet, StdDev

from accounts.models import User
from shots.metrics import RECORD_METRICS
from shots.models import CLUB_ORDER, Club, PersonalBest, PracticeSession, Shot

# The metrics a session page summarises, in the order the apps show them.
SESSION_METRICS: tuple[str, ...] = (
    "carry",
    "total",
    "carry_side",
    "ball_speed",
    "club_speed",
    "smash_factor",
    "launch_angle",
    "spin_rate",
    "apex",
)
# Higher is better for the record metrics, so their best is the highest value;
# a launch angle or a spin rate has no "best", only a range.
BEST_IS_HIGHEST: frozenset[str] = frozenset(RECORD_METRICS)


@dataclass(frozen=True)
class MetricStats:
    """One metric over one club's counted shots in a session (canonical units)."""

    metric: str
    shots: int  # how many of the club's shots measured it
    mean: float | None
    stdev: float | None  # sample standard deviation; None below two shots
    low: float | None
    high: float | None

    @property
    def best(self) -> float | None:
        return self.high if self.metric in BEST_IS_HIGHEST else None


@dataclass(frozen=True)
class ClubStats:
    club: str
    label: str
    shots: int
    metrics: dict[str, MetricStats]  # only the metrics some shot measured


@dataclass(frozen=True)
class SessionStats:
    session: PracticeSession
    clubs: list[ClubStats]  # bag order

    @property
    def counted_shots(self) -> int:
        return sum(club.shots for club in self.clubs)

    @property
    def metrics_shown(self) -> list[str]:
        """The metrics measured on any club, in SESSION_METRICS order."""
        measured = {name for club in self.clubs for name in club.metrics}
        return [name for name in SESSION_METRICS if name in measured]


def sessions_for_golfer(golfer: User) -> QuerySet[PracticeSession]:
    """The golfer's sessions, newest first; anyone else's are not in it (pages 404 on them)."""
    return PracticeSession.objects.filter(golfer=golfer).select_related("retailer")


def latest_session_for(golfer: User) -> PracticeSession | None:
    """The golfer's latest session (for the home page), or None. One query."""
    return sessions_for_golfer(golfer).order_by("-started_at", "-id").first()


def session_records(session: PracticeSession) -> list[PersonalBest]:
    """The golfer's personal bests that shots of this session hold, in bag and record order."""
    order = {metric: index for index, metric in enumerate(RECORD_METRICS)}
    # Only counted shots hold a record; the filter keeps a stale row (a shot excluded
    # a moment ago, its bests not yet rebuilt) off the page.
    counted = Shot.objects.filter(session=session).counted()
    records = PersonalBest.objects.filter(golfer_id=session.golfer_id, shot__in=counted)
    return sorted(records, key=lambda best: (CLUB_ORDER.get(best.club, 99), order[best.metric]))


def session_stats(session: PracticeSession, *, using: str = "default") -> SessionStats:
    """Per club, shots and per-metric average, spread, best and range. One query."""
    shots = Shot.objects.using(using).counted().filter(session=session).order_by()
    if connections[using].vendor == "postgresql":
        rows = _stats_in_database(shots)
    else:
        rows = _stats_in_python(shots)
    labels = dict(Club.choices)
    clubs = [
        ClubStats(
            club=club,
            label=labels.get(club, club),
            shots=row["shots"],
            metrics={
                name: MetricStats(
                    metric=name,
                    shots=row[f"{name}__count"],
                    mean=row[f"{name}__mean"],
                    stdev=row[f"{name}__stdev"],
                    low=row[f"{name}__low"],
                    high=row[f"{name}__high"],
                )
                for name in SESSION_METRICS
                if row[f"{name}__count"]
            },
        )
        for club, row in sorted(rows.items(), key=lambda item: CLUB_ORDER.get(item[0], 99))
    ]
    return SessionStats(session=session, clubs=clubs)


def _stats_in_database(shots: QuerySet[Shot]) -> dict[str, dict[str, Any]]:
    aggregates: dict[str, Aggregate] = {"shots": Count("id")}
    for name in SESSION_METRICS:
        aggregates[f"{name}__count"] = Count(name)
        aggregates[f"{name}__mean"] = Avg(name)
        aggregates[f"{name}__stdev"] = StdDev(name, sample=True)
        aggregates[f"{name}__low"] = Min(name)
        aggregates[f"{name}__high"] = Max(name)
    rows: Iterable[Mapping[str, Any]] = shots.values("club").annotate(**aggregates)
    return {row["club"]: dict(row) for row in rows}


def _stats_in_python(shots: QuerySet[Shot]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    for club, *measured in shots.values_list("club", *SESSION_METRICS):
        counts[club] += 1
        for name, value in zip(SESSION_METRICS, measured, strict=True):
            if value is not None:
                values[club][name].append(value)
    rows: dict[str, dict[str, Any]] = {}
    for club, count in counts.items():
        row: dict[str, Any] = {"shots": count}
        for name in SESSION_METRICS:
            measured = values[club][name]
            row[f"{name}__count"] = len(measured)
            row[f"{name}__mean"] = statistics.fmean(measured) if measured else None
            row[f"{name}__stdev"] = statistics.stdev(measured) if len(measured) > 1 else None
            row[f"{name}__low"] = min(measured) if measured else None
            row[f"{name}__high"] = max(measured) if measured else None
        rows[club] = row
    return rows
