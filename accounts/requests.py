"""Requests whose user is known to be signed in, typed as such.

Django and DRF type ``request.user`` as ``User | AnonymousUser``. Behind
``@login_required`` (HTML views) or an authenticating permission class (the
API's default ``IsAuthenticated``) it is always a ``User``; these say so once,
so views need no check or cast at every use.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of an HTML view behind ``@login_required``: annotate ``request`` with it."""

    user: User


def api_user(request: Request) -> User:
    """The signed-in user of an API request that passed an authenticating permission class."""
    return cast(User, request.user)
