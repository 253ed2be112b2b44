"""Shared REST framework pieces: pagination and the JSON error handler."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus a JSON 503 when the database is unreachable.

    Every error body has a ``detail`` message a person can read; validation
    errors keep DRF's ``{"field": ["message"]}`` shape.
    """
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, DatabaseError):
        logger.exception("Database unavailable while serving the API")
        return Response(
            {"detail": "The service is briefly unavailable. Please try again in a moment."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return None
