"""Liveness and readiness probes for the load balancer and the platform.

``/healthz`` answers whenever the process serves requests, and touches
neither the database nor the cache, so it stays fast through their outages.
``/readyz`` also reaches the database, the cache and (outside the embedded
default) the Celery broker, so the load balancer stops sending traffic to an
instance that cannot do its work. Each check is bounded: the database by the
pool timeout (or at once while its circuit breaker is open), Redis by its
socket timeout, the broker by ``BROKER_CONNECT_TIMEOUT_SECONDS``. A failed
check logs one line, without a traceback, since probes repeat every few
seconds through an outage. ``/metrics`` comes from django-prometheus (see
golfshots/urls.py). ``/ping`` is /healthz through the whole middleware stack,
for the benchmarks (see ``ping``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Long enough for a busy broker on the same network, short enough that a
# probe answers before the platform's own probe timeout.
BROKER_CONNECT_TIMEOUT_SECONDS = 2.0


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests; checks nothing else on purpose."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    """ "pong", after every middleware: the benchmarks' full-stack bare view.

    /healthz is answered by ``PlatformEndpointsMiddleware`` before the rest of
    the stack (host check, HTTPS redirect, security headers, session, CSRF,
    auth, messages, axes), so a page measured against it carries the
    middleware's cost as if it were the page's. This view goes through all of
    it and does nothing else (no template, no query, no cache), so "% of
    bare" against it is what a page itself costs (bench/harness.py,
    ``BARE_VIEWS``).

    On in production too: it tells no more than /healthz (that the process
    serves requests), answers a constant four bytes, and, unlike /healthz,
    only for an allowed host over HTTPS. An anonymous request reads no session
    row and no user, so it costs no query (golfshots/tests/test_ping.py).
    """
    return HttpResponse(b"pong", content_type="text/plain; charset=utf-8")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:
        logger.warning("readyz: database check failed: %s", _one_line(error))
        return False


def _cache_ok() -> bool:
    # The Redis cache ignores errors (fail-open), so a get/set round trip would
    # "succeed" with Redis down; ask the client for a PING instead.
    try:
        if settings.REDIS_URL:
            from django_redis import get_redis_connection

            return bool(get_redis_connection("default").ping())
        cache.set("readyz", "1", 5)
        return cache.get("readyz") == "1"
    except Exception as error:
        logger.warning("readyz: cache check failed: %s", _one_line(error))
        return False


def _broker_ok() -> bool:
    from golfshots.celery import app, broker_breaker

    if not broker_breaker(app.conf.broker_url).is_closed:
        # A publish failed a moment ago; connecting now could wait the timeout.
        logger.warning("readyz: broker check failed: it did not answer a moment ago")
        return False
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, timeout=BROKER_CONNECT_TIMEOUT_SECONDS
            )
        return True
    except Exception as error:
        logger.warning("readyz: broker check failed: %s", _one_line(error))
        return False


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    # The embedded default runs tasks in-process: there is no broker to reach.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _broker_ok()
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
