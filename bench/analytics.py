"""Benchmark golfer analytics: a golfer with 5,000 shots at a store with 1,000,000 in total.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/golfshots_n \\
        .venv/bin/python manage.py generate_bench_data --shots 1000000 --stores 1
    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/NN .venv/bin/python bench/analytics.py

The database and Redis db must be used for nothing else: the script refuses
the default golfshots database and clears its Redis db. It adds one golfer,
``bench-analytics-golfer``, with 5,000 counted shots over the last year at
the busiest bench store (replacing them if they exist), then measures:

1. Database time of the uncached 365-day analytics: each query the selector
   sends, under ``EXPLAIN (ANALYZE)``, median of ``--sql-runs``, summed; and
   the selector's wall time in-process (queries + Python), uncached and cached.
2. The "My game" page for 365 days served by gunicorn (the repository's
   gunicorn.conf.py, 2 sync workers) under wrk, logged in as the golfer, cached,
   against both bare views of bench/harness.py (the ratio is against /ping).
3. The same page uncached (analytics version bumped before each request),
   one connection.

Targets (issue 6): under 100 ms of database time uncached for 365 days;
the cached page at least 300 requests/s. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

import harness

GOLFER_USERNAME = "bench-analytics-golfer"
GOLFER_SHOTS = 5_000


def add_golfer_shots(store) -> object:
    """The bench golfer with exactly GOLFER_SHOTS counted shots over the last year."""
    from django.utils import timezone

    from accounts.models import User
    from demo.seed import CLUB_MODELS
    from shots.models import Shot, ShotSource, ShotStatus

    golfer, _ = User.objects.get_or_create(
        username=GOLFER_USERNAME, defaults={"email": f"{GOLFER_USERNAME}@example.com"}
    )
    Shot.objects.filter(golfer=golfer).delete()
    rng = random.Random(6)
    now = timezone.now()
    clubs = list(CLUB_MODELS)
    carries = {club: 260.0 - 11 * index for index, club in enumerate(clubs)}
    shots = []
    for _ in range(GOLFER_SHOTS):
        club = rng.choice(clubs)
        carry = max(30.0, rng.gauss(carries[club], 9))
        ball_speed = carry * 0.62 + rng.gauss(0, 2)
        club_speed = ball_speed / 1.42
        shots.append(
            Shot(
                golfer=golfer,
                retailer=store,
                club=club,
                hit_at=now - timedelta(seconds=rng.randint(0, 364 * 86400)),
                source=ShotSource.MANUAL,
                status=ShotStatus.CONFIRMED,
                carry=round(carry, 1),
                total=round(carry * 1.08, 1),
                carry_side=round(rng.gauss(0, 8), 1),
                ball_speed=round(ball_speed, 1),
                club_speed=round(club_speed, 1),
                smash_factor=round(ball_speed / club_speed, 2),
                launch_angle=round(rng.uniform(9, 30), 1),
                spin_rate=round(rng.uniform(2200, 9000)),
            )
        )
    Shot.objects.bulk_create(shots, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE shots_shot")
    return golfer


def measure_sql(golfer, *, runs: int) -> list[tuple[str, float]]:
    """(query, median execution + planning ms) per query of the uncached 365-day analytics."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from analytics.queries import golfer_analytics, period_last_days

    period = period_last_days(365, tz=timezone.get_current_timezone())
    with CaptureQueriesContext(connection) as captured:
        golfer_analytics(golfer=golfer, period=period)
    results = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            timings = []
            for _ in range(runs):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0][0]
                timings.append(plan["Execution Time"] + plan["Planning Time"])
            results.append((query["sql"][:70], statistics.median(timings)))
    return results


def measure_in_process(golfer, *, runs: int) -> tuple[float, float]:
    """Median wall ms of the selector uncached (queries + Python) and cached."""
    from django.utils import timezone

    from analytics.cache import cached_golfer_analytics
    from analytics.queries import golfer_analytics, period_last_days
    from golfshots.cache_scopes import analytics_versions_bump

    period = period_last_days(365, tz=timezone.get_current_timezone())
    uncached, cached = [], []
    for _ in range(runs):
        started = time.perf_counter()
        golfer_analytics(golfer=golfer, period=period)
        uncached.append((time.perf_counter() - started) * 1000)
    analytics_versions_bump(golfer_ids=[golfer.pk])
    cached_golfer_analytics(golfer=golfer, period=period)
    for _ in range(runs):
        started = time.perf_counter()
        cached_golfer_analytics(golfer=golfer, period=period)
        cached.append((time.perf_counter() - started) * 1000)
    return statistics.median(uncached), statistics.median(cached)


