"""``Analytics`` turned into what the templates and charts draw, in the viewer's units.

The numbers come from analytics/queries.py in canonical units; everything
here converts them for one page. ``analytics_page_body`` is the rendered
"My game" body, shared by the golfer's own page and the store console's view
of a customer, and cached per golfer like the numbers it shows.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.models import User
from analytics.cache import analytics_key_parts, cached_for_golfer, cached_golfer_analytics
from analytics.forms import AnalyticsPeriodForm
from analytics.queries import ANALYTICS_CLUBS, Analytics, ClubAnalytics, carry_personal_bests
from retailers.models import Retailer
from shots.metrics import METRICS_BY_NAME
from shots.models import Club

CLUB_LABELS = dict(Club.choices)
# The per-club differences the comparison shows: (label, metric, statistic).
COMPARED = (
    ("Stock carry", "carry", "stock"),
    ("Ball speed", "ball_speed", "mean"),
    ("Spin rate", "spin_rate", "mean"),
    ("Smash factor", "smash_factor", "mean"),
    ("Carry spread (σ)", "carry", "stdev"),
)


def _converted(
    metric: str, value: float | None, metric_units: bool, decimals: int = 2
) -> float | None:
    if value is None:
        return None
    return round(METRICS_BY_NAME[metric].from_canonical(value, metric=metric_units), decimals)


def _weekly_table(analytics: Analytics, *, metric_units: bool) -> list[dict[str, Any]]:
    """Week rows with one median per club (columns in ``analytics.clubs`` order), for the table."""
    weeks = sorted({point["week"] for row in analytics.clubs for point in row.trend})
    by_club = [{point["week"]: point for point in row.trend} for row in analytics.clubs]
    table = []
    for week in weeks:
        cells: dict[str, list[str]] = {"carry": [], "ball_speed": []}
        for points in by_club:
            point = points.get(week, {})
            for metric, values in cells.items():
                value = _converted(metric, point.get(metric), metric_units, 1)
                values.append("—" if value is None else f"{value:.1f}")
        table.append({"week": week, **cells})
    return table


def _chart_data(analytics: Analytics, *, metric_units: bool) -> dict[str, Any]:
    """What static/js/analytics.js draws, already in the viewer's units."""
    flagged = {gap.club for gap in analytics.gaps if gap.too_small or gap.too_large or gap.overlaps}
    flagged |= {
        gap.next_club for gap in analytics.gaps if gap.too_small or gap.too_large or gap.overlaps
    }

    def distance(value: float | None) -> float | None:
        return _converted("carry", value, metric_units)

    return {
        "units": {
            "distance": METRICS_BY_NAME["carry"].unit(metric=metric_units),
            "speed": METRICS_BY_NAME["ball_speed"].unit(metric=metric_units),
        },
        "clubs": [
            {
                "club": row.club,
                "label": row.label,
                "stock": distance(row.carry.stock),
                "p25": distance(row.carry.p25),
                "p75": distance(row.carry.p75),
                "flagged": row.club in flagged,
                "box": (
                    {key: distance(value) for key, value in row.dispersion.box.items()}
                    if row.dispersion.box
                    else None
                ),
                # One decimal and plain arrays: a golfer with 20 clubs has thousands of these.
                "points": [
                    [
                        _converted("carry", side, metric_units, 1),
                        _converted("carry", carry, metric_units, 1),
                    ]
                    for carry, side in row.points
                ],
                "trend": {
                    "weeks": [point["week"].isoformat() for point in row.trend],
                    "carry": [distance(point["carry"]) for point in row.trend],
                    "ball_speed": [
                        _converted("ball_speed", point["ball_speed"], metric_units)
                        for point in row.trend
                    ],
                },
            }
            for row in analytics.clubs
        ],
    }


def analytics_page_body(
    request: HttpRequest,
    *,
    golfer: User,
    form: AnalyticsPeriodForm,
    metric_units: bool,
    retailer: Retailer | None = None,
    bests: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The rendered "My game" body (form, tables, chart data), cached per golfer.

    The golfer's own page passes no store; the store console passes its store,
    so staff see only shots hit there, and the store's bests. ``metric_units``
    (retailers/units.py decides it) applies to the tables as to the charts.
    """
    period = form.period()
    club = form.chosen_club()
    tz = timezone.get_current_timezone()

    def render_body() -> dict[str, Any]:
        analytics = cached_golfer_analytics(
            golfer=golfer, period=period, club=club, retailer=retailer, tz=tz
        )
        context = {
            "form": form,
            "analytics": analytics,
            "bests": carry_personal_bests(golfer) if bests is None else bests,
            "chart_data": _chart_data(analytics, metric_units=metric_units),
            "gaps_by_club": {gap.club: gap for gap in analytics.gaps},
            "weekly": _weekly_table(analytics, metric_units=metric_units),
            "for_store": retailer,
            # The units the cache key names, for the metric tags too: not the
            # viewer's own preference when a store's page shows the body.
            "metric_units": metric_units,
        }
        html = render_to_string("analytics/_body.html", context, request=request)
        return {"html": mark_safe(html), "charts": bool(analytics.clubs)}

    if form.is_bound and not form.is_valid():
        # The errors belong to this request alone: shown with the default period, not cached.
        return render_body()
    # The rendered form, tables and chart data, not only the numbers: at 5,000
    # shots rendering them costs more than the queries did. A valid form
    # renders the same for the same period and club, which the key names.
    return cached_for_golfer(
        golfer_id=golfer.pk,
        parts=[
            "page",
            "metric" if metric_units else "imperial",
            *analytics_key_parts(period=period, club=club, retailer=retailer, tz=tz),
        ],
        compute=render_body,
    )


def compare_rows(before: Analytics, after: Analytics) -> list[dict[str, Any]]:
    """Per club in either period: before, after and the change of each compared statistic."""
    before_by_club = {row.club: row for row in before.clubs}
    after_by_club = {row.club: row for row in after.clubs}
    clubs = [club for club in ANALYTICS_CLUBS if club in before_by_club or club in after_by_club]
    rows = []
    for club in clubs:
        cells = []
        for label, metric, statistic in COMPARED:
            old = _statistic(before_by_club.get(club), metric, statistic)
            new = _statistic(after_by_club.get(club), metric, statistic)
            change = new - old if old is not None and new is not None else None
            cells.append(
                {"label": label, "metric": metric, "before": old, "after": new, "change": change}
            )
        rows.append(
            {
                "club": club,
                "label": CLUB_LABELS[club],
                "shots_before": before_by_club[club].shots if club in before_by_club else 0,
                "shots_after": after_by_club[club].shots if club in after_by_club else 0,
                "cells": cells,
            }
        )
    return rows


def _statistic(row: ClubAnalytics | None, metric: str, statistic: str) -> float | None:
    if row is None:
        return None
    return getattr(row.metrics[metric], statistic)
