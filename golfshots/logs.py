"""Log lines an operator can search: one JSON object per line, each with a request id.

The request id is set once per web request (RequestLogMiddleware) or per task
(analyze_shot receives the id of the request that uploaded the photo) and
every log record written meanwhile carries it, so one id finds the upload,
its analysis and anything either logged.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

_request_id: ContextVar[str] = ContextVar("request_id", default="")

# A caller-supplied X-Request-ID is kept only if it cannot break a log line
# or a header: letters, digits and a little punctuation, of sensible length.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current_request_id() -> str:
    return _request_id.get()


def new_request_id(supplied: str = "") -> str:
    if supplied and _ACCEPTABLE_REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(request_id: str) -> Iterator[str]:
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id ("" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """time, level, logger, pid, message, then whatever the call passed in ``extra``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "rename_fields",
            {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        )
        super().__init__("{asctime}{levelname}{name}{process}{message}", *args, style="{", **kwargs)
