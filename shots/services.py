"""Writes for shots and personal bests. Views and the API call these."""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from golfshots import monitoring
from golfshots.logs import current_request_id
from leaderboards.cache import board_versions_bump_on_commit
from retailers.models import Retailer
from shots.analysis import get_analyser
from shots.analysis.base import (
    Analyser,
    AnalyserError,
    AnalysisOutput,
    TransientAnalyserError,
)
from shots.analytics import analytics_versions_bump_on_commit
from shots.images import ShrunkImage
from shots.metrics import METRIC_NAMES, RECORD_METRICS
from shots.models import (
    PENDING_STATUSES,
    AnalysisOutcome,
    Club,
    PersonalBest,
    ReviewAction,
    Shot,
    ShotAnalysis,
    ShotReview,
    ShotSource,
    ShotStatus,
    record_value_present,
)
from shots.validation import check_values

logger = logging.getLogger(__name__)
analysis_logger = logging.getLogger("golfshots.analysis")


class ShotBusy(Exception):
    """The shot is being analysed and cannot be changed by hand just now."""


class PhotoStorageUnavailable(Exception):
    """The photo could not be stored (S3 or the disk failed); nothing was saved."""

    message = "We couldn't store your photo just now. Nothing was saved; please send it again in a minute."


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
            board_versions_bump_on_commit(retailer_ids=[shot.retailer_id])
            analytics_versions_bump_on_commit(golfer_ids=[golfer.pk])
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
    metrics: dict[str, float | None],
    hit_at: datetime | None = None,
) -> None:
    """Correct (and so confirm) a shot's club, time or numbers; personal bests follow.

    Refused while a photo is being analysed: the analyser would overwrite it.
    """
    if shot.is_pending:
        raise ShotBusy(
            "This shot's photo is still being read; correct it once analysis has finished."
        )
    previous_club = shot.club
    _apply_values(shot, club=club, metrics=metrics)
    if hit_at is not None:
        shot.hit_at = hit_at
    # A golfer's correction is a confirmation: they have looked at the numbers.
    shot.status = ShotStatus.CONFIRMED
    shot.has_rejected_values = False
    with transaction.atomic():
        shot.save()
        personal_bests_recompute(golfer=shot.golfer, club=shot.club)
        if previous_club != shot.club:
            personal_bests_recompute(golfer=shot.golfer, club=previous_club)
        board_versions_bump_on_commit(retailer_ids=[shot.retailer_id])
        analytics_versions_bump_on_commit(golfer_ids=[shot.golfer_id])


def shot_delete(*, shot: Shot) -> None:
    """Delete a shot and roll its personal bests back to the next best shot."""
    golfer, club = shot.golfer, shot.club
    with transaction.atomic():
        image_name = shot.image.name if shot.image else ""
        storage = shot.image.storage if shot.image else None
        retailer_id = shot.retailer_id
        shot.delete()
        personal_bests_recompute(golfer=golfer, club=club)
        board_versions_bump_on_commit(retailer_ids=[retailer_id])
        analytics_versions_bump_on_commit(golfer_ids=[golfer.pk])
        if storage is not None and image_name:
            # robust: the shot is gone once committed; an S3 hiccup is logged
            # (an orphaned object) instead of failing a delete that succeeded.
            transaction.on_commit(lambda: storage.delete(image_name), robust=True)


