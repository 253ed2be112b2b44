"""The all-time boards' table: each golfer's best rankable shot per store, club and metric.

``BoardRecord`` (shots/models.py) is derived from shots the way personal bests
are. ``counted_shot_changed`` calls ``board_records_recompute`` for every
(golfer, store) a write touched, inside the write's transaction, so the rows
commit with the shot; ``board_records_rebuild`` (``manage.py
rebuild_board_records``) recomputes a whole store, or every store, from scratch.

Both compute with one function, ``_best_records``, from the same queryset of
candidate shots, so the rows a write leaves are the rows a rebuild would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet

from shots.metrics import RECORD_METRICS
from shots.models import (
    ANY_CLUB,
    BoardRecord,
    Shot,
    ShotTrust,
    rankable,
    record_value_present,
)

# bulk_create batch size for a rebuild: a store's rows in a few round trips.
REBUILD_BATCH = 5000

# (golfer_id, retailer_id, club, metric, verified_only): one BoardRecord.
RecordKey = tuple[int, int, str, str, bool]


@dataclass(frozen=True)
class _Best:
    value: float
    shot_id: int
    shot_club: str
    hit_at: datetime
    trust: str

    def as_record(self, key: RecordKey) -> BoardRecord:
        golfer_id, retailer_id, club, metric, verified_only = key
        return BoardRecord(
            golfer_id=golfer_id,
            retailer_id=retailer_id,
            club=club,
            metric=metric,
            verified_only=verified_only,
            value=self.value,
            shot_id=self.shot_id,
            shot_club=self.shot_club,
            hit_at=self.hit_at,
            trust=self.trust,
        )


def _candidates() -> QuerySet[Shot]:
    # Every shot some store's board could rank: counted, at a store, verified
    # or measured. Which of the two a store ranks is the row's verified_only.
    return Shot.objects.filter(rankable(verified_only=False), retailer__isnull=False)


def _best_records(shots: QuerySet[Shot]) -> Iterator[tuple[RecordKey, _Best]]:
    """Each (golfer, store, club or any, metric, rule) of these shots with its best shot.

    The shots are read best first in the boards' order (value, then the
    earlier shot, then the lower id), so the first shot seen for a key is its
    record, and the ties fall as they do on the boards.
    """
    for metric in RECORD_METRICS:
        seen: set[RecordKey] = set()
        rows = (
            shots.filter(record_value_present(metric))
            .order_by(F(metric).desc(), "hit_at", "pk")
            .values_list("golfer_id", "retailer_id", "club", metric, "pk", "hit_at", "trust")
        )
        for golfer_id, retailer_id, club, value, shot_id, hit_at, trust in rows.iterator(
            chunk_size=10_000
        ):
            rules = (False, True) if trust == ShotTrust.VERIFIED else (False,)
            for board_club in (club, ANY_CLUB):
                for verified_only in rules:
                    key = (golfer_id, retailer_id, board_club, metric, verified_only)
                    if key not in seen:
                        seen.add(key)
                        yield key, _Best(value, shot_id, club, hit_at, trust)


def board_records_recompute(*, golfer_id: int, retailer_id: int) -> bool:
    """Bring the golfer's board records at the store in line with their shots there.

    Call it inside the write's transaction (``counted_shot_changed`` does,
    with the golfer's row locked). Returns whether any record changed: when
    none did, no all-time board of the store, or of all stores, changed.
    """
    wanted = dict(_best_records(_candidates().filter(golfer_id=golfer_id, retailer_id=retailer_id)))
    current = {
        (r.golfer_id, r.retailer_id, r.club, r.metric, r.verified_only): r
        for r in BoardRecord.objects.filter(golfer_id=golfer_id, retailer_id=retailer_id)
    }
    stale = [
        record.pk
        for key, record in current.items()
        if key not in wanted or not _same(record, wanted[key])
    ]
    new = [
        best.as_record(key)
        for key, best in wanted.items()
        if key not in current or not _same(current[key], best)
    ]
    if not stale and not new:
        return False
    with transaction.atomic():
        BoardRecord.objects.filter(pk__in=stale).delete()
        BoardRecord.objects.bulk_create(new)
    return True


def _same(record: BoardRecord, best: _Best) -> bool:
    # Every copied field: a corrected time or club changes the row, not just a new shot.
    return (record.shot_id, record.value, record.shot_club, record.hit_at, record.trust) == (
        best.shot_id,
        best.value,
        best.shot_club,
        best.hit_at,
        best.trust,
    )


def board_records_rebuild(*, retailer_ids: Iterable[int] | None = None) -> int:
    """Recompute every board record of these stores (None: every store); how many rows now.

    For a table that drifted (a bulk write that skipped the service, a rule
    changed in code). One transaction: boards read the old rows until the
    new ones are committed.
    """
    shots = _candidates()
    records = BoardRecord.objects.all()
    if retailer_ids is not None:
        retailer_ids = list(retailer_ids)
        shots = shots.filter(retailer_id__in=retailer_ids)
        records = records.filter(retailer_id__in=retailer_ids)
    with transaction.atomic():
        records.delete()
        batch: list[BoardRecord] = []
        count = 0
        for key, best in _best_records(shots):
            batch.append(best.as_record(key))
            if len(batch) >= REBUILD_BATCH:
                BoardRecord.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        BoardRecord.objects.bulk_create(batch)
        count += len(batch)
    return count
