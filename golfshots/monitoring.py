"""Our own Prometheus metrics, and the /metrics registry that serves them.

Under gunicorn and in the Celery worker every process writes its values to
files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode), so
one scrape sums all workers. The gauges that describe the database rather
than a process (the analysis backlog, shots needing review, PostgreSQL's
connection count) are read at scrape time by ``DatabaseCollector``. The
names are the contract with deploy/prometheus/alerts.yml; a test checks that
every name the rules use is defined here.
"""

from __future__ import annotations

import hmac
import logging
import os
import resource
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from ipaddress import ip_address
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

logger = logging.getLogger(__name__)

SHOTS_UPLOADED = Counter(
    "golfshots_shots_uploaded",
    "Shots recorded, by how they arrived (photo, manual, csv, api).",
    ["source"],
)
ANALYSES = Counter(
    "golfshots_analyses",
    "Analysis attempts, by analyser and outcome (analyzed, needs_review, failed, retry).",
    ["analyser", "outcome"],
)
ANALYSIS_DURATION = Histogram(
    "golfshots_analysis_duration_seconds",
    "Time one analysis attempt took, from claiming the shot to storing the result.",
    ["analyser"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120),
)
OPENAI_TOKENS = Counter(
    "golfshots_openai_tokens",
    "Tokens billed by the OpenAI API, by model and kind (input, output).",
    ["model", "kind"],
)
OPENAI_COST = Counter(
    "golfshots_openai_cost_usd",
    "What OpenAI analyses cost in USD, at OPENAI_PRICE_*_PER_MTOK.",
    ["model"],
)
# Per-process values: "livesum" adds up the processes that are still running,
# so a recycled gunicorn worker's last reading does not linger.
DB_POOL_IN_USE = Gauge(
    "golfshots_db_pool_connections_in_use",
    "Pooled database connections checked out, summed over live processes.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "golfshots_db_pool_connections_max",
    "Most connections the pools may open (DB_POOL_MAX_SIZE), summed over live processes.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "golfshots_db_pool_requests_waiting",
    "Requests waiting for a pooled connection, summed over live processes.",
    ["alias"],
    multiprocess_mode="livesum",
)
PROCESS_MEMORY = Gauge(
    "golfshots_process_resident_memory_bytes",
    "Resident memory of the largest live process, by role (web, worker).",
    ["role"],
    multiprocess_mode="livemax",
)

# golfshots/circuit_breaker.py: a breaker opens after one connection error or
# timeout and then skips the dependency, so an outage is counted here instead
# of logged once per call. kind: database, redis or broker.
BREAKER_OPENINGS = Counter(
    "golfshots_circuit_breaker_openings",
    "Times a process stopped calling a dependency after a connection error or timeout.",
    ["kind"],
)
BREAKER_SKIPPED = Counter(
    "golfshots_circuit_breaker_skipped_calls",
    "Calls that skipped an unreachable dependency (cache misses, 503s, enqueues left to the sweeper).",
    ["kind"],
)
CACHE_BUMPS_PENDING = Gauge(
    "golfshots_cache_version_bumps_pending",
    "Cache version bumps that Redis did not take and that wait to be retried, summed over live processes.",
    multiprocess_mode="livesum",
)

WAITING_STATUSES = ("received", "queued", "analyzing")
NEEDS_REVIEW = "needs_review"


def observe_shot_recorded(*, source: str) -> None:
    SHOTS_UPLOADED.labels(source=source).inc()


def observe_analysis(
    *,
    analyser: str,
    outcome: str,
    duration_seconds: float,
    model: str,
    tokens_in: int,
    tokens_out: int,
    cost: Decimal,
) -> None:
    ANALYSES.labels(analyser=analyser, outcome=outcome).inc()
    ANALYSIS_DURATION.labels(analyser=analyser).observe(duration_seconds)
    if tokens_in or tokens_out:
        model = model or "unknown"
        OPENAI_TOKENS.labels(model=model, kind="input").inc(tokens_in)
        OPENAI_TOKENS.labels(model=model, kind="output").inc(tokens_out)
        OPENAI_COST.labels(model=model).inc(float(cost))


def observe_breaker_opened(*, kind: str) -> None:
    BREAKER_OPENINGS.labels(kind=kind).inc()


def observe_breaker_skipped(*, kind: str) -> None:
    BREAKER_SKIPPED.labels(kind=kind).inc()


