"""Celery tasks, and handing work to them. Thin: the work is in shots.services.pipeline.

Enqueueing lives here, next to the task it sends, so the services that store
a photo import this module and this module imports only the pipeline: no
import circle between services and tasks.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from celery import shared_task, signals
from django.conf import settings
from django.db import connections
from django.utils import timezone

from golfshots.celery import broker_breaker
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
def analyze_shot(self, shot_id: int, request_id: str = "", take_over: bool = False) -> str:
    # request_id: the web request that uploaded the photo (empty for messages
    # queued before it was passed); retries keep it, being the same kwargs.
    # take_over: this message replaces an attempt that died (see below, and
    # analysis_take_over_after_worker_start), so it waits for that attempt's lease.
    # A redelivered message is one whose attempt died with its pool process
    # (reject_on_worker_lost puts it back at once) or its whole worker (back
    # after the broker's visibility timeout): it takes over that attempt.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    with request_id_bound(request_id or new_request_id()):
        run = pipeline.shot_analyze(shot_id=shot_id, take_over=take_over or redelivered)
    if run.take_over and self.request.is_eager:
        return "not-claimed"  # an eager retry runs at once: it would spin until the lease lapses
    if run.retry_after is not None:
        kwargs = {name: value for name, value in self.request.kwargs.items() if name != "take_over"}
        if run.take_over:  # only then: a worker of the release before knows no such argument
            kwargs["take_over"] = True
        raise self.retry(countdown=run.retry_after, kwargs=kwargs)
    return run.outcome if run.claimed else "not-claimed"


@signals.worker_ready.connect
def _take_over_after_worker_start(**_kwargs: object) -> None:
    """A worker (re)started: hand on what the attempts of a killed one left, now.

    Their messages wait unacknowledged in the broker for its visibility
    timeout (an hour), and beat's sweeper would first wait for their leases.
    Runs in the worker's main process, which its pool processes fork from:
    they must not inherit its database connections (a child closing one
    would close it for the parent too), so they are closed, pool and all.
    """
    try:
        sent = analysis_take_over_after_worker_start()
        if sent:
            logger.info("Sent %s take-overs of analyses a stopped worker may have left", sent)
    except Exception:
        logger.warning("Could not look for analyses a stopped worker left", exc_info=True)
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()
            close_pool = getattr(connection, "close_pool", None)
            if close_pool is not None:
                with contextlib.suppress(KeyError):  # no pool was opened
                    close_pool()


def analysis_take_over_after_worker_start() -> int:
    """Send what a killed worker may have left on again; returns how many messages were sent.

    Every shot being analysed gets a take-over due when its attempt's lease
    lapses: an attempt that is alive renews it and finishes, and the
    take-over finds nothing to do; one that died is taken over at most
    ANALYSIS_LEASE_SECONDS after it died. Queued shots behind everything
    waiting in the queue lost their message with the worker (one it had
    received but not started) and are sent again at once.
    """
    # Counted before this sends anything, so only what was waiting is counted.
    backlog = analysis_backlog()
    now = timezone.now()
    sent = 0
    for shot_id, lease_until in pipeline.shots_being_analysed():
        wait = 0.0 if lease_until is None else max((lease_until - now).total_seconds() + 1, 0.0)
        analyze_shot.apply_async((shot_id,), {"take_over": True}, countdown=wait)
        sent += 1
    if backlog is not None:
        sent += sum(
            analysis_enqueue(shot_id=shot_id)
            for shot_id in pipeline.lost_messages_reclaim(backlog=backlog)
        )
    return sent


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
            status=ShotStatus.QUEUED, analysis_due_at=timezone.now(), updated_at=timezone.now()
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
    # When it was sent: the sweeper takes it for lost only once it is overdue.
    Shot.objects.filter(pk=shot_id, status=ShotStatus.RECEIVED).update(
        status=ShotStatus.QUEUED, analysis_due_at=timezone.now(), updated_at=timezone.now()
    )
    return True


def shots_requeue_stuck(*, stuck_for: timedelta | None = None) -> int:
    """The sweeper: re-enqueue photos whose analysis was lost. Returns how many were sent.

    Beat's runs (no ``stuck_for``) leave the shots whose messages still wait in
    the analysis queue, however long the backlog (pipeline.stuck_shots_reclaim).
    """
    backlog = analysis_backlog() if stuck_for is None else 0
    return sum(
        analysis_enqueue(shot_id=shot_id)
        for shot_id in pipeline.stuck_shots_reclaim(stuck_for=stuck_for, backlog=backlog)
    )


def analysis_backlog() -> int | None:
    """How many analysis messages wait in the broker's queue; None when it cannot say."""
    if analyze_shot.app.conf.task_always_eager:
        return 0  # no broker queue: the shots are run as they are sent
    if not broker_breaker(analyze_shot.app.conf.broker_url).is_closed:
        return None  # the broker did not answer a moment ago: do not wait on it here
    queue = settings.CELERY_TASK_ROUTES["shots.tasks.analyze_shot"]["queue"]
    try:
        with analyze_shot.app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            try:
                declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            except connection.channel_errors:
                return 0  # Redis drops an empty queue's key: nothing waits
            return int(declared.message_count)
    except Exception:
        logger.warning(
            "Could not ask the broker how many analyses wait; queued shots wait for the next sweep",
            exc_info=True,
        )
        return None


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
