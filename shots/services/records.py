"""What follows a change to a shot that counts: personal bests, board records, cache versions.

Every write that can change what a shot contributes (create, correct, confirm,
analyse, verify, exclude, delete, an admin edit, the demo seed) calls
``counted_shot_changed`` once with the places the shot counted before and after
the change. It rebuilds the personal bests, the board records
(shots/services/board_records.py) and the outliers (shots/services/outliers.py)
inside the caller's transaction, so they
commit with the write, and bumps the cached boards, analytics and store
histories (golfshots/cache_scopes.py) on commit, so the next read sees the
committed rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from golfshots.cache_scopes import (
    analytics_versions_bump_on_commit,
    board_versions_bump_on_commit,
    store_shots_versions_bump_on_commit,
)
from retailers.models import CustomerLink
from shots.metrics import RECORD_METRICS
from shots.models import RANKABLE_LEVELS, PersonalBest, Shot, record_value_present
from shots.services.board_records import board_records_recompute
from shots.services.outliers import outliers_recompute


class ShotBusy(Exception):
    """The shot is being analysed and cannot be changed by hand just now."""


@dataclass(frozen=True)
class ShotPlace:
    """Where a shot counts: whose personal bests, with which club, on which store's boards."""

    golfer_id: int
    club: str
    retailer_id: int | None
    # Whether the shot may stand on a board or event there: counted, and
    # verified or measured. A typed shot counts for personal bests but ranks
    # nowhere, so it makes no board stale. A place made without the shot at
    # hand (an import, the demo seed) says it may.
    may_rank: bool = True

    @classmethod
    def of(cls, shot: Shot) -> ShotPlace:
        return cls(
            golfer_id=shot.golfer_id,
            club=shot.club,
            retailer_id=shot.retailer_id,
            may_rank=shot.is_counted and shot.trust in RANKABLE_LEVELS,
        )


def counted_shot_changed(*, places: Iterable[ShotPlace]) -> None:
    """Bring personal bests, board records, outliers, boards and analytics in line with a shot write.

    ``places``: where the shot counted before the write and where it counts
    after it (the same place twice is fine). Call it inside the write's
    transaction.
    """
    places = list(places)
    with transaction.atomic():
        for golfer_id in sorted({place.golfer_id for place in places}):
            _golfer_lock(golfer_id)
        for golfer_id, club in sorted({(p.golfer_id, p.club) for p in places if p.club}):
            personal_bests_recompute(golfer_id=golfer_id, club=club)
        at_stores = {(p.golfer_id, p.retailer_id) for p in places if p.retailer_id is not None}
        for golfer_id, retailer_id in sorted(at_stores):
            board_records_recompute(golfer_id=golfer_id, retailer_id=retailer_id)
            outliers_recompute(golfer_id=golfer_id, retailer_id=retailer_id)
        _board_versions_bump(places)
        analytics_versions_bump_on_commit(golfer_ids=[place.golfer_id for place in places])
        store_shots_versions_bump_on_commit(retailer_ids=[place.retailer_id for place in places])


def _golfer_lock(golfer_id: int) -> None:
    # Two writes for one golfer must not interleave their recomputations.
    get_user_model().objects.select_for_update().filter(pk=golfer_id).first()


def _board_versions_bump(places: list[ShotPlace]) -> None:
    """Make stale the cached boards these places can change, and no others.

    A store's boards and events, if the shot may rank there before or after
    the write. The all-stores boards only if the golfer is also on them, with
    leaderboard consent at some store: a golfer who agreed nowhere is on no
    all-stores board (events need no consent: entering is consent, so a
    store's version is bumped either way).
    """
    ranking = [place for place in places if place.may_rank and place.retailer_id is not None]
    if not ranking:
        return
    on_all_stores_boards = CustomerLink.objects.filter(
        golfer_id__in={place.golfer_id for place in ranking}, leaderboard_consent=True
    ).exists()
    board_versions_bump_on_commit(
        retailer_ids=[place.retailer_id for place in ranking],
        all_stores=on_all_stores_boards,
    )


def shot_can_count_check(shot: Shot, *, action: str) -> None:
    """Refuse to confirm or verify a shot that has nothing that could count yet.

    ``action`` names the refused step in the message ("confirm", "verify").
    """
    if shot.is_pending:
        raise ShotBusy("This shot's photo is still being read.")
    if not shot.club:
        raise ValidationError(f"Choose the club (correct the shot) before you {action} it.")
    if all(value is None for value in shot.metric_values().values()):
        raise ValidationError(f"There are no numbers to {action}; correct the shot instead.")


def personal_bests_recompute(*, golfer_id: int, club: str) -> None:
    """Rebuild the golfer's personal bests with one club from counted shots.

    Locks the golfer's row so two writes for one golfer cannot interleave.
    """
    with transaction.atomic():
        _golfer_lock(golfer_id)
        current = {
            pb.metric: pb for pb in PersonalBest.objects.filter(golfer_id=golfer_id, club=club)
        }
        counted = Shot.objects.counted().filter(golfer_id=golfer_id, club=club)
        for metric in RECORD_METRICS:
            best = (
                counted.filter(record_value_present(metric))
                .order_by(F(metric).desc(), "hit_at", "id")
                .values("id", metric, "hit_at")
                .first()
            )
            record = current.get(metric)
            if best is None:
                if record is not None:
                    record.delete()
                continue
            value = best[metric]
            if record is None:
                PersonalBest.objects.create(
                    golfer_id=golfer_id,
                    club=club,
                    metric=metric,
                    value=value,
                    shot_id=best["id"],
                    hit_at=best["hit_at"],
                )
            elif record.shot_id != best["id"] or record.value != value:
                record.value = value
                record.shot_id = best["id"]
                record.hit_at = best["hit_at"]
                record.save(update_fields=["value", "shot", "hit_at", "updated_at"])
