"""Benchmark what operations cost: the per-request log and metrics, and one /metrics scrape.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/golfshots_bench \\
        .venv/bin/python manage.py generate_bench_data --shots 1000000 --stores 20 --golfers 20000
    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/observability.py

In-process (Django's test client, no network), so the figures are the app's
own cost:

1. ``/healthz`` with and without RequestLogMiddleware (one JSON log line to
   /dev/null and the process gauges per request): microseconds added per request.
2. ``/metrics`` with a bearer token at the bench's million shots (of which
   generate_bench_data leaves ~30,000 needs_review and ~9,000 waiting),
   after VACUUM ANALYZE as autovacuum would leave the table: p50/p95/p99 of
   the whole scrape, the database collector's SQL under EXPLAIN ANALYZE, and
   the peak Python memory of one scrape.

The database must be a bench database (the script refuses the default
golfshots database). Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
import tracemalloc

import harness

TOKEN = "bench-scrape-token"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_requests(client, path: str, *, runs: int, **headers: str) -> list[float]:
    times_ms = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times_ms


def measure_request_overhead(*, runs: int) -> tuple[float, float]:
    from django.conf import settings
    from django.test import Client, override_settings

    without = [m for m in settings.MIDDLEWARE if m != "golfshots.middleware.RequestLogMiddleware"]
    client = Client()
    timed_requests(client, "/healthz", runs=200)  # warm-up
    with_log = timed_requests(client, "/healthz", runs=runs)
    with override_settings(MIDDLEWARE=without):
        client = Client()  # a client builds its middleware chain once
        timed_requests(client, "/healthz", runs=200)
        bare = timed_requests(client, "/healthz", runs=runs)
    return statistics.median(bare) * 1000, statistics.median(with_log) * 1000


def explain_collector_sql() -> list[tuple[str, float]]:
    from django.db import connection

    from shots.selectors import pipeline_counts

    sql, params = pipeline_counts().query.sql_with_params()
    statements = [
        ("backlog and needs_review per status", sql, params),
        (
            "PostgreSQL connections",
            "SELECT count(*), current_setting('max_connections')::int "
            "FROM pg_stat_activity WHERE datname = current_database()",
            [],
        ),
    ]
    timings = []
    with connection.cursor() as cursor:
        for name, statement, statement_params in statements:
            runs = []
            for _ in range(5):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, statement_params)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                runs.append(plan[0]["Execution Time"])
            timings.append((name, statistics.median(runs)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=3000, help="/healthz requests per variant.")
    parser.add_argument("--scrapes", type=int, default=200)
    args = parser.parse_args()
    harness.refuse_default_database(args.database_url)

    # In-process, not the gunicorn environment: the test client's host, no
    # HTTPS redirect, and the production log format and level being measured.
    environment = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "METRICS_TOKEN": TOKEN,
        "DJANGO_SETTINGS_MODULE": "golfshots.settings",
    }
    harness.setup_django(environment)
    from django.db import connection
    from django.test import Client

    from shots.models import Shot
    from shots.selectors import pipeline_counts

    # The lines are written and formatted as in production, then thrown away.
    with open(os.devnull, "w") as devnull:
        for handler in logging.getLogger().handlers:
            handler.setStream(devnull)

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE shots_shot")
        counts = {row["status"]: row["shots"] for row in pipeline_counts()}
        print(f"data: {Shot.objects.count():,} shots; open pipeline statuses: {counts}")

        bare_us, logged_us = measure_request_overhead(runs=args.runs)
        print(
            f"/healthz in-process, median of {args.runs}: {bare_us:.0f} µs without "
            f"RequestLogMiddleware, {logged_us:.0f} µs with it (+{logged_us - bare_us:.0f} µs)"
        )

        client = Client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        timed_requests(client, "/metrics", runs=10, **headers)  # warm-up
        scrape_ms = timed_requests(client, "/metrics", runs=args.scrapes, **headers)
        tracemalloc.start()
        client.get("/metrics", headers=headers)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for name, ms in explain_collector_sql():
            print(f"SQL {name}: {ms:.2f} ms (median of 5, EXPLAIN ANALYZE)")

    print(
        f"/metrics scrape, {args.scrapes} runs: p50 {percentile(scrape_ms, 0.5):.1f} ms, "
        f"p95 {percentile(scrape_ms, 0.95):.1f} ms, p99 {percentile(scrape_ms, 0.99):.1f} ms, "
        f"{1000 / statistics.mean(scrape_ms):.0f} scrapes/s; peak Python memory "
        f"{peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
