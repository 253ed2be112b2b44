"""One background thread in the web process, for the embedded default's photo analysis.

With no broker, Celery runs tasks eagerly, inside the request that queued
them: an upload then waited through the OCR (seconds). ``shots.tasks`` hands
the analysis to this worker instead, so the upload redirects at once and the
shot page polls until the numbers are in.

The worker holds nothing that matters: a job is only a shot id, and the shot
is already stored as ``queued`` when it is submitted. If the process ends
with jobs waiting or running, the shots stay pending in the database and the
sweep that ``shots.tasks`` runs when the next worker starts (and whenever it
sits idle) hands them out again.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections

logger = logging.getLogger(__name__)

Job = Callable[[], object]


@dataclass
class BackgroundWorker:
    """A single daemon thread running submitted jobs in order, started on first use.

    ``on_start`` runs first in the thread (the sweep for work an earlier
    process left), ``on_idle`` whenever no job arrived for ``idle_seconds()``.
    """

    name: str
    on_start: Job
    on_idle: Job
    idle_seconds: Callable[[], float]

    def __post_init__(self) -> None:
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, job: Job) -> None:
        self.ensure_running()
        self._jobs.put(job)

    def submit_later(self, delay_seconds: float, job: Job) -> None:
        """Submit ``job`` after a delay (a retry's backoff) without blocking the queue."""
        timer = threading.Timer(delay_seconds, self.submit, args=(job,))
        timer.daemon = True
        timer.start()

    def ensure_running(self) -> None:
        with self._lock:
            # A forked child (a gunicorn worker) inherits the object but not the thread.
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            if self._pid != os.getpid():
                self._jobs = queue.Queue()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until every submitted job has run (tests); False if ``timeout`` passed first."""
        with self._jobs.all_tasks_done:
            return self._jobs.all_tasks_done.wait_for(
                lambda: self._jobs.unfinished_tasks == 0, timeout=timeout
            )

    def _run(self) -> None:
        self._run_safely(self.on_start)
        while True:
            try:
                job = self._jobs.get(timeout=self.idle_seconds())
            except queue.Empty:
                self._run_safely(self.on_idle)
                continue
            try:
                self._run_safely(job)
            finally:
                self._jobs.task_done()

    def _run_safely(self, job: Job) -> None:
        try:
            job()
        except Exception:
            # The thread must outlive a bad job; the shot stays pending for the sweep.
            logger.exception("Background job failed in %s", self.name)
        finally:
            # This thread's own connections: a pooled one goes back to the pool.
            connections.close_all()
