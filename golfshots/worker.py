"""The Procfile's ``worker`` process: ``python -m golfshots.worker``.

A Celery worker configured from the environment (WORKER_QUEUES,
WORKER_CONCURRENCY, WORKER_MAX_MEMORY_KB) that, with WORKER_METRICS_PORT set,
also answers Prometheus scrapes: its pool children write their metrics to
PROMETHEUS_MULTIPROC_DIR and the main process serves the sum, guarded like
the web's /metrics (METRICS_TOKEN, METRICS_ALLOWED_IPS).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


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


def _observe_child(**_kwargs: object) -> None:
    from golfshots import monitoring

    monitoring.observe_process(role="worker")


def _forget_child(**_kwargs: object) -> None:
    from prometheus_client import multiprocess

    # Its "live" gauges (memory, pool use) must stop counting once it is gone.
    multiprocess.mark_process_dead(os.getpid())


def main() -> None:
    prepare_metrics_dir()

    from celery import signals

    from golfshots.celery import app
    from golfshots.env import Env

    env = Env()
    queues = env.string("WORKER_QUEUES", "analysis,default")
    concurrency = env.integer("WORKER_CONCURRENCY", 2, minimum=1)
    max_memory_kb = env.integer("WORKER_MAX_MEMORY_KB", 400_000, minimum=50_000)
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
