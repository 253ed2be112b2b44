"""One date-range check for the "My game" forms and the analytics API: same problem, same message."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from analytics.forms import (
    MAX_RANGE_DAYS,
    AnalyticsPeriodForm,
    ComparePeriodsForm,
    RangeProblem,
    date_range_problem,
)

JAN_1 = date(2026, 1, 1)
FEB_1 = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (None, None, None),
        (JAN_1, FEB_1, None),
        (JAN_1, JAN_1, None),
        (JAN_1, None, RangeProblem("end", "Give both dates, or neither.")),
        (None, FEB_1, RangeProblem("start", "Give both dates, or neither.")),
        (FEB_1, JAN_1, RangeProblem("end", "The period ends before it starts.")),
        (
            date(2000, 1, 1),
            date(2026, 1, 1),
            RangeProblem("start", "That range is longer than 20 years."),
        ),
    ],
)
def test_it_names_the_problem_of_a_range_and_the_date_it_belongs_to(start, end, problem):
    assert date_range_problem(start, end) == problem


def test_it_allows_a_range_of_exactly_the_longest_length():
    start = date(2000, 1, 1)
    assert date_range_problem(start, date.fromordinal(start.toordinal() + MAX_RANGE_DAYS)) is None
    assert date_range_problem(start, date.fromordinal(start.toordinal() + MAX_RANGE_DAYS + 1))


def test_both_forms_show_the_problem_at_the_date_it_belongs_to():
    form = AnalyticsPeriodForm({"start": "2026-02-01", "end": "2026-01-01"})
    assert form.errors == {"end": ["The period ends before it starts."]}

    form = ComparePeriodsForm(
        {
            "before_start": "2000-01-01",
            "before_end": "2026-01-01",
            "after_start": "2026-02-01",
            "after_end": "2026-01-01",
        }
    )
    assert form.errors == {
        "before_start": ["That range is longer than 20 years."],
        "after_end": ["The period ends before it starts."],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end", "The period ends before it starts."),
        (
            {"start": "2000-01-01", "end": "2026-01-01"},
            "start",
            "That range is longer than 20 years.",
        ),
        ({"start": "2026-01-01"}, "end", "Give both dates, or neither."),
    ],
)
def test_it_answers_a_bad_range_with_the_same_400_on_the_page_and_in_the_api(
    client, api, golfer, params, field, message
):
    client.force_login(golfer)

    page = client.get(reverse("analytics:my_game"), params)
    answer = api.get("/api/v1/analytics/", params)

    assert page.status_code == 400
    assert message in html.unescape(page.content.decode())
    assert answer.status_code == 400
    assert answer.json() == {field: [message]}
