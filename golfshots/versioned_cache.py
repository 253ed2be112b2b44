"""Cached outputs that go stale by a version bump instead of a TTL.

A scope (a store's boards, a golfer's analytics...) has a version number in
the cache; every cached output of the scope is stored with the version it was
computed under. A write that changes the scope bumps the version, so the next
read finds an older version beside the output and recomputes: fresh on the
next request, with no key scans. Versions start at the current time in
microseconds, so a version Redis evicted never restarts at a number whose old
outputs are still cached.

An output's key has no version in it: the version is stored with the output,
so a hit reads both in one round trip (``get_many``), and the output of the
version before is still there to serve while one request recomputes (single
flight, ``_compute_once``).

Fails open: with Redis unreachable (django-redis ignores the errors and
answers None, and the circuit breaker in golfshots/redis_breaker.py skips
Redis at once), callers compute from the database and nothing raises.

A bump Redis does not take is not lost: a lost bump left a store's board
without a new record for up to the outputs' TTL (24 h), because the outputs
cached before the outage stayed current under the old version. The process
remembers the version keys it could not bump and retries them every
``BUMP_RETRY_SECONDS`` from a background thread (and once more at exit)
until Redis takes them; ``golfshots_cache_version_bumps_pending`` counts the
ones waiting. While any wait, this process caches outputs for at most
``STALE_BOUND_SECONDS``: what it stores then may be stale under a version
whose bump is still owed, and must not outlive the outage by a day if the
process ends before Redis answers again. What stays open: bumps owed by a
process that ends while Redis is still unreachable are lost with it
(docs/operations.md, "Redis hung").

While Redis is unreachable, outputs are kept for ``OUTAGE_CACHE_SECONDS`` in
a small cache of the process's own memory: a board costs four to five times
as much computed as cached, and every page of the outage would otherwise
compute it. A bump in this process empties that cache, so a golfer sees
their own new record at once; another process's record shows within
``OUTAGE_CACHE_SECONDS``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeGuard, TypeVar

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed

from golfshots import monitoring

logger = logging.getLogger(__name__)

Output = TypeVar("Output")

BUMP_RETRY_SECONDS = 1.0
STALE_BOUND_SECONDS = 30
OUTAGE_CACHE_SECONDS = 10

outage_cache = LocMemCache(
    "golfshots-versioned-outage",
    {"TIMEOUT": OUTAGE_CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 500}},
)


def _forget_outage_outputs(*, setting: str, **kwargs: object) -> None:
    # Sent only by tests that point the cache elsewhere (a dead Redis, then
    # the real one): one test's outage outputs must not answer the next's.
    if setting == "CACHES":
        outage_cache.clear()


setting_changed.connect(_forget_outage_outputs, dispatch_uid="golfshots.versioned_cache")


def _fresh_version() -> int:
    return time.time_ns() // 1000


def _bump(key: str) -> bool:
    """Bump one version; False when Redis did not take it."""
    try:
        try:
            # django-redis answers None instead of raising when it ignored a
            # connection error (IGNORE_EXCEPTIONS); a real answer is the number.
            return cache.incr(key) is not None
        except ValueError:  # no version yet: nobody has read this scope since eviction
            # False: another request started one first, which is fresh too.
            return cache.add(key, _fresh_version(), timeout=None) is not None
    except Exception:
        logger.warning("Could not bump cache version %s", key, exc_info=True)
        return False


class _PendingBumps:
    """The version keys this process owes a bump, retried until Redis takes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # key -> how many times it failed: a retry that started before a newer
        # failure of the same key must not clear the newer one.
        self._keys: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._pid = 0

    def __bool__(self) -> bool:
        return bool(self._keys)

    def add(self, keys: Iterable[str]) -> None:
        with self._lock:
            first = not self._keys
            for key in keys:
                self._keys[key] = self._keys.get(key, 0) + 1
            count = len(self._keys)
            self._ensure_retrying()
        monitoring.observe_cache_bumps_pending(count)
        if first:
            logger.warning(
                "Redis did not take %d cache version bump(s); retrying every %.0f s",
                count,
                BUMP_RETRY_SECONDS,
                extra={"pending_bumps": count},
            )

    def retry(self) -> int:
        """Try every owed bump once; how many still wait."""
        with self._lock:
            owed = dict(self._keys)
        done = {key: failures for key, failures in owed.items() if _bump(key)}
        with self._lock:
            for key, failures in done.items():
                if self._keys.get(key) == failures:
                    del self._keys[key]
            remaining = len(self._keys)
        monitoring.observe_cache_bumps_pending(remaining)
        if done and not remaining:
            logger.warning("Redis took the %d owed cache version bump(s)", len(done))
        return remaining

    def clear(self) -> None:
        """Forget every owed bump (tests)."""
        with self._lock:
            self._keys.clear()
        monitoring.observe_cache_bumps_pending(0)

    def _ensure_retrying(self) -> None:
        # A forked child inherits the keys but not the thread.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="cache-bump-retry", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(BUMP_RETRY_SECONDS)
            try:
                if self.retry() == 0:
                    with self._lock:
                        if not self._keys:
                            self._thread = None
                            return
            except Exception:
                logger.exception("Retrying cache version bumps failed")