def personal_bests_recompute(*, golfer: User, club: str) -> None:
    """Rebuild the golfer's personal bests with one club from counted shots.

    Locks the golfer's row so two writes for one golfer cannot interleave.
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=golfer.pk).first()
        current = {pb.metric: pb for pb in PersonalBest.objects.filter(golfer=golfer, club=club)}
        counted = Shot.objects.counted().filter(golfer=golfer, club=club)
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
                    golfer=golfer,
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


# --- Photos and analysis ------------------------------------------------------


def shot_create_from_photo(
    *,
    golfer: User,
    photo: ShrunkImage,
    club: str = "",
    retailer: Retailer | None = None,
    client_token: str = "",
) -> tuple[Shot, bool]:
    """Store a shrunk photo as a ``received`` shot and queue its analysis.

    The same token, or the same original photo from the same golfer, gives
    back the first shot instead of a second one. If the row cannot be saved
    the stored file is removed again, so a rejected upload leaves nothing.
    """
    existing = _existing_photo_shot(golfer=golfer, photo=photo, client_token=client_token)
    if existing is not None:
        return existing, False
    if club and club not in Club.values:
        raise ValidationError(f"Unknown club {club!r}.")

    shot = Shot(
        golfer=golfer,
        retailer=retailer,
        club=club,
        source=ShotSource.PHOTO,
        status=ShotStatus.RECEIVED,
        image_sha256=photo.sha256,
        client_token=client_token,
    )
    stored = photo.as_django_file()
    try:
        shot.image.save(stored.name, stored, save=False)
    except Exception as error:
        # The bucket (or disk) refused or timed out: an outage, not a bad photo.
        logger.warning("Could not store a photo for golfer %s", golfer.pk, exc_info=True)
        raise PhotoStorageUnavailable(PhotoStorageUnavailable.message) from error
    try:
        with transaction.atomic():
            shot.save()
            shot_id = shot.pk
            transaction.on_commit(lambda: analysis_enqueue(shot_id=shot_id))
            transaction.on_commit(lambda: monitoring.observe_shot_recorded(source=ShotSource.PHOTO))
    except BaseException:
        shot.image.storage.delete(shot.image.name)
        existing = _existing_photo_shot(golfer=golfer, photo=photo, client_token=client_token)
        if existing is not None:  # a double submit raced us to the unique constraint
            return existing, False
        raise
    return shot, True


def _existing_photo_shot(*, golfer: User, photo: ShrunkImage, client_token: str) -> Shot | None:
    if client_token:
        existing = Shot.objects.filter(golfer=golfer, client_token=client_token).first()
        if existing is not None:
            return existing
    return (
        Shot.objects.filter(golfer=golfer, image_sha256=photo.sha256).order_by("created_at").first()
    )


def analysis_enqueue(*, shot_id: int) -> bool:
    """Hand the shot to the analysis worker; on a broker outage leave it for the sweeper."""
    from shots.tasks import analyze_shot  # tasks import this module

    try:
        # The uploading request's id travels with the task, so the analysis
        # log line can be found from the upload's.
        analyze_shot.delay(shot_id, request_id=current_request_id())
    except Exception:
        # The shot is safely stored as received; requeue_stuck_shots retries it.
        logger.warning("Could not enqueue analysis of shot %s", shot_id, exc_info=True)
        return False
    Shot.objects.filter(pk=shot_id, status=ShotStatus.RECEIVED).update(
        status=ShotStatus.QUEUED, updated_at=timezone.now()
    )
    return True


@dataclass(frozen=True)
class AnalysisRun:
    """What one run of the task did, so the task knows whether to retry."""

    claimed: bool
    outcome: str = ""
    retry_after: float | None = None
    analysis: ShotAnalysis | None = None


def shot_analyze(*, shot_id: int, analyser: Analyser | None = None) -> AnalysisRun:
    """Claim the shot, read its photo, validate and store the result.

    The claim is one conditional UPDATE, so a task delivered twice analyses
    once. Every attempt leaves a ShotAnalysis row. Nothing is deleted: after
    the last attempt the shot waits for the golfer as ``needs_review``.
    """
    claimed = Shot.objects.filter(
        pk=shot_id, status__in=(ShotStatus.RECEIVED, ShotStatus.QUEUED)
    ).update(
        status=ShotStatus.ANALYZING,
        analysis_attempts=F("analysis_attempts") + 1,
        updated_at=timezone.now(),
    )
    if not claimed:
        return AnalysisRun(claimed=False)

    shot = Shot.objects.select_related("golfer").get(pk=shot_id)
    analyser = analyser or get_analyser()
    started = time.monotonic()
    try:
        with shot.image.open("rb") as image_file:
            image = image_file.read()
        output = analyser.analyse(image)
    except TransientAnalyserError as error:
        run = _record_transient_failure(shot, analyser, error, started)
    except AnalyserError as error:
        run = _record_failure(shot, analyser, error, started, raw=error.raw)
    except Exception as error:
        # An analyser bug must not strand the shot in "analyzing".
        logger.exception("Analyser %s crashed on shot %s", analyser.name, shot_id)
        run = _record_failure(shot, analyser, error, started)
    else:
        run = _store_analysis_result(shot, analyser, output, started)
    if run.analysis is not None:
        _report_analysis(run.analysis)
    return run


def _report_analysis(analysis: ShotAnalysis) -> None:
    """The attempt's metrics and its one log line, once its row is committed."""
    monitoring.observe_analysis(
        analyser=analysis.analyser,
        outcome=analysis.outcome,
        duration_seconds=analysis.duration_ms / 1000,
        model=analysis.model,
        tokens_in=analysis.tokens_in,
        tokens_out=analysis.tokens_out,
        cost=analysis.cost,
    )
    analysis_logger.info(
        "analysis of shot %s: %s (%s, attempt %s, %s ms)",
        analysis.shot_id,
        analysis.outcome,
        analysis.analyser,
        analysis.attempt,
        analysis.duration_ms,
        extra={
            "shot_id": analysis.shot_id,
            "attempt": analysis.attempt,
            "analyser": analysis.analyser,
            "model": analysis.model,
            "outcome": analysis.outcome,
            "duration_ms": analysis.duration_ms,
            "tokens_in": analysis.tokens_in,
            "tokens_out": analysis.tokens_out,
            "cost_usd": str(analysis.cost),
            "error": analysis.error,
        },
    )


