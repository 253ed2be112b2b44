"""The analysis of a photo, run by the worker: claim, read, validate, store; and the sweeper's claim.

Enqueueing lives next to the task in shots/tasks.py, which calls into here.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from golfshots import monitoring
from shots.analysis import get_analyser
from shots.analysis.base import (
    Analyser,
    AnalyserError,
    AnalysisOutput,
    TransientAnalyserError,
)
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME
from shots.models import (
    PENDING_STATUSES,
    AnalysisOutcome,
    Shot,
    ShotAnalysis,
    ShotStatus,
)
from shots.services.manual import shot_delete
from shots.services.records import ShotPlace, counted_shot_changed
from shots.services.sessions import session_for_shot
from shots.trust import trust_level_for
from shots.validation import DERIVED_FLAG, check_values, derive_exact

logger = logging.getLogger(__name__)
analysis_logger = logging.getLogger("golfshots.analysis")

# What the golfer (page and API) is told about a photo with no launch-monitor number.
UNREADABLE_MESSAGE = "We could not find launch-monitor numbers in this photo."
# How long such a photo waits for the golfer to type the numbers in before it is removed.
UNREADABLE_KEPT_FOR = timedelta(hours=24)
# A value the analyser read but doubts: stored for the golfer to check, never counted unchecked.
UNCERTAIN_FLAG = "uncertain"


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
    read = {name: output.values.get(name) for name in METRIC_NAMES}
    # Doubted metrics, with or without a value (an analyser may keep none for a doubt).
    uncertain = {
        name: _reason(reason)
        for name, reason in output.uncertain.items()
        if name in METRICS_BY_NAME
    }
    if all(value is None for value in read.values()) and not uncertain:
        # A photo of a room, noise, a blank screen: not a shot at all.
        return _store_unreadable(shot, analyser, output, started)
    # A club the analyser doubts is not taken: the golfer picks it.
    club_doubt = _reason(output.uncertain["club"]) if "club" in output.uncertain else ""
    club = shot.club or ("" if club_doubt else (output.club or ""))
    values = dict(read)
    problems: list[dict[str, str]] = []
    flags: dict[str, list[str]] = {}

    first_look = check_values(read, club=club or "driver")
    for name, message in first_look.rejected.items():
        values[name] = None  # stored as null and flagged, never "fixed"
        flags.setdefault(name, []).append("rejected")
        problems.append({"metric": name, "message": f"{message} The value read was discarded."})
    # Arithmetic from the definitions (smash = ball ÷ club speed, ...), never from or in
    # place of a doubt or a discarded value: that would be "fixing" a misread.
    derive_exact(values, flags, untrusted={*uncertain, *first_look.rejected})
    checks = check_values(values, club=club or "driver")
    for name in set(checks.rejected) - set(first_look.rejected):
        # Worked out past its hard range (side and back spin of a mishit): it was never
        # on the screen, so it is simply not stored.
        values[name] = None
        flags[name] = [flag for flag in flags.get(name, []) if flag != DERIVED_FLAG]
        if not flags[name]:
            del flags[name]
    for name, message in checks.warnings:
        if name:
            flags.setdefault(name, []).append("warned")
        problems.append({"metric": name, "message": message})
    for name, reason in uncertain.items():
        if name in first_look.rejected:
            continue  # already discarded, and said so
        flags.setdefault(name, []).append(UNCERTAIN_FLAG)
        problems.append({"metric": name, "message": f"{METRICS_BY_NAME[name].label}: {reason}"})
    for name in output.estimated:
        flags.setdefault(name, []).append("estimated")
    if not club:
        if club_doubt:
            message = f"Which club was this? {_capitalised(club_doubt)}"
            problems.append({"metric": "club", "message": message})
        else:
            problems.append(
                {"metric": "", "message": "Which club was this? The photo doesn't say."}
            )

    outcome = AnalysisOutcome.NEEDS_REVIEW if problems else AnalysisOutcome.ANALYZED
    with transaction.atomic():
        if not _claim_still_held(shot):
            return AnalysisRun(claimed=False)
        shot.club = club
        for name, value in values.items():
            setattr(shot, name, value)
        shot.metric_flags = flags
        shot.has_rejected_values = bool(first_look.rejected)
        if output.device and not shot.source_device:
            shot.source_device = output.device[: Shot._meta.get_field("source_device").max_length]
        shot.status = ShotStatus(outcome.value)
        shot.trust = trust_level_for(shot)
        shot.save()
        # hit_at stays, but the row was read before the analyser ran and saved
        # whole: this puts back a session a merge may have moved it to meanwhile.
        session_for_shot(shot=shot)
        analysis = _record_analysis(
            shot,
            analyser,
            started,
            outcome=outcome,
            output=output,
            # What the shot was given, derived values included: a correction later
            # compares with these, so a derived value left as it was is not an edit.
            values=values,
            problems=problems,
        )
        if club:
            counted_shot_changed(places=[ShotPlace.of(shot)])
    return AnalysisRun(claimed=True, outcome=outcome, analysis=analysis)


def _reason(reason: str | None) -> str:
    """The analyser's doubt as the end of a sentence for the golfer."""
    # A doubt without a reason is still a doubt.
    text = (reason or "").strip() or "It could not be read clearly"
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _capitalised(sentence: str) -> str:
    # The analysers' reasons are sentences already; this only guards a lower-case one.
    return sentence[:1].upper() + sentence[1:]


