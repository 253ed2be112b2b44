from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

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
