"""A golfer's own numbers: typing a shot in, correcting or confirming one, deleting one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from golfshots import monitoring
from retailers.models import Retailer
from shots.metrics import METRIC_NAMES
from shots.models import AnalysisOutcome, Club, Shot, ShotSource, ShotStatus
from shots.services.records import ShotBusy, ShotPlace, counted_shot_changed, shot_can_count_check
from shots.services.sessions import session_for_shot, session_shot_removed
from shots.trust import EDITED_FLAG, edited_flagged, edited_metrics, trust_level_for
from shots.validation import check_values, derive_exact


def _apply_values(shot: Shot, *, club: str, metrics: Mapping[str, float | None]) -> None:
    unknown = set(metrics) - set(METRIC_NAMES)
    if unknown:
        raise ValidationError(f"Unknown metrics: {', '.join(sorted(unknown))}.")
    if club not in Club.values:
        raise ValidationError(f"Unknown club {club!r}.")
    values = {name: metrics.get(name) for name in METRIC_NAMES}
    flags: dict[str, list[str]] = {}
    derive_exact(values, flags)

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
    metrics: Mapping[str, float | None],
    hit_at: datetime | None = None,
    retailer: Retailer | None = None,
    source: str = ShotSource.MANUAL,
    source_device: str = "",
    client_token: str = "",
    recorded_by: User | None = None,
) -> tuple[Shot, bool]:
    """Record a shot whose numbers the golfer typed (or sent through the API, or a file held).

    The golfer vouches for typed numbers, so the shot is ``confirmed`` at once
    and counts for their own bests; it is ``typed`` and ranks on no store
    board until staff verify it (a ``csv`` import is ``measured``).
    ``recorded_by``: the store's staff member who entered it at the counter,
    which makes it verified. Returns ``(shot, created)``: a repeated
    ``client_token`` gives back the shot the first submit made instead of a
    duplicate.
    """
    if recorded_by is not None and retailer is None:
        raise ValueError("Staff record shots at their store: pass the retailer.")
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
    if recorded_by is not None:
        shot.verified_by = recorded_by
        shot.verified_at = timezone.now()
    _apply_values(shot, club=club, metrics=metrics)
    shot.trust = trust_level_for(shot)
    try:
        with transaction.atomic():
            shot.save()
            session_for_shot(shot=shot)
            counted_shot_changed(places=[ShotPlace.of(shot)])
            transaction.on_commit(lambda: monitoring.observe_shot_recorded(source=source))
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
    metrics: Mapping[str, float | None],
    hit_at: datetime | None = None,
) -> None:
    """Correct (and so confirm) a shot's club, time or numbers; personal bests follow.

    Refused while a photo is being analysed: the analyser would overwrite it.
    Measured numbers changed by hand (a photo's from what the analyser read,
    an imported file's from what the file said) are flagged ``edited`` and
    make the shot typed; changed numbers also void an earlier staff
    verification (``shot_correct_by_staff`` verifies again after this).
    """
    if shot.is_pending:
        raise ShotBusy(
            "This shot's photo is still being read; correct it once analysis has finished."
        )
    before = ShotPlace.of(shot)
    numbers_before = (shot.club, shot.metric_values())
    edited = _edited_by_hand(shot, metrics)
    _apply_values(shot, club=club, metrics=metrics)
    for name in edited:
        shot.metric_flags.setdefault(name, []).append(EDITED_FLAG)
    if (shot.club, shot.metric_values()) != numbers_before:
        shot.verified_by = None
        shot.verified_at = None
    if hit_at is not None:
        shot.hit_at = hit_at
    # A golfer's correction is a confirmation: they have looked at the numbers.
    shot.status = ShotStatus.CONFIRMED
    shot.has_rejected_values = False
    shot.trust = trust_level_for(shot)
    with transaction.atomic():
        shot.save()
        session_for_shot(shot=shot)
        counted_shot_changed(places=[before, ShotPlace.of(shot)])


def _edited_by_hand(shot: Shot, metrics: Mapping[str, float | None]) -> list[str]:
    """The measured metrics that ``metrics`` changes from what was measured."""
    if shot.source == ShotSource.PHOTO:
        # Against the reading, so putting a misread number back undoes the edit.
        return edited_metrics(read=_values_read(shot), submitted=metrics)
    if shot.source == ShotSource.CSV:
        # The file is not kept: against the values before, plus earlier edits.
        changed = edited_metrics(read=shot.metric_values(), submitted=metrics)
        return sorted({*edited_flagged(shot.metric_flags), *changed})
    return []


def _values_read(shot: Shot) -> dict[str, float]:
    """What the analyser last read from the shot's photo; empty when it read nothing."""
    analysis = (
        shot.analyses.filter(outcome__in=(AnalysisOutcome.ANALYZED, AnalysisOutcome.NEEDS_REVIEW))
        .only("values")
        .first()
    )
    return dict(analysis.values) if analysis is not None else {}


def shot_delete(*, shot: Shot) -> None:
    """Delete a shot and roll its personal bests back to the next best shot."""
    with transaction.atomic():
        image_name = shot.image.name if shot.image else ""
        storage = shot.image.storage if shot.image else None
        place = ShotPlace.of(shot)
        shot.delete()
        session_shot_removed(shot=shot)
        counted_shot_changed(places=[place])
        if storage is not None and image_name:
            # robust: the shot is gone once committed; an S3 hiccup is logged
            # (an orphaned object) instead of failing a delete that succeeded.
            transaction.on_commit(lambda: storage.delete(image_name), robust=True)


def shot_confirm(*, shot: Shot) -> None:
    """The golfer accepts the numbers as read; the shot now counts (a photo's as measured)."""
    shot_can_count_check(shot, action="confirm")
    with transaction.atomic():
        shot.status = ShotStatus.CONFIRMED
        shot.has_rejected_values = False
        shot.trust = trust_level_for(shot)
        shot.save(update_fields=["status", "has_rejected_values", "trust", "updated_at"])
        counted_shot_changed(places=[ShotPlace.of(shot)])
