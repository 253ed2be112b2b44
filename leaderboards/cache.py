"""Rendered leaderboards in the cache, invalidated by version bumps.

Each scope (one store, or all stores) has a version number in the cache.
Every cached board output has its scope's version in its key, so bumping
the version after a counted shot changes makes every board of that scope
miss on the next request: a new record shows at once, with no key scans.
Keys also carry the local date the period starts on, so "today" rolls
over at the store's midnight even when no shot lands. A board is named by
its ``BoardSpec`` (leaderboards/boards.py) and the ``BoardWindow`` the
request computed once; store events' boards are cached here too, under the
same store version (leaderboards/events/selectors.py says why and what bumps).

The version mechanics live in golfshots/versioned_cache.py, shared with the
analytics cache; the version keys and the bumps every write calls live in
golfshots/cache_scopes.py. The cache fails open: when Redis is unreachable (django-redis ignores the
errors and answers None), boards are computed from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from accounts.models import User
from golfshots.cache_scopes import boards_version_key
from golfshots.versioned_cache import cached_versioned, version_get
from leaderboards.boards import BoardSpec, BoardWindow
from leaderboards.selectors import BoardRow, board_me
from retailers.models import Retailer

# Long: a version bump, not the TTL, is what makes a board fresh.
BOARD_CACHE_SECONDS = 24 * 60 * 60

Output = TypeVar("Output")


def scope_version(retailer: Retailer | None) -> int | None:
    """The scope's current version, starting one if there is none; None if Redis is down."""
    return version_get(boards_version_key(retailer.pk if retailer is not None else None))


def cached_output(
    *,
    variant: str,
    retailer: Retailer | None,
    parts: Sequence[str],
    compute: Callable[[], Output],
    timeout: int = BOARD_CACHE_SECONDS,
) -> Output:
    """The cached output for this key, or ``compute()`` stored under it.

    ``parts`` must name everything the output depends on besides the scope
    and its version (board, period start, units...).
    """
    scope = "all" if retailer is None else str(retailer.pk)
    return cached_versioned(
        version_key=boards_version_key(retailer.pk if retailer is not None else None),
        parts=["lb", variant, scope, *parts],
        compute=compute,
        timeout=timeout,
    )


def cached_board_output(
    *,
    variant: str,
    board: BoardSpec,
    window: BoardWindow,
    compute: Callable[[], Output],
    metric_units: bool | None = None,
    limit: int | None = None,
) -> Output:
    """One board's cached output. ``variant`` names the rendering (html, kiosk, api...).

    ``window`` is the one the caller computed for this request; ``compute``
    must use the same one, so the key and the rows agree on the period.
    """
    return cached_output(
        variant=variant,
        retailer=board.retailer,
        parts=board.key_parts(window, metric_units=metric_units, limit=limit),
        compute=compute,
    )


def cached_board_me(
    board: BoardSpec, window: BoardWindow, *, viewer: User | AnonymousUser
) -> BoardRow | None:
    """The viewer's own row, cached for that viewer alone under the board's version.

    Ranking one golfer against a whole all-time board is a big count; a
    golfer reloading the page should not pay it again until the board changes.
    """
    if not viewer.is_authenticated:
        return None
    # A one-item tuple, because None is a cache miss and "not on this board" is an answer.
    (me,) = cached_board_output(
        variant=f"me-{viewer.pk}",
        board=board,
        window=window,
        compute=lambda: (board_me(board, window, viewer=viewer),),
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