def _claim_still_held(shot: Shot) -> bool:
    """Lock the shot for the write that ends this attempt, if the attempt still owns it.

    The analyser can take many seconds. Meanwhile the golfer may delete the
    shot (and a plain save() would insert it again), or the sweeper may hand
    it to a newer attempt; either way this attempt must write nothing.
    """
    return (
        Shot.objects.select_for_update()
        .filter(pk=shot.pk, status=ShotStatus.ANALYZING, analysis_attempts=shot.analysis_attempts)
        .exists()
    )


def _record_failure(
    shot: Shot, analyser: Analyser, error: Exception, started: float, *, raw: Any = None
) -> AnalysisRun:
    with transaction.atomic():
        if not _claim_still_held(shot):
            return AnalysisRun(claimed=False)
        analysis = _record_analysis(
            shot, analyser, started, outcome=AnalysisOutcome.FAILED, error=error, raw=raw
        )
        _set_status(shot, ShotStatus.FAILED)
    return AnalysisRun(claimed=True, outcome=AnalysisOutcome.FAILED, analysis=analysis)


def _store_analysis_result(
    shot: Shot, analyser: Analyser, output: AnalysisOutput, started: float
) -> AnalysisRun:
    club = shot.club or (output.club or "")
    values = {name: output.values.get(name) for name in METRIC_NAMES}
    checks = check_values(values, club=club or "driver")
    problems: list[dict[str, str]] = []
    flags: dict[str, list[str]] = {}
    for name, message in checks.rejected.items():
        values[name] = None  # stored as null and flagged, never "fixed"
        flags.setdefault(name, []).append("rejected")
        problems.append({"metric": name, "message": f"{message} The value read was discarded."})
    for name, message in checks.warnings:
        if name:
            flags.setdefault(name, []).append("warned")
        problems.append({"metric": name, "message": message})
    for name in output.estimated:
        flags.setdefault(name, []).append("estimated")
    if not club:
        problems.append({"metric": "", "message": "Which club was this? The photo doesn't say."})
    if all(value is None for value in values.values()) and not checks.rejected:
        problems.append({"metric": "", "message": "No numbers could be read from the photo."})

    outcome = AnalysisOutcome.NEEDS_REVIEW if problems else AnalysisOutcome.ANALYZED
    with transaction.atomic():
        if not _claim_still_held(shot):
            return AnalysisRun(claimed=False)
        shot.club = club
        for name, value in values.items():
            setattr(shot, name, value)
        shot.metric_flags = flags
        shot.has_rejected_values = bool(checks.rejected)
        if output.device and not shot.source_device:
            shot.source_device = output.device[: Shot._meta.get_field("source_device").max_length]
        shot.status = ShotStatus(outcome.value)
        shot.save()
        analysis = _record_analysis(
            shot,
            analyser,
            started,
            outcome=outcome,
            output=output,
            values=values,
            problems=problems,
        )
        if club:
            personal_bests_recompute(golfer=shot.golfer, club=club)
            analytics_versions_bump_on_commit(golfer_ids=[shot.golfer_id])
        if shot.is_counted:
            board_versions_bump_on_commit(retailer_ids=[shot.retailer_id])
    return AnalysisRun(claimed=True, outcome=outcome, analysis=analysis)


