"""The Redis client of the cache, with a circuit breaker around every command.

django-redis builds its raw client from ``CACHES["default"]["OPTIONS"]
["REDIS_CLIENT_CLASS"]``; this one sends every command, pipeline and lock
through the process's breaker for that Redis server (golfshots/circuit_breaker.py).
A hung Redis then costs one socket timeout, not one per cache call: after the
first timeout the breaker opens and commands raise :class:`RedisSkipped` at
once, which django-redis turns into a cache miss (``IGNORE_EXCEPTIONS``).

The Celery broker uses the same breaker when it is the same server
(golfshots/celery.py), so a hung Redis stops both the cache and enqueueing
from waiting on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from redis import Redis
from redis.client import Pipeline
from redis.connection import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from golfshots.circuit_breaker import Admission, CircuitBreaker, breaker_for

Result = TypeVar("Result")

# What says the server is unreachable. An error reply (ResponseError) means it
# answered, so it does not open the breaker.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisSkipped(RedisConnectionError):
    """The command was not sent: the breaker for this Redis is open."""


def redis_breaker(address: str, pool: ConnectionPool | None = None) -> CircuitBreaker:
    """The breaker for the Redis server at ``host:port`` (or a socket path).

    With ``pool``, the breaker probes with a PING of its own, on a thread,
    so a request never waits on a hung Redis twice.
    """
    return breaker_for(
        kind="redis",
        address=address,
        open_seconds=settings.REDIS_BREAKER_SECONDS,
        probe=(lambda: Redis(connection_pool=pool).ping()) if pool is not None else None,
    )


def redis_url_address(url: str) -> str:
    """``host:port`` of a redis:// or rediss:// URL, as :func:`redis_breaker` names servers."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def _pool_address(pool: ConnectionPool) -> str:
    kwargs = pool.connection_kwargs
    if kwargs.get("path"):
        return str(kwargs["path"])
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def guarded(breaker: CircuitBreaker, call: Callable[[], Result]) -> Result:
    """``call()`` unless the breaker is open; its outcome opens or closes the breaker."""
    if breaker.admit() is Admission.SKIP:
        raise RedisSkipped(f"{breaker.target} skipped: it did not answer a moment ago")
    try:
        result = call()
    except UNREACHABLE as error:
        breaker.failed(error)
        raise
    except Exception:
        breaker.succeeded()  # an error reply still is an answer
        raise
    breaker.succeeded()
    return result


class BreakerPipeline(Pipeline):
    """A pipeline (set_many, delete_many) sent through the breaker as one call."""

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        breaker = redis_breaker(_pool_address(self.connection_pool), self.connection_pool)
        return guarded(breaker, lambda: super(BreakerPipeline, self).execute(raise_on_error))


class BreakerRedis(Redis):
    """redis.Redis whose commands go through the breaker of its server."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        breaker = redis_breaker(_pool_address(self.connection_pool), self.connection_pool)
        return guarded(breaker, lambda: super(BreakerRedis, self).execute_command(*args, **options))

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return BreakerPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
