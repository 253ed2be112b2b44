"""Leaderboard reads: one golfer's best counted shot per row, ranked.

A board is (scope, club, metric, period): scope is one store or all stores;
club is one club or any; the period is computed in the store's timezone
(settings.TIME_ZONE for all stores). The rules are in DESIGN.md,
"Leaderboards".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Concat, NullIf, RowNumber, Trim
from django.utils import timezone

from accounts.models import User
from retailers.models import CustomerLink, Retailer
from shots.metrics import RECORD_METRICS
from shots.models import COUNTED, Club, Shot, record_value_present

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
DEFAULT_LIMIT = 50


class BoardParameterError(ValueError):
    """A board was asked for with a metric, period or club that does not exist."""

    def __init__(self, field: str, value: object, allowed: Sequence[str]) -> None:
        self.field = field
        self.allowed = tuple(allowed)
        super().__init__(f"Unknown {field} {value!r}. Allowed: {', '.join(self.allowed)}.")


@dataclass(frozen=True)
class BoardRow:
    rank: int
    golfer_id: int
    name: str
    value: float
    club: str
    shot_id: int
    hit_at: datetime


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    me: BoardRow | None
    period_start: datetime | None
    period_end: datetime | None
    generated_at: datetime


def validate_board(*, club: str | None, metric: str, period: str) -> None:
    if metric not in BOARD_METRICS:
        raise BoardParameterError("metric", metric, BOARD_METRICS)
    if period not in BOARD_PERIODS:
        raise BoardParameterError("period", period, BOARD_PERIODS)
    if club is not None and club not in BOARD_CLUBS:
        raise BoardParameterError("club", club, BOARD_CLUBS)


def board_timezone(retailer: Retailer | None) -> tzinfo:
    return ZoneInfo(retailer.timezone if retailer is not None else settings.TIME_ZONE)


def period_window(
    period: str, tz: tzinfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The period's [start, end) in ``tz``; ``(None, None)`` for all time.

    Boundaries are local midnights, so "today" in a New York store ends at
    midnight New York time whatever the server's zone. Weeks start on Monday.
    """
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


def eligible_shots(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    start: datetime | None,
    end: datetime | None,
) -> QuerySet[Shot]:
    """Every shot that may stand on the board, before picking each golfer's best."""
    shots = Shot.objects.filter(COUNTED, record_value_present(metric))
    if retailer is None:
        # A verified-only store's shots count on the all-stores board too,
        # but only once verified, or its rule could be sidestepped there.
        shots = shots.filter(retailer__isnull=False).filter(
            Q(retailer__leaderboard_verified_only=False) | Q(verified_at__isnull=False)
        )
        consents = CustomerLink.objects.filter(golfer=OuterRef("golfer"), leaderboard_consent=True)
    else:
        shots = shots.filter(retailer=retailer)
        if retailer.leaderboard_verified_only:
            shots = shots.filter(verified_at__isnull=False)
        consents = CustomerLink.objects.filter(
            golfer=OuterRef("golfer"), retailer=retailer, leaderboard_consent=True
        )
    shots = shots.filter(Exists(consents))
    if club is not None:
        shots = shots.filter(club=club)
    if start is not None and end is not None:
        shots = shots.filter(hit_at__gte=start, hit_at__lt=end)
    return shots


def _board_order(metric: str) -> list[Combinable]:
    # Higher is better; a tie goes to the earlier shot, then the lower id, so
    # every row has its own rank and the order never flickers between reads.
    return [F(metric).desc(), F("hit_at").asc(), F("pk").asc()]


def _board_name(retailer: Retailer | None) -> Coalesce:
    """The name a golfer appears under: their link's leaderboard name, else public_name."""
    links = CustomerLink.objects.filter(golfer=OuterRef("golfer"), leaderboard_consent=True)
    if retailer is not None:
        links = links.filter(retailer=retailer)
    # All stores: the name from the golfer's earliest consenting link.
    link_name = links.order_by("joined_at", "pk").values("leaderboard_name")[:1]
    # Mirrors User.public_name: display name, full name, username.
    full_name = Trim(Concat("golfer__first_name", Value(" "), "golfer__last_name"))
    return Coalesce(
        NullIf(Subquery(link_name), Value("")),
        NullIf("golfer__display_name", Value("")),
        NullIf(full_name, Value("")),
        "golfer__username",
    )