pending_bumps = _PendingBumps()


@atexit.register
def _retry_at_exit() -> None:
    if pending_bumps:
        pending_bumps.retry()


def versions_bump(keys: Iterable[str]) -> None:
    """Make every output cached under these version keys stale. Never raises.

    A bump Redis does not take now is retried until it does (see the module).
    """
    failed = [key for key in keys if not _bump(key)]
    if failed:
        pending_bumps.add(failed)
    outage_cache.clear()


def version_get(key: str) -> int | None:
    """The scope's current version, starting one if there is none; None if Redis is down."""
    try:
        version = cache.get(key)
        if version is None:
            fresh = _fresh_version()
            added = cache.add(key, fresh, timeout=None)
            # False: another request started one first. None: the cache is unreachable.
            version = fresh if added else (cache.get(key) if added is False else None)
    except Exception:
        logger.warning("Could not read cache version %s", key, exc_info=True)
        return None
    return version


def cached_versioned(
    *,
    version_key: str,
    parts: Sequence[str],
    compute: Callable[[], Output],
    timeout: int,
) -> Output:
    """The output cached under ``parts`` at the scope's current version, or ``compute()``.

    ``parts`` must name everything the output depends on besides the version.
    A hit is one Redis round trip: the version and the output are read
    together. On a miss, one request computes and the others wait for its
    output (see ``_compute_once``).
    """
    key = ":".join(parts)
    try:
        # django-redis answers {} instead of raising when Redis is unreachable.
        fetched = cache.get_many([version_key, key])
    except Exception:
        logger.warning("Could not read cached output %s", key, exc_info=True)
        fetched = {}
    version = fetched.get(version_key)
    if version is None:
        # Evicted or never read, or Redis is unreachable: version_get starts
        # one, or says Redis is down.
        version = version_get(version_key)
        if version is None:
            # Serve from this process's memory or the database, without
            # waiting on Redis again.
            return _outage_cached(key, compute)
    entry = fetched.get(key)
    if _is_current(entry, version):
        return entry[2]
    return _compute_once(
        key=key,
        version=version,
        compute=compute,
        timeout=timeout,
        stale=entry if _is_entry(entry) else None,
    )


