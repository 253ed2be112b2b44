"""The one door into the store console: every /console/<store>/ view goes through ``console_view``.

It turns the slug into the store for a member of its staff (anyone else gets
a 404, so another store's existence never leaks), attaches the membership to
the request, shows every date on the store's clock, and refuses writes while
the store is read-only (a lapsed plan keeps its data but takes no writes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from accounts.requests import AuthenticatedHttpRequest
from retailers.models import Membership, Retailer
from retailers.tenancy import membership_for_staff


class ConsoleRequest(AuthenticatedHttpRequest):
    """A request that passed ``console_view``: a logged-in member of the store's staff."""

    membership: Membership


ConsoleView = Callable[..., HttpResponseBase]


def console_view(
    *, owner_only: bool = False, writes_when_read_only: bool = False
) -> Callable[[ConsoleView], ConsoleView]:
    """Decorate a console view; it receives the store in place of the slug.

    ``owner_only``: staff who are not owners get the same 404 as strangers.
    ``writes_when_read_only``: the view's POSTs only take access away (removing
    staff, withdrawing an invitation), which a lapsed store must still be able
    to do; every other write is refused with a 403 page that says why.
    """

    def decorate(view: ConsoleView) -> ConsoleView:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = membership_for_staff(request.user, slug, owner_only=owner_only)
            store = membership.retailer
            request.membership = membership  # type: ignore[attr-defined]
            with timezone.override(store.zone):
                if request.method == "POST" and not writes_when_read_only and store.is_read_only():
                    return read_only_refusal(request, store)
                return view(request, store, *args, **kwargs)

        return wrapper

    return decorate


def read_only_refusal(request: HttpRequest, store: Retailer) -> HttpResponse:
    return render(request, "console/read_only.html", {"store": store}, status=403)
