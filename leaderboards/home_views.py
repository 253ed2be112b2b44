"""``/``: the golfer home for a signed-in golfer, the landing page for visitors.

Here, not in golfshots/, because the home reads shots, stores, boards and
events, and leaderboards/ is the lowest layer that may import all of them
(see leaderboards/home.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leaderboards.boards import CLUB_LABELS
from leaderboards.home import golfer_home
from retailers.units import shows_metric_units
from shots.metrics import METRICS_BY_NAME, format_value


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    home = golfer_home(request.user)
    metric_units = shows_metric_units(viewer=request.user)
    carry = METRICS_BY_NAME["carry"]
    ranks = [
        {
            "store": store,
            "value": format_value(carry, store.me.value, metric_units=metric_units)
            if store.me
            else "",
            "club": CLUB_LABELS.get(store.me.club, store.me.club) if store.me else "",
        }
        for store in home.stores
    ]
    return render(
        request,
        "home_golfer.html",
        {"home": home, "ranks": ranks, "metric_units": metric_units},
    )
