"""Leaderboard reads: one golfer's best counted shot per row, ranked.

Every read takes the board as a ``BoardSpec`` (leaderboards/boards.py) and
its period as a ``BoardWindow``, computed once by the caller for the request
(``spec.window(now)``) so the cache key and the query agree on the period.
The rules are in DESIGN.md, "Leaderboards".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    Exists,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Concat, NullIf, RowNumber, Trim

from accounts.models import User
from leaderboards.boards import BoardSpec, BoardWindow
from retailers.models import CustomerLink, Retailer
from shots.models import Shot, ShotTrust, rankable, record_value_present

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class BoardRow:
    rank: int
    golfer_id: int
    name: str
    value: float
    club: str
    shot_id: int
    hit_at: datetime
    trust: str = ShotTrust.MEASURED  # a ShotTrust value: verified or measured


@dataclass(frozen=True)
class Board:
    """The top rows of a board; the viewer's own row is ``board_me``'s."""

    rows: list[BoardRow]
    period_start: datetime | None
    period_end: datetime | None
    generated_at: datetime


def eligible_shots(board: BoardSpec, window: BoardWindow | None = None) -> QuerySet[Shot]:
    """Every shot that may stand on the board, before picking each golfer's best.

    Ranked by trust level (``shots.models.rankable``): verified shots, and
    measured ones unless the store is verified-only; typed shots never.
    """
    window = window or board.window()
    retailer, metric = board.retailer, board.metric
    shots = Shot.objects.filter(record_value_present(metric))
    if retailer is None:
        # A verified-only store's shots count on the all-stores board too,
        # but only once verified, or its rule could be sidestepped there.
        shots = shots.filter(retailer__isnull=False).filter(
            rankable(verified_only=True)
            | (rankable(verified_only=False) & Q(retailer__leaderboard_verified_only=False))
        )
        consents = CustomerLink.objects.filter(golfer=OuterRef("golfer"), leaderboard_consent=True)
    else:
        shots = shots.filter(retailer=retailer).filter(
            rankable(verified_only=retailer.leaderboard_verified_only)
        )
        consents = CustomerLink.objects.filter(
            golfer=OuterRef("golfer"), retailer=retailer, leaderboard_consent=True
        )
    shots = shots.filter(Exists(consents))
    if board.club is not None:
        shots = shots.filter(club=board.club)
    if window.start is not None and window.end is not None:
        shots = shots.filter(hit_at__gte=window.start, hit_at__lt=window.end)
    return shots


def _board_order(metric: str) -> list[OrderBy]:
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
            trust=row["trust"],
        )
        for index, row in enumerate(
            shots.values("pk", "golfer_id", "board_name", metric, "club", "hit_at", "trust")
        )
    ]


def leaderboard(
    board: BoardSpec, window: BoardWindow | None = None, *, limit: int = DEFAULT_LIMIT
) -> Board:
    """The top ``limit`` golfers of the board in its window, best first. One query.

    The inner query picks each golfer's best shot with ROW_NUMBER() and keeps
    the top ``limit`` ids; the outer one fetches only those rows with their
    names, so the name lookups run for ``limit`` rows, not for every shot.
    ``window`` defaults to the board's window now.
    """
    window = window or board.window()
    eligible = eligible_shots(board, window)
    order = _board_order(board.metric)
    best_per_golfer = eligible.annotate(
        place_for_golfer=Window(RowNumber(), partition_by=[F("golfer")], order_by=order)
    ).filter(place_for_golfer=1)
    top_ids = best_per_golfer.order_by(*order).values("pk")[:limit]
    top = (
        Shot.objects.filter(pk__in=top_ids)
        .annotate(board_name=_board_name(board.retailer))
        .order_by(*order)
    )
    return Board(
        rows=_ranked_rows(top, board.metric),
        period_start=window.start,
        period_end=window.end,
        generated_at=window.now,
    )


def board_me(
    board: BoardSpec,
    window: BoardWindow | None = None,
    *,
    viewer: User | AnonymousUser | None,
) -> BoardRow | None:
    """The viewer's own row with its rank, wherever it falls. One query, none if anonymous.

    None for golfers not on this board (no eligible shot in the window, or
    no consent). The rank counts the golfers with any eligible shot that
    beats the viewer's best: such a golfer's own best beats it too.
    """
    if viewer is None or not viewer.is_authenticated:
        return None
    metric = board.metric
    eligible = eligible_shots(board, window)
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
        .annotate(board_name=_board_name(board.retailer), ahead=Subquery(golfers_ahead))
        .values("pk", "golfer_id", "board_name", metric, "club", "hit_at", "trust", "ahead")
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
        trust=mine["trust"],
    )
