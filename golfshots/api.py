"""Shared REST framework pieces: pagination and the JSON error handler."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from golfshots.middleware import is_database_outage

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
    # Only an outage is "briefly unavailable": bad input that PostgreSQL
    # refuses (a DataError) would fail the same way on every retry.
    if is_database_outage(exc):
        # One line, no traceback, as the middleware's 503: every API request
        # of an outage comes here, and the circuit breaker logged the cause.
        first_line = (str(exc).strip().splitlines() or [""])[0]
        logger.warning(
            "Database unavailable; the API answered 503 (%s: %s)", type(exc).__name__, first_line
        )
        return Response(
            {"detail": "The service is briefly unavailable. Please try again in a moment."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return None


# Answers any operation may give besides its own (DRF raises them for every view):
# bad input, no or bad credentials, not allowed, not found (also a page past the
# end), an unsupported body type, throttled, the database briefly unreachable.
COMMON_ERRORS = {
    "400": "The request is not valid; the body says what to change.",
    "401": "No valid credentials (a JWT or a session).",
    "403": "Not allowed for this account.",
    "404": "No such object or page.",
    "415": "A body in a media type the operation does not take.",
    "429": "Too many requests; wait for Retry-After seconds.",
    "503": "The service is briefly unavailable; retry after Retry-After seconds.",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person."}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": 'Per field, what is wrong with it: {"field": ["message"]}; problems with '
    'the request as a whole under "non_field_errors", or a "detail" message.',
    "additionalProperties": {},
}


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: the error answers of every operation, in the schema.

    Without them the schema promises only the success answers, and a client (or
    schemathesis's status-code check) cannot tell an error from a broken answer.
    An operation's own description of an error wins.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                if code == "415" and "requestBody" not in operation:
                    continue
                component = "ValidationError" if code == "400" else "Error"
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                    },
                )
    return result
