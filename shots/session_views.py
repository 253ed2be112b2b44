"""A golfer's practice sessions: the list, and one session's per-club statistics."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.requests import AuthenticatedHttpRequest
from shots import session_selectors


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = session_selectors.sessions_for_golfer(request.user)
    page = Paginator(sessions, settings.SHOTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shots/session_list.html", {"page": page})


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Another golfer's session is a 404, never a 403: its existence is private.
    session = get_object_or_404(session_selectors.sessions_for_golfer(request.user), pk=pk)
    stats = session_selectors.session_stats(session)
    records = session_selectors.session_records(session)
    return render(
        request,
        "shots/session_detail.html",
        {"session": session, "stats": stats, "records": records},
    )
