"""PostgreSQL (django-prometheus' instrumented backend) with a circuit breaker.

With PostgreSQL down, every request used to wait the whole pool timeout for
a connection that could not come: with two sync workers, even /healthz and
cached pages waited about 10 s. Here a connection that cannot be had opens
the breaker for ``DB_BREAKER_SECONDS`` (golfshots/circuit_breaker.py):
meanwhile a request that needs the database fails at once (503 with
Retry-After, golfshots.middleware.DatabaseUnavailableMiddleware), and then
one request probes.

The probe opens a plain connection instead of asking the pool: after an
outage the pool's own reconnect attempts back off (1, 2, 4… s), so it could
keep a request waiting well after PostgreSQL is back, and a refused
connection answers at once while the pool would wait its full timeout. Once
the probe connects, the old pool (still backing off) is replaced by a fresh
one, so the first requests after the outage get connections at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_prometheus.db.backends.postgresql.base import (
    DatabaseWrapper as PrometheusDatabaseWrapper,
)
from psycopg import OperationalError
from psycopg_pool import PoolTimeout

from golfshots.circuit_breaker import Admission, CircuitBreaker, breaker_for


class DatabaseUnreachable(OperationalError):
    """Not tried: the breaker for this database is open."""


class DatabaseWrapper(PrometheusDatabaseWrapper):
    def breaker(self) -> CircuitBreaker:
        db = self.settings_dict
        address = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME'] or ''}"
        return breaker_for(
            kind="database", address=address, open_seconds=settings.DB_BREAKER_SECONDS
        )

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        breaker = self.breaker()
        admission = breaker.admit()
        if admission is Admission.SKIP:
            raise DatabaseUnreachable(
                f"{breaker.target} did not answer a moment ago; not retried yet"
            )
        try:
            if admission is Admission.PROBE and self.pool is not None:
                self.Database.connect(**conn_params).close()
                breaker.succeeded()
                self.close_pool()  # the next self.pool is a fresh one
            connection = super().get_new_connection(conn_params)
        except OperationalError as error:  # PoolTimeout is one too
            if not self._pool_is_busy(error):
                breaker.failed(error)
            raise
        breaker.succeeded()
        return connection

    def _pool_is_busy(self, error: OperationalError) -> bool:
        """A pool timeout with every connection in use: load, not an outage."""
        if not isinstance(error, PoolTimeout) or self.pool is None:
            return False
        stats = self.pool.get_stats()
        return stats.get("pool_size", 0) >= stats.get("pool_max", 1)
