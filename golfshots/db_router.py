"""The database router: the primary for everything, the analytics replica by explicit choice.

Analytics reads pick the "replica" alias themselves (``analytics.queries`` calls
``using()`` with the alias golfshots/db_replica.py chooses, and falls back to the
primary there), so the router never sends a read there on its own: a page that
reads its own write must not see a lagging replica. What the router does is
keep writes and migrations on the primary, even for rows read from the replica.
"""

from __future__ import annotations

from typing import Any

REPLICA_ALIAS = "replica"


class PrimaryReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # One database seen twice: rows from the replica are rows of the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica follows the primary's schema through replication.
        return False if db == REPLICA_ALIAS else None
