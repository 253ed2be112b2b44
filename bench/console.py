"""Benchmark the store console's heaviest pages at a million shots, in-process.

    .venv/bin/python manage.py generate_bench_data          # once: 1M shots, 20 stores, 20k golfers
    .venv/bin/python bench/console.py [--runs 60] [--sql-runs 5]

DATABASE_URL and REDIS_URL point at the bench's database and Redis db (the
defaults: golfshots_bench and db 1); the script refuses the default golfshots
database. It migrates the database, collects static files into a temporary
VAR_DIR, and adds one staff member to the busiest store
(``bench-console-staff``, no usable password) to log in as.

What it measures, with production settings (DEBUG off) through
``django.test.Client``, so gunicorn and the network stay out of it:

1. The customers page (first page, the last page, a search) and the
   verification queue (first page, second page, the outlier filter) of the
   busiest store, logged in as its staff member: p50/p95/p99 over ``--runs``
   requests after a few warm-up ones, the SQL queries per request and their
   time (``CaptureQueriesContext``, median per request).
2. The reference, measured in the same run: the two bare views of
   ``harness.BARE_VIEWS``, /healthz (skips the middleware) and /ping (the
   full stack, anonymous). "Beyond bare" is a page's p50 minus /ping's.
3. ``EXPLAIN (ANALYZE)`` of each page's slowest query, median of ``--sql-runs``.

The target is a p50 of at most 50 ms for each console page. Results go in
docs/performance.md ("Console pages at a million shots").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import harness

STAFF_USERNAME = "bench-console-staff"
TARGET_P50_MS = 50.0
WARM_UP = 3


@dataclass(frozen=True)
class PageResult:
    name: str
    path: str
    runs: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    queries: float  # per request, median
    sql_ms: float  # per request, median
    slowest_sql: str  # the slowest query of the last request


def _percentile(timings: list[float], share: float) -> float:
    # As bench/leaderboards.py: the sorted timings' element at share × (n - 1).
    return sorted(timings)[int(share * (len(timings) - 1))]


def measure_page(
    client, name: str, path: str, *, runs: int, before_each: Callable[[], None] | None = None
) -> PageResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, query_counts, sql_times = [], [], []
    slowest = ""
    for attempt in range(runs + WARM_UP):
        if before_each is not None:
            before_each()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, secure=True)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} in-process.")
        if attempt < WARM_UP:  # imports, templates, the pool's connections and the caches
            continue
        queries = captured.captured_queries
        timings.append(elapsed * 1000)
        query_counts.append(len(queries))
        sql_times.append(sum(float(query["time"]) for query in queries) * 1000)
        if queries:
            slowest = max(queries, key=lambda query: float(query["time"]))["sql"]
    return PageResult(
        name=name,
        path=path,
        runs=runs,
        p50_ms=statistics.median(timings),
        p95_ms=_percentile(timings, 0.95),
        p99_ms=_percentile(timings, 0.99),
        queries=statistics.median(query_counts),
        sql_ms=statistics.median(sql_times),
        slowest_sql=slowest,
    )


def explain_ms(sql: str, *, runs: int) -> tuple[float, float]:
    """(median execution ms, median planning ms) of ``EXPLAIN (ANALYZE)`` of ``sql``."""
    from django.db import connection

    executions, plannings = [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]
            executions.append(plan["Execution Time"])
            plannings.append(plan["Planning Time"])
    return statistics.median(executions), statistics.median(plannings)


def staff_member(store):
    """The bench's staff member of ``store``, created on first use."""
    from accounts.models import User
    from retailers.models import Membership, Role

    user, created = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"display_name": "Bench console staff"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, retailer=store, defaults={"role": Role.STAFF})
    return user