def session_cookie(golfer) -> str:
    from django.test import Client

    client = Client()
    client.force_login(golfer)
    return client.cookies["sessionid"].value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_database_arguments(parser)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per wrk run.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--sql-runs", type=int, default=20)
    parser.add_argument("--uncached-runs", type=int, default=30)
    args = parser.parse_args()

    var_dir, environment = harness.prepare_server_bench(
        database_url=args.database_url, redis_url=args.redis_url
    )

    from django.core.cache import cache

    from golfshots.cache_scopes import analytics_versions_bump
    from shots.models import Shot

    store = harness.busiest_bench_store()
    golfer = add_golfer_shots(store)
    cache.clear()
    print(
        f"{Shot.objects.count():,} shots; store {store.slug} "
        f"{Shot.objects.filter(retailer=store).count():,}; golfer {GOLFER_SHOTS:,}"
    )

    print(
        f"\nUncached 365-day analytics, EXPLAIN ANALYZE (execution + planning), median of {args.sql_runs}:"
    )
    sql_results = measure_sql(golfer, runs=args.sql_runs)
    for sql, milliseconds in sql_results:
        print(f"  {milliseconds:7.2f} ms  {sql}…")
    database_ms = sum(milliseconds for _, milliseconds in sql_results)
    print(f"  {database_ms:7.2f} ms  in total ({len(sql_results)} queries)")
    uncached_ms, cached_ms = measure_in_process(golfer, runs=args.uncached_runs)
    print(
        f"\nIn-process selector: uncached {uncached_ms:.1f} ms, cached {cached_ms:.2f} ms (medians)"
    )

    cookie = session_cookie(golfer)
    logged_in = {"Cookie": f"sessionid={cookie}"}
    path = "/my-game/?days=365"
    script = var_dir / "bench.lua"
    script.write_text(f'wrk.headers["Cookie"] = "sessionid={cookie}"\n' + harness.WRK_SCRIPT)
    with harness.gunicorn_server(environment, var_dir) as server:
        for _ in range(4):
            status = harness.fetch(server.base_url, path, headers=logged_in)
            if status != 200:
                raise SystemExit(f"{path} answered {status}; its log is {server.log_path}.")
        results = [
            harness.run_wrk(
                "My game, 365 days, cached",
                server.base_url,
                path,
                script=script,
                duration=args.duration,
                connections=args.connections,
            )
            for _ in range(args.rounds)
        ]
        # Both bare views (bench/harness.py); the ratio is against /ping, which goes
        # through the same middleware as the page (/healthz skips it).
        healthz, bare = (
            harness.run_wrk(
                name,
                server.base_url,
                bare_path,
                script=script,
                duration=args.duration,
                connections=args.connections,
            )
            for name, bare_path in (harness.HEALTHZ_BARE_VIEW, harness.FULL_STACK_BARE_VIEW)
        )
        uncached_page = []
        for _ in range(args.uncached_runs):
            analytics_versions_bump(golfer_ids=[golfer.pk])
            started = time.perf_counter()
            harness.fetch(server.base_url, path, headers=logged_in)
            uncached_page.append((time.perf_counter() - started) * 1000)

    page = harness.median_result(results)
    print(
        f"\nServed by gunicorn under wrk ({args.connections} connections, {args.rounds} × "
        f"{args.duration} s, median):"
    )
    for result in (page, bare, healthz):
        print(
            f"  {result.name:32s} {result.requests_per_second:6.0f} req/s  p50 {result.p50_ms:6.1f} ms"
            f"  p95 {result.p95_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
            + (f"  {result.bad_responses} bad responses" if result.bad_responses else "")
        )
    uncached_page.sort()
    print(
        f"  My game, 365 days, uncached, 1 connection: p50 {statistics.median(uncached_page):.1f} ms"
        f"  max {uncached_page[-1]:.1f} ms"
    )
    print(
        f"  cached page at {page.requests_per_second / bare.requests_per_second:.0%} of /ping's"
        " requests/s (the machine is shared: judge the ratio as well as the number)"
    )
    print("\nTargets:")
    print(
        f"  database time uncached < 100 ms: {database_ms:.1f} ms {'OK' if database_ms < 100 else 'MISSED'}"
    )
    print(
        f"  cached page >= 300 req/s: {page.requests_per_second:.0f} "
        f"{'OK' if page.requests_per_second >= 300 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
