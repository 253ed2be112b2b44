"""Rendered leaderboards in the cache, invalidated by version bumps.

Each scope (one store, or all stores) has a version number in the cache.
Every cached board output has its scope's version in its key, so bumping
the version after a counted shot changes makes every board of that scope
miss on the next request: a new record shows at once, with no key scans.
Keys also carry the local date the period starts on, so "today" rolls
over at the store's midnight even when no shot lands.

The version mechanics live in golfshots/versioned_cache.py, shared with the
analytics cache. The cache fails open: when Redis is unreachable (django-redis ignores the
errors and answers None), boards are computed from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from golfshots.versioned_cache import cached_versioned, version_get, versions_bump
from leaderboards.selectors import BoardRow, board_me, board_timezone, period_window
from retailers.models import Retailer

# Long: a version bump, not the TTL, is what makes a board fresh.
BOARD_CACHE_SECONDS = 24 * 60 * 60
ALL_STORES_VERSION_KEY = "lb:v:all"

Output = TypeVar("Output")


def _version_key(retailer_id: int | None) -> str:
    return ALL_STORES_VERSION_KEY if retailer_id is None else f"lb:v:{retailer_id}"


def board_versions_bump(*, retailer_ids: Iterable[int | None]) -> None:
    """Make every cached board of these stores, and of all stores, stale.

    None (a home-practice shot) is on no board. Never raises: a missed bump
    while Redis is down only leaves boards as stale as the outage.
    """
    store_ids = sorted({retailer_id for retailer_id in retailer_ids if retailer_id is not None})
    if not store_ids:
        return
    versions_bump([*(_version_key(store_id) for store_id in store_ids), ALL_STORES_VERSION_KEY])


def board_versions_bump_on_commit(*, retailer_ids: Iterable[int | None]) -> None:
    """Bump once the write is committed, so the next read already sees it in the database."""
    retailer_ids = list(retailer_ids)
    transaction.on_commit(lambda: board_versions_bump(retailer_ids=retailer_ids))


def scope_version(retailer: Retailer | None) -> int | None:
    """The scope's current version, starting one if there is none; None if Redis is down."""
    return version_get(_version_key(retailer.pk if retailer is not None else None))


def cached_output(
    *,
    variant: str,
    retailer: Retailer | None,
    parts: Sequence[str],
    compute: Callable[[], Output],
) -> Output:
    """The cached output for this key, or ``compute()`` stored under it.

    ``parts`` must name everything the output depends on besides the scope
    and its version (board, period start, units...).
    """
    scope = "all" if retailer is None else str(retailer.pk)
    return cached_versioned(
        version_key=_version_key(retailer.pk if retailer is not None else None),
        parts=["lb", variant, scope, *parts],
        compute=compute,
        timeout=BOARD_CACHE_SECONDS,
    )


def board_key_parts(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    now: datetime | None = None,
) -> list[str]:
    """Key parts of one board; the period's local start date rolls "today" over at midnight."""
    start, _end = period_window(period, board_timezone(retailer), now or timezone.now())
    return [club or "any", metric, period, start.date().isoformat() if start else "all"]


def cached_board_output(
    *,
    variant: str,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    compute: Callable[[], Output],
    now: datetime | None = None,
    extra: Sequence[str] = (),
) -> Output:
    """One board's cached output. ``variant`` names the rendering (html, kiosk, api...)."""
    parts = board_key_parts(retailer=retailer, club=club, metric=metric, period=period, now=now)
    return cached_output(
        variant=variant, retailer=retailer, parts=[*parts, *extra], compute=compute
    )


def cached_board_me(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    viewer: User,
    now: datetime | None = None,
) -> BoardRow | None:
    """The viewer's own row, cached for that viewer alone under the board's version.

    Ranking one golfer against a whole all-time board is a big count; a
    golfer reloading the page should not pay it again until the board changes.
    """
    if not viewer.is_authenticated:
        return None
    now = now or timezone.now()
    board = {"retailer": retailer, "club": club, "metric": metric, "period": period}
    # A one-item tuple, because None is a cache miss and "not on this board" is an answer.
    (me,) = cached_board_output(
        variant=f"me-{viewer.pk}",
        now=now,
        compute=lambda: (board_me(**board, viewer=viewer, now=now),),
        **board,
    )
    return me


# Short: a store renamed or moved to another time zone shows within a minute.
STORE_CACHE_SECONDS = 60


def store_by_slug(slug: str) -> Retailer | None:
    """The store named in a public board URL, cached briefly so a cached board costs no SQL."""
    key = f"lb:store:{slug}"
    store = cache.get(key)
    if store is None:
        store = Retailer.objects.filter(slug=slug).first()
        if store is not None:
            cache.set(key, store, STORE_CACHE_SECONDS)
    return store


def stores_for_boards() -> list[Retailer]:
    """Every store, by name, for the board page's store filter; cached like store_by_slug."""
    key = "lb:stores"
    stores = cache.get(key)
    if stores is None:
        stores = list(Retailer.objects.order_by("name"))
        cache.set(key, stores, STORE_CACHE_SECONDS)
    return stores