def _store_unreadable(
    shot: Shot, analyser: Analyser, output: AnalysisOutput, started: float
) -> AnalysisRun:
    """No launch-monitor number in the photo: the golfer types them in or discards it."""
    with transaction.atomic():
        if not _claim_still_held(shot):
            return AnalysisRun(claimed=False)
        # Nothing counted before (the shot was pending) and nothing counts now.
        _set_status(shot, ShotStatus.UNREADABLE)
        analysis = _record_analysis(
            shot,
            analyser,
            started,
            outcome=AnalysisOutcome.UNREADABLE,
            output=output,
            problems=[{"metric": "", "message": UNREADABLE_MESSAGE}],
        )
    return AnalysisRun(claimed=True, outcome=AnalysisOutcome.UNREADABLE, analysis=analysis)


class NotUnreadable(Exception):
    """Only a photo without numbers is discarded this way; other shots are deleted."""


def unreadable_shot_discard(*, shot: Shot) -> None:
    """The golfer does not want a photo without numbers: the shot and the file go at once."""
    if not shot.is_unreadable:
        raise NotUnreadable("This shot has numbers; delete it from its page instead.")
    shot_delete(shot=shot)


def unreadable_shots_discard_abandoned(*, older_than: timedelta | None = None) -> int:
    """Remove photos without numbers that their golfer left alone for ``older_than``.

    The golfer chose neither to type the numbers in nor to discard the photo,
    so neither the file nor the empty shot is kept. Run by the sweeper. A
    shot the golfer turned into a typed one meanwhile is no longer unreadable
    and is left alone.
    """
    if older_than is None:
        older_than = UNREADABLE_KEPT_FOR
    cutoff = timezone.now() - older_than
    abandoned = Shot.objects.filter(status=ShotStatus.UNREADABLE, updated_at__lt=cutoff)
    removed = 0
    for shot_id in list(abandoned.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            shot = abandoned.select_for_update().filter(pk=shot_id).first()
            if shot is not None:
                shot_delete(shot=shot)
                removed += 1
    if removed:
        logger.info("Removed %s abandoned photos without numbers", removed)
    return removed


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
        confidence=_confidence(output),
        tokens_in=getattr(audit, "tokens_in", 0) or 0,
        tokens_out=getattr(audit, "tokens_out", 0) or 0,
        cost=getattr(audit, "cost", None) or Decimal("0"),
        duration_ms=int((time.monotonic() - started) * 1000),
        error=f"{type(error).__name__}: {error}" if error is not None else "",
        outcome=outcome,
    )


def _confidence(output: AnalysisOutput | None) -> dict[str, float]:
    """The analyser's per-field confidence, as plain finite numbers for the JSON column."""
    if output is None:
        return {}
    kept = {}
    for name, score in (output.confidence or {}).items():
        try:
            number = float(score)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            kept[str(name)] = round(number, 4)
    return kept


def _json_safe(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        json.dumps(raw)
    except (TypeError, ValueError):
        return repr(raw)
    return raw


def stuck_shots_reclaim(*, stuck_for: timedelta | None = None) -> list[int]:
    """Take back photos whose analysis stalled; give up on those out of attempts.

    A worker killed mid-task leaves its shot in ``analyzing``; a broker outage
    at upload leaves it ``received``. Returns the ids moved back to ``queued``
    for the caller (shots.tasks.shots_requeue_stuck) to enqueue again.
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
    reclaimed = []
    for shot_id, attempts in stuck:
        if attempts >= settings.ANALYSIS_MAX_ATTEMPTS:
            _give_up_on(shot_id=shot_id, cutoff=cutoff)
            continue
        # Conditional, so a shot that moved on since we looked is left alone.
        moved = Shot.objects.filter(
            pk=shot_id, status__in=PENDING_STATUSES, updated_at__lt=cutoff
        ).update(status=ShotStatus.QUEUED, updated_at=timezone.now())
        if moved:
            reclaimed.append(shot_id)
    return reclaimed


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
