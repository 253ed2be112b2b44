"""Single flight in cached_versioned: a stale output is computed once, however many ask.

Real threads against the real Redis: each thread is a request that misses at
the same moment. The computes are counted, never timed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.core.cache import cache

from golfshots import versioned_cache
from golfshots.versioned_cache import (
    COMPUTE_LOCK_SECONDS,
    cached_versioned,
    pending_bumps,
    version_get,
    versions_bump,
)

VERSION_KEY = "v:single-flight"
PARTS = ["out", "single-flight"]
OUTPUT_KEY = ":".join(PARTS)


def cached(compute: Callable[[], str]) -> str:
    return cached_versioned(version_key=VERSION_KEY, parts=PARTS, compute=compute, timeout=60)


class CountedCompute:
    """A board that takes a while to compute, counting how often it is computed."""

    def __init__(self, output: str, *, seconds: float = 0.0, until: threading.Event | None = None):
        self.output = output
        self.seconds = seconds
        self.until = until
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        if self.until is not None:
            self.until.wait(timeout=30)
        time.sleep(self.seconds)
        return self.output


def in_threads(count: int, call: Callable[[], str]) -> tuple[list[threading.Thread], list[str]]:
    results: list[str] = []
    results_lock = threading.Lock()
    start = threading.Barrier(count)

    def request() -> None:
        start.wait()  # every request misses at once
        output = call()
        with results_lock:
            results.append(output)

    threads = [threading.Thread(target=request) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_fifty_concurrent_misses_compute_the_board_once():
    compute = CountedCompute("board", seconds=0.2)

    threads, results = in_threads(50, lambda: cached(compute))
    for thread in threads:
        thread.join(timeout=60)

    assert compute.calls == 1
    assert results == ["board"] * 50


def test_after_a_bump_fifty_misses_compute_once_and_all_see_the_new_board():
    assert cached(lambda: "old board") == "old board"
    versions_bump([VERSION_KEY])
    compute = CountedCompute("new board", seconds=0.2)

    threads, results = in_threads(50, lambda: cached(compute))
    for thread in threads:
        thread.join(timeout=60)

    assert compute.calls == 1
    # They waited for it: a new record is on the next request, not the one after.
    assert results == ["new board"] * 50


def test_a_compute_slower_than_the_wait_serves_the_previous_board_meanwhile(monkeypatch):
    monkeypatch.setattr(versioned_cache, "SINGLE_FLIGHT_WAIT_SECONDS", 0.2)
    assert cached(lambda: "old board") == "old board"
    versions_bump([VERSION_KEY])
    released = threading.Event()
    compute = CountedCompute("new board", until=released)

    threads, results = in_threads(20, lambda: cached(compute))
    # The others give up waiting and answer with the board before the bump,
    # while the one computing is held until they have.
    wait_for(lambda: len(results) == 19)
    released.set()
    for thread in threads:
        thread.join(timeout=60)

    assert compute.calls == 1
    assert sorted(results) == ["new board"] + ["old board"] * 19
    assert cached(lambda: "never") == "new board"


def test_the_compute_lock_expires_by_itself():
    seen_ttl: list[int | None] = []

    def compute() -> str:
        lock_key = f"{OUTPUT_KEY}:computing:{version_get(VERSION_KEY)}"
        seen_ttl.append(cache.ttl(lock_key))  # type: ignore[attr-defined]  # django-redis
        return "board"

    assert cached(compute) == "board"

    (ttl,) = seen_ttl
    assert ttl is not None
    assert 0 < ttl <= COMPUTE_LOCK_SECONDS


def test_a_lock_left_by_a_crashed_request_holds_nobody_up_for_long(monkeypatch):
    monkeypatch.setattr(versioned_cache, "SINGLE_FLIGHT_WAIT_SECONDS", 0.2)
    version = version_get(VERSION_KEY)
    # What a process that died while computing leaves behind.
    cache.add(f"{OUTPUT_KEY}:computing:{version}", 1, timeout=COMPUTE_LOCK_SECONDS)
    compute = CountedCompute("board")

    # No earlier board to fall back on: after the wait it computes itself.
    assert cached(compute) == "board"
    assert compute.calls == 1


def test_a_failed_compute_lets_the_next_request_compute_at_once():
    def broken() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        cached(broken)

    assert f"{OUTPUT_KEY}:computing:{version_get(VERSION_KEY)}" not in cache
    assert cached(lambda: "board") == "board"


def test_a_waiting_request_takes_over_when_the_computing_one_fails():
    started = threading.Event()
    release = threading.Event()
    failures: list[Exception] = []

    def failing() -> str:
        started.set()
        release.wait(timeout=30)
        raise RuntimeError("the database went away")

    def first_request() -> None:
        try:
            cached(failing)
        except RuntimeError as error:
            failures.append(error)

    first = threading.Thread(target=first_request)
    first.start()
    started.wait(timeout=30)
    compute = CountedCompute("board")
    second_results: list[str] = []
    second = threading.Thread(target=lambda: second_results.append(cached(compute)))
    second.start()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert len(failures) == 1
    assert second_results == ["board"]
    assert compute.calls == 1


@pytest.fixture
def dead_redis(settings):
    # A real fault: nothing listens on port 1, so every cache call fails.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    yield
    pending_bumps.clear()


def test_with_redis_down_nobody_waits_for_a_lock(dead_redis, monkeypatch):
    # Were a request to wait for a lock it cannot see, it would wait this long.
    monkeypatch.setattr(versioned_cache, "SINGLE_FLIGHT_WAIT_SECONDS", 600)
    compute = CountedCompute("from the database")

    threads, results = in_threads(5, lambda: cached(compute))
    for thread in threads:
        thread.join(timeout=60)

    # Fail open: no lock to take, so each request computes (or this process's
    # outage cache answers).
    assert results == ["from the database"] * 5
    assert 1 <= compute.calls <= 5
