"""Celery tasks, and handing work to them. Thin: the work is in shots.services.pipeline.

Enqueueing lives here, next to the task it sends, so the services that store
a photo import this module and this module imports only the pipeline: no
import circle between services and tasks.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from golfshots.logs import current_request_id, new_request_id, request_id_bound
from shots.background import BackgroundWorker
from shots.models import Shot, ShotStatus
from shots.services import pipeline

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Retries are counted on the shot (analysis_attempts), not by Celery.
    max_retries=None,
    soft_time_limit=settings.ANALYSIS_TIME_LIMIT_SECONDS,
    time_limit=settings.ANALYSIS_TIME_LIMIT_SECONDS + 15,
)
def analyze_shot(self, shot_id: int, request_id: str = "") -> str:
    # request_id: the web request that uploaded the photo (empty for messages
    # queued before it was passed); retries keep it, being the same kwargs.
    with request_id_bound(request_id or new_request_id()):
        run = pipeline.shot_analyze(shot_id=shot_id)
    if run.retry_after is not None:
        raise self.retry(countdown=run.retry_after)
    return run.outcome if run.claimed else "not-claimed"


@shared_task
def requeue_stuck_shots() -> int:
    # The beat's pipeline sweep: stalled analyses go back to the queue, and photos
    # without numbers that their golfer abandoned (past UNREADABLE_KEPT_FOR) go away.
    with request_id_bound(new_request_id()):
        pipeline.unreadable_shots_discard_abandoned()
        return shots_requeue_stuck()


def _analysis_in_background() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER and settings.ANALYSIS_IN_BACKGROUND)


# Shots pending since before this module was imported cannot be on this
# process's background thread: the thread needs this module to get them.
_IMPORTED_AT = timezone.now()


def analysis_recover_after_restart() -> None:
    if _analysis_in_background():
        shots_requeue_stuck(stuck_for=max(timezone.now() - _IMPORTED_AT, timedelta(0)))


def _sweep_when_idle() -> None:
    # The embedded default has no beat: the idle thread is its sweeper.
    if _analysis_in_background():
        pipeline.unreadable_shots_discard_abandoned()
        shots_requeue_stuck()


analysis_worker = BackgroundWorker(
    name="shot-analysis",
    on_start=analysis_recover_after_restart,
    on_idle=_sweep_when_idle,
    idle_seconds=lambda: float(settings.ANALYSIS_STUCK_AFTER_SECONDS),
)


def _analyse_in_background(shot_id: int, request_id: str) -> None:
    with request_id_bound(request_id or new_request_id()):
        run = pipeline.shot_analyze(shot_id=shot_id)
    if run.retry_after is not None:
        # pipeline put the shot back to queued; if the process ends first, the sweep retries it.
        analysis_worker.submit_later(
            run.retry_after, lambda: _analyse_in_background(shot_id, request_id)
        )


def analysis_worker_wake() -> None:
    """Start the background thread if it is not running, so its start-up sweep recovers
    shots an ended process left pending. Called where a golfer waits for a shot."""
    if _analysis_in_background():
        analysis_worker.ensure_running()


def analysis_enqueue(*, shot_id: int) -> bool:
    """Hand the shot to the analysis worker; on a broker outage leave it for the sweeper.

    On the embedded default (eager, ``ANALYSIS_IN_BACKGROUND``) the worker is a
    thread of this process: the shot is marked queued first, so a process that
    ends before the thread reads it leaves a shot the sweep picks up.
    """
    if _analysis_in_background():
        Shot.objects.filter(pk=shot_id, status=ShotStatus.RECEIVED).update(
            status=ShotStatus.QUEUED, updated_at=timezone.now()
        )
        request_id = current_request_id()
        analysis_worker.submit(lambda: _analyse_in_background(shot_id, request_id))
        return True
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


def shots_requeue_stuck(*, stuck_for: timedelta | None = None) -> int:
    """The sweeper: re-enqueue photos whose analysis stalled. Returns how many were sent."""
    return sum(
        analysis_enqueue(shot_id=shot_id)
        for shot_id in pipeline.stuck_shots_reclaim(stuck_for=stuck_for)
    )


# --- launch-monitor file imports ----------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_shots(shot_import_id: int, request_id: str = "") -> int:
    """Commit a big import in the background; the import page polls its progress."""
    # Imported here: shots.services.imports imports this module to enqueue.
    from shots.services.imports import import_run

    with request_id_bound(request_id or new_request_id()):
        return import_run(shot_import_id=shot_import_id).created


def import_enqueue(*, shot_import_id: int) -> bool:
    """Send a claimed import to the worker; False when the broker cannot take it.

    On the embedded default (eager Celery) the task runs here, in the request.
    """
    try:
        import_shots.delay(shot_import_id, request_id=current_request_id())
    except Exception:
        logger.warning("Could not enqueue import %s", shot_import_id, exc_info=True)
        return False
    return True
