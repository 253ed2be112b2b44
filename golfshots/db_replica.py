"""Reads that may go to the read replica, and fall back to the primary when it is down.

The router (golfshots/db_router.py) never sends a read to the replica on its
own; a read that can live with a lagging copy (analytics) asks for it here:
``read_with_replica_fallback(lambda using: ...)`` runs on the replica when one
is configured, and again on the primary if the replica is unreachable. A
failed replica is then skipped for ``REPLICA_RETRY_AFTER_SECONDS``, so an
outage costs one connect timeout, not one per page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connections

from golfshots.db_router import REPLICA_ALIAS

__all__ = [
    "REPLICA_ALIAS",
    "REPLICA_RETRY_AFTER_SECONDS",
    "analytics_database",
    "read_with_replica_fallback",
    "replica_mark_up",
]

logger = logging.getLogger(__name__)

# After a failed replica read, use the primary for this long before trying
# the replica again.
REPLICA_RETRY_AFTER_SECONDS = 30.0

Result = TypeVar("Result")

_replica_down_until = 0.0


def analytics_database() -> str:
    """The alias analytics read from: the replica when configured and not known down."""
    if REPLICA_ALIAS in connections.settings and time.monotonic() >= _replica_down_until:
        return REPLICA_ALIAS
    return "default"


def read_with_replica_fallback(read: Callable[[str], Result]) -> Result:
    """``read(alias)`` on the analytics database, again on the primary if the replica fails."""
    global _replica_down_until
    using = analytics_database()
    if using == "default":
        return read("default")
    try:
        return read(using)
    except OperationalError:
        logger.warning("Analytics replica unreachable; reading from the primary", exc_info=True)
        _replica_down_until = time.monotonic() + REPLICA_RETRY_AFTER_SECONDS
        # Drop the broken connection so the next try after the pause starts clean.
        connections[using].close()
        return read("default")


def replica_mark_up() -> None:
    """Forget a remembered replica outage (tests, and after a failover)."""
    global _replica_down_until
    _replica_down_until = 0.0
