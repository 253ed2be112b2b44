from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import empty

from golfshots import monitoring
from golfshots.logs import new_request_id, request_id_bound

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("golfshots.request")

RETRY_AFTER_SECONDS = 5
FALLBACK_BODY = "The service is briefly unavailable. Please try again in a moment.\n"


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database cannot be reached.

    A lost connection is an outage, not a bug in the page, so the visitor gets
    "try again shortly" instead of a 500. The REST API has its own JSON answer
    in golfshots.api.exception_handler.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable", exc_info=exception)
        try:
            # No request: context processors would reach for the session and
            # the user, which live in the database that just failed.
            response = HttpResponse(render_to_string("503.html", request=None), status=503)
        except Exception:
            # A broken error page must not turn an outage into a 500.
            logger.exception("Could not render 503.html")
            response = HttpResponse(FALLBACK_BODY, status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class RequestLogMiddleware:
    """One log line per request, under a request id the response also carries.

    Outermost in MIDDLEWARE, so the duration covers every other middleware
    and the id is bound before anything else logs. The id is the caller's
    X-Request-ID when it looks like one (a router or a client retrying),
    otherwise a new one; analyze_shot receives it with the shot. On the way
    out it also refreshes this process's gauges (memory, pool use), which
    must be current whenever the next scrape comes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get("X-Request-ID", ""))
        started = time.perf_counter()
        with request_id_bound(request_id):
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s %.0fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                    "user_id": _user_id(request),
                },
            )
            monitoring.observe_process(role="web")
        return response


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    # request.user is lazy: a page that never looked at it must not pay a
    # session and user query just for the log line.
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class PlatformEndpointsMiddleware:
    """Answer /healthz, /readyz and /metrics before host checks and HTTPS redirects.

    The platform's health checker and Prometheus reach each instance by its
    private address, which is not (and should not be) in ALLOWED_HOSTS, and
    over plain HTTP inside the platform. These views build nothing from the
    Host header (no links, no redirects), so answering them for any host is
    safe; /metrics keeps its own token check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        from golfshots import health, views

        self.endpoints: dict[str, Callable[[HttpRequest], HttpResponse]] = {
            "/healthz": health.healthz,
            "/readyz": health.readyz,
            "/metrics": views.metrics,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = self.endpoints.get(request.path_info)
        if endpoint is not None:
            return endpoint(request)
        return self.get_response(request)
