"""Writes for shots and personal bests. Views and the API call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from retailers.models import Retailer
from shots.metrics import METRIC_NAMES, RECORD_METRICS
from shots.models import Club, PersonalBest, Shot, ShotSource, ShotStatus
from shots.validation import check_values


@dataclass(frozen=True)
class RecordChange:
    """A personal best that a write set or improved."""

    club: str
    metric: str
    value: float
    previous: float | None


def _derive_smash(values: dict[str, float | None], flags: dict[str, list[str]]) -> None:
    # Smash factor is defined as ball ÷ club speed; deriving it when both are
    # known is arithmetic, not a guess, and it is flagged as derived.
    ball, club_speed = values.get("ball_speed"), values.get("club_speed")
    if values.get("smash_factor") is None and ball and club_speed:
        smash = round(ball / club_speed, 2)
        if 0.5 <= smash <= 1.6:
            values["smash_factor"] = smash
            flags.setdefault("smash_factor", []).append("derived")


def _apply_values(shot: Shot, *, club: str, metrics: dict[str, float | None]) -> None:
    unknown = set(metrics) - set(METRIC_NAMES)
    if unknown:
        raise ValidationError(f"Unknown metrics: {', '.join(sorted(unknown))}.")
    if club not in Club.values:
        raise ValidationError(f"Unknown club {club!r}.")
    values = {name: metrics.get(name) for name in METRIC_NAMES}
    flags: dict[str, list[str]] = {}
    _derive_smash(values, flags)

    checks = check_values(values, club=club)
    if checks.rejected:
        # Forms and serializers check hard ranges first; reaching this is a bug
        # in the caller, so refuse rather than store an impossible number.
        raise ValidationError(checks.rejected)
    for name, _message in checks.warnings:
        if name:
            flags.setdefault(name, []).append("warned")

    shot.club = club
    for name, value in values.items():
        setattr(shot, name, value)
    shot.metric_flags = flags


def shot_create_manual(
    *,
    golfer: User,
    club: str,
    metrics: dict[str, float | None],
    hit_at: datetime | None = None,
    retailer: Retailer | None = None,
    source: str = ShotSource.MANUAL,
    source_device: str = "",
    client_token: str = "",
) -> tuple[Shot, bool]:
    """Record a shot whose numbers the golfer typed (or sent through the API).

    The golfer vouches for typed numbers, so the shot is ``confirmed`` at once
    and counts. Returns ``(shot, created)``: a repeated ``client_token`` gives
    back the shot the first submit made instead of a duplicate.
    """
    if client_token:
        existing = Shot.objects.filter(golfer=golfer, client_token=client_token).first()
        if existing is not None:
            return existing, False

    shot = Shot(
        golfer=golfer,
        retailer=retailer,
        hit_at=hit_at or timezone.now(),
        source=source,
        source_device=source_device,
        status=ShotStatus.CONFIRMED,
        client_token=client_token,
    )
    _apply_values(shot, club=club, metrics=metrics)
    try:
        with transaction.atomic():
            shot.save()
            personal_bests_recompute(golfer=golfer, club=shot.club)
    except IntegrityError:
        # Two submits with one token raced past the check above.
        existing = Shot.objects.filter(golfer=golfer, client_token=client_token).first()
        if client_token and existing is not None:
            return existing, False
        raise
    return shot, True


def shot_update(
    *,
    shot: Shot,
    club: str,
    metrics: dict[str, float | None],
    hit_at: datetime | None = None,
) -> list[RecordChange]:
    """Correct a shot's club, time or numbers; personal bests follow."""
    previous_club = shot.club
    _apply_values(shot, club=club, metrics=metrics)
    if hit_at is not None:
        shot.hit_at = hit_at
    if shot.status != ShotStatus.CONFIRMED and shot.source != ShotSource.PHOTO:
        shot.status = ShotStatus.CONFIRMED
    with transaction.atomic():
        shot.save()
        changes = personal_bests_recompute(golfer=shot.golfer, club=shot.club)
        if previous_club != shot.club:
            personal_bests_recompute(golfer=shot.golfer, club=previous_club)
    return changes


def shot_delete(*, shot: Shot) -> None:
    """Delete a shot and roll its personal bests back to the next best shot."""
    golfer, club = shot.golfer, shot.club
    with transaction.atomic():
        image_name = shot.image.name if shot.image else ""
        storage = shot.image.storage if shot.image else None
        shot.delete()
        personal_bests_recompute(golfer=golfer, club=club)
        if storage is not None and image_name:
            transaction.on_commit(lambda: storage.delete(image_name))


def personal_bests_recompute(*, golfer: User, club: str) -> list[RecordChange]:
    """Rebuild the golfer's personal bests with one club from counted shots.

    Returns the records that were set or improved, for a "new PB" message.
    Locks the golfer's row so two writes for one golfer cannot interleave.
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=golfer.pk).first()
        current = {pb.metric: pb for pb in PersonalBest.objects.filter(golfer=golfer, club=club)}
        counted = Shot.objects.counted().filter(golfer=golfer, club=club)
        changes: list[RecordChange] = []
        for metric in RECORD_METRICS:
            candidates = counted.filter(**{f"{metric}__isnull": False})
            if metric == "smash_factor":
                # A smash record needs both speeds measured, not a typed ratio.
                candidates = candidates.filter(ball_speed__isnull=False, club_speed__isnull=False)
            best = (
                candidates.order_by(F(metric).desc(), "hit_at", "id")
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
                    golfer=golfer,
                    club=club,
                    metric=metric,
                    value=value,
                    shot_id=best["id"],
                    hit_at=best["hit_at"],
                )
                changes.append(RecordChange(club, metric, value, None))
            elif record.shot_id != best["id"] or record.value != value:
                if value > record.value:
                    changes.append(RecordChange(club, metric, value, record.value))
                record.value = value
                record.shot_id = best["id"]
                record.hit_at = best["hit_at"]
                record.save(update_fields=["value", "shot", "hit_at", "updated_at"])
    return changes
