"""The golfer's "My game" analytics pages: one period with charts, and two periods compared.

Thin views: the forms are in analytics/forms.py, the conversion for the page
in analytics/presenters.py, and the numbers in analytics/queries.py (cached
by analytics/cache.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.requests import AuthenticatedHttpRequest
from analytics.cache import cached_golfer_analytics
from analytics.forms import AnalyticsPeriodForm, ComparePeriodsForm
from analytics.presenters import analytics_page_body, compare_rows
from analytics.queries import period_between
from retailers.units import shows_metric_units


@login_required
def my_game(request: AuthenticatedHttpRequest) -> HttpResponse:
    golfer = request.user
    form = AnalyticsPeriodForm(request.GET or None)
    body = analytics_page_body(
        request, golfer=golfer, form=form, metric_units=shows_metric_units(viewer=golfer)
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "analytics/my_game.html", {"body": body}, status=status)


@login_required
def compare_periods(request: AuthenticatedHttpRequest) -> HttpResponse:
    golfer = request.user
    metric_units = shows_metric_units(viewer=golfer)
    form = ComparePeriodsForm(request.GET or None)
    if not form.is_bound:
        # Default: the last 30 days against the 30 before them.
        today = timezone.localdate()
        form = ComparePeriodsForm(
            initial={
                "before_start": today - timedelta(days=59),
                "before_end": today - timedelta(days=30),
                "after_start": today - timedelta(days=29),
                "after_end": today,
            }
        )
    if not form.is_bound or not form.is_valid():
        return render(
            request,
            "analytics/compare.html",
            {"form": form, "rows": None, "metric_units": metric_units},
            status=400 if form.is_bound else 200,
        )
    data = form.cleaned_data
    tz = timezone.get_current_timezone()
    club = data.get("club") or None
    before = cached_golfer_analytics(
        golfer=golfer,
        period=period_between(data["before_start"], data["before_end"], tz=tz),
        club=club,
    )
    after = cached_golfer_analytics(
        golfer=golfer,
        period=period_between(data["after_start"], data["after_end"], tz=tz),
        club=club,
    )
    context: dict[str, Any] = {
        "form": form,
        "rows": compare_rows(before, after),
        "before_range": (data["before_start"], data["before_end"]),
        "after_range": (data["after_start"], data["after_end"]),
        "metric_units": metric_units,
    }
    return render(request, "analytics/compare.html", context)
