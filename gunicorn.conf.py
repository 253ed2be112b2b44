"""gunicorn settings for the `web` process (see Procfile and docs/operations.md).

Read through the same strict helpers as golfshots/settings.py, so PORT=80x
stops the server with a message instead of binding somewhere unexpected.
"""

import contextlib
import os
import signal
import tempfile
import time
from pathlib import Path

# Metrics in multiprocess mode: each worker writes its counters to files here
# and /metrics adds them up. prometheus_client picks its storage when first
# imported, and importing the golfshots package (next lines) already imports it
# in this master (the Celery app's circuit breaker loads golfshots.monitoring),
# so the variable is set and the directory made first. PORT only names the
# directory here: a malformed one is refused below, with a message naming it.
metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
_port_word = os.environ.get("PORT", "").strip() or "8000"
if not metrics_dir and _port_word.isdigit():
    metrics_dir = os.path.join(tempfile.gettempdir(), f"golfshots-web-metrics-{_port_word}")
if metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    Path(metrics_dir).mkdir(parents=True, exist_ok=True)

from golfshots import settings as app_settings  # noqa: E402
from golfshots.env import Env  # noqa: E402

# The pre_request hook: a body that stalls over GUNICORN_BODY_STALL_SECONDS (10) is a 400,
# not a worker held until the 30 s timeout (see golfshots/gunicorn_hooks.py).
from golfshots.gunicorn_hooks import pre_request  # noqa: E402, F401

env = Env()

port = env.integer("PORT", 8000, minimum=1)
bind = [f"0.0.0.0:{port}"]
# Two per core: a sync worker sits idle while PostgreSQL and Redis answer. On
# the 2-core bench with 250 simulated users, 4 workers kept page p95 at 252 ms
# where 2 let it reach 666 ms (docs/performance.md, 2026-12-06).
# The cores this process may use (a container's share on Linux); macOS has no
# sched_getaffinity, so there it is every core.
USABLE_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
DEFAULT_WORKERS = 2 * (USABLE_CORES or 1)
workers = env.integer("WEB_CONCURRENCY", DEFAULT_WORKERS, minimum=1)
# Sync workers: every view is short and database-bound; slow work goes to Celery.
worker_class = "sync"
timeout = 30
# The platform sends SIGTERM and waits about 30 s before SIGKILL; finish the
# requests in flight, and those still queued (post_worker_init below), well inside that.
graceful_timeout = 25
# Recycle workers now and then so a slow leak cannot grow without bound; the
# jitter keeps them from all restarting at once.
max_requests = env.integer("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = env.integer("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)

# The app logs every request itself (golfshots.middleware.RequestLogMiddleware,
# JSON with the request id and user), so gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
# gunicorn's own lines (boot, worker timeouts and restarts) in the app's format.
# Reading it from the settings module also checks the whole environment once,
# in the master, before any worker starts.
if app_settings.LOG_FORMAT == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "golfshots.logs.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        # Replaces gunicorn's defaults wholesale, root included; Django's LOGGING
        # takes the root logger over again in each worker.
        "root": {"level": "INFO", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False}
        },
    }

# Only the platform's router may set X-Forwarded-Proto/For (SECURE_PROXY_SSL_HEADER trusts it).
forwarded_allow_ips = env.string("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Nobody steers a running server through gunicornc here, and the control
# socket would be written under $HOME, which a platform may mount read-only.
control_socket_disable = True


def on_starting(server) -> None:
    """Start from zero: a previous run's files would be added to this run's counters."""
    Path(metrics_dir).mkdir(parents=True, exist_ok=True)
    for stale in Path(metrics_dir).glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    """A recycled or crashed worker's live gauges (memory, pool use) stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# --- SIGTERM: answer the connections already queued, then exit --------------
#
# A connection the kernel has accepted but no worker has picked up yet waits in
# the listening socket's accept queue, its request already sent. On SIGTERM
# gunicorn's sync worker finishes its current request and exits, and when the
# last worker has gone the kernel closes the socket and resets everything still
# queued: an upload the golfer saw go out ends in "connection reset". Render
# (like most platforms) moves traffic to the new instance before it sends
# SIGTERM, so what is queued then is all that will come: a worker told to stop
# first answers it (worker_exit), within graceful_timeout. SIGQUIT/SIGINT (fast
# stop), a crash and a max_requests recycle exit as before. reuse_port would
# not help: each worker would get its own queue and reset it on exit.
# golfshots/tests/test_gunicorn_shutdown.py and `make chaos` hold this.

# A little inside graceful_timeout, so the last answer is written before SIGKILL.
DRAIN_MARGIN_SECONDS = 1.0


def post_worker_init(worker) -> None:
    """Replace the worker's SIGTERM handler with one that drains the queue before exiting."""

    def stop_after_the_queue(signum, frame) -> None:
        worker.alive = False
        worker.drain_until = time.monotonic() + worker.cfg.graceful_timeout - DRAIN_MARGIN_SECONDS
        # A worker idle in select() would otherwise sleep out its timeout first.
        with contextlib.suppress(OSError):
            os.write(worker.PIPE[1], b"1")

    signal.signal(signal.SIGTERM, stop_after_the_queue)
    # As gunicorn's own handler: a request being read or written is not interrupted.
    signal.siginterrupt(signal.SIGTERM, False)


def worker_exit(server, worker) -> None:
    """After SIGTERM: accept and answer every connection still queued, then let the worker go."""
    drain_until = getattr(worker, "drain_until", None)
    if drain_until is None:
        return
    answered = 0
    for listener in worker.sockets:
        listener.setblocking(False)
        while time.monotonic() < drain_until:
            try:
                worker.accept(listener)  # the sync worker's accept-and-handle
            except (BlockingIOError, InterruptedError):
                break  # the queue is empty (or a sibling took the last one)
            except ConnectionAbortedError:
                continue  # the client gave up while queued
            answered += 1
    if answered:
        worker.log.info("Answered %d queued connection(s) before exiting", answered)
