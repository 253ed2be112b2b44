"""What a request says about who sent it: the signed-in user, typed; the client's address.

Django and DRF type ``request.user`` as ``User | AnonymousUser``. Behind
``@login_required`` (HTML views) or an authenticating permission class (the
API's default ``IsAuthenticated``) it is always a ``User``; these say so once,
so views need no check or cast at every use.

``client_ip`` is the one rule for the client's address (log-in lockout, the
token endpoint's throttle): read it nowhere else.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import cast

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of an HTML view behind ``@login_required``: annotate ``request`` with it."""

    user: User


def api_user(request: Request) -> User:
    """The signed-in user of an API request that passed an authenticating permission class."""
    return cast(User, request.user)


def _parsed(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted_proxy(peer: IPv4Address | IPv6Address) -> bool:
    trusted = settings.FORWARDED_ALLOW_IPS
    return trusted == "*" or any(peer in network for network in trusted)


def client_ip(request: HttpRequest | Request) -> str | None:
    """The address of the client that sent ``request``, as far as it can be trusted.

    The peer (``REMOTE_ADDR``) is the client, unless it is one of our proxies
    (``FORWARDED_ALLOW_IPS``, the list gunicorn trusts with X-Forwarded-*).
    Then the client is the address that the outermost of our
    ``TRUSTED_PROXY_HOPS`` proxies appended to X-Forwarded-For, counted from
    the right: everything left of it was written by the client and is
    ignored, so a made-up X-Forwarded-For names no one new.
    """
    meta = request.META
    peer = _parsed(meta.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if not forwarded or hops == 0 or not _is_trusted_proxy(peer):
        return str(peer)
    chain = forwarded.split(",")
    # Fewer entries than proxies: a proxy that forwards without appending.
    # The leftmost entry is then the best there is, and still written by a proxy.
    client = _parsed(chain[-min(hops, len(chain))])
    # A proxy wrote it, so garbage means a misconfigured proxy: fall back to the peer.
    return str(client) if client is not None else str(peer)
