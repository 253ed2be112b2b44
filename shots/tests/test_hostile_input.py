"""Shot times and dates no launch monitor wrote (issue 15): a 400 or a form error, never a 500.

A shot dated year 1 was accepted, and 0001-01-01 00:00 UTC has no New York
time: every page that showed it in a zone west of UTC raised OverflowError.
Now every way in refuses a time outside ``shots.validation.hit_at_problem``'s
window, a row stored before that still renders, and a filter date outside
the window (``?hit_before=9999-12-31`` has no next day) is a clear error.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from retailers.models import CustomerLink, Retailer
from shots.forms import ShotTimeField
from shots.models import Club, Shot, ShotSource, ShotStatus, ShotTrust
from shots.services import personal_bests_recompute
from shots.tests.factories import ShotFactory
from shots.validation import (
    DAY_OUT_OF_RANGE_MESSAGE,
    FUTURE_MESSAGE,
    TOO_EARLY_MESSAGE,
    hit_at_problem,
)

SHOTS_URL = "/api/v1/shots/"
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)
YEAR_ONE = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def store(db) -> Retailer:
    return Retailer.objects.create(name="Alpha Golf", slug="alpha", timezone=NEW_YORK)


@pytest.fixture
def golfer(store) -> User:
    golfer = UserFactory.create(username="gary", timezone=NEW_YORK)
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    return golfer


# --- The window, in one place ------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        (YEAR_ONE, TOO_EARLY_MESSAGE),
        (datetime.datetime(1999, 12, 31, 23, 59, tzinfo=datetime.UTC), TOO_EARLY_MESSAGE),
        (datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC), None),
        (NOW + datetime.timedelta(minutes=4), None),  # a phone's clock a little ahead
        (NOW + datetime.timedelta(minutes=6), FUTURE_MESSAGE),
        (datetime.datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("Asia/Tokyo")), FUTURE_MESSAGE),
    ],
)
def test_hit_at_problem_is_the_window_every_way_in_checks(moment, problem):
    assert hit_at_problem(moment) == problem


# --- The API -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hit_at", "message"),
    [
        ("0001-01-01T00:00:00", TOO_EARLY_MESSAGE),
        ("0001-01-01T00:00:00+09:00", "Datetime value out of range."),  # before year 1 in UTC
        ("1999-12-31T23:00:00Z", TOO_EARLY_MESSAGE),
        ("9999-12-31T23:59:59", FUTURE_MESSAGE),
        ("9999-12-31T23:59:59-05:00", "Datetime value out of range."),  # after 9999 in UTC
    ],
)
def test_it_rejects_an_api_shot_time_outside_the_window(api, hit_at, message):
    response = api.post(
        SHOTS_URL,
        {"club": "driver", "carry": 449, "retailer": "alpha", "hit_at": hit_at},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"hit_at": [message]}
    assert not Shot.objects.exists()


def test_it_rejects_an_api_correction_to_year_one(api, golfer):
    shot = ShotFactory.create(golfer=golfer)

    response = api.patch(
        f"{SHOTS_URL}{shot.pk}/", {"hit_at": "0001-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"hit_at": [TOO_EARLY_MESSAGE]}
    shot.refresh_from_db()
    assert shot.hit_at.year == 2027


def test_it_still_takes_a_shot_stamped_a_minute_ahead(api):
    response = api.post(
        SHOTS_URL,
        {"club": "driver", "carry": 240, "hit_at": "2027-03-01T12:01:00Z"},
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_it_asks_for_the_club_when_a_photo_shot_without_one_gets_numbers(api, golfer):
    # A photo whose numbers were read but not its club (issue 15: this was a 500).
    shot = ShotFactory.create(
        golfer=golfer,
        club="",
        source=ShotSource.PHOTO,
        status=ShotStatus.NEEDS_REVIEW,
        trust=ShotTrust.MEASURED,
    )

    response = api.patch(f"{SHOTS_URL}{shot.pk}/", {"carry": 200}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "club": [f"Say which club hit the shot: one of {', '.join(Club.values)}."]
    }
    shot.refresh_from_db()
    assert shot.carry == 240.0


# --- The HTML form, the import's session time, the admin ---------------------------


@pytest.mark.parametrize(
    ("zone", "typed", "message"),
    [
        (BERLIN, "0001-01-01T00:00", TOO_EARLY_MESSAGE),  # Django's conversion overflowed
        ("Asia/Tokyo", "0001-01-01T08:00", TOO_EARLY_MESSAGE),
        (NEW_YORK, "0001-01-01T00:00", TOO_EARLY_MESSAGE),
        (NEW_YORK, "9999-12-31T23:59", FUTURE_MESSAGE),  # overflowed the other way
        (BERLIN, "2027-03-01T14:00", FUTURE_MESSAGE),  # 13:00 UTC, an hour ahead
    ],
)
def test_it_shows_a_form_error_for_a_typed_time_outside_the_window(
    client, db, zone, typed, message
):
    golfer = UserFactory.create(timezone=zone)
    client.force_login(golfer)

    response = client.post(
        reverse("shots:new"), {"club": "driver", "hit_at": typed, "carry": "240"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["hit_at"] == [message]
    assert not Shot.objects.exists()


def test_the_shot_time_field_reads_a_normal_time_on_the_golfers_clock():
    with timezone.override(ZoneInfo(BERLIN)):
        moment = ShotTimeField().clean("2027-03-01T10:30")

    assert moment == datetime.datetime(2027, 3, 1, 9, 30, tzinfo=datetime.UTC)


def test_the_import_asks_for_a_session_time_inside_the_window():
    # The import preview's "Session date and time" is the same field.
    field = ShotTimeField(required=False)
    with timezone.override(ZoneInfo(BERLIN)):
        with pytest.raises(Exception, match="before 2000"):
            field.clean("0001-01-01T00:00")
        assert field.clean("") is None


def test_the_admin_refuses_a_shot_time_of_year_one(admin_client, store, golfer):
    shot = ShotFactory.create(golfer=golfer, retailer=store)
    url = reverse("admin:shots_shot_change", args=[shot.pk])

    response = admin_client.post(
        url,
        {
            "golfer": golfer.pk,
            "retailer": store.pk,
            "club": Club.DRIVER,
            "hit_at_0": "0001-01-01",
            "hit_at_1": "12:00:00",
            "status": ShotStatus.CONFIRMED,
            "source": shot.source,
            "metric_flags": "{}",
            "carry": "240",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["hit_at"] == [TOO_EARLY_MESSAGE]
    shot.refresh_from_db()
    assert shot.hit_at.year == 2027


# --- A year-1 shot stored before the check still renders ---------------------------


@pytest.fixture
def year_one_shot(golfer, store) -> Shot:
    """As the API stored it before the window: a counted personal best at year 1."""
    shot = ShotFactory.create(golfer=golfer, retailer=store, carry=449.0, hit_at=YEAR_ONE)
    personal_bests_recompute(golfer_id=golfer.pk, club=Club.DRIVER)
    return shot


@pytest.mark.parametrize("page", ["shots:list", "shots:bag", "shots:detail", "shots:edit", "home"])
def test_the_golfers_pages_show_a_stored_year_one_shot(client, golfer, year_one_shot, page):
    client.force_login(golfer)
    args = [year_one_shot.pk] if page in {"shots:detail", "shots:edit"} else []

    response = client.get(reverse(page, args=args))

    assert response.status_code == 200


def test_the_edit_form_shows_a_year_one_time_in_utc_and_asks_for_a_real_one(
    client, golfer, year_one_shot
):
    client.force_login(golfer)
    url = reverse("shots:edit", args=[year_one_shot.pk])

    assert 'value="0001-01-01T00:00"' in client.get(url).content.decode()
    response = client.post(url, {"club": "driver", "hit_at": "0001-01-01T00:00", "carry": "240"})

    assert response.context["form"].errors["hit_at"] == [TOO_EARLY_MESSAGE]


# --- Filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"hit_before": "9999-12-31"},
        {"hit_after": "9999-12-31"},
        {"hit_after": "0001-01-01"},
        {"hit_before": "1999-12-31"},
    ],
)
def test_it_rejects_a_shot_filter_date_outside_the_window_in_the_api(api, golfer, query):
    response = api.get(SHOTS_URL, query)

    assert response.status_code == 400
    assert response.json() == {name: [DAY_OUT_OF_RANGE_MESSAGE] for name in query}


def test_it_shows_a_filter_error_on_the_shot_list(client, golfer):
    ShotFactory.create(golfer=golfer)
    client.force_login(golfer)

    response = client.get(reverse("shots:list"), {"hit_before": "9999-12-31"})

    assert response.status_code == 200
    assert response.context["filter"].form.errors["hit_before"] == [DAY_OUT_OF_RANGE_MESSAGE]
    assert DAY_OUT_OF_RANGE_MESSAGE in response.content.decode()


def test_it_still_filters_by_the_windows_last_day(api, golfer):
    ShotFactory.create(golfer=golfer)

    response = api.get(SHOTS_URL, {"hit_after": "2000-01-01", "hit_before": "2100-12-31"})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_admin_refuses_year_one_typed_on_a_clock_east_of_utc(
    admin_client, admin_user, store, golfer
):
    # 0001-01-01 00:00 in Tokyo is in year 0 in UTC: Python cannot hold it.
    admin_user.timezone = "Asia/Tokyo"
    admin_user.save(update_fields=["timezone"])
    shot = ShotFactory.create(golfer=golfer, retailer=store)

    response = admin_client.post(
        reverse("admin:shots_shot_change", args=[shot.pk]),
        {
            "golfer": golfer.pk,
            "retailer": store.pk,
            "club": Club.DRIVER,
            "hit_at_0": "0001-01-01",
            "hit_at_1": "00:00:00",
            "status": ShotStatus.CONFIRMED,
            "source": shot.source,
            "metric_flags": "{}",
            "carry": "240",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["hit_at"] == [TOO_EARLY_MESSAGE]
