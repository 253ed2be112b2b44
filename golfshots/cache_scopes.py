"""What a write makes stale: the version key of each cache scope, and the bumps.

Three scopes are cached by version (golfshots/versioned_cache.py has the
mechanics): a store's boards, with "all stores" as one more store, a
golfer's analytics, and a store's shot history (the console's verification
queue). Their keys and bumps live here, below every app, so a write in
shots/, retailers/ or accounts/ makes them fresh without importing the apps
that read them.

Bumps never raise. With Redis unreachable a bump is not lost: the process
retries it until Redis takes it (golfshots/versioned_cache.py), so boards are
stale only while Redis is out and a few seconds after (REDIS_BREAKER_SECONDS).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from golfshots.versioned_cache import versions_bump

ALL_STORES_BOARDS_VERSION_KEY = "lb:v:all"


def boards_version_key(retailer_id: int | None) -> str:
    """The version key of one store's boards; None is the all-stores boards."""
    return ALL_STORES_BOARDS_VERSION_KEY if retailer_id is None else f"lb:v:{retailer_id}"


def analytics_version_key(golfer_id: int) -> str:
    return f"an:v:{golfer_id}"


def store_shots_version_key(retailer_id: int) -> str:
    """The version of everything read from all of a store's shots, whether they rank or not."""
    return f"sh:v:{retailer_id}"


def board_versions_bump(*, retailer_ids: Iterable[int | None], all_stores: bool = True) -> None:
    """Make every cached board of these stores, and of all stores unless told not to, stale.

    None (a home-practice shot) is on no board. ``all_stores=False`` is for a
    write that cannot change an all-stores board (shots/services/records.py).
    """
    store_ids = sorted({retailer_id for retailer_id in retailer_ids if retailer_id is not None})
    if not store_ids:
        return
    keys = [boards_version_key(store_id) for store_id in store_ids]
    if all_stores:
        keys.append(ALL_STORES_BOARDS_VERSION_KEY)
    versions_bump(keys)


def board_versions_bump_on_commit(
    *, retailer_ids: Iterable[int | None], all_stores: bool = True
) -> None:
    """Bump once the write is committed, so the next read already sees it in the database."""
    retailer_ids = list(retailer_ids)
    transaction.on_commit(
        lambda: board_versions_bump(retailer_ids=retailer_ids, all_stores=all_stores)
    )


def analytics_versions_bump(*, golfer_ids: Iterable[int]) -> None:
    """Make every cached analytics answer of these golfers stale."""
    versions_bump(analytics_version_key(golfer_id) for golfer_id in sorted(set(golfer_ids)))


def analytics_versions_bump_on_commit(*, golfer_ids: Iterable[int]) -> None:
    """Bump once the write is committed, so the next read already sees it."""
    golfer_ids = list(golfer_ids)
    transaction.on_commit(lambda: analytics_versions_bump(golfer_ids=golfer_ids))


def store_shots_versions_bump_on_commit(*, retailer_ids: Iterable[int | None]) -> None:
    """Make stale what was read from these stores' shots, once the write is committed.

    Unlike a board's version, for any shot write at the store: a typed shot
    or one waiting for review ranks nowhere but is in the golfer's history.
    """
    keys = [store_shots_version_key(r) for r in sorted({r for r in retailer_ids if r is not None})]
    if keys:
        transaction.on_commit(lambda: versions_bump(keys))
