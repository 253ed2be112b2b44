"""The period a golfer asks analytics for, checked the same way on the pages and in the API.

``date_range_problem`` is the one check of an explicit range of days: the
HTML forms here and ``AnalyticsQuerySerializer`` (analytics/api.py) both call
it, so a bad range gets the same message, and a 400, on either. The choice
of period itself (``requested_period``) is shared the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django import forms
from django.utils import timezone

from analytics.queries import (
    ANALYTICS_CLUBS,
    PERIOD_DAYS,
    Period,
    period_between,
    period_last_days,
)
from shots.models import Club
from shots.validation import day_problem

ALL_TIME = "all"
DEFAULT_DAYS = "30"
# The values of the ``days`` parameter: the last N days, or all time.
DAYS_VALUES: tuple[str, ...] = (*(str(days) for days in PERIOD_DAYS), ALL_TIME)
# A longer explicit range is almost certainly a typo in a year.
MAX_RANGE_YEARS = 20
MAX_RANGE_DAYS = MAX_RANGE_YEARS * 366

DAYS_CHOICES = [
    *((str(days), f"Last {days} days") for days in PERIOD_DAYS),
    (ALL_TIME, "All time"),
]
CLUB_CHOICES = [("", "All clubs"), *((club, dict(Club.choices)[club]) for club in ANALYTICS_CLUBS)]


@dataclass(frozen=True)
class RangeProblem:
    """What is wrong with a range of days, and which of its two dates the message belongs to."""

    at: Literal["start", "end"]
    message: str


def date_range_problem(start: date | None, end: date | None) -> RangeProblem | None:
    """The one check of an explicit range (first and last day, both included); None if fine.

    Both dates missing is fine: the caller falls back to "the last N days".
    Each date is within the shots' window (``shots.validation.day_problem``):
    9999-12-31 has no next day for the period to end at.
    """
    if start is None and end is None:
        return None
    if start is None:
        return RangeProblem("start", "Give both dates, or neither.")
    if end is None:
        return RangeProblem("end", "Give both dates, or neither.")
    start_problem, end_problem = day_problem(start), day_problem(end)
    if start_problem is not None:
        return RangeProblem("start", start_problem)
    if end_problem is not None:
        return RangeProblem("end", end_problem)
    if end < start:
        return RangeProblem("end", "The period ends before it starts.")
    if (end - start).days > MAX_RANGE_DAYS:
        return RangeProblem("start", f"That range is longer than {MAX_RANGE_YEARS} years.")
    return None


def requested_period(*, days: str | None, start: date | None, end: date | None) -> Period:
    """The range when one is given, else the last ``days`` local days ("all": all time)."""
    tz = timezone.get_current_timezone()
    if start is not None and end is not None:
        return period_between(start, end, tz=tz)
    days = days or DEFAULT_DAYS
    return period_last_days(None if days == ALL_TIME else int(days), tz=tz)


def _check_range(form: forms.Form, start_field: str, end_field: str) -> None:
    problem = date_range_problem(
        form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    )
    if problem is not None:
        form.add_error(start_field if problem.at == "start" else end_field, problem.message)


class AnalyticsPeriodForm(forms.Form):
    days = forms.ChoiceField(
        label="Period", choices=DAYS_CHOICES, required=False, initial=DEFAULT_DAYS
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    club = forms.ChoiceField(label="Club", choices=CLUB_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_range(self, "start", "end")
        return self.cleaned_data

    def period(self) -> Period:
        """The period asked for; the default one while the form is unbound or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return requested_period(days=data.get("days"), start=data.get("start"), end=data.get("end"))

    def chosen_club(self) -> str | None:
        """The club asked for; None (all clubs) while the form is unbound or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("club") or None


class ComparePeriodsForm(forms.Form):
    before_start = forms.DateField(label="Before: from", widget=forms.DateInput({"type": "date"}))
    before_end = forms.DateField(label="Before: to", widget=forms.DateInput({"type": "date"}))
    after_start = forms.DateField(label="After: from", widget=forms.DateInput({"type": "date"}))
    after_end = forms.DateField(label="After: to", widget=forms.DateInput({"type": "date"}))
    club = forms.ChoiceField(label="Club", choices=CLUB_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_range(self, "before_start", "before_end")
        _check_range(self, "after_start", "after_end")
        return self.cleaned_data
