"""The API's throttles: anonymous callers by the one trusted-proxy rule, golfers by account.

A module of its own because REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES names
it: DRF imports it while rest_framework.views is still loading, so it must
not import any view (accounts.api imports simplejwt's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts.requests import client_ip

if TYPE_CHECKING:
    from rest_framework.views import APIView


class ClientAddressAnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, keyed by accounts.requests.client_ip.

    DRF's own key is the whole X-Forwarded-For header when there is one, so a
    new made-up value was a new client.
    """

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""


class SignedInUserThrottle(UserRateThrottle):
    """DRF's per-user throttle for signed-in callers only.

    DRF's own also counts anonymous callers, by its X-Forwarded-For key, at
    the user rate: two more Redis trips on every public board read for a
    limit that ClientAddressAnonThrottle's stricter one already enforces.
    """

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # not throttled here: the anonymous throttle counts these
        return super().get_cache_key(request, view)
