"""The analysis of a photo, run by the worker: claim, read, validate, store; and the sweeper's claim.

Enqueueing lives next to the task in shots/tasks.py, which calls into here.

An attempt survives its worker's death without being paid for twice:

- The claim gives the attempt a lease (``Shot.analysis_lease_until``), renewed
  from a thread while the analyser works. A lease that lapsed means the
  attempt died (a killed worker, an out-of-memory pool process); any delivery
  of the task, and the sweeper, may then take the shot over.
- The attempt's ShotAnalysis row is written (``started``) before the analyser
  is called, and the answer is recorded on it (``output``, tokens, cost) as
  soon as it arrives, before anything else. The next attempt closes a row
  left without an answer as ``interrupted``, and finishes one with an answer
  from that answer, without calling the analyser again.
- A transient failure (timeout, 429, 5xx, the photo's storage unreadable)
  leaves the shot ``retry_later`` with the next attempt due at
  ``analysis_due_at``: Celery retries with a backoff spread over about half an
  hour, then the sweeper hourly, for ANALYSIS_RETRY_LATER_FOR_SECONDS.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from golfshots import monitoring
from shots.analysis import get_analyser
from shots.analysis.base import (
    Analyser,
    AnalyserError,
    AnalysisOutput,
    PermanentAnalyserError,
    TransientAnalyserError,
)
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME
from shots.models import (
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
# What the golfer is told once the photo will not be read automatically.
TYPE_IN_MESSAGE = "We couldn't read the photo automatically. Please type the numbers in."
# ... and, with "retry_later", by the API (the page shows the analysis's problem instead).
RETRY_LATER_MESSAGE = (
    "We couldn't read this photo just now and will try again later; "
    "you can also type the numbers in yourself."
)
# An unfinished attempt's row, closed by the next attempt (or the sweeper).
INTERRUPTED_ERROR = (
    "The attempt stopped before it finished (its worker was killed or ran out of memory)."
)
OVERTAKEN_ERROR = "Another attempt took the shot over before this one finished."
# The lease is renewed this many times per ANALYSIS_LEASE_SECONDS, so a late renewal
# or two (a busy database) never lets a live attempt's lease lapse.
LEASE_RENEWALS = 6
# Shots the sweeper looks at per kind and run; the next run takes the rest.
SWEEP_LIMIT = 500


@dataclass(frozen=True)
class AnalysisRun:
    """What one run of the task did, so the task knows whether to retry."""

    claimed: bool
    outcome: str = ""
    retry_after: float | None = None
    analysis: ShotAnalysis | None = None
    # Not claimed: a dead attempt's lease still runs, so try again after retry_after.
    take_over: bool = False


@dataclass
class _Attempt:
    """The claimed attempt's ShotAnalysis row, and an answer it already has, if any."""

    analysis: ShotAnalysis
    started: float  # time.monotonic() when the attempt began
    # An answer a dead attempt recorded (and paid for): used instead of calling again.
    resumed_output: AnalysisOutput | None = None


def shot_analyze(
    *, shot_id: int, analyser: Analyser | None = None, take_over: bool = False
) -> AnalysisRun:
    """Claim the shot, read its photo, validate and store the result.

    The claim is one conditional UPDATE, so a task delivered twice analyses
    once: it takes a shot waiting for analysis, or one whose last attempt died
    (its lease lapsed). ``take_over``: this delivery replaces an attempt that
    died (a redelivered message): if that attempt's lease still runs, the run
    asks to be retried when it lapses instead of giving up. Every attempt
    leaves a ShotAnalysis row. Nothing is deleted: a photo that is never read
    waits for the golfer as ``needs_review``.
    """
    now = timezone.now()
    if not _claim(shot_id=shot_id, now=now):
        return _not_claimed(shot_id=shot_id, now=now, take_over=take_over)
    shot = Shot.objects.select_related("golfer").filter(pk=shot_id).first()
    if shot is None:  # deleted by the golfer right after the claim
        return AnalysisRun(claimed=False)
    analyser = analyser or get_analyser()
    attempt = _attempt_begin(shot, analyser)
    if attempt is None:  # deleted by the golfer right after the claim
        return AnalysisRun(claimed=False)
    if attempt.resumed_output is not None:
        run = _store_analysis_result(shot, attempt, attempt.resumed_output)
    else:
        run = _attempt_run(shot, analyser, attempt)
    if run.analysis is not None:
        _report_analysis(run.analysis)
    return run


