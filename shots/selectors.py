"""Reads that span models: the golfer's bag and shot lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from shots.metrics import METRICS, RECORD_METRICS
from shots.models import (
    CLUB_ORDER,
    COUNTED,
    PENDING_STATUSES,
    AnalysisOutcome,
    Club,
    PersonalBest,
    ReviewAction,
    Shot,
    ShotAnalysis,
    ShotReview,
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
    """Every shot of the golfer's, for the pages of one shot (any status)."""
    return Shot.objects.for_golfer(golfer).select_related("retailer")


def shots_listed_for_golfer(golfer: User) -> QuerySet[Shot]:
    """The golfer's shot list: a photo without numbers is not a shot, so it is not listed.

    It waits on its own page for the golfer to type the numbers in or discard it.
    """
    return shots_for_golfer(golfer).exclude(status=ShotStatus.UNREADABLE)


def bag_for_golfer(golfer: User) -> list[BagRow]:
    """Per club: shot counts and personal bests, in bag order. Two queries.

    Shots without a club (a photo whose club the golfer has still to say) and
    photos without numbers belong to no club in the bag.
    """
    counts = (
        Shot.objects.for_golfer(golfer)
        .exclude(club="")
        .exclude(status=ShotStatus.UNREADABLE)
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
    # Each best carries its shot's trust level (shot_trust), so a typed record shows as typed.
    for best in PersonalBest.objects.filter(golfer=golfer).annotate(shot_trust=F("shot__trust")):
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


# --- The golfer home: recent personal bests (its last session: shots.session_selectors) --

# A personal best counts as "new" on the home page for this long after its shot.
NEW_BEST_DAYS = 14
NEW_BESTS_SHOWN = 8


def new_personal_bests(
    golfer: User, *, now: datetime | None = None, days: int = NEW_BEST_DAYS
) -> list[PersonalBest]:
    """The golfer's records whose shot was hit in the last ``days`` days, newest first. One query."""
    since = (now or timezone.now()) - timedelta(days=days)
    return list(
        PersonalBest.objects.filter(golfer=golfer, hit_at__gte=since).order_by(
            "-hit_at", "club", "metric"
        )[:NEW_BESTS_SHOWN]
    )


# --- Staff decisions on a shot: what the golfer and the audit log show ------------

REVIEW_NOTE_VERBS: dict[str, str] = {
    ReviewAction.VERIFY: "Verified",
    ReviewAction.CORRECT: "Corrected",
    ReviewAction.EXCLUDE: "Excluded",
    ReviewAction.INCLUDE: "Counted again",
}


@dataclass(frozen=True)
class ReviewChange:
    """One value a staff action changed, from the review's before/after snapshots."""

    kind: str  # "metric" (``name`` is a metric), "club" or "time"
    name: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ReviewNote:
    """A staff action on a shot as people read it: "Corrected by Fairway Lab", why, what changed."""

    review: ShotReview
    verb: str
    store_name: str
    changes: list[ReviewChange]


def review_changes(review: ShotReview) -> list[ReviewChange]:
    """Club, time and metrics that differ between the review's before and after snapshots."""
    before, after = review.before or {}, review.after or {}
    changes = []
    if before.get("club") != after.get("club"):
        labels = dict(Club.choices)
        changes.append(
            ReviewChange(
                "club",
                "club",
                "Club",
                labels.get(before.get("club") or "", "—"),
                labels.get(after.get("club") or "", "—"),
            )
        )
    if before.get("hit_at") != after.get("hit_at"):
        changes.append(ReviewChange("time", "hit_at", "When", _moment(before), _moment(after)))
    for metric in METRICS:
        was, now = before.get(metric.name), after.get(metric.name)
        if was != now:
            changes.append(ReviewChange("metric", metric.name, metric.label, was, now))
    return changes


def _moment(snapshot: dict[str, Any]) -> datetime | None:
    value = snapshot.get("hit_at")
    return datetime.fromisoformat(value) if value else None


def review_notes(reviews: Iterable[ShotReview]) -> list[ReviewNote]:
    """Each review with its changes; the store is the shot's (select it with the reviews)."""
    return [
        ReviewNote(
            review=review,
            verb=REVIEW_NOTE_VERBS.get(review.action, review.get_action_display()),
            store_name=review.shot.retailer.name if review.shot.retailer else "the store",
            changes=review_changes(review),
        )
        for review in reviews
    ]


def staff_decisions_for(shot: Shot) -> list[ReviewNote]:
    """What the store's staff decided about the golfer's shot, newest first. One query.

    The golfer sees the store, never which member of its staff: the console's
    audit log keeps the names.
    """
    reviews = list(ShotReview.objects.filter(shot=shot).order_by("-created_at", "-id"))
    for review in reviews:
        review.shot = shot  # the shot (and its store) is already loaded
    return review_notes(reviews)
