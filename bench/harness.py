"""What the gunicorn/PostgreSQL/Redis benchmarks share: arguments, environment, server, wrk.

A plain module next to the scripts: ``bench/<name>.py`` runs with bench/ as
``sys.path[0]``, so ``import harness`` finds it. Nothing here imports Django at
the top, because the scripts set the environment before ``django.setup()``;
the few helpers that need the ORM import it inside.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: Django is set up after this module is imported
    from retailers.models import Retailer

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/golfshots_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
WORKERS = 2

# The two bare views pages are compared with, (name, path). /healthz is
# answered by PlatformEndpointsMiddleware before the rest of the stack; /ping
# goes through every middleware and does nothing else, so a page's "% of bare"
# is taken against /ping: what the page costs beyond any request's overhead.
HEALTHZ_BARE_VIEW = ("/healthz (skips middleware)", "/healthz")
FULL_STACK_BARE_VIEW = ("/ping (full stack)", "/ping")
BARE_VIEWS = (HEALTHZ_BARE_VIEW, FULL_STACK_BARE_VIEW)

# wrk: headers a production request carries behind the router, a random client
# address per request, and the results as JSON on the last line.
WRK_SCRIPT = r"""
math.randomseed(os.time())
request = function()
  local client = "10." .. math.random(0, 99) .. "." .. math.random(0, 99) .. "." .. math.random(1, 254)
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["X-Forwarded-For"] = client
  return wrk.format(nil)
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


@dataclass(frozen=True)
class LoadResult:
    name: str
    path: str
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bad_responses: int


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen
    log_path: Path


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """--database-url and --redis-url: the environment's, else the bench's own."""
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))


def refuse_default_database(database_url: str) -> None:
    # The benches load, rewrite and VACUUM tables and clear Redis: never on real data.
    if database_url.rstrip("/").endswith("/golfshots"):
        raise SystemExit("Point DATABASE_URL at a database for benchmarks, e.g. golfshots_bench.")


def server_environment(*, database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """The environment for manage.py, gunicorn and this process: production settings."""
    environment = dict(os.environ)
    environment.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY=BENCH_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        VAR_DIR=str(var_dir),
        WEB_CONCURRENCY=str(WORKERS),
        # Recycling every ~1,000 requests would restart a worker every second
        # or two under wrk and measure start-up instead of the views.
        GUNICORN_MAX_REQUESTS="0",
        # As in production: one JSON line per request at INFO (to gunicorn.log),
        # so the figures include what the request log costs.
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        DJANGO_SETTINGS_MODULE="golfshots.settings",
    )
    return environment


def setup_django(environment: Mapping[str, str]) -> None:
    os.environ.update(environment)
    # Ahead of bench/ on the path, so that "leaderboards" is the Django app, not
    # bench/leaderboards.py.
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def prepare_server_bench(*, database_url: str, redis_url: str) -> tuple[Path, dict[str, str]]:
    """Checks, a fresh VAR_DIR, the schema and static files, then Django in this process.

    Returns the VAR_DIR (gunicorn's log and the wrk script go there too) and
    the environment to start gunicorn with.
    """
    # Checked up front, so a missing wrk does not surface after minutes of set-up.
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed. On Debian: apt-get install -y wrk")
    return prepare_in_process_bench(database_url=database_url, redis_url=redis_url)


def prepare_in_process_bench(*, database_url: str, redis_url: str) -> tuple[Path, dict[str, str]]:
    """``prepare_server_bench`` without gunicorn: for benches that use ``django.test.Client``."""
    refuse_default_database(database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="golfshots-bench-"))
    environment = server_environment(
        database_url=database_url, redis_url=redis_url, var_dir=var_dir
    )
    # With DEBUG off the pages need the collected, hashed static files in VAR_DIR.
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=environment, check=True)
    setup_django(environment)
    # The servers log each request (see server_environment); this process
    # prints figures, which its own in-process requests' lines would bury.
    logging.getLogger("golfshots.request").setLevel(logging.WARNING)
    return var_dir, environment


def busiest_bench_store() -> Retailer:
    """The generate_bench_data store with the most shots, annotated with ``shot_count``."""
    from django.db.models import Count

    from demo.management.commands.generate_bench_data import STORE_SLUG_PREFIX
    from retailers.models import Retailer

    store = (
        Retailer.objects.filter(slug__startswith=STORE_SLUG_PREFIX)
        .annotate(shot_count=Count("shots"))
        .order_by("-shot_count")
        .first()
    )
    if store is None:
        raise SystemExit("No bench data: run `manage.py generate_bench_data` first.")
    return store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(
    base_url: str, server: subprocess.Popen, log_path: Path, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited during start-up; its log is {log_path}.")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(
        f"gunicorn did not answer /healthz within {timeout:.0f} s; its log is {log_path}."
    )


@contextlib.contextmanager
def gunicorn_server(environment: Mapping[str, str], var_dir: Path) -> Iterator[Server]:
    """The repository's gunicorn.conf.py on a free port, answering /healthz; stopped on exit."""
    port = free_port()
    log_path = var_dir / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "golfshots.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, process, log_path)
        yield Server(base_url=base_url, process=process, log_path=log_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def fetch(base_url: str, path: str, *, headers: Mapping[str, str] | None = None) -> int:
    """GET as behind the platform's router (HTTPS forwarded); the status."""
    request = urllib.request.Request(
        f"{base_url}{path}", headers={"X-Forwarded-Proto": "https", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def run_wrk(
    name: str, base_url: str, path: str, *, script: Path, duration: int, connections: int
) -> LoadResult:
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{duration}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            f"{base_url}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return LoadResult(
        name=name,
        path=path,
        requests_per_second=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p95_ms=summary["p95_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        max_ms=summary["max_us"] / 1000,
        bad_responses=summary["non_2xx_3xx"] + summary["socket_errors"],
    )


def median_result(results: list[LoadResult]) -> LoadResult:
    """Rounds of one URL as one row: medians, but the worst max and all bad responses."""

    def median(field: str) -> float:
        return statistics.median(getattr(result, field) for result in results)

    return LoadResult(
        name=results[0].name,
        path=results[0].path,
        requests_per_second=median("requests_per_second"),
        p50_ms=median("p50_ms"),
        p95_ms=median("p95_ms"),
        p99_ms=median("p99_ms"),
        max_ms=max(result.max_ms for result in results),
        bad_responses=sum(result.bad_responses for result in results),
    )