def _record_transient_failure(
    shot: Shot, analyser: Analyser, error: TransientAnalyserError, started: float
) -> AnalysisRun:
    final = shot.analysis_attempts >= settings.ANALYSIS_MAX_ATTEMPTS
    problems = []
    if final:
        problems.append(
            {
                "metric": "",
                "message": "We couldn't read the photo automatically. Please type the numbers in.",
            }
        )
    outcome = AnalysisOutcome.NEEDS_REVIEW if final else AnalysisOutcome.RETRY
    with transaction.atomic():
        if not _claim_still_held(shot):
            return AnalysisRun(claimed=False)
        analysis = _record_analysis(
            shot, analyser, started, outcome=outcome, error=error, raw=error.raw, problems=problems
        )
        _set_status(shot, ShotStatus.NEEDS_REVIEW if final else ShotStatus.QUEUED)
    if final:
        return AnalysisRun(claimed=True, outcome=outcome, analysis=analysis)
    return AnalysisRun(
        claimed=True, outcome=outcome, retry_after=_backoff(shot, error), analysis=analysis
    )


def _backoff(shot: Shot, error: TransientAnalyserError) -> float:
    if error.retry_after is not None:
        return min(error.retry_after, settings.ANALYSIS_RETRY_MAX_SECONDS)
    # Exponential backoff with full jitter, so a burst of 429s spreads out.
    ceiling = settings.ANALYSIS_RETRY_BASE_SECONDS * 2 ** max(shot.analysis_attempts - 1, 0)
    return random.uniform(0, min(ceiling, settings.ANALYSIS_RETRY_MAX_SECONDS))


def _set_status(shot: Shot, status: str) -> None:
    shot.status = status
    shot.save(update_fields=["status", "updated_at"])


def _record_analysis(
    shot: Shot,
    analyser: Analyser,
    started: float,
    *,
    outcome: str,
    output: AnalysisOutput | None = None,
    error: BaseException | None = None,
    raw: Any = None,
    values: dict[str, float | None] | None = None,
    problems: list[dict[str, str]] | None = None,
) -> ShotAnalysis:
    audit = output if output is not None else error
    return ShotAnalysis.objects.create(
        shot=shot,
        attempt=shot.analysis_attempts,
        analyser=analyser.name,
        model=getattr(audit, "model", "") or "",
        prompt_version=getattr(audit, "prompt_version", "") or "",
        request_id=getattr(audit, "request_id", "") or "",
        raw_output=_json_safe(output.raw if output is not None else raw),
        values={k: v for k, v in (values or {}).items() if v is not None},
        club_read=(output.club or "") if output is not None else "",
        problems=problems or [],
        tokens_in=getattr(audit, "tokens_in", 0) or 0,
        tokens_out=getattr(audit, "tokens_out", 0) or 0,
        cost=getattr(audit, "cost", None) or Decimal("0"),
        duration_ms=int((time.monotonic() - started) * 1000),
        error=f"{type(error).__name__}: {error}" if error is not None else "",
        outcome=outcome,
    )


