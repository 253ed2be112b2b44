"""Reads for the store console and the staff API.

Every function takes the store already resolved by ``retailers.tenancy``:
shots are only those hit at the store, golfers only the store's customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from leaderboards.events.selectors import in_state
from leaderboards.models import Event, EventState
from retailers.models import CustomerLink, Retailer
from shots.metrics import RECORD_METRICS
from shots.models import CLUB_ORDER, COUNTED, Club, Shot, ShotReview, ShotStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Shots staff should look at: what counts (or would, once reviewed) and has
# not been vouched for. Pending and failed photos have nothing to verify yet.
AWAITING_VERIFICATION = Q(verified_at__isnull=True) & (
    COUNTED | Q(status=ShotStatus.NEEDS_REVIEW, is_excluded=False)
)


def shots_at_store(retailer: Retailer) -> QuerySet[Shot]:
    return Shot.objects.filter(retailer=retailer).select_related("golfer")


def shot_at_store(retailer: Retailer, pk: int) -> Shot:
    """One shot hit at the store; another store's shot id is a 404."""
    return get_object_or_404(shots_at_store(retailer), pk=pk)


def customer_links(retailer: Retailer) -> QuerySet[CustomerLink]:
    return CustomerLink.objects.filter(retailer=retailer).select_related("golfer")


def customer_link(retailer: Retailer, golfer_id: int) -> CustomerLink:
    return get_object_or_404(customer_links(retailer), golfer_id=golfer_id)


class CustomerActivity(TypedDict):
    """What ``customers_search`` annotates each customer with: their shots at the store."""

    shots_here: int
    last_shot_here: datetime | None


def customers_search(
    retailer: Retailer, query: str = ""
) -> QuerySet[WithAnnotations[CustomerLink, CustomerActivity]]:
    links = customer_links(retailer).annotate(
        shots_here=Count("golfer__shots", filter=Q(golfer__shots__retailer=retailer)),
        last_shot_here=Max("golfer__shots__hit_at", filter=Q(golfer__shots__retailer=retailer)),
    )
    query = query.strip()
    if query:
        links = links.filter(
            Q(golfer__display_name__icontains=query)
            | Q(golfer__username__icontains=query)
            | Q(leaderboard_name__icontains=query)
        )
    return links.order_by("-joined_at", "-id")


def verification_queue(retailer: Retailer) -> QuerySet[Shot]:
    """Unverified shots at the store: those needing review first, then newest first."""
    needs_review_first = Q(status=ShotStatus.NEEDS_REVIEW)
    return (
        shots_at_store(retailer)
        .filter(AWAITING_VERIFICATION)
        .annotate(needs_review=needs_review_first)
        .order_by(F("needs_review").desc(), "-hit_at", "-id")
    )


def reviews_at_store(retailer: Retailer) -> QuerySet[ShotReview]:
    return ShotReview.objects.filter(shot__retailer=retailer).select_related(
        "shot", "shot__golfer", "staff"
    )


@dataclass(frozen=True)
class Dashboard:
    shots_today: int
    shots_this_week: int
    new_customers_this_week: int
    active_events: int
    awaiting_verification: int


def store_dashboard(retailer: Retailer, *, now: datetime | None = None) -> Dashboard:
    """Counts on the store's clock: "today" and "this week" (from Monday) where the store is."""
    local_now = (now or timezone.now()).astimezone(retailer.zone)
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_week = start_of_day - timedelta(days=start_of_day.weekday())
    shots = Shot.objects.filter(retailer=retailer).aggregate(
        today=Count("id", filter=Q(hit_at__gte=start_of_day)),
        week=Count("id", filter=Q(hit_at__gte=start_of_week)),
        waiting=Count("id", filter=AWAITING_VERIFICATION),
    )
    return Dashboard(
        shots_today=shots["today"],
        shots_this_week=shots["week"],
        new_customers_this_week=CustomerLink.objects.filter(
            retailer=retailer, joined_at__gte=start_of_week
        ).count(),
        active_events=in_state(
            Event.objects.filter(retailer=retailer), EventState.ACTIVE, now=local_now
        ).count(),
        awaiting_verification=shots["waiting"],
    )


@dataclass
class StoreBagRow:
    club: str
    label: str
    shots: int
    counted_shots: int
    bests: dict[str, Shot] = field(default_factory=dict)
    # (metric, best value or None) in RECORD_METRICS order; the customer page fills it.
    best_values: list[tuple[str, float | None]] = field(default_factory=list)


def bag_at_store(retailer: Retailer, golfer: User) -> list[StoreBagRow]:
    """The golfer's bag and bests from shots hit at this store only.

    The golfer's stored PersonalBest rows may come from home practice or
    another store, which the console must not show, so bests are computed here.
    """
    shots = Shot.objects.filter(retailer=retailer, golfer=golfer)
    labels = dict(Club.choices)
    rows = {
        row["club"]: StoreBagRow(
            club=row["club"],
            label=labels.get(row["club"], row["club"]),
            shots=row["shots"],
            counted_shots=row["counted"],
        )
        for row in shots.exclude(club="")
        .values("club")
        .annotate(shots=Count("id"), counted=Count("id", filter=COUNTED))
    }
    counted = shots.filter(COUNTED)
    for metric in RECORD_METRICS:
        # One best shot per club; a window function rather than DISTINCT ON,
        # which SQLite (the embedded default) does not have.
        best_shots = (
            counted.filter(**{f"{metric}__isnull": False})
            .annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[F("club")],
                    order_by=[F(metric).desc(), F("hit_at").asc(), F("id").asc()],
                )
            )
            .filter(place=1)
        )
        for shot in best_shots:
            if shot.club in rows:
                rows[shot.club].bests[metric] = shot
    return sorted(rows.values(), key=lambda row: CLUB_ORDER.get(row.club, 99))
