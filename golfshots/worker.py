"""The Procfile's ``worker`` process: ``python -m golfshots.worker``.

A Celery worker configured from the environment (WORKER_QUEUES,
WORKER_CONCURRENCY, WORKER_MAX_MEMORY_KB, WORKER_NICE) that, with
WORKER_METRICS_PORT set, also answers Prometheus scrapes: its pool children
write their metrics to PROMETHEUS_MULTIPROC_DIR and the main process serves
the sum, guarded like the web's /metrics (METRICS_TOKEN, METRICS_ALLOWED_IPS).

The worker yields the CPU to the web: it runs at a lower priority
(WORKER_NICE, 10 by default) and, on a machine of two cores or fewer, reads
one photo at a time, so a burst of uploads leaves the web a core
(docs/operations.md, "Sharing a machine with the web"; the figures are in
docs/performance.md, "Mixed traffic").
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.exceptions import ImproperlyConfigured

from golfshots.env import Env

# With web workers on the same cores, a photo waits a little longer and the
# pages do not: at niceness 10 the kernel gives a busy web worker about ten
# times the worker's share of a contended core, and the worker still gets
# every idle cycle. 0 turns it off; 19 is the lowest priority Linux has.
DEFAULT_NICE = 10
LOWEST_PRIORITY_NICE = 19

# WORKER_MAX_MEMORY_KB when it is not set, by SHOT_ANALYSER. Billiard replaces
# a pool child once its *peak* resident memory (ru_maxrss) passes the limit
# after a task. A child reading photos with the local OCR analyser peaks at
# 580-630 MiB (docs/performance.md, "Mixed traffic"): under a 400 MB limit it
# was replaced after every photo and the next one loaded the model again,
# twice the CPU per photo. An OpenAI child only sends the photo and stays far
# below 400 MB, where the limit still catches a slow leak early.
DEFAULT_MAX_MEMORY_KB = {"ocr": 1_000_000, "openai": 400_000}


def prepare_metrics_dir() -> str:
    """Point prometheus_client at an empty directory, before anything imports it.

    The directory must be set before the first import (prometheus_client
    picks its storage then) and emptied of a previous run's files, which
    would otherwise be added to this run's counters.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
        tempfile.gettempdir(), "golfshots-worker-metrics"
    )
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Scrapes every few seconds would drown the worker's own log."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def metrics_app(environ: dict, start_response):
    from prometheus_client import make_wsgi_app

    from golfshots import monitoring

    allowed = monitoring.scrape_allowed(
        remote_addr=environ.get("REMOTE_ADDR", ""),
        authorization=environ.get("HTTP_AUTHORIZATION", ""),
    )
    if not allowed:
        start_response(
            "401 Unauthorized",
            [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
        )
        return [b"/metrics needs a bearer token.\n"]
    registry = monitoring.scrape_registry(include_database=False)
    return make_wsgi_app(registry)(environ, start_response)


def serve_metrics(*, port: int) -> None:
    server = make_server("0.0.0.0", port, metrics_app, _ThreadingServer, _QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()


def default_concurrency(cores: int) -> int:
    """Pool children when WORKER_CONCURRENCY is not set: one on two cores or fewer.

    Each child reading a photo keeps a core busy (more with OCR_THREADS above
    1); two of them on two cores would leave the web none during a burst of
    uploads, where one child leaves it a core and reads the backlog in turn.
    """
    return 1 if cores <= 2 else cores // 2


def usable_cores() -> int:
    # The cores this process may run on (a container's cpuset), not the host's count.
    return len(os.sched_getaffinity(0))


def worker_nice(env: Env) -> int:
    niceness = env.integer("WORKER_NICE", DEFAULT_NICE, minimum=0)
    if niceness > LOWEST_PRIORITY_NICE:
        raise ImproperlyConfigured(
            f"WORKER_NICE={niceness} must be at most {LOWEST_PRIORITY_NICE}."
        )
    return niceness


def lower_priority(*, niceness: int) -> int:
    """Run at ``niceness`` at least (never raising the priority); the niceness now.

    Linux keeps a niceness per thread, and a thread or process starts with
    its creator's: called on the main thread before the pool forks, it holds
    for every child and for the threads they start (onnxruntime's).
    """
    current = os.nice(0)
    if niceness <= current:
        return current
    return os.nice(niceness - current)


def _observe_child(**_kwargs: object) -> None:
    from golfshots import monitoring

    monitoring.observe_process(role="worker")


def _forget_child(**_kwargs: object) -> None:
    from prometheus_client import multiprocess

    # Its "live" gauges (memory, pool use) must stop counting once it is gone.
    multiprocess.mark_process_dead(os.getpid())


def main() -> None:
    prepare_metrics_dir()

    env = Env()
    # Before the worker starts its pool or any thread, so they all inherit it.
    lower_priority(niceness=worker_nice(env))

    from celery import signals
    from django.conf import settings

    from golfshots.celery import app

    queues = env.string("WORKER_QUEUES", "analysis,default")
    concurrency = env.integer("WORKER_CONCURRENCY", default_concurrency(usable_cores()), minimum=1)
    max_memory_kb = env.integer(
        "WORKER_MAX_MEMORY_KB", DEFAULT_MAX_MEMORY_KB[settings.SHOT_ANALYSER], minimum=50_000
    )
    metrics_port = env.integer("WORKER_METRICS_PORT", 0, minimum=0)

    # Children are forked after worker_init, so they inherit these receivers.
    signals.worker_process_init.connect(_observe_child, weak=False)
    signals.task_postrun.connect(_observe_child, weak=False)
    signals.worker_process_shutdown.connect(_forget_child, weak=False)
    if metrics_port:
        signals.worker_init.connect(lambda **_: serve_metrics(port=metrics_port), weak=False)

    app.worker_main(
        [
            "worker",
            "--queues",
            queues,
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--max-memory-per-child",
            str(max_memory_kb),
            *sys.argv[1:],
        ]
    )


if __name__ == "__main__":
    main()