def _lease_lapsed(now: datetime) -> Q:
    """Analysing shots whose attempt is dead: its lease ran out without a renewal."""
    # A row claimed before leases existed has none: the old rule (unchanged that long).
    before_leases = now - timedelta(seconds=settings.ANALYSIS_STUCK_AFTER_SECONDS)
    return Q(status=ShotStatus.ANALYZING) & (
        Q(analysis_lease_until__lt=now)
        | Q(analysis_lease_until__isnull=True, updated_at__lt=before_leases)
    )


def _claim(*, shot_id: int, now: datetime) -> bool:
    waiting = Q(status__in=(ShotStatus.RECEIVED, ShotStatus.QUEUED, ShotStatus.RETRY_LATER))
    # A photo that kills its worker every time (out of memory) is not tried forever.
    abandoned = _lease_lapsed(now) & Q(analysis_attempts__lt=settings.ANALYSIS_MAX_ATTEMPTS)
    claimed = Shot.objects.filter(waiting | abandoned, pk=shot_id).update(
        status=ShotStatus.ANALYZING,
        analysis_attempts=F("analysis_attempts") + 1,
        analysis_lease_until=now + timedelta(seconds=settings.ANALYSIS_LEASE_SECONDS),
        updated_at=now,
    )
    return claimed == 1


def _not_claimed(*, shot_id: int, now: datetime, take_over: bool) -> AnalysisRun:
    shot = (
        Shot.objects.filter(pk=shot_id, status=ShotStatus.ANALYZING)
        .only("analysis_lease_until", "updated_at", "analysis_attempts")
        .first()
    )
    if shot is None:
        return AnalysisRun(claimed=False)  # analysed, deleted, or waiting for the golfer
    lease_until = shot.analysis_lease_until or shot.updated_at + timedelta(
        seconds=settings.ANALYSIS_STUCK_AFTER_SECONDS
    )
    if lease_until < now:
        # The attempt died and the claim refused the shot: it is out of attempts.
        _give_up_on(shot_id=shot_id, still=_lease_lapsed(now))
        return AnalysisRun(claimed=False)
    if take_over:
        wait = (lease_until - now).total_seconds() + 1
        return AnalysisRun(claimed=False, retry_after=wait, take_over=True)
    return AnalysisRun(claimed=False)  # a duplicate delivery while the attempt is alive


def _attempt_begin(shot: Shot, analyser: Analyser) -> _Attempt | None:
    """Close what dead attempts left, and write this attempt's row before any call is made."""
    started = time.monotonic()
    closed: list[ShotAnalysis] = []
    with transaction.atomic():
        # Locked, so a golfer deleting it waits until this attempt's row is in (and then
        # deletes it too) instead of leaving it pointing at nothing.
        if not Shot.objects.select_for_update().filter(pk=shot.pk).exists():
            return None
        unfinished = list(
            shot.analyses.select_for_update().filter(outcome=AnalysisOutcome.STARTED).order_by("id")
        )
        answered = [row for row in unfinished if row.output is not None]
        resumed = answered[-1] if answered else None
        for row in unfinished:
            if row is not resumed:
                row.outcome = AnalysisOutcome.INTERRUPTED
                row.error = INTERRUPTED_ERROR
                row.save(update_fields=["outcome", "error"])
                closed.append(row)
        if resumed is None:
            analysis = ShotAnalysis.objects.create(
                shot=shot,
                attempt=shot.analysis_attempts,
                analyser=analyser.name,
                model=getattr(analyser, "model", "") or "",
                outcome=AnalysisOutcome.STARTED,
            )
    for row in closed:
        _report_analysis(row)
    if resumed is not None:
        assert resumed.output is not None  # chosen for it above
        logger.info(
            "Shot %s: using the answer attempt %s recorded before it died",
            shot.pk,
            resumed.attempt,
        )
        return _Attempt(resumed, started, resumed_output=_output_from_record(resumed))
    return _Attempt(analysis, started)


