"""Outliers: a store's shots far above their golfer's usual with that club there.

The console's verification queue flags them for staff. Judging one needs
the golfer's earlier shots with the club at the store, so judging a whole
store reads its whole history (0.5 s at 150,000 shots), which the queue and
the dashboard would need on every view after every shot written there.
Instead the verdicts are kept in ``ShotOutlier`` (shots/models.py), like the
board records: ``counted_shot_changed`` calls ``outliers_recompute`` for
every (golfer, store) a write touched, inside the write's transaction, and
``outliers_rebuild`` (``manage.py rebuild_board_records``) recomputes whole
stores. Both use ``outlier_verdicts``, so a write leaves the rows a rebuild would.

Far above: a carry or ball speed above the mean of the golfer's earlier
counted shots with the club at this store by more than 3 standard
deviations *and* by more than 15 % (at least 5 earlier shots). Either bar
alone flags too much: 3 SD of a steady golfer is a few yards, and 15 % of a
wild one is inside their spread. Only this store's shots: the console never
reads a golfer's home practice or another store. Any shot of the store is
judged, counted or waiting for review; the queue keeps its candidates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import GreaterThan

from shots.models import COUNTED, Shot, ShotOutlier, ShotStatus

OUTLIER_METRICS: tuple[str, ...] = ("carry", "ball_speed")
OUTLIER_MIN_HISTORY = 5
OUTLIER_SPREADS = 3.0
OUTLIER_SHARE = 0.15
# bulk_create batch size for a rebuild.
REBUILD_BATCH = 5000


def outlier_verdicts(
    *, retailer_ids: Iterable[int] | None = None, golfer_id: int | None = None
) -> dict[int, tuple[int, int, dict[str, float]]]:
    """The outliers among these stores' shots (None: every store), by shot id.

    Each is (store id, golfer id, the golfer's usual value of each metric the
    shot is an outlier in). ``golfer_id`` limits the history to one golfer.

    One query, whatever the history's length: window functions keep running
    counts, sums and sums of squares per store, golfer and club in time
    order, and take off those of the shots hit at the same moment, so
    "earlier" is strictly before. The spread is the sample variance written
    out (mean of squares minus the squared mean, times n / (n - 1)) and
    compared squared, which SQLite (the embedded default) computes too.
    """
    history = Shot.objects.filter(retailer__isnull=False).filter(
        COUNTED | Q(status=ShotStatus.NEEDS_REVIEW)  # the counted, and the candidates besides
    )
    if retailer_ids is not None:
        history = history.filter(retailer_id__in=sorted(retailer_ids))
    if golfer_id is not None:
        history = history.filter(golfer_id=golfer_id)
    running: dict[str, Any] = {}
    verdicts: dict[str, Any] = {}
    for metric in OUTLIER_METRICS:
        # The history holds counted shots and shots waiting for review, so
        # "not waiting" is COUNTED here, in one comparison instead of five.
        counted = Case(
            When(~Q(status=ShotStatus.NEEDS_REVIEW), then=F(metric)), output_field=FloatField()
        )
        running[f"{metric}_n"] = _before(Count, counted)
        running[f"{metric}_sum"] = _before(Sum, counted)
        running[f"{metric}_squares"] = _before(Sum, counted * counted)
        n = ExpressionWrapper(F(f"{metric}_n") * Value(1.0), FloatField())
        usual = ExpressionWrapper(F(f"{metric}_sum") / NullIf(n, Value(0.0)), FloatField())
        variance = ExpressionWrapper(
            (F(f"{metric}_squares") / NullIf(n, Value(0.0)) - usual * usual)
            * n
            / NullIf(n - Value(1.0), Value(0.0)),
            FloatField(),
        )
        gap = ExpressionWrapper(F(metric) - usual, FloatField())
        verdicts[f"{metric}_usual"] = usual
        verdicts[f"{metric}_outlier"] = ExpressionWrapper(
            Q(**{f"{metric}_n__gte": OUTLIER_MIN_HISTORY})
            & Q(GreaterThan(F(metric), usual * Value(1 + OUTLIER_SHARE)))
            & Q(GreaterThan(gap * gap, variance * Value(OUTLIER_SPREADS**2))),
            BooleanField(),
        )
    rows = (
        history.order_by()  # no ORDER BY: a sort of the whole history for nothing
        .annotate(**running)
        .annotate(**verdicts)
        .filter(
            Q(*[Q(**{f"{metric}_outlier": True}) for metric in OUTLIER_METRICS], _connector=Q.OR)
        )
        .values_list("pk", "retailer_id", "golfer_id", *verdicts)
    )
    outliers = {}
    for shot_id, retailer_id, golfer, *values in rows_without_jit(rows):
        found = dict(zip(verdicts, values, strict=True))
        usual_values = {
            metric: found[f"{metric}_usual"]
            for metric in OUTLIER_METRICS
            if found[f"{metric}_outlier"]
        }
        outliers[shot_id] = (retailer_id, golfer, usual_values)
    return outliers


def _before(aggregate: type[Aggregate], value: Any) -> ExpressionWrapper:
    """``aggregate`` of ``value`` over the golfer's shots with the club hit strictly before.

    All so far in time order, less those hit at the same moment (the shot's
    own among them), so the sums can be kept running instead of recomputed.
    """
    series = [F("retailer"), F("golfer"), F("club")]
    so_far = Window(aggregate(value), partition_by=series, order_by="hit_at")
    same_moment = Window(aggregate(value), partition_by=[*series, F("hit_at")])
    return ExpressionWrapper(so_far - Coalesce(same_moment, Value(0)), FloatField())


def rows_without_jit(rows: QuerySet[Any, Any]) -> list[Any]:
    """The rows of a query over a store's whole history, planned without JIT on PostgreSQL.

    Such a query is costed above ``jit_above_cost``, and compiling it took
    longer than running it: the queue's queries at a store with 150,000 shots
    spent 0.2 to 2.5 s in JIT compilation for 0.2 s of work (load average 10).
    SET LOCAL ends with the transaction, which ``atomic`` opens if none is.
    """
    connection = connections[rows.db]
    with transaction.atomic(using=rows.db):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return list(rows)


def _rows(verdicts: dict[int, tuple[int, int, dict[str, float]]]) -> list[ShotOutlier]:
    return [
        ShotOutlier(shot_id=shot_id, retailer_id=retailer_id, golfer_id=golfer_id, usual=usual)
        for shot_id, (retailer_id, golfer_id, usual) in verdicts.items()
    ]


def outliers_recompute(*, golfer_id: int, retailer_id: int) -> None:
    """Judge the golfer's shots at the store again (a shot of theirs there changed).

    Call it inside the write's transaction (``counted_shot_changed`` does,
    with the golfer's row locked). One query over the golfer's history at
    the store: a changed shot changes the usual of every later one.
    """
    verdicts = outlier_verdicts(retailer_ids=[retailer_id], golfer_id=golfer_id)
    with transaction.atomic():
        ShotOutlier.objects.filter(retailer_id=retailer_id, golfer_id=golfer_id).delete()
        ShotOutlier.objects.bulk_create(_rows(verdicts))


def outliers_rebuild(*, retailer_ids: Iterable[int] | None = None) -> int:
    """Judge every shot of these stores (None: every store) again; how many outliers now.

    One transaction: the console reads the old rows until the new ones are committed.
    """
    rows = ShotOutlier.objects.all()
    if retailer_ids is not None:
        retailer_ids = list(retailer_ids)
        rows = rows.filter(retailer_id__in=retailer_ids)
    with transaction.atomic():
        # Judged inside the transaction, as the board records' rebuild does: a
        # write committed between reading and replacing would be overwritten.
        verdicts = _rows(outlier_verdicts(retailer_ids=retailer_ids))
        rows.delete()
        ShotOutlier.objects.bulk_create(verdicts, batch_size=REBUILD_BATCH)
    return len(verdicts)