def console_pages(store) -> list[tuple[str, str]]:
    from django.urls import reverse

    from console.selectors import verification_queue
    from console.views import CUSTOMERS_PER_PAGE
    from retailers.models import CustomerLink

    customers = reverse("console:customers", args=[store.slug])
    queue = reverse("console:queue", args=[store.slug])
    links = CustomerLink.objects.filter(retailer=store).count()
    last_page = max(1, -(-links // CUSTOMERS_PER_PAGE))
    first_queued = verification_queue(store).narrowed_ids()[0]
    return [
        ("customers, first page", customers),
        (f"customers, last page ({last_page})", f"{customers}?page={last_page}"),
        ('customers, search "golfer 1"', f"{customers}?q=golfer+1"),
        ("verification queue, first page", queue),
        ("verification queue, page 2", f"{queue}?page=2"),
        ("verification queue, outliers only", f"{queue}?reason=outlier"),
        ("dashboard", reverse("console:dashboard", args=[store.slug])),
        ("a shot in the queue", reverse("console:shot", args=[store.slug, first_queued])),
    ]


def after_a_shot_write(store) -> Callable[[], None]:
    """What a shot written at the store does to the console's caches (its history version)."""
    from golfshots.cache_scopes import store_shots_version_key
    from golfshots.versioned_cache import versions_bump

    return lambda: versions_bump([store_shots_version_key(store.pk)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=60, help="Timed requests per page.")
    parser.add_argument("--sql-runs", type=int, default=5, help="EXPLAIN ANALYZE runs per query.")
    args = parser.parse_args()

    var_dir, _environment = harness.prepare_in_process_bench(
        database_url=args.database_url, redis_url=args.redis_url
    )

    from django.test import Client

    from shots.models import Shot

    store = harness.busiest_bench_store()
    shot_total = Shot.objects.count()
    customers = store.customer_links.count()
    anonymous = Client(HTTP_HOST="127.0.0.1")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(staff_member(store))

    load_before = os.getloadavg()
    references = [
        measure_page(anonymous, name, path, runs=args.runs) for name, path in harness.BARE_VIEWS
    ]
    pages = [measure_page(staff, name, path, runs=args.runs) for name, path in console_pages(store)]
    # As a staff member sees them while golfers record shots at the store.
    pages += [
        measure_page(
            staff,
            f"{name}, after a shot write",
            path,
            runs=args.runs,
            before_each=after_a_shot_write(store),
        )
        for name, path in console_pages(store)
        if name.startswith(("verification queue, first", "dashboard"))
    ]
    load_after = os.getloadavg()
    bare = references[-1]  # the full-stack one

    print(
        f"{shot_total:,} shots; busiest store {store.slug} ({store.shot_count:,} shots, "
        f"{customers:,} customers)"
    )
    print(
        f"\nIn-process (django.test.Client, DEBUG off), {args.runs} requests each after "
        f"{WARM_UP} warm-up ones (load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after):"
    )
    for result in [*references, *pages]:
        beyond = f"  {result.p50_ms - bare.p50_ms:+7.1f} ms beyond bare" if result in pages else ""
        print(
            f"  {result.name:36s} p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  "
            f"p99 {result.p99_ms:6.1f} ms  SQL {result.queries:3.0f} queries "
            f"{result.sql_ms:6.1f} ms{beyond}"
        )

    # With the server's settings: the page runs its history queries without
    # JIT (console.selectors._without_jit), so in the page they cost less.
    print(
        f"\nSlowest query of each page, EXPLAIN ANALYZE with the server's settings (JIT as "
        f"configured), median of {args.sql_runs}:"
    )
    for result in pages:
        if not result.slowest_sql:
            continue
        execution, planning = explain_ms(result.slowest_sql, runs=args.sql_runs)
        print(
            f"  {result.name:36s} {execution:7.2f} ms  (planning {planning:.2f} ms): "
            f"{result.slowest_sql[:90]}…"
        )

    print(f"\nTargets (p50 ≤ {TARGET_P50_MS:.0f} ms):")
    for result in pages:
        verdict = "met" if result.p50_ms <= TARGET_P50_MS else "MISSED"
        print(f"  {result.name:36s} p50 {result.p50_ms:6.1f} ms: {verdict}")
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
