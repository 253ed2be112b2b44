"""The "My game" page and the two-period comparison."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from shots.models import Club
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="analytics-data" type="application/json">') + len(
        '<script id="analytics-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_it_needs_a_login(client):
    response = client.get(reverse("analytics:my_game"))
    assert response.status_code == 302


def test_it_shows_stock_carry_next_to_the_personal_best_with_charts(awkward_moment, client):
    golfer = UserFactory()
    for carry in (150.0, 160.0, 170.0, 180.0):
        ShotFactory(golfer=golfer, club=Club.IRON_7, carry=carry, carry_side=3.0)
    golfer.personal_bests.create(
        club=Club.IRON_7,
        metric="carry",
        value=180.0,
        shot=golfer.shots.first(),
        hit_at=timezone.now(),
    )
    client.force_login(golfer)

    response = client.get(reverse("analytics:my_game"), {"days": "30"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="gapping-chart"' in html
    assert 'class="dispersion-chart" data-club="7i"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "170.0 yd" in html  # stock carry: mean of 160, 170, 180
    assert "180.0 yd" in html  # personal best
    club = chart_data(response)["clubs"][0]
    assert club["stock"] == 170.0
    assert len(club["points"]) == 4


def test_it_follows_the_viewers_metric_units(client):
    golfer = UserFactory(units="metric")
    ShotFactory(golfer=golfer, carry=109.361, carry_side=0.0, ball_speed=62.1371)
    client.force_login(golfer)

    response = client.get(reverse("analytics:my_game"))

    html = response.content.decode()
    assert "100.0 m" in html
    assert "100.0 km/h" in html
    data = chart_data(response)
    assert data["units"] == {"distance": "m", "speed": "km/h"}
    assert data["clubs"][0]["stock"] == pytest.approx(100.0)


def test_an_empty_period_says_so_without_charts(client):
    client.force_login(UserFactory())
    response = client.get(reverse("analytics:my_game"))
    assert response.status_code == 200
    assert b"No counted shots in this period" in response.content
    assert b"chart.umd.min.js" not in response.content


def test_it_rejects_a_backwards_range_with_400(client):
    client.force_login(UserFactory())
    response = client.get(
        reverse("analytics:my_game"), {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert b"The period ends before it starts." in response.content


def test_the_comparison_shows_per_club_changes(awkward_moment, client):
    golfer = UserFactory()
    now = timezone.now()
    ShotFactory(golfer=golfer, club=Club.DRIVER, carry=230.0, hit_at=now - timedelta(days=40))
    ShotFactory(golfer=golfer, club=Club.DRIVER, carry=245.0, hit_at=now - timedelta(days=2))
    client.force_login(golfer)
    today = timezone.localdate()

    response = client.get(
        reverse("analytics:compare"),
        {
            "before_start": today - timedelta(days=59),
            "before_end": today - timedelta(days=30),
            "after_start": today - timedelta(days=29),
            "after_end": today,
        },
    )

    assert response.status_code == 200
    (row,) = response.context["rows"]
    stock = row["cells"][0]
    assert (stock["before"], stock["after"], stock["change"]) == (230.0, 245.0, 15.0)
    assert "+15.0 yd" in response.content.decode()


def test_the_comparison_form_starts_with_two_adjacent_months(client):
    client.force_login(UserFactory())
    response = client.get(reverse("analytics:compare"))
    assert response.status_code == 200
    assert response.context["rows"] is None


def test_the_comparison_rejects_a_missing_date_with_400(client):
    client.force_login(UserFactory())
    response = client.get(reverse("analytics:compare"), {"before_start": "2026-01-01"})
    assert response.status_code == 400


def test_the_body_shows_the_units_it_is_given_whoever_looks(rf):
    # A store's page (the console) passes the store's units: the tables must
    # follow them like the charts do, not the viewer's own preference, since
    # the cached body is keyed by those units.
    from analytics.forms import AnalyticsPeriodForm
    from analytics.presenters import analytics_page_body

    golfer = UserFactory(units="imperial")
    ShotFactory(golfer=golfer, carry=109.361, carry_side=0.0)
    request = rf.get("/")
    request.user = UserFactory(units="imperial")

    body = analytics_page_body(
        request, golfer=golfer, form=AnalyticsPeriodForm(), metric_units=True
    )

    assert "100.0 m" in body["html"]
    assert "119.6 yd" not in body["html"]