def _attempt_run(shot: Shot, analyser: Analyser, attempt: _Attempt) -> AnalysisRun:
    try:
        with _lease_kept(shot):
            image = _photo_bytes(shot)
            output = analyser.analyse(image)
    except TransientAnalyserError as error:
        return _record_transient_failure(shot, attempt, error)
    except AnalyserError as error:
        return _record_failure(shot, attempt, error, raw=error.raw)
    except Exception as error:
        # An analyser bug must not strand the shot in "analyzing".
        logger.exception("Analyser %s crashed on shot %s", analyser.name, shot.pk)
        return _record_failure(shot, attempt, error)
    # Paid for: on record before anything else, so a crash from here on costs nothing twice.
    _record_answer(attempt, output)
    return _store_analysis_result(shot, attempt, output)


def _photo_bytes(shot: Shot) -> bytes:
    if not shot.image:
        raise PermanentAnalyserError("The shot has no photo to read.")
    try:
        with shot.image.open("rb") as image_file:
            return image_file.read()
    except Exception as error:
        # The storage failed (a disk or network error, S3 timing out), not the photo:
        # the same read is likely to work later.
        raise TransientAnalyserError(f"Could not read the photo from storage: {error}") from error


@contextmanager
def _lease_kept(shot: Shot) -> Iterator[None]:
    """Renew the attempt's lease from a thread of its own while the analyser works.

    The thread has its own database connection, which cannot see a claim made
    inside a transaction that has not committed (the test suite's): there it
    has nothing to renew and is not started.
    """
    if transaction.get_connection().in_atomic_block:
        yield
        return
    stop = threading.Event()
    every = settings.ANALYSIS_LEASE_SECONDS / LEASE_RENEWALS
    renewer = threading.Thread(
        target=_renew_lease,
        kwargs={
            "shot_id": shot.pk,
            "attempt": shot.analysis_attempts,
            "stop": stop,
            "every": every,
        },
        name=f"lease-shot-{shot.pk}",
        daemon=True,
    )
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=every)


def _renew_lease(*, shot_id: int, attempt: int, stop: threading.Event, every: float) -> None:
    try:
        while not stop.wait(every):
            try:
                Shot.objects.filter(
                    pk=shot_id, status=ShotStatus.ANALYZING, analysis_attempts=attempt
                ).update(
                    analysis_lease_until=timezone.now()
                    + timedelta(seconds=settings.ANALYSIS_LEASE_SECONDS)
                )
            except Exception:
                # One missed renewal is harmless (the lease outlasts several); keep trying.
                logger.warning(
                    "Could not renew the analysis lease of shot %s", shot_id, exc_info=True
                )
    finally:
        connections.close_all()  # this thread's own connection


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
    shot: Shot, attempt: _Attempt, error: Exception, *, raw: Any = None
) -> AnalysisRun:
    with transaction.atomic():
        if not _claim_still_held(shot):
            _attempt_lost(attempt, error=error)
            return AnalysisRun(claimed=False)
        analysis = _finish(attempt, outcome=AnalysisOutcome.FAILED, error=error, raw=raw)
        _set_status(shot, ShotStatus.FAILED)
    return AnalysisRun(claimed=True, outcome=AnalysisOutcome.FAILED, analysis=analysis)


