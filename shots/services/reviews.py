"""Store staff acting on shots hit at their store; every action leaves a ShotReview row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from shots.models import ReviewAction, Shot, ShotReview, ShotStatus
from shots.services.manual import shot_update
from shots.services.records import ShotPlace, counted_shot_changed, shot_can_count_check
from shots.trust import trust_level_for


def _review_snapshot(shot: Shot) -> dict[str, Any]:
    return {
        "club": shot.club,
        "hit_at": shot.hit_at.isoformat() if shot.hit_at else None,
        "status": shot.status,
        "is_excluded": shot.is_excluded,
        "verified": shot.verified_at is not None,
        **{name: value for name, value in shot.metric_values().items() if value is not None},
    }


def shot_verify(*, shot: Shot, staff: User) -> ShotReview:
    """Staff vouch for the shot's numbers; a shot needing review now counts."""
    shot_can_count_check(shot, action="verify")
    with transaction.atomic():
        before = _review_snapshot(shot)
        if shot.status != ShotStatus.ANALYZED:
            shot.status = ShotStatus.CONFIRMED
        shot.has_rejected_values = False
        shot.verified_by = staff
        shot.verified_at = timezone.now()
        shot.trust = trust_level_for(shot)
        shot.save(
            update_fields=[
                "status",
                "has_rejected_values",
                "verified_by",
                "verified_at",
                "trust",
                "updated_at",
            ]
        )
        review = ShotReview.objects.create(
            shot=shot,
            staff=staff,
            action=ReviewAction.VERIFY,
            before=before,
            after=_review_snapshot(shot),
        )
        counted_shot_changed(places=[ShotPlace.of(shot)])
    return review


def shot_exclude(*, shot: Shot, staff: User, reason: str) -> ShotReview:
    """Take the shot off personal bests and boards; the golfer still sees it, marked."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the shot is excluded; the golfer will see the reason.")
    return _set_excluded(shot=shot, staff=staff, excluded=True, reason=reason)


def shot_include(*, shot: Shot, staff: User, reason: str = "") -> ShotReview:
    """Undo an exclusion."""
    return _set_excluded(shot=shot, staff=staff, excluded=False, reason=reason.strip())


def _set_excluded(*, shot: Shot, staff: User, excluded: bool, reason: str) -> ShotReview:
    with transaction.atomic():
        before = _review_snapshot(shot)
        # Where it ranked before: an excluded shot leaves the boards it was on.
        place_before = ShotPlace.of(shot)
        shot.is_excluded = excluded
        shot.exclusion_reason = reason if excluded else ""
        # Derived, so including the shot again restores the level it had.
        shot.trust = trust_level_for(shot)
        shot.save(update_fields=["is_excluded", "exclusion_reason", "trust", "updated_at"])
        review = ShotReview.objects.create(
            shot=shot,
            staff=staff,
            action=ReviewAction.EXCLUDE if excluded else ReviewAction.INCLUDE,
            reason=reason[: ShotReview._meta.get_field("reason").max_length],
            before=before,
            after=_review_snapshot(shot),
        )
        counted_shot_changed(places=[place_before, ShotPlace.of(shot)])
    return review


def shot_correct_by_staff(
    *,
    shot: Shot,
    staff: User,
    club: str,
    metrics: Mapping[str, float | None],
    hit_at: datetime | None = None,
    reason: str,
) -> ShotReview:
    """Staff fix the numbers from the photo; a staff correction is also a verification.

    ``reason`` is required: the golfer sees it on the shot, with the old and new values.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the shot is corrected; the golfer will see the reason.")
    with transaction.atomic():
        before = _review_snapshot(shot)
        shot_update(shot=shot, club=club, metrics=metrics, hit_at=hit_at)
        shot.verified_by = staff
        shot.verified_at = timezone.now()
        shot.trust = trust_level_for(shot)
        shot.save(update_fields=["verified_by", "verified_at", "trust", "updated_at"])
        # shot_update followed the shot as typed; now it is verified, and ranks.
        counted_shot_changed(places=[ShotPlace.of(shot)])
        return ShotReview.objects.create(
            shot=shot,
            staff=staff,
            action=ReviewAction.CORRECT,
            reason=reason[: ShotReview._meta.get_field("reason").max_length],
            before=before,
            after=_review_snapshot(shot),
        )