def _json_safe(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        json.dumps(raw)
    except (TypeError, ValueError):
        return repr(raw)
    return raw


def shot_confirm(*, shot: Shot) -> None:
    """The golfer accepts the numbers as read; the shot now counts."""
    if shot.is_pending:
        raise ShotBusy("This shot's photo is still being read.")
    if not shot.club:
        raise ValidationError("Choose the club before confirming this shot.")
    if all(value is None for value in shot.metric_values().values()):
        raise ValidationError("There are no numbers to confirm; type them in instead.")
    with transaction.atomic():
        shot.status = ShotStatus.CONFIRMED
        shot.has_rejected_values = False
        shot.save(update_fields=["status", "has_rejected_values", "updated_at"])
        personal_bests_recompute(golfer=shot.golfer, club=shot.club)
        board_versions_bump_on_commit(retailer_ids=[shot.retailer_id])
        analytics_versions_bump_on_commit(golfer_ids=[shot.golfer_id])


def shots_requeue_stuck(*, stuck_for: timedelta | None = None) -> int:
    """Re-enqueue photos whose analysis stalled; give up on those out of attempts.

    A worker killed mid-task leaves its shot in ``analyzing``; a broker outage
    at upload leaves it ``received``. Returns how many shots were re-enqueued.
    """
    # "is None", not "or": timedelta(0) is falsy, and "stuck for 0 s" (everything
    # pending, e.g. after a broker outage) must not quietly become the default.
    if stuck_for is None:
        stuck_for = timedelta(seconds=settings.ANALYSIS_STUCK_AFTER_SECONDS)
    cutoff = timezone.now() - stuck_for
    stuck = list(
        Shot.objects.filter(status__in=PENDING_STATUSES, updated_at__lt=cutoff).values_list(
            "pk", "analysis_attempts"
        )[:500]
    )
    requeued = 0
    for shot_id, attempts in stuck:
        if attempts >= settings.ANALYSIS_MAX_ATTEMPTS:
            _give_up_on(shot_id=shot_id, cutoff=cutoff)
            continue
        # Conditional, so a shot that moved on since we looked is left alone.
        moved = Shot.objects.filter(
            pk=shot_id, status__in=PENDING_STATUSES, updated_at__lt=cutoff
        ).update(status=ShotStatus.QUEUED, updated_at=timezone.now())
        if moved and analysis_enqueue(shot_id=shot_id):
            requeued += 1
    return requeued


def _give_up_on(*, shot_id: int, cutoff: datetime) -> None:
    with transaction.atomic():
        moved = Shot.objects.filter(
            pk=shot_id, status__in=PENDING_STATUSES, updated_at__lt=cutoff
        ).update(status=ShotStatus.NEEDS_REVIEW, updated_at=timezone.now())
        if moved:
            shot = Shot.objects.get(pk=shot_id)
            ShotAnalysis.objects.create(
                shot=shot,
                attempt=shot.analysis_attempts,
                analyser="sweeper",
                outcome=AnalysisOutcome.NEEDS_REVIEW,
                error="Analysis did not finish after the last attempt.",
                problems=[
                    {
                        "metric": "",
                        "message": "We couldn't read the photo automatically. Please type the numbers in.",
                    }
                ],
            )


# --- Store staff --------------------------------------------------------------
# Staff act on shots hit at their store; every action leaves a ShotReview row.


def _review_snapshot(shot: Shot) -> dict[str, Any]:
    return {
        "club": shot.club,
        "hit_at": shot.hit_at.isoformat() if shot.hit_at else None,
        "status": shot.status,
        "is_excluded": shot.is_excluded,
        "verified": shot.verified_at is not None,
        **{name: value for name, value in shot.metric_values().items() if value is not None},
    }


def _after_staff_change(shot: Shot) -> None:
    personal_bests_recompute(golfer=shot.golfer, club=shot.club)
    board_versions_bump_on_commit(retailer_ids=[shot.retailer_id])
    analytics_versions_bump_on_commit(golfer_ids=[shot.golfer_id])


def shot_verify(*, shot: Shot, staff: User) -> ShotReview:
    """Staff vouch for the shot's numbers; a shot needing review now counts."""
    if shot.is_pending:
        raise ShotBusy("This shot's photo is still being read.")
    if not shot.club:
        raise ValidationError("Choose the club (correct the shot) before verifying it.")
    if all(value is None for value in shot.metric_values().values()):
        raise ValidationError("There are no numbers to verify; correct the shot instead.")
    with transaction.atomic():
        before = _review_snapshot(shot)
        if shot.status != ShotStatus.ANALYZED:
            shot.status = ShotStatus.CONFIRMED
        shot.has_rejected_values = False
        shot.verified_by = staff
        shot.verified_at = timezone.now()
        shot.save(
            update_fields=[
                "status",
                "has_rejected_values",
                "verified_by",
                "verified_at",
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
        _after_staff_change(shot)
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
        shot.is_excluded = excluded
        shot.exclusion_reason = reason if excluded else ""
        shot.save(update_fields=["is_excluded", "exclusion_reason", "updated_at"])
        review = ShotReview.objects.create(
            shot=shot,
            staff=staff,
            action=ReviewAction.EXCLUDE if excluded else ReviewAction.INCLUDE,
            reason=reason[: ShotReview._meta.get_field("reason").max_length],
            before=before,
            after=_review_snapshot(shot),
        )
        if shot.club:
            _after_staff_change(shot)
    return review


def shot_correct_by_staff(
    *,
    shot: Shot,
    staff: User,
    club: str,
    metrics: dict[str, float | None],
    hit_at: datetime | None = None,
    reason: str = "",
) -> ShotReview:
    """Staff fix the numbers from the photo; a staff correction is also a verification."""
    with transaction.atomic():
        before = _review_snapshot(shot)
        shot_update(shot=shot, club=club, metrics=metrics, hit_at=hit_at)
        shot.verified_by = staff
        shot.verified_at = timezone.now()
        shot.save(update_fields=["verified_by", "verified_at", "updated_at"])
        return ShotReview.objects.create(
            shot=shot,
            staff=staff,
            action=ReviewAction.CORRECT,
            reason=reason.strip()[: ShotReview._meta.get_field("reason").max_length],
            before=before,
            after=_review_snapshot(shot),
        )
