"""Filters for a golfer's shot list, shared by the HTML page and the API."""

from __future__ import annotations

import datetime
import zoneinfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from shots.models import Club, Shot, ShotStatus
from shots.validation import day_problem


def validate_shot_day(day: datetime.date) -> None:
    """A day within the shots' window: 9999-12-31 has no following day to end at.

    A bad day is a 400 naming the field in the API and an error beside the
    field on the HTML list (which then leaves that filter out).
    """
    problem = day_problem(day)
    if problem is not None:
        raise ValidationError(problem, code="out_of_range")


class ShotFilter(django_filters.FilterSet):
    """``?club=driver&club=7i&hit_after=2025-06-01&hit_before=2025-06-30&status=confirmed``.

    Dates are whole days in the requesting golfer's own time zone (UTC when
    there is no signed-in golfer or their zone is unknown), both ends inclusive.
    """

    # distinct=False: no joins here, so no duplicate rows, and DISTINCT over
    # every column would keep PostgreSQL from walking the recent-shots index.
    club = django_filters.MultipleChoiceFilter(choices=Club.choices, label="Club", distinct=False)
    # type="date" gives phones a date picker on the HTML list; the API ignores widgets.
    hit_after = django_filters.DateFilter(
        method="filter_hit_after",
        label="Hit on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_shot_day],
    )
    hit_before = django_filters.DateFilter(
        method="filter_hit_before",
        label="Hit on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_shot_day],
    )
    status = django_filters.ChoiceFilter(
        choices=ShotStatus.choices, empty_label="Any status", label="Status"
    )
    # The shots of one practice session (the session page links here). The
    # list is already the golfer's own, so another golfer's id finds nothing.
    session = django_filters.NumberFilter(
        field_name="session", label="Practice session id", widget=forms.HiddenInput
    )

    class Meta:
        model = Shot
        fields = ["club", "hit_after", "hit_before", "status", "session"]

    def filter_hit_after(
        self, queryset: QuerySet[Shot], name: str, value: datetime.date
    ) -> QuerySet[Shot]:
        return queryset.filter(hit_at__gte=self._start_of_day(value))

    def filter_hit_before(
        self, queryset: QuerySet[Shot], name: str, value: datetime.date
    ) -> QuerySet[Shot]:
        # Inclusive: everything before the start of the following day.
        return queryset.filter(hit_at__lt=self._start_of_day(value + datetime.timedelta(days=1)))

    def _start_of_day(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=self._golfer_timezone())

    def _golfer_timezone(self) -> datetime.tzinfo:
        # Read the zone from the user rather than the active Django time zone:
        # API requests authenticate with JWT inside DRF, after the middleware
        # that activates the golfer's zone has already run.
        user = getattr(self.request, "user", None)
        name = getattr(user, "timezone", "") if user is not None and user.is_authenticated else ""
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        return datetime.UTC


class ShotListFilter(ShotFilter):
    """The HTML list's filter: one club from a drop-down, which suits a phone better
    than the API's multiple choice."""

    club = django_filters.ChoiceFilter(choices=Club.choices, empty_label="Any club", label="Club")
    # A photo with no numbers is on its way out (typed in or discarded) and never
    # listed here, so the page offers no status that could only ever show nothing.
    status = django_filters.ChoiceFilter(
        choices=[choice for choice in ShotStatus.choices if choice[0] != ShotStatus.UNREADABLE],
        empty_label="Any status",
        label="Status",
    )
