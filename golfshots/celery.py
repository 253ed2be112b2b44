"""The Celery app, whose tasks publish through a circuit breaker.

With the broker hung, each enqueue waited its socket timeout on every try
(4 s for one analysis). Every task's ``apply_async`` (``delay`` included)
goes through :class:`BreakerTask`: after one failed publish the breaker for
that server opens and publishes raise :class:`BrokerUnavailable` at once,
which the callers already handle as a broker outage (``shots.tasks``: the
shot stays stored as received and the sweeper sends it later). When the
broker is the cache's Redis, cache and broker share one breaker
(golfshots/redis_breaker.py), so either noticing the hang spares the other.
"""

import os
from typing import Any
from urllib.parse import urlsplit

from celery import Celery, Task
from django.conf import settings
from kombu.exceptions import OperationalError

from golfshots.circuit_breaker import Admission, CircuitBreaker, breaker_for

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")

# Errors that mean the broker did not take the message. kombu turns the
# transport's connection errors into OperationalError once its retries are spent.
BROKER_UNREACHABLE = (OperationalError, ConnectionError, TimeoutError, OSError)


class BrokerUnavailable(OperationalError):
    """Not published: the broker did not answer a moment ago."""


def broker_breaker(broker_url: str) -> CircuitBreaker:
    parts = urlsplit(broker_url)
    is_redis = parts.scheme in {"redis", "rediss"}
    default_port = 6379 if is_redis else 5672
    address = f"{parts.hostname or 'localhost'}:{parts.port or default_port}"
    return breaker_for(
        kind="redis" if is_redis else "broker",
        address=address,
        open_seconds=settings.REDIS_BREAKER_SECONDS,
    )


class BreakerTask(Task):
    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        if self.app.conf.task_always_eager or not self.app.conf.broker_url:
            return super().apply_async(*args, **kwargs)
        breaker = broker_breaker(self.app.conf.broker_url)
        if breaker.admit() is Admission.SKIP:
            raise BrokerUnavailable(f"{breaker.target} skipped: it did not answer a moment ago")
        try:
            result = super().apply_async(*args, **kwargs)
        except BROKER_UNREACHABLE as error:
            breaker.failed(error)
            raise
        breaker.succeeded()
        return result


app = Celery("golfshots", task_cls=BreakerTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
