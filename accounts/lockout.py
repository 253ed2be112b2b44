"""Log-in lockout through django-axes: two limits, and what a locked-out client is told.

Every log-in (the HTML page, Django admin, the API's token endpoint) goes
through ``authenticate()``, where axes counts failures in the database (so a
Redis outage neither unlocks anyone nor breaks log-in). Axes compares one
count with one limit; ``LoginLockoutHandler`` gives it two:

- a username from one address: ``AXES_FAILURE_LIMIT`` failures (someone
  guessing one account's password);
- one address, whatever the usernames: ``LOGIN_FAILURE_LIMIT_PER_ADDRESS``
  (someone trying a password on many accounts).

Failures count for ``AXES_COOLOFF_TIME`` after the last one; the address is
``accounts.requests.client_ip``. Operators unlock with axes' commands
(docs/operations.md, "Account security").
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.request import Request


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check that refuses a locked-out log-in, first in AUTHENTICATION_BACKENDS."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            # Code signing someone in (the test client's login(), a shell), not
            # a log-in form or the token endpoint, which always pass the
            # request: there is no client address to count against. Axes
            # itself would refuse with an error.
            return None
        return super().authenticate(request, username, password, **kwargs)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per username and address, and one per address."""

    def _recent(
        self, request: Any, credentials: dict | None
    ) -> tuple[QuerySet[AccessAttempt], QuerySet[AccessAttempt]]:
        """This client's failures still counting: for this username, and for any."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = recent.filter(ip_address=request.axes_ip_address)
        username = get_client_username(request, credentials)
        return from_address.filter(username=username), from_address

    @staticmethod
    def _count(attempts: QuerySet[AccessAttempt]) -> int:
        # One row per (username, address, user agent): a new User-Agent header
        # adds a row, not a fresh count.
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        pair, address = self._recent(request, credentials)
        # Axes locks when this number reaches AXES_FAILURE_LIMIT (the pair's
        # limit); the address reaches it when its own count is as far above.
        offset = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS - settings.AXES_FAILURE_LIMIT
        return max(self._count(pair), self._count(address) - offset)

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        """After a successful log-in, forget that username's failures from this address only.

        Axes would also clear the address's count, so anyone could reset it
        between guesses by logging in to an account of their own.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

    def unlocks_in(self, request: Any, credentials: dict | None = None) -> timedelta:
        """How long until this client may try again (the longest of the limits it reached)."""
        cool_off = get_cool_off(request) or timedelta(0)
        pair, address = self._recent(request, credentials)
        latest = [
            attempts.aggregate(latest=Max("attempt_time"))["latest"]
            for attempts, limit in (
                (pair, settings.AXES_FAILURE_LIMIT),
                (address, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
            )
            if self._count(attempts) >= limit
        ]
        last = max((moment for moment in latest if moment is not None), default=None)
        if last is None:
            return cool_off
        return max(last + cool_off - timezone.now(), timedelta(0))


def lockout_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed log-ins; try again in {minutes} {unit}."


def lockout_wait(request: HttpRequest | Request, credentials: dict | None = None) -> timedelta:
    return LoginLockoutHandler().unlocks_in(request, credentials)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the log-in page's answer (HTML or admin) while locked out."""
    wait = lockout_wait(request, credentials)
    response = render(
        request,
        "accounts/locked_out.html",
        {"message": lockout_message(wait)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
    return response
