"""GET /api/v1/analytics/: the contract, bad parameters, and cache freshness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from analytics.cache import cached_golfer_analytics
from analytics.queries import period_last_days
from shots.models import Club
from shots.services import shot_create_manual, shot_delete, shot_update
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/"
SUMMARY_KEYS = {"mean", "median", "stdev", "max"}


def test_it_answers_per_club_statistics_and_gaps(api, golfer):
    for carry in (240.0, 250.0):
        ShotFactory(golfer=golfer, club=Club.DRIVER, carry=carry, carry_side=-4.0)
    ShotFactory(golfer=golfer, club=Club.IRON_7, carry=150.0, carry_side=2.0)

    response = api.get(URL, {"days": "30"})

    assert response.status_code == 200
    body = response.json()
    assert body["period"]["days"] == 30
    assert body["period"]["start"]
    assert body["period"]["end"]
    driver, seven = body["clubs"]
    assert driver["club"] == "driver"
    assert driver["shots"] == 2
    assert set(driver["carry"]) == SUMMARY_KEYS | {"stock", "p25", "p75"}
    assert driver["carry"]["median"] == 245.0
    assert driver["carry"]["max"] == 250.0
    for metric in ("total", "ball_speed", "club_speed", "smash_factor", "launch_angle"):
        assert set(driver[metric]) == SUMMARY_KEYS
    assert driver["dispersion"]["side_mean"] == -4.0
    assert driver["trend"][0]["carry"] == 245.0
    assert seven["club"] == "7i"
    (gap,) = body["gaps"]
    assert gap == {
        "club": "driver",
        "next_club": "7i",
        "gap": 95.0,  # stock carry: 245 (two shots, none dropped) - 150
        "too_small": False,
        "too_large": True,
        "overlaps": False,
    }


def test_it_filters_by_club_and_by_explicit_range(api, golfer):
    ShotFactory(golfer=golfer, club=Club.DRIVER)
    ShotFactory(golfer=golfer, club=Club.IRON_7, carry=150.0)
    today = timezone.localdate()

    response = api.get(
        URL, {"club": "7i", "start": (today - timedelta(days=3)).isoformat(), "end": today}
    )

    assert response.status_code == 200
    assert [row["club"] for row in response.json()["clubs"]] == ["7i"]
    assert response.json()["period"]["days"] is None


def test_it_shows_nothing_of_other_golfers(api):
    ShotFactory(carry=300.0)
    assert api.get(URL).json()["clubs"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"days": "14"},
        {"days": "abc"},
        {"club": "putter"},
        {"club": "12i"},
        {"start": "2026-01-01"},
        {"start": "2026-02-01", "end": "2026-01-01"},
        {"start": "yesterday", "end": "2026-01-01"},
        {"days": "30", "start": "2026-01-01", "end": "2026-01-31"},
    ],
)
def test_it_rejects_bad_parameters_with_400(api, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()


def test_it_needs_authentication():
    assert APIClient().get(URL).status_code in (401, 403)


def test_a_new_counted_shot_shows_at_once_despite_the_cache(
    api, golfer, django_capture_on_commit_callbacks
):
    ShotFactory(golfer=golfer, carry=200.0)
    assert api.get(URL).json()["clubs"][0]["shots"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        shot, _ = shot_create_manual(
            golfer=golfer, club=Club.DRIVER, metrics={"carry": 260.0, "ball_speed": 160.0}
        )

    driver = api.get(URL).json()["clubs"][0]
    assert driver["shots"] == 2
    assert driver["carry"]["max"] == 260.0

    with django_capture_on_commit_callbacks(execute=True):
        shot_update(shot=shot, club=Club.DRIVER, metrics={"carry": 230.0, "ball_speed": 160.0})
    assert api.get(URL).json()["clubs"][0]["carry"]["max"] == 230.0

    with django_capture_on_commit_callbacks(execute=True):
        shot_delete(shot=shot)
    assert api.get(URL).json()["clubs"][0]["shots"] == 1


def test_a_repeat_read_comes_from_the_cache(golfer, django_assert_num_queries):
    ShotFactory(golfer=golfer)
    period = period_last_days(30, tz=timezone.get_current_timezone())
    first = cached_golfer_analytics(golfer=golfer, period=period)

    with django_assert_num_queries(0):
        again = cached_golfer_analytics(golfer=golfer, period=period)

    assert again.as_dict() == first.as_dict()


def test_another_golfers_shot_leaves_the_cache_alone(
    golfer, django_assert_num_queries, django_capture_on_commit_callbacks
):
    ShotFactory(golfer=golfer)
    period = period_last_days(30, tz=timezone.get_current_timezone())
    cached_golfer_analytics(golfer=golfer, period=period)

    with django_capture_on_commit_callbacks(execute=True):
        shot_create_manual(golfer=UserFactory(), club=Club.DRIVER, metrics={"carry": 250.0})

    with django_assert_num_queries(0):
        cached_golfer_analytics(golfer=golfer, period=period)


def test_it_answers_from_the_database_when_redis_is_down(api, golfer, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    # The cache really is down: on a working one the rest would pass just the same.
    cache.set("probe", 1)
    assert cache.get("probe") is None
    ShotFactory(golfer=golfer, carry=210.0)

    response = api.get(URL)

    assert response.status_code == 200
    assert response.json()["clubs"][0]["carry"]["max"] == 210.0
