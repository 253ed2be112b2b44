from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from golfshots.middleware import is_database_outage


class UserTimezoneMiddleware:
    """Show dates in the signed-in golfer's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # override(), not activate(): the zone ends with the request, so nothing
        # run after it on this thread (the next test, an eager task) inherits it.
        with timezone.override(self._zone_of(request)):
            return self.get_response(request)

    @staticmethod
    def _zone_of(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
        try:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated or not user.timezone:
                return None  # the default zone
        except Exception as error:
            # The zone is a nicety: with the database unreachable the page must
            # not fail here, where Django would answer 500. The view reads
            # request.user again (it is not cached after a failure), and that
            # failure answers 503 through DatabaseUnavailableMiddleware; a page
            # that needs no database is served in the default zone.
            if is_database_outage(error):
                return None
            raise
        try:
            return zoneinfo.ZoneInfo(user.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None
