"""Cached outputs that go stale by a version bump instead of a TTL.

A scope (a store's boards, a golfer's analytics...) has a version number in
the cache; every cached output of the scope carries that version in its key.
A write that changes the scope bumps the version, so the next read misses
and recomputes: fresh on the next request, with no key scans. Versions start
at the current time in microseconds, so a version Redis evicted never
restarts at a number whose old outputs are still cached.

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
from typing import TypeVar

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
    """
    version = version_get(version_key)
    if version is None:
        # Redis is unreachable: serve from this process's memory or the
        # database, without waiting on Redis twice more.
        return _outage_cached(":".join(parts), compute)
    key = ":".join([*parts, str(version)])
    try:
        output = cache.get(key)
    except Exception:
        logger.warning("Could not read cached output %s", key, exc_info=True)
        return compute()
    if output is None:
        output = compute()
        if pending_bumps:
            timeout = min(timeout, STALE_BOUND_SECONDS)
        try:
            cache.set(key, output, timeout)
        except Exception:
            logger.warning("Could not cache output %s", key, exc_info=True)
    return output


def _outage_cached(key: str, compute: Callable[[], Output]) -> Output:
    output = outage_cache.get(key)
    if output is None:
        output = compute()
        outage_cache.set(key, output)
    return output
