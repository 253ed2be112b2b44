"""The golfer's "My game" analytics pages: one period with charts, and two periods compared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.models import User
from retailers.models import Retailer
from shots.analytics import (
    PERIOD_DAYS,
    Analytics,
    Period,
    analytics_key_parts,
    cached_for_golfer,
    cached_golfer_analytics,
    carry_personal_bests,
    period_between,
    period_last_days,
)
from shots.analytics_api import ALL_TIME, ANALYTICS_CLUBS, MAX_RANGE_DAYS
from shots.metrics import METRICS_BY_NAME
from shots.models import Club

DAYS_CHOICES = [
    *((str(days), f"Last {days} days") for days in PERIOD_DAYS),
    (ALL_TIME, "All time"),
]
CLUB_LABELS = dict(Club.choices)
CLUB_CHOICES = [("", "All clubs"), *((club, CLUB_LABELS[club]) for club in ANALYTICS_CLUBS)]
# The per-club differences the comparison shows: (label, metric, statistic).
COMPARED = (
    ("Stock carry", "carry", "stock"),
    ("Ball speed", "ball_speed", "mean"),
    ("Spin rate", "spin_rate", "mean"),
    ("Smash factor", "smash_factor", "mean"),
    ("Carry spread (σ)", "carry", "stdev"),
)


def _check_range(form: forms.Form, start_field: str, end_field: str) -> None:
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if (start is None) != (end is None):
        form.add_error(end_field if start else start_field, "Give both dates, or neither.")
    elif start is not None and end < start:
        form.add_error(end_field, "The period ends before it starts.")
    elif start is not None and (end - start).days > MAX_RANGE_DAYS:
        form.add_error(start_field, "That range is longer than 20 years.")


class AnalyticsPeriodForm(forms.Form):
    days = forms.ChoiceField(label="Period", choices=DAYS_CHOICES, required=False, initial="30")
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    club = forms.ChoiceField(label="Club", choices=CLUB_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_range(self, "start", "end")
        return cleaned

    def period(self) -> Period:
        tz = timezone.get_current_timezone()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start"):
            return period_between(data["start"], data["end"], tz=tz)
        days = data.get("days") or "30"
        return period_last_days(None if days == ALL_TIME else int(days), tz=tz)


class ComparePeriodsForm(forms.Form):
    before_start = forms.DateField(label="Before: from", widget=forms.DateInput({"type": "date"}))
    before_end = forms.DateField(label="Before: to", widget=forms.DateInput({"type": "date"}))
    after_start = forms.DateField(label="After: from", widget=forms.DateInput({"type": "date"}))
    after_end = forms.DateField(label="After: to", widget=forms.DateInput({"type": "date"}))
    club = forms.ChoiceField(label="Club", choices=CLUB_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_range(self, "before_start", "before_end")
        _check_range(self, "after_start", "after_end")
        return cleaned


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
        cells = {"carry": [], "ball_speed": []}
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
    so staff see only shots hit there, and the store's bests.
    """
    period = form.period()
    club = (form.cleaned_data.get("club") if form.is_bound and form.is_valid() else None) or None
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
        }
        html = render_to_string("shots/_analytics_body.html", context, request=request)
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


@login_required
def my_game(request: HttpRequest) -> HttpResponse:
    form = AnalyticsPeriodForm(request.GET or None)
    body = analytics_page_body(
        request, golfer=request.user, form=form, metric_units=request.user.uses_metric
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "shots/analytics.html", {"body": body}, status=status)


@login_required
def compare_periods(request: HttpRequest) -> HttpResponse:
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
        return render(request, "shots/analytics_compare.html", {"form": form, "rows": None})
    if not form.is_valid():
        return render(
            request, "shots/analytics_compare.html", {"form": form, "rows": None}, status=400
        )
    data = form.cleaned_data
    tz = timezone.get_current_timezone()
    club = data.get("club") or None
    before = cached_golfer_analytics(
        golfer=request.user,
        period=period_between(data["before_start"], data["before_end"], tz=tz),
        club=club,
    )
    after = cached_golfer_analytics(
        golfer=request.user,
        period=period_between(data["after_start"], data["after_end"], tz=tz),
        club=club,
    )
    context = {
        "form": form,
        "rows": compare_rows(before, after),
        "before_range": (data["before_start"], data["before_end"]),
        "after_range": (data["after_start"], data["after_end"]),
    }
    return render(request, "shots/analytics_compare.html", context)


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


def _statistic(row: Any, metric: str, statistic: str) -> float | None:
    if row is None:
        return None
    return getattr(row.metrics[metric], statistic)
