"""Golfer analytics in the cache, invalidated by version bumps.

Mirrors leaderboards/cache.py: each golfer has a version number in the
cache, every cached answer carries it in its key, and a change to one of the
golfer's counted shots bumps it, so the next page is fresh with no key scans.
The version mechanics live in golfshots/versioned_cache.py; the version key
and the bumps every write calls live in golfshots/cache_scopes.py. Fails
open: with Redis down, answers come from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import TypeVar

from django.utils import timezone

from accounts.models import User
from analytics.queries import Analytics, Period, golfer_analytics
from golfshots.cache_scopes import analytics_version_key
from golfshots.versioned_cache import cached_versioned
from retailers.models import Retailer

# Long: the version bump, not the TTL, is what keeps analytics fresh.
ANALYTICS_CACHE_SECONDS = 24 * 60 * 60

Output = TypeVar("Output")


def cached_for_golfer(
    *, golfer_id: int, parts: Iterable[str], compute: Callable[[], Output]
) -> Output:
    """The cached output under the golfer's version and ``parts``, or ``compute()`` stored there.

    ``parts`` must name everything the output depends on besides the golfer's
    counted shots (period, club, store, timezone, units, rendering...).
    """
    return cached_versioned(
        version_key=analytics_version_key(golfer_id),
        parts=["an", str(golfer_id), *parts],
        compute=compute,
        timeout=ANALYTICS_CACHE_SECONDS,
    )


def analytics_key_parts(
    *, period: Period, club: str | None, retailer: Retailer | None, tz: tzinfo
) -> list[str]:
    return [
        period.key,
        club or "any",
        str(retailer.pk) if retailer is not None else "all",
        str(tz),
    ]


def cached_golfer_analytics(
    *,
    golfer: User,
    period: Period,
    club: str | None = None,
    retailer: Retailer | None = None,
    tz: tzinfo | None = None,
) -> Analytics:
    """``golfer_analytics``, cached per golfer, period, club, store and timezone."""
    tz = tz or timezone.get_current_timezone()
    return cached_for_golfer(
        golfer_id=golfer.pk,
        parts=["data", *analytics_key_parts(period=period, club=club, retailer=retailer, tz=tz)],
        compute=lambda: golfer_analytics(
            golfer=golfer, period=period, club=club, retailer=retailer, tz=tz
        ),
    )
