"""Local time that survives a moment at the very ends of the calendar.

``datetime.astimezone`` raises OverflowError when the local time would fall
before year 1 or after year 9999: 0001-01-01 00:00 UTC has no New York time.
Every way in refuses such a shot time now (``shots.validation.hit_at_problem``),
but a row stored before that check must not turn every page that shows it
into a 500, so pages and exports show such a moment in UTC instead.

``date`` and ``time`` here replace Django's template filters of the same names
for every template (``TEMPLATES["OPTIONS"]["builtins"]`` in settings): they do
what Django's do, converting to the active time zone (``{% timezone %}``
included) first, but fall back to UTC where that conversion overflows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.conf import settings
from django.template import defaultfilters
from django.utils import timezone

register = template.Library()


def localtime_or_utc(
    value: datetime.datetime, zone: datetime.tzinfo | None = None
) -> datetime.datetime:
    """``timezone.localtime(value, zone)``; the moment in UTC where that would overflow."""
    try:
        return timezone.localtime(value, zone)
    except OverflowError:
        return value.astimezone(datetime.UTC)


def _shown_locally(value: Any) -> Any:
    # What Django's template engine does before a filter that expects local
    # time (timezone.template_localtime), without its OverflowError.
    if (
        isinstance(value, datetime.datetime)
        and settings.USE_TZ
        and timezone.is_aware(value)
        and getattr(value, "convert_to_local_time", True)
    ):
        return localtime_or_utc(value)
    return value


@register.filter(is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter, for a moment at the ends of the calendar too."""
    return defaultfilters.date(_shown_locally(value), arg)


@register.filter(is_safe=False)
def time(value: Any, arg: str | None = None) -> str:
    """Django's ``time`` filter, for a moment at the ends of the calendar too."""
    return defaultfilters.time(_shown_locally(value), arg)