def observe_cache_bumps_pending(count: int) -> None:
    CACHE_BUMPS_PENDING.set(count)


def observe_process(*, role: str) -> None:
    """Record this process's memory and its connection pools' use.

    Called after every request and every task: cheap (a /proc read and the
    pools' own counters) and always current for the next scrape.
    """
    PROCESS_MEMORY.labels(role=role).set(resident_memory_bytes())
    for connection in connections.all(initialized_only=True):
        # Only PostgreSQL connections have a pool; reading .pool would create one.
        if connection.alias not in getattr(connection, "_connection_pools", {}):
            continue
        stats = cast("PostgresWrapper", connection).pool.get_stats()
        in_use = stats.get("pool_size", 0) - stats.get("pool_available", 0)
        DB_POOL_IN_USE.labels(alias=connection.alias).set(max(in_use, 0))
        DB_POOL_MAX.labels(alias=connection.alias).set(stats.get("pool_max", 0))
        DB_POOL_WAITING.labels(alias=connection.alias).set(stats.get("requests_waiting", 0))


def resident_memory_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        # Not Linux: the peak is the best figure the standard library offers.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time.

    Counting in SQL instead of in each process keeps the figures right
    however many web and worker instances run. Both queries use small
    indexes (shot_pipeline_open, pg_stat_activity); if the database is down
    the scrape still answers, without these gauges.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            rows = pipeline_counts()
            server = self._server_connections()
        except DatabaseError:
            logger.warning("Database gauges skipped: the database did not answer", exc_info=True)
            return
        waiting = [row for row in rows if row["status"] in WAITING_STATUSES]
        oldest: datetime | None = min((row["oldest"] for row in waiting), default=None)
        age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "golfshots_analysis_backlog_oldest_seconds",
            "Age of the oldest shot waiting for analysis (received, queued or analysing); 0 if none.",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "golfshots_analysis_backlog_shots",
            "Shots waiting for analysis (received, queued or analysing).",
            value=sum(row["shots"] for row in waiting),
        )
        yield GaugeMetricFamily(
            "golfshots_shots_needs_review",
            "Shots whose analysis needs the golfer's review.",
            value=sum(row["shots"] for row in rows if row["status"] == NEEDS_REVIEW),
        )
        if server is not None:
            in_use, most = server
            yield GaugeMetricFamily(
                "golfshots_db_server_connections",
                "Connections open on PostgreSQL to our database, from every process and instance.",
                value=in_use,
            )
            yield GaugeMetricFamily(
                "golfshots_db_server_connections_max",
                "PostgreSQL's max_connections.",
                value=most,
            )

    @staticmethod
    def _server_connections() -> tuple[int, int] | None:
        connection = connections["default"]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), current_setting('max_connections')::int "
                "FROM pg_stat_activity WHERE datname = current_database()"
            )
            in_use, most = cursor.fetchone()
        return in_use, most


class PipelineCount(TypedDict):
    """One open pipeline status: how many shots are in it, and the oldest one's creation."""

    status: str
    shots: int
    oldest: datetime


# The rows for the shots in the open pipeline statuses. The shots app
# registers its query here when it is ready (shots/apps.py), since this
# bottom layer cannot import shots.
PipelineCounts = Callable[[], Iterable[PipelineCount]]
_pipeline_counts: PipelineCounts | None = None


def pipeline_counts_register(source: PipelineCounts) -> None:
    global _pipeline_counts
    _pipeline_counts = source


def pipeline_counts() -> list[PipelineCount]:
    return list(_pipeline_counts()) if _pipeline_counts is not None else []


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def scrape_registry(*, include_database: bool) -> CollectorRegistry:
    """What one /metrics answer shows: every process's values, plus the database gauges."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    if include_database:
        registry.register(DatabaseCollector())
    return registry


class _Forward(Collector):
    """The process's default registry, so one scrape can add the database gauges to it."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


def scrape_allowed(*, remote_addr: str, authorization: str) -> bool:
    """Whether this caller may read /metrics (settings METRICS_TOKEN, METRICS_ALLOWED_IPS)."""
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    if settings.METRICS_ALLOWED_IPS and remote_addr:
        try:
            address = ip_address(remote_addr)
        except ValueError:
            return False
        if any(address in network for network in settings.METRICS_ALLOWED_IPS):
            return True
    # Nothing configured: open on a developer's machine, closed in production.
    return settings.DEBUG and not token and not settings.METRICS_ALLOWED_IPS