def _store_analysis_result(shot: Shot, attempt: _Attempt, output: AnalysisOutput) -> AnalysisRun:
    read = {name: output.values.get(name) for name in METRIC_NAMES}
    # Doubted metrics, with or without a value (an analyser may keep none for a doubt).
    uncertain = {
        name: _reason(reason)
        for name, reason in output.uncertain.items()
        if name in METRICS_BY_NAME
    }
    if all(value is None for value in read.values()) and not uncertain:
        # A photo of a room, noise, a blank screen: not a shot at all.
        return _store_unreadable(shot, attempt, output)
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
            _attempt_lost(attempt)
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
        analysis = _finish(
            attempt,
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


def _store_unreadable(shot: Shot, attempt: _Attempt, output: AnalysisOutput) -> AnalysisRun:
    """No launch-monitor number in the photo: the golfer types them in or discards it."""
    with transaction.atomic():
        if not _claim_still_held(shot):
            _attempt_lost(attempt)
            return AnalysisRun(claimed=False)
        # Nothing counted before (the shot was pending) and nothing counts now.
        _set_status(shot, ShotStatus.UNREADABLE)
        analysis = _finish(
            attempt,
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
    shot: Shot, attempt: _Attempt, error: TransientAnalyserError
) -> AnalysisRun:
    """Try again later: soon while attempts remain, then hourly for a day, then the golfer."""
    now = timezone.now()
    quick = shot.analysis_attempts < settings.ANALYSIS_MAX_ATTEMPTS
    retry_for = timedelta(seconds=settings.ANALYSIS_RETRY_LATER_FOR_SECONDS)
    if quick:
        delay: float | None = _backoff(shot, error)
    elif now < shot.created_at + retry_for:
        # Jittered, so the photos of one outage do not all come back in the same minute.
        delay = random.uniform(0.75, 1.0) * settings.ANALYSIS_RETRY_LATER_SECONDS
    else:
        delay = None
    with transaction.atomic():
        if not _claim_still_held(shot):
            _attempt_lost(attempt, error=error)
            return AnalysisRun(claimed=False)
        if delay is None:
            analysis = _finish(
                attempt,
                outcome=AnalysisOutcome.NEEDS_REVIEW,
                error=error,
                raw=error.raw,
                problems=[{"metric": "", "message": TYPE_IN_MESSAGE}],
            )
            _set_status(shot, ShotStatus.NEEDS_REVIEW)
            return AnalysisRun(
                claimed=True, outcome=AnalysisOutcome.NEEDS_REVIEW, analysis=analysis
            )
        analysis = _finish(
            attempt,
            outcome=AnalysisOutcome.RETRY,
            error=error,
            raw=error.raw,
            problems=[{"metric": "", "message": _retry_message(delay)}],
        )
        shot.status = ShotStatus.RETRY_LATER
        shot.analysis_due_at = now + timedelta(seconds=delay)
        shot.save(update_fields=["status", "analysis_due_at", "updated_at"])
    if not quick:
        # The sweeper sends it when due: no message waits in a worker for an hour.
        logger.warning(
            "Shot %s will be analysed again in %.0f min (attempt %s failed: %s)",
            shot.pk,
            delay / 60,
            shot.analysis_attempts,
            error,
        )
        return AnalysisRun(claimed=True, outcome=AnalysisOutcome.RETRY, analysis=analysis)
    return AnalysisRun(
        claimed=True, outcome=AnalysisOutcome.RETRY, retry_after=delay, analysis=analysis
    )


def _retry_message(delay: float) -> str:
    minutes = max(1, math.ceil(delay / 60))
    when = "within the hour" if minutes >= 45 else f"in about {minutes} minute{'s' * (minutes > 1)}"
    return (
        f"We couldn't read your photo just now. We'll try again {when}; "
        "you can also type the numbers in yourself."
    )


def _backoff(shot: Shot, error: TransientAnalyserError) -> float:
    """Seconds until the next attempt: doubling from the base, each between half and all of it.

    The jitter spreads a burst of 429s; the half kept fixed spreads the
    attempts themselves over time (about 14 to 28 minutes for three retries
    with the defaults), so a short outage does not use them all up. A
    Retry-After longer than that is waited for.
    """
    ceiling = min(
        settings.ANALYSIS_RETRY_BASE_SECONDS * 2 ** max(shot.analysis_attempts - 1, 0),
        settings.ANALYSIS_RETRY_MAX_SECONDS,
    )
    delay = random.uniform(ceiling / 2, ceiling)
    if error.retry_after is not None:
        delay = max(delay, min(error.retry_after, settings.ANALYSIS_RETRY_MAX_SECONDS))
    return delay


def _set_status(shot: Shot, status: str) -> None:
    shot.status = status
    shot.save(update_fields=["status", "updated_at"])


def _audit(source: AnalysisOutput | BaseException | None) -> dict[str, Any]:
    """The paid call's audit fields, from an answer or from an error that carries them."""
    return {
        "model": getattr(source, "model", "") or "",
        "prompt_version": getattr(source, "prompt_version", "") or "",
        "request_id": getattr(source, "request_id", "") or "",
        "tokens_in": getattr(source, "tokens_in", 0) or 0,
        "tokens_out": getattr(source, "tokens_out", 0) or 0,
        "cost": getattr(source, "cost", None) or Decimal("0"),
    }


def _record_answer(attempt: _Attempt, output: AnalysisOutput) -> None:
    """Put the answer and what it cost on the attempt's row at once, outside any transaction."""
    fields = {
        **_audit(output),
        "output": _output_record(output),
        "raw_output": _json_safe(output.raw),
        "club_read": output.club or "",
        "confidence": _confidence(output),
        "duration_ms": _elapsed_ms(attempt),
    }
    for name, value in fields.items():
        setattr(attempt.analysis, name, value)
    # update(), not save(): a row the golfer's delete removed meanwhile stays removed.
    ShotAnalysis.objects.filter(pk=attempt.analysis.pk).update(**fields)


def _finish(
    attempt: _Attempt,
    *,
    outcome: str,
    output: AnalysisOutput | None = None,
    error: BaseException | None = None,
    raw: Any = None,
    values: dict[str, float | None] | None = None,
    problems: list[dict[str, str]] | None = None,
) -> ShotAnalysis:
    """Complete the attempt's row. Called with the shot locked (_claim_still_held)."""
    fields: dict[str, Any] = {
        "values": {k: v for k, v in (values or {}).items() if v is not None},
        "problems": problems or [],
        "error": f"{type(error).__name__}: {error}" if error is not None else "",
        "outcome": outcome,
    }
    if output is None:  # no answer recorded: the error's audit, if the call was paid
        fields.update(_audit(error), raw_output=_json_safe(raw), duration_ms=_elapsed_ms(attempt))
    analysis = attempt.analysis
    for name, value in fields.items():
        setattr(analysis, name, value)
    # update(), not save(): a golfer's delete removes a shot's analyses before the shot
    # (which waits for our lock), and save() would insert this row again.
    ShotAnalysis.objects.filter(pk=analysis.pk).update(**fields)
    return analysis


def _attempt_lost(attempt: _Attempt, *, error: BaseException | None = None) -> None:
    """The claim went to a newer attempt (or the shot was deleted): close this row only."""
    fields: dict[str, Any] = {"outcome": AnalysisOutcome.INTERRUPTED, "error": OVERTAKEN_ERROR}
    if attempt.analysis.output is None and error is not None:
        fields.update(_audit(error))
    # Deleted shot: no row to close. Taken over: its row may be finished by the newer attempt.
    ShotAnalysis.objects.filter(pk=attempt.analysis.pk, outcome=AnalysisOutcome.STARTED).update(
        **fields
    )


def _elapsed_ms(attempt: _Attempt) -> int:
    return int((time.monotonic() - attempt.started) * 1000)


def _output_record(output: AnalysisOutput) -> dict[str, Any]:
    """The answer as JSON for ShotAnalysis.output (raw goes to raw_output)."""
    return {
        "values": output.values,
        "club": output.club,
        "units_seen": output.units_seen,
        "estimated": sorted(output.estimated),
        "uncertain": output.uncertain,
        "confidence": _confidence(output),
        "device": output.device,
    }


def _output_from_record(analysis: ShotAnalysis) -> AnalysisOutput:
    record = analysis.output or {}
    try:
        cost = Decimal(analysis.cost)
    except (InvalidOperation, TypeError):
        cost = Decimal("0")
    return AnalysisOutput(
        values={name: record.get("values", {}).get(name) for name in METRIC_NAMES},
        club=record.get("club"),
        units_seen=dict(record.get("units_seen") or {}),
        estimated=set(record.get("estimated") or []),
        uncertain=dict(record.get("uncertain") or {}),
        confidence=dict(record.get("confidence") or {}),
        raw=analysis.raw_output,
        model=analysis.model,
        prompt_version=analysis.prompt_version,
        request_id=analysis.request_id,
        tokens_in=analysis.tokens_in,
        tokens_out=analysis.tokens_out,
        cost=cost,
        device=record.get("device") or "",
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


def stuck_shots_reclaim(
    *, stuck_for: timedelta | None = None, backlog: int | None = 0
) -> list[int]:
    """Take back photos whose analysis was lost; give up on those out of attempts.

    Lost means: never sent (``received``: the broker was down at upload), a
    message lost with a dead worker or broker (``queued`` and overdue, but
    not waiting in the queue), an attempt that died (``analyzing`` with its
    lease lapsed; a live attempt is never taken over), or a retry that is
    due (``retry_later``: the hourly ones are sent from here, a lost Celery
    retry once overdue). Returns the ids moved back to ``queued`` for the
    caller (shots.tasks.shots_requeue_stuck) to enqueue again.

    ``backlog``: how many messages wait in the analysis queue. It is FIFO, so
    they belong to the shots sent last, which are left alone however long
    they wait; ``None`` (the broker cannot say) leaves every queued shot.
    ``stuck_for`` (by hand: ``manage.py requeue_stuck_shots --older-than``)
    re-sends every waiting shot unchanged for that long, backlog or not.
    """
    now = timezone.now()
    # "is None", not "or": timedelta(0) is falsy, and "stuck for 0 s" (everything
    # pending, e.g. after a broker outage) must not quietly become the default.
    forced = stuck_for is not None
    cutoff = now - (_overdue_after() if stuck_for is None else stuck_for)
    lapsed = _lease_lapsed(now)

    dead = Shot.objects.filter(lapsed).values_list("pk", "analysis_attempts")[:SWEEP_LIMIT]
    reclaim: list[tuple[int, Q]] = []
    for shot_id, attempts in dead:
        if attempts >= settings.ANALYSIS_MAX_ATTEMPTS:
            _give_up_on(shot_id=shot_id, still=lapsed)
        else:
            reclaim.append((shot_id, lapsed))

    unsent = Q(status=ShotStatus.RECEIVED, updated_at__lt=cutoff)
    reclaim += [
        (pk, unsent)
        for pk in Shot.objects.filter(unsent).values_list("pk", flat=True)[:SWEEP_LIMIT]
    ]

    if forced:
        lost = Q(status=ShotStatus.QUEUED, updated_at__lt=cutoff)
        reclaim += [
            (pk, lost)
            for pk in Shot.objects.filter(lost).values_list("pk", flat=True)[:SWEEP_LIMIT]
        ]
    elif backlog is not None:
        lost = Q(status=ShotStatus.QUEUED) & _due_before(cutoff)
        reclaim += [(pk, lost) for pk in _queued_behind_the_backlog(backlog=backlog, cutoff=cutoff)]

    if forced:
        due = Q(status=ShotStatus.RETRY_LATER, updated_at__lt=cutoff)
    else:
        # The hourly retries are the sweeper's to send; a quick one is Celery's, and
        # is lost only once overdue (its worker died holding it).
        hourly = Q(analysis_attempts__gte=settings.ANALYSIS_MAX_ATTEMPTS, analysis_due_at__lte=now)
        due = Q(status=ShotStatus.RETRY_LATER) & (hourly | _due_before(cutoff))
    reclaim += [
        (pk, due) for pk in Shot.objects.filter(due).values_list("pk", flat=True)[:SWEEP_LIMIT]
    ]

    return _reclaim(reclaim)


def lost_messages_reclaim(*, backlog: int) -> list[int]:
    """Queued shots behind every message in the queue, at a worker's start: sent again now.

    A worker killed holding a message it had not started yet takes it along
    (it comes back after the broker's visibility timeout, an hour): its shot
    is queued, older than what waits in the queue. Should such a shot be in a
    live worker's hands after all, its second message finds it claimed.
    """
    now = timezone.now()
    lost = Q(status=ShotStatus.QUEUED) & _due_before(now)
    return _reclaim([(pk, lost) for pk in _queued_behind_the_backlog(backlog=backlog, cutoff=now)])


def _reclaim(reclaim: list[tuple[int, Q]]) -> list[int]:
    """Move each shot that still matches its condition back to queued; the ids moved."""
    reclaimed = []
    for shot_id, still in reclaim:
        # Conditional, so a shot that moved on since we looked is left alone.
        moved = Shot.objects.filter(still, pk=shot_id).update(
            status=ShotStatus.QUEUED, analysis_due_at=timezone.now(), updated_at=timezone.now()
        )
        if moved:
            reclaimed.append(shot_id)
    if reclaimed:
        logger.warning("Re-sending %s lost photo analyses: %s", len(reclaimed), reclaimed[:20])
    return reclaimed


def shots_being_analysed() -> list[tuple[int, datetime | None]]:
    """(id, lease) of the shots an attempt holds, live or dead, for the take-over at worker start."""
    return list(
        Shot.objects.filter(status=ShotStatus.ANALYZING).values_list("pk", "analysis_lease_until")[
            :SWEEP_LIMIT
        ]
    )


def _overdue_after() -> timedelta:
    # Longer than an attempt can take (the setting checks), so a message a worker
    # holds while it finishes the one before is not taken for lost.
    return timedelta(seconds=settings.ANALYSIS_STUCK_AFTER_SECONDS)


def _due_before(cutoff: datetime) -> Q:
    # Rows from before analysis_due_at existed fall back on their last change.
    return Q(analysis_due_at__lt=cutoff) | Q(analysis_due_at__isnull=True, updated_at__lt=cutoff)


def _queued_behind_the_backlog(*, backlog: int, cutoff: datetime) -> list[int]:
    """Queued shots older than every message in the queue, and overdue: their message is gone."""
    newest_first = (
        Shot.objects.filter(status=ShotStatus.QUEUED)
        .annotate(due=Coalesce("analysis_due_at", "updated_at"))
        .order_by(F("due").desc(), "-pk")
        .values_list("pk", "due")
    )
    return [pk for pk, due in newest_first[backlog : backlog + SWEEP_LIMIT] if due < cutoff]


def _give_up_on(*, shot_id: int, still: Q) -> None:
    """The photo's attempts are used up (it keeps killing its worker): the golfer types it in."""
    with transaction.atomic():
        moved = Shot.objects.filter(still, pk=shot_id).update(
            status=ShotStatus.NEEDS_REVIEW, updated_at=timezone.now()
        )
        if not moved:
            return
        shot = Shot.objects.get(pk=shot_id)
        shot.analyses.filter(outcome=AnalysisOutcome.STARTED).update(
            outcome=AnalysisOutcome.INTERRUPTED, error=INTERRUPTED_ERROR
        )
        ShotAnalysis.objects.create(
            shot=shot,
            attempt=shot.analysis_attempts,
            analyser="sweeper",
            outcome=AnalysisOutcome.NEEDS_REVIEW,
            error="Analysis did not finish after the last attempt.",
            problems=[{"metric": "", "message": TYPE_IN_MESSAGE}],
        )
    logger.warning(
        "Gave shot %s to its golfer: its analysis died %s times", shot_id, shot.analysis_attempts
    )
