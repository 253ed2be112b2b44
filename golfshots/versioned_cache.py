"""Cached outputs that go stale by a version bump instead of a TTL.

A scope (a store's boards, a golfer's analytics...) has a version number in
the cache; every cached output of the scope carries that version in its key.
A write that changes the scope bumps the version, so the next read misses
and recomputes: fresh on the next request, with no key scans. Versions start
at the current time in microseconds, so a version Redis evicted never
restarts at a number whose old outputs are still cached.

Fails open: with Redis unreachable (django-redis ignores the errors and
answers None), callers compute from the database and nothing raises.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

Output = TypeVar("Output")


def _fresh_version() -> int:
    return time.time_ns() // 1000


def versions_bump(keys: Iterable[str]) -> None:
    """Make every output cached under these version keys stale. Never raises."""
    for key in keys:
        try:
            try:
                cache.incr(key)
            except ValueError:  # no version yet: nobody has read this scope since eviction
                cache.add(key, _fresh_version(), timeout=None)
        except Exception:
            logger.warning("Could not bump cache version %s", key, exc_info=True)


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
        # Redis is unreachable: serve from the database, don't wait on it twice more.
        return compute()
    key = ":".join([*parts, str(version)])
    try:
        output = cache.get(key)
    except Exception:
        logger.warning("Could not read cached output %s", key, exc_info=True)
        return compute()
    if output is None:
        output = compute()
        try:
            cache.set(key, output, timeout)
        except Exception:
            logger.warning("Could not cache output %s", key, exc_info=True)
    return output