def _ranked_rows(shots: QuerySet[Shot], metric: str) -> list[BoardRow]:
    return [
        BoardRow(
            rank=index + 1,
            golfer_id=row["golfer_id"],
            name=row["board_name"],
            value=row[metric],
            club=row["club"],
            shot_id=row["pk"],
            hit_at=row["hit_at"],
        )
        for index, row in enumerate(
            shots.values("pk", "golfer_id", "board_name", metric, "club", "hit_at")
        )
    ]


def _top_rows(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    start: datetime | None,
    end: datetime | None,
    limit: int = DEFAULT_LIMIT,
) -> list[BoardRow]:
    """The top ``limit`` golfers, best first. One query.

    The inner query picks each golfer's best shot with ROW_NUMBER() and keeps
    the top ``limit`` ids; the outer one fetches only those rows with their
    names, so the name lookups run for ``limit`` rows, not for every shot.
    """
    eligible = eligible_shots(retailer=retailer, club=club, metric=metric, start=start, end=end)
    order = _board_order(metric)
    best_per_golfer = eligible.annotate(
        place_for_golfer=Window(RowNumber(), partition_by=[F("golfer")], order_by=order)
    ).filter(place_for_golfer=1)
    top_ids = best_per_golfer.order_by(*order).values("pk")[:limit]
    top = (
        Shot.objects.filter(pk__in=top_ids)
        .annotate(board_name=_board_name(retailer))
        .order_by(*order)
    )
    return _ranked_rows(top, metric)


def board_me(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    viewer: User | None,
    now: datetime | None = None,
) -> BoardRow | None:
    """The viewer's own row with its rank, wherever it falls. One query, none if anonymous.

    None for golfers not on this board (no eligible shot in the window, or
    no consent). The rank counts the golfers with any eligible shot that
    beats the viewer's best: such a golfer's own best beats it too.
    """
    validate_board(club=club, metric=metric, period=period)
    if viewer is None or not viewer.is_authenticated:
        return None
    start, end = period_window(period, board_timezone(retailer), now or timezone.now())
    return _board_me(
        retailer=retailer, club=club, metric=metric, start=start, end=end, viewer=viewer
    )


def _board_me(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    start: datetime | None,
    end: datetime | None,
    viewer: User,
) -> BoardRow | None:
    eligible = eligible_shots(retailer=retailer, club=club, metric=metric, start=start, end=end)
    order = _board_order(metric)
    own_best = eligible.filter(golfer=viewer).order_by(*order).values("pk")[:1]
    value, hit_at, pk = OuterRef(metric), OuterRef("hit_at"), OuterRef("pk")
    beats_it = (
        Q(**{f"{metric}__gt": value})
        | Q(**{metric: value, "hit_at__lt": hit_at})
        | Q(**{metric: value, "hit_at": hit_at, "pk__lt": pk})
    )
    # No GROUP BY (Value has none): one row with the count, 0 when nobody is ahead.
    golfers_ahead = (
        eligible.filter(beats_it)
        .order_by()
        .annotate(everyone=Value(1))
        .values("everyone")
        .annotate(golfers=Count("golfer", distinct=True))
        .values("golfers")
    )
    mine = (
        Shot.objects.filter(pk=Subquery(own_best))
        .annotate(board_name=_board_name(retailer), ahead=Subquery(golfers_ahead))
        .values("pk", "golfer_id", "board_name", metric, "club", "hit_at", "ahead")
        .first()
    )
    if mine is None:
        return None
    return BoardRow(
        rank=mine["ahead"] + 1,
        golfer_id=mine["golfer_id"],
        name=mine["board_name"],
        value=mine[metric],
        club=mine["club"],
        shot_id=mine["pk"],
        hit_at=mine["hit_at"],
    )


def leaderboard(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    limit: int = DEFAULT_LIMIT,
    viewer: User | None = None,
    now: datetime | None = None,
) -> Board:
    """The board for one store (or all stores when ``retailer`` is None).

    ``club`` None means any club. Raises BoardParameterError for an unknown
    metric, period or club. One query for the rows; one more for ``me`` when
    the viewer is logged in but not in the top ``limit``.
    """
    validate_board(club=club, metric=metric, period=period)
    now = now or timezone.now()
    start, end = period_window(period, board_timezone(retailer), now)
    rows = _top_rows(retailer=retailer, club=club, metric=metric, start=start, end=end, limit=limit)
    me = None
    if viewer is not None and viewer.is_authenticated:
        me = next((row for row in rows if row.golfer_id == viewer.pk), None)
        if me is None:
            me = _board_me(
                retailer=retailer, club=club, metric=metric, start=start, end=end, viewer=viewer
            )
    return Board(rows=rows, me=me, period_start=start, period_end=end, generated_at=now)
