"""Analytics dates at the ends of the calendar (issue 15): a 400 with the message, not a 500.

``end=9999-12-31`` has no next day for the period to end at, and a day in
year 1 has no start in a zone east of UTC. ``date_range_problem`` refuses a
date outside the shots' window on My game, Compare, the staff's view of a
customer's game and the API alike.
"""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics.forms import RangeProblem, date_range_problem
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role
from shots.tests.factories import ShotFactory
from shots.validation import DAY_OUT_OF_RANGE_MESSAGE

URL = "/api/v1/analytics/"
OUT_OF_RANGE = [
    ({"start": "2026-01-01", "end": "9999-12-31"}, "end"),
    ({"start": "9999-12-01", "end": "9999-12-31"}, "start"),
    ({"start": "0001-01-01", "end": "0001-01-31"}, "start"),
    ({"start": "1999-12-01", "end": "2000-01-31"}, "start"),
]


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2026, 1, 1), date(9999, 12, 31), RangeProblem("end", DAY_OUT_OF_RANGE_MESSAGE)),
        (date(1, 1, 1), date(1, 1, 31), RangeProblem("start", DAY_OUT_OF_RANGE_MESSAGE)),
        (date(2000, 1, 1), date(2000, 1, 31), None),
        (date(2100, 12, 1), date(2100, 12, 31), None),
    ],
)
def test_it_names_a_date_outside_the_window(start, end, problem):
    assert date_range_problem(start, end) == problem


@pytest.fixture
def golfer(db):
    golfer = UserFactory.create(timezone="Asia/Tokyo")
    ShotFactory.create(golfer=golfer)
    return golfer


@pytest.mark.parametrize(("params", "field"), OUT_OF_RANGE)
def test_it_rejects_an_api_period_outside_the_window(api, golfer, params, field):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json() == {field: [DAY_OUT_OF_RANGE_MESSAGE]}


@pytest.mark.parametrize(("params", "field"), OUT_OF_RANGE)
def test_my_game_shows_the_problem_for_a_period_outside_the_window(client, golfer, params, field):
    client.force_login(golfer)

    response = client.get(reverse("analytics:my_game"), params)

    assert response.status_code == 400
    assert DAY_OUT_OF_RANGE_MESSAGE in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "after",
    [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-31")],
)
def test_compare_shows_the_problem_for_a_period_outside_the_window(client, golfer, after):
    client.force_login(golfer)

    response = client.get(
        reverse("analytics:compare"),
        {
            "before_start": "2026-01-01",
            "before_end": "2026-01-31",
            "after_start": after[0],
            "after_end": after[1],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"after_start": [DAY_OUT_OF_RANGE_MESSAGE]}


def test_staff_see_the_problem_on_a_customers_game(client, golfer):
    store = Retailer.objects.create(
        name="Alpha", slug="alpha", plan_status=PlanStatus.ACTIVE, timezone="America/New_York"
    )
    staff = UserFactory.create()
    Membership.objects.create(user=staff, retailer=store, role=Role.OWNER)
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    client.force_login(staff)

    response = client.get(
        reverse("console:customer_game", args=[store.slug, golfer.pk]),
        {"start": "9999-12-01", "end": "9999-12-31"},
    )

    assert response.status_code == 400
    assert DAY_OUT_OF_RANGE_MESSAGE in html.unescape(response.content.decode())


def test_it_draws_all_time_around_a_year_1_shot_stored_before_the_window(client, golfer):
    # Stored before the hit_at window was checked: all time starts at the
    # window, so the BC week such a shot falls in is never asked for.
    from datetime import UTC, datetime

    ShotFactory.create(golfer=golfer, hit_at=datetime(1, 1, 1, 12, tzinfo=UTC))
    client.force_login(golfer)

    response = client.get(reverse("analytics:my_game"), {"days": "all"})

    assert response.status_code == 200
