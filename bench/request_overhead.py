"""In-process cost of a full-stack request: p50/p95 of Django's test client over N requests.

Measures what the middleware, the cache client and the template add to a
request, without a network or gunicorn in the way. Run it in two checkouts
(this one and a reference, e.g. ``git worktree add /tmp/ref <commit>``) one
after the other, so both see the same machine:

    cd <checkout> && rm -f var/golfshots.sqlite3 && env -u DATABASE_URL DEBUG=true \\
        REDIS_URL=redis://127.0.0.1:6379/9 /work/main/.venv/bin/python bench/request_overhead.py \\
        /s/demo/ /s/demo/kiosk/ /accounts/login/ /favicon.ico

It migrates and seeds the embedded default's SQLite database (var/) with the
demo data and uses the given Redis db as the cache (cleared first). Data
size: the demo store (4 golfers, 90 days, about 2,300 shots).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")

import django

django.setup()
logging.disable(logging.INFO)

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

REQUESTS = 600
WARM_UP = 30


def measure(client: Client, url: str) -> tuple[float, float]:
    for _ in range(WARM_UP):
        client.get(url)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    assert response.status_code < 400, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    cache.clear()
    client = Client(HTTP_HOST="127.0.0.1")
    checkout = os.path.basename(os.getcwd())
    for url in sys.argv[1:] or ["/s/demo/"]:
        p50, p95 = measure(client, url)
        print(f"{checkout:12s} {url:18s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")


if __name__ == "__main__":
    main()
