from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.template.loader import render_to_string
from django.utils.functional import empty

from golfshots import monitoring
from golfshots.logs import new_request_id, request_id_bound

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("golfshots.request")

RETRY_AFTER_SECONDS = 5
FALLBACK_BODY = "The service is briefly unavailable. Please try again in a moment.\n"
# SQLSTATE class 54, "program limit exceeded" (a function given over 100
# arguments, an index row too large): psycopg files it under OperationalError,
# but it is what the request asked for, not an unreachable database.
_REQUEST_TOO_LARGE_SQLSTATE_CLASS = "54"


def is_database_outage(exception: BaseException) -> bool:
    """Whether a database error means "cannot reach or use the database right now".

    A lost or refused connection, a pool with no connection to give, a server
    shutting down: OperationalError and InterfaceError. Never bad input: a NUL
    byte or an out-of-range value is a DataError, a bad query a
    ProgrammingError; answering those "briefly unavailable" would hide a bug
    behind a retry that fails the same way.
    """
    if not isinstance(exception, OperationalError | InterfaceError):
        return False
    sqlstate = getattr(exception.__cause__, "sqlstate", None) or ""
    return not sqlstate.startswith(_REQUEST_TOO_LARGE_SQLSTATE_CLASS)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database cannot be reached, wherever it fails.

    A lost connection is an outage, not a bug in the page, so the visitor gets
    "try again shortly" instead of a 500: the 503 page, or under /api/ the JSON
    body golfshots.api.exception_handler gives inside DRF views.

    Django turns an exception raised inside any middleware into a 500 response
    before the middleware around it sees anything, so wrapping get_response
    alone misses a middleware reading ``request.user`` or saving the session.
    Three paths, then:

    - a view or its template raises: ``process_exception`` answers 503;
    - an inner middleware raises: Django sends ``got_request_exception`` while
      the exception is current; ``_note_outage`` marks the request, and
      ``__call__`` answers 503 instead of the 500 Django rendered;
    - the exception comes out of get_response (DEBUG_PROPAGATE_EXCEPTIONS):
      ``__call__`` catches it.

    MIDDLEWARE lists this outside the session, authentication and every
    middleware that reads them.
    """

    OUTAGE_KEY = "golfshots.database_outage"  # in request.META, set by _note_outage
    API_PREFIX = "/api/"
    API_BODY = {"detail": "The service is briefly unavailable. Please try again in a moment."}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            DatabaseUnavailableMiddleware._note_outage,
            weak=False,
            dispatch_uid="golfshots.middleware.DatabaseUnavailableMiddleware",
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exception:
            if not is_database_outage(exception):
                raise
            return self.outage_response(request, exception)
        outage = request.META.pop(self.OUTAGE_KEY, None)
        if outage is not None and response.status_code >= 500:
            return self.outage_response(request, outage)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        return self.outage_response(request, exception)

    @staticmethod
    def _note_outage(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
        exception = sys.exception()
        if request is not None and exception is not None and is_database_outage(exception):
            request.META[DatabaseUnavailableMiddleware.OUTAGE_KEY] = exception

    @classmethod
    def outage_response(cls, request: HttpRequest, exception: BaseException) -> HttpResponse:
        # One line, no traceback: every request of an outage comes here, and
        # the circuit breaker has logged the cause once when it opened.
        first_line = (str(exception).strip().splitlines() or [""])[0]
        logger.warning(
            "Database unavailable; answered 503 (%s: %s)", type(exception).__name__, first_line
        )
        response: HttpResponse
        if request.path_info.startswith(cls.API_PREFIX):
            response = JsonResponse(cls.API_BODY, status=503)
        else:
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


# C0 control characters and DEL. No page's address or query has one; a NUL
# reaching PostgreSQL is refused ("text fields cannot contain NUL"), and the
# others only smuggle line breaks into logs and redirects.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BYTE = re.compile(rb"[\x00-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = (
    "The address contains a control character (such as a NUL byte, %00), "
    "which no address here uses. Check the link."
)
INCOMPLETE_BODY_MESSAGE = (
    "The request's body stopped arriving before its Content-Length was reached. "
    "Send the request again."
)


class BadInputMiddleware:
    """Answer 400 for requests that no page can serve, before they cost a query or a 500.

    - A path or query string with a control character: checked before any
      view (and before the session and user are read), so ``/s/al%00pha/``
      or ``?q=%00`` never reaches a query. Bodies are the forms' and
      serializers' job: Django's and DRF's CharField refuse NUL, and
      golfshots.parsers refuses it anywhere in a JSON body; a tab or a line
      break is fine in a body's free text.
    - A body that stops arriving: the read times out (golfshots.gunicorn_hooks)
      or the client goes away, and Django raises UnreadablePostError where the
      view reads it. The client's fault, not a bug of ours: 400, logged as a warning.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if _CONTROL_CHARACTER.search(request.path_info) or (
            query and _CONTROL_BYTE.search(unquote_to_bytes(query))
        ):
            return _bad_request(request, CONTROL_CHARACTER_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UnreadablePostError):
            return None
        logger.warning("Request body incomplete: %s", exception or "read failed")
        return _bad_request(request, INCOMPLETE_BODY_MESSAGE)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
