"""Leaderboard reads: one golfer's best counted shot per row, ranked.

Every read takes the board as a ``BoardSpec`` (leaderboards/boards.py) and
its period as a ``BoardWindow``, computed once by the caller for the request
(``spec.window(now)``) so the cache key and the query agree on the period.
The rules are in DESIGN.md, "Leaderboards".

Two ways to the same rows:
- all-time boards read ``BoardRecord`` (each golfer's best per store, club and
  metric, kept by shots/services/board_records.py): an index range, however
  many shots the store has;
- boards for a period pick each golfer's best from the shots in the window
  with a window function, on the partial indexes of shots/models.py: a week
  or a month holds few enough shots that this stays a few milliseconds
  (docs/performance.md, "Leaderboards at a million shots").
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
from shots.models import (
    ANY_CLUB,
    BoardRecord,
    Shot,
    ShotTrust,
    rankable,
    record_value_present,
)

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
    if board.period == "all":
        rows = _all_time_rows(board, limit=limit)
        return Board(rows=rows, period_start=None, period_end=None, generated_at=window.now)
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


def _golfers_ahead(rows: QuerySet, *, value: str, shot: str) -> QuerySet:
    """How many golfers have a row that beats the outer row, as a one-value subquery.

    ``rows`` are shots or board records; ``value`` and ``shot`` name their
    value and shot id fields. A golfer with any row ahead has their best ahead too.
    """
    beats_it = (
        Q(**{f"{value}__gt": OuterRef(value)})
        | Q(**{value: OuterRef(value), "hit_at__lt": OuterRef("hit_at")})
        | Q(**{value: OuterRef(value), "hit_at": OuterRef("hit_at"), f"{shot}__lt": OuterRef(shot)})
    )
    # No GROUP BY (Value has none): one row with the count, 0 when nobody is ahead.
    return (
        rows.filter(beats_it)
        .order_by()
        .annotate(everyone=Value(1))
        .values("everyone")
        .annotate(golfers=Count("golfer", distinct=True))
        .values("golfers")
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
    if board.period == "all":
        return _all_time_me(board, viewer=viewer)
    metric = board.metric
    eligible = eligible_shots(board, window)
    order = _board_order(metric)
    own_best = eligible.filter(golfer=viewer).order_by(*order).values("pk")[:1]
    golfers_ahead = _golfers_ahead(eligible, value=metric, shot="pk")
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


# --- All-time boards, from the board records -----------------------------------------

_RECORD_ORDER = [F("value").desc(), F("hit_at").asc(), F("shot_id").asc()]
_RECORD_FIELDS = ("shot_id", "golfer_id", "board_name", "value", "shot_club", "hit_at", "trust")


def board_records(board: BoardSpec) -> QuerySet[BoardRecord]:
    """The board records an all-time board ranks: its club and metric, each store's rule, consent.

    A store's board has one record per golfer; the all-stores board has one
    per golfer and store, so a golfer's best there is their first record in
    the board's order.
    """
    records = BoardRecord.objects.filter(metric=board.metric, club=board.club or ANY_CLUB)
    retailer = board.retailer
    if retailer is None:
        # Each store's records under the rule that store ranks by now.
        records = records.filter(
            Q(verified_only=True, retailer__leaderboard_verified_only=True)
            | Q(verified_only=False, retailer__leaderboard_verified_only=False)
        )
        consents = CustomerLink.objects.filter(golfer=OuterRef("golfer"), leaderboard_consent=True)
    else:
        records = records.filter(
            retailer=retailer, verified_only=retailer.leaderboard_verified_only
        )
        consents = CustomerLink.objects.filter(
            golfer=OuterRef("golfer"), retailer=retailer, leaderboard_consent=True
        )
    return records.filter(Exists(consents))


def _record_row(rank: int, row: dict) -> BoardRow:
    return BoardRow(
        rank=rank,
        golfer_id=row["golfer_id"],
        name=row["board_name"],
        value=row["value"],
        club=row["shot_club"],
        shot_id=row["shot_id"],
        hit_at=row["hit_at"],
        trust=row["trust"],
    )


def _all_time_rows(board: BoardSpec, *, limit: int) -> list[BoardRow]:
    """The top ``limit`` golfers of an all-time board. One query, more only if golfers repeat.

    On the all-stores board a golfer has a record at each store they rank at,
    so the records are read in the board's order a page at a time and each
    golfer kept at their first; most golfers rank at one store, so the first
    page of twice the limit is nearly always enough.
    """
    ranked = board_records(board).annotate(board_name=_board_name(board.retailer))
    ranked = ranked.order_by(*_RECORD_ORDER).values(*_RECORD_FIELDS)
    if board.retailer is not None:
        return [_record_row(index + 1, row) for index, row in enumerate(ranked[:limit])]
    best: dict[int, dict] = {}
    offset, page = 0, 2 * limit
    while len(best) < limit:
        rows = list(ranked[offset : offset + page])
        for row in rows:
            best.setdefault(row["golfer_id"], row)
        if len(rows) < page:
            break
        offset, page = offset + page, 2 * page
    # Dicts keep insertion order: the golfers in the order of their best record.
    return [_record_row(index + 1, row) for index, row in enumerate(list(best.values())[:limit])]


def _all_time_me(board: BoardSpec, *, viewer: User) -> BoardRow | None:
    """The viewer's row on an all-time board, with its rank. One query."""
    records = board_records(board)
    golfers_ahead = _golfers_ahead(records, value="value", shot="shot_id")
    mine = (
        records.filter(golfer=viewer)
        .annotate(board_name=_board_name(board.retailer), ahead=Subquery(golfers_ahead))
        .order_by(*_RECORD_ORDER)
        .values(*_RECORD_FIELDS, "ahead")
        .first()
    )
    if mine is None:
        return None
    return _record_row(mine["ahead"] + 1, mine)
