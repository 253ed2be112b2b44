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
    with request_id_bound(new_request_id()):
        return shots_requeue_stuck()


def analysis_enqueue(*, shot_id: int) -> bool:
    """Hand the shot to the analysis worker; on a broker outage leave it for the sweeper."""
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
