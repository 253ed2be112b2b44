"""Celery tasks. Thin: the work is in shots.services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from golfshots.logs import new_request_id, request_id_bound
from shots import services


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
        run = services.shot_analyze(shot_id=shot_id)
    if run.retry_after is not None:
        raise self.retry(countdown=run.retry_after)
    return run.outcome if run.claimed else "not-claimed"


@shared_task
def requeue_stuck_shots() -> int:
    with request_id_bound(new_request_id()):
        return services.shots_requeue_stuck()