# Single flight: when a board goes stale, every request that reads it misses at
# once (a kiosk in each shop, the store page, the API); 50 of them computing the
# same board is 50 times the SQL for one answer. The first takes a lock and
# computes; the others poll for its output, then fall back to the previous
# version's output, then compute themselves. The lock expires by itself, so a
# process that died while computing holds nobody up for more than
# ``COMPUTE_LOCK_SECONDS``; waiting stops after ``SINGLE_FLIGHT_WAIT_SECONDS``,
# so a slow compute holds nobody up for longer than that.
COMPUTE_LOCK_SECONDS = 5
SINGLE_FLIGHT_WAIT_SECONDS = 1.5
_FIRST_POLL_SECONDS = 0.005
_LONGEST_POLL_SECONDS = 0.05

# Stored as (marker, version, output): the version it was computed under rides
# with the output, so the output of the version before stays readable as the
# stale fallback, and a hit is one read. The marker keeps an output that is
# itself a tuple from passing for an entry.
_ENTRY_MARKER = "vc1"


Entry = tuple[str, int, Any]


def _is_entry(entry: object) -> TypeGuard[Entry]:
    return isinstance(entry, tuple) and len(entry) == 3 and entry[0] == _ENTRY_MARKER


def _is_current(entry: object, version: int) -> TypeGuard[Entry]:
    # Later than ours is current too: a bump came after we read the version,
    # and versions only grow (an evicted one restarts above the old ones).
    return _is_entry(entry) and entry[1] >= version


def _compute_once(
    *,
    key: str,
    version: int,
    compute: Callable[[], Output],
    timeout: int,
    stale: Entry | None,
) -> Output:
    """``compute()`` in one request per key and version; the others wait for its output."""
    # Per version: a request still computing the version before must not hold
    # up the one after a new record.
    lock_key = f"{key}:computing:{version}"
    deadline = time.monotonic() + SINGLE_FLIGHT_WAIT_SECONDS
    while True:
        try:
            # True: ours. False: another request computes. None: Redis is
            # unreachable (django-redis ignored the error), so compute: fail open.
            taken = cache.add(lock_key, 1, timeout=COMPUTE_LOCK_SECONDS)
        except Exception:
            logger.warning("Could not take the compute lock %s", lock_key, exc_info=True)
            taken = None
        if taken is not False:
            try:
                return _compute_and_store(
                    key=key, version=version, compute=compute, timeout=timeout
                )
            finally:
                if taken:
                    # Plain delete: had the compute outlived the lock and another
                    # request taken it, this lets one more request compute, no worse.
                    _forget(lock_key)
        entry = _wait_for_output(key=key, lock_key=lock_key, version=version, deadline=deadline)
        if entry is not None:
            return entry[2]
        if time.monotonic() >= deadline:
            break
        # The lock went without a current output (the computing request
        # failed, or Redis lost the lock): take it over.
    if stale is not None:
        return stale[2]
    return _compute_and_store(key=key, version=version, compute=compute, timeout=timeout)


def _wait_for_output(*, key: str, lock_key: str, version: int, deadline: float) -> Entry | None:
    """The current entry once another request stored it; None when that request let go
    of the lock without one, or when time is up."""
    pause = _FIRST_POLL_SECONDS
    while time.monotonic() < deadline:
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, _LONGEST_POLL_SECONDS)
        try:
            polled = cache.get_many([key, lock_key])
        except Exception:
            polled = {}
        entry = polled.get(key)
        if _is_current(entry, version):
            return entry
        if lock_key not in polled:
            # Released, expired, or Redis went away ({}): stop waiting on it.
            return None
    return None


def _compute_and_store(
    *, key: str, version: int, compute: Callable[[], Output], timeout: int
) -> Output:
    output = compute()
    if pending_bumps:
        timeout = min(timeout, STALE_BOUND_SECONDS)
    try:
        cache.set(key, (_ENTRY_MARKER, version, output), timeout)
    except Exception:
        logger.warning("Could not cache output %s", key, exc_info=True)
    return output


def _forget(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Could not delete %s", key, exc_info=True)


def _outage_cached(key: str, compute: Callable[[], Output]) -> Output:
    output = outage_cache.get(key)
    if output is None:
        output = compute()
        outage_cache.set(key, output)
    return output
