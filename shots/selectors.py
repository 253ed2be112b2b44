"""Reads that span models: the golfer's bag and shot lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from shots.metrics import RECORD_METRICS
from shots.models import (
    CLUB_ORDER,
    COUNTED,
    PENDING_STATUSES,
    AnalysisOutcome,
    Club,
    PersonalBest,
    Shot,
    ShotAnalysis,
    ShotStatus,
)

if TYPE_CHECKING:
    from golfshots.monitoring import PipelineCount


@dataclass
class BagRow:
    club: str
    label: str
    shots: int
    counted_shots: int
    last_hit_at: object
    bests: dict[str, PersonalBest] = field(default_factory=dict)


def shots_for_golfer(golfer: User) -> QuerySet[Shot]:
    return Shot.objects.for_golfer(golfer).select_related("retailer")


def bag_for_golfer(golfer: User) -> list[BagRow]:
    """Per club: shot counts and personal bests, in bag order. Two queries."""
    counts = (
        Shot.objects.for_golfer(golfer)
        .values("club")
        .annotate(shots=Count("id"), counted=Count("id", filter=COUNTED), last=Max("hit_at"))
    )
    labels = dict(Club.choices)
    rows = {
        row["club"]: BagRow(
            club=row["club"],
            label=labels.get(row["club"], row["club"]),
            shots=row["shots"],
            counted_shots=row["counted"],
            last_hit_at=row["last"],
        )
        for row in counts
    }
    for best in PersonalBest.objects.filter(golfer=golfer):
        if best.club in rows:
            rows[best.club].bests[best.metric] = best
    return sorted(rows.values(), key=lambda row: CLUB_ORDER.get(row.club, 99))


def records_held_by(shot: Shot) -> list[PersonalBest]:
    """The golfer's personal bests that this shot currently holds, in record order."""
    order = {metric: index for index, metric in enumerate(RECORD_METRICS)}
    records = PersonalBest.objects.filter(golfer_id=shot.golfer_id, shot=shot)
    return sorted(records, key=lambda record: order[record.metric])


# Rows the sweeper writes when it gives up are bookkeeping, not calls to an analyser.
NOT_ANALYSERS = ("sweeper",)


@dataclass(frozen=True)
class SpendRow:
    """One analyser's use in one calendar month (site time zone)."""

    month: date
    analyser: str
    analyses: int
    successful: int
    shots: int
    tokens_in: int
    tokens_out: int
    cost: Decimal

    @property
    def cost_per_shot(self) -> Decimal | None:
        return self.cost / self.shots if self.shots else None


def ai_spend_by_month(*, months: int = 12) -> list[SpendRow]:
    """Analyses, tokens and cost per month and analyser, newest month first. One query.

    Covers the current month and the ``months - 1`` before it. "Successful"
    means the analyser returned a reading (clean or needing review); failed
    attempts and retries still cost money, so they count in the totals.
    """
    if months < 1:
        raise ValueError("months must be at least 1.")
    today = timezone.localdate()
    first_month = today.year * 12 + today.month - 1 - (months - 1)
    since = timezone.make_aware(datetime(first_month // 12, first_month % 12 + 1, 1))
    rows = (
        ShotAnalysis.objects.filter(created_at__gte=since)
        .exclude(analyser__in=NOT_ANALYSERS)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "analyser")
        .annotate(
            analyses_count=Count("id"),
            successful_count=Count(
                "id",
                filter=Q(outcome__in=(AnalysisOutcome.ANALYZED, AnalysisOutcome.NEEDS_REVIEW)),
            ),
            shots_count=Count("shot", distinct=True),
            tokens_in_sum=Sum("tokens_in"),
            tokens_out_sum=Sum("tokens_out"),
            cost_sum=Sum("cost"),
        )
        .order_by("-month", "analyser")
    )
    return [
        SpendRow(
            month=timezone.localtime(row["month"]).date(),
            analyser=row["analyser"],
            analyses=row["analyses_count"],
            successful=row["successful_count"],
            shots=row["shots_count"],
            tokens_in=row["tokens_in_sum"] or 0,
            tokens_out=row["tokens_out_sum"] or 0,
            # SQLite sums decimals as floats; six places is what each row stores.
            cost=(row["cost_sum"] or Decimal("0")).quantize(Decimal("0.000001")),
        )
        for row in rows
    ]


def pipeline_counts() -> QuerySet[Shot, PipelineCount]:
    """Shots per open pipeline status, with the oldest: an index-only scan of shot_pipeline_open.

    Read by /metrics at scrape time (golfshots.monitoring). COUNT(*) rather
    than COUNT(id): the index holds (status, created_at) only, and counting a
    column it lacks would visit every row's heap page.
    """
    return (
        Shot.objects.filter(status__in=(*PENDING_STATUSES, ShotStatus.NEEDS_REVIEW))
        .values("status")
        .annotate(shots=Count("*"), oldest=Min("created_at"))
        .order_by()
    )
