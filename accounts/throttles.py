"""The API's anonymous throttle, keyed by the one trusted-proxy rule.

A module of its own because REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES names
it: DRF imports it while rest_framework.views is still loading, so it must
not import any view (accounts.api imports simplejwt's).
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from accounts.requests import client_ip


class ClientAddressAnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, keyed by accounts.requests.client_ip.

    DRF's own key is the whole X-Forwarded-For header when there is one, so a
    new made-up value was a new client.
    """

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""
