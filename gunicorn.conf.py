"""gunicorn settings for the `web` process (see Procfile and docs/operations.md).

Read through the same strict helpers as golfshots/settings.py, so PORT=80x
stops the server with a message instead of binding somewhere unexpected.
"""

import os
import tempfile
from pathlib import Path

from golfshots import settings as app_settings
from golfshots.env import Env

env = Env()

port = env.integer("PORT", 8000, minimum=1)

# Metrics in multiprocess mode: each worker writes its counters to files here
# and /metrics adds them up. Set before any worker imports prometheus_client
# (workers import the app after the fork; nothing here imports it).
metrics_dir = env.string("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
    tempfile.gettempdir(), f"golfshots-web-metrics-{port}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
bind = [f"0.0.0.0:{port}"]
workers = env.integer("WEB_CONCURRENCY", 2, minimum=1)
# Sync workers: every view is short and database-bound; slow work goes to Celery.
worker_class = "sync"
timeout = 30
# The platform sends SIGTERM and waits about 30 s before SIGKILL; finish the
# requests in flight well inside that.
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
