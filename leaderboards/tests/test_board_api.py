"""GET /api/v1/leaderboards/: the contract, the defaults and the 4xx answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from golfshots.cache_scopes import board_versions_bump
from leaderboards.tests.test_board_selector import consent, golfer, shot, store
from shots import services

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/leaderboards/"
ROW_KEYS = {"rank", "golfer", "value", "club", "shot_id", "hit_at", "trust"}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def fairway():
    return store("fairway")


@pytest.fixture
def players(fairway):
    people = []
    for index, carry in enumerate([250.0, 240.0, 230.0]):
        person = golfer(f"Player {index + 1}", username=f"login{index + 1}")
        consent(person, fairway)
        shot(person, fairway, carry=carry, hit_at=timezone.now())
        people.append(person)
    return people


def test_it_answers_the_documented_shape(api, fairway, players):
    hit_at = datetime(2025, 6, 11, 15, 0, tzinfo=UTC)
    best = players[0].shots.get()
    best.hit_at = hit_at
    best.save()
    # A direct save, so follow it up as every shot write does (all-time boards read the records).
    services.counted_shot_changed(places=[services.ShotPlace.of(best)])

    response = api.get(API_URL, {"retailer": "fairway", "period": "all"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "me", "generated_at"}
    assert body["me"] is None
    assert datetime.fromisoformat(body["generated_at"])
    assert body["results"][0] == {
        "rank": 1,
        "golfer": "Player 1",
        "value": 250.0,
        "club": "driver",
        "shot_id": best.pk,
        "hit_at": "2025-06-11T15:00:00Z",
        "trust": "measured",
    }
    assert [row["rank"] for row in body["results"]] == [1, 2, 3]
    assert all(set(row) == ROW_KEYS for row in body["results"])


def test_it_never_shows_usernames_or_email_addresses_when_a_name_exists(api, fairway, players):
    body = api.get(API_URL, {"retailer": "fairway"}).content.decode()

    assert "login1" not in body
    assert "@example.com" not in body


def test_defaults_are_all_stores_any_club_carry_this_week(awkward_moment, api, fairway, players):
    hudson = store("hudson")
    elsewhere = golfer("Elsewhere")
    consent(elsewhere, hudson)
    shot(elsewhere, hudson, club="7i", carry=255.0, ball_speed=190.0, hit_at=timezone.now())
    shot(players[2], fairway, carry=400.0, hit_at=datetime(2020, 1, 1, tzinfo=UTC))

    names = [row["golfer"] for row in api.get(API_URL).json()["results"]]
    explicit = api.get(
        API_URL, {"retailer": "", "club": "any", "metric": "carry", "period": "week"}
    ).json()

    assert names == ["Elsewhere", "Player 1", "Player 2", "Player 3"]
    assert [row["golfer"] for row in explicit["results"]] == names


def test_club_and_metric_filter_the_board(api, fairway, players):
    wedge = golfer("Wedge Wizard")
    consent(wedge, fairway)
    shot(wedge, fairway, club="pw", carry=120.0, ball_speed=95.0, hit_at=timezone.now())

    body = api.get(
        API_URL, {"retailer": "fairway", "club": "pw", "metric": "ball_speed", "period": "today"}
    ).json()

    assert [(row["golfer"], row["value"], row["club"]) for row in body["results"]] == [
        ("Wedge Wizard", 95.0, "pw")
    ]


def test_me_is_the_logged_in_golfers_row(api, fairway, players):
    api.force_authenticate(players[2])

    body = api.get(API_URL, {"retailer": "fairway"}).json()

    assert body["me"]["rank"] == 3
    assert body["me"]["golfer"] == "Player 3"
    assert set(body["me"]) == ROW_KEYS


def test_me_works_with_a_jwt_and_is_not_shared_through_the_cache(api, fairway, players):
    first = api.get(
        API_URL,
        {"retailer": "fairway"},
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(players[0]).access_token}",
    ).json()
    second = api.get(
        API_URL,
        {"retailer": "fairway"},
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(players[1]).access_token}",
    ).json()
    anonymous = api.get(API_URL, {"retailer": "fairway"}).json()

    assert (first["me"]["rank"], second["me"]["rank"], anonymous["me"]) == (1, 2, None)


def test_an_anonymous_answer_cached_first_is_never_given_to_a_signed_in_caller(
    api, fairway, players
):
    assert api.get(API_URL, {"retailer": "fairway"}).json()["me"] is None
    assert api.get(API_URL, {"retailer": "fairway"}).has_header("ETag")  # served whole

    with_jwt = api.get(
        API_URL,
        {"retailer": "fairway"},
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(players[1]).access_token}",
    )
    api.force_login(players[2])
    with_session = api.get(API_URL, {"retailer": "fairway"})

    assert with_jwt.json()["me"]["rank"] == 2
    assert with_session.json()["me"]["rank"] == 3
    assert not with_jwt.has_header("ETag")
    assert not with_session.has_header("ETag")


def test_a_cached_answer_is_not_counted_by_the_throttle_but_a_miss_is(
    api, fairway, players, monkeypatch
):
    # A cached answer costs what the never-throttled public page costs; a miss
    # runs the board's query, so it counts.
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    hits = [api.get(API_URL, {"retailer": "fairway"}).status_code for _hit in range(5)]
    other_misses = [
        api.get(API_URL, {"retailer": "fairway", "metric": metric}).status_code
        for metric in ("ball_speed", "club_speed")
    ]

    assert hits == [200] * 5
    assert other_misses == [200, 429]


def test_a_new_record_is_in_the_next_anonymous_answer(api, fairway, players):
    before = api.get(API_URL, {"retailer": "fairway"})
    newcomer = golfer("Long Hitter")
    consent(newcomer, fairway)
    shot(newcomer, fairway, carry=275.0, hit_at=timezone.now())
    # The bump counted_shot_changed makes on commit, which a test's transaction never reaches.
    board_versions_bump(retailer_ids=[fairway.pk])

    after = api.get(API_URL, {"retailer": "fairway"})

    assert before.json()["results"][0]["value"] == 250.0
    assert after.json()["results"][0]["golfer"] == "Long Hitter"
    assert after["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    ("params", "field", "allowed"),
    [
        (
            {"metric": "spin_rate"},
            "metric",
            "Allowed: carry, total, ball_speed, club_speed, smash_factor.",
        ),
        ({"period": "decade"}, "period", "Allowed: today, week, month, year, all."),
        ({"club": "banana"}, "club", "Allowed: any, driver, 3w,"),
    ],
)
def test_an_unknown_value_is_a_400_listing_the_allowed_ones(api, params, field, allowed):
    response = api.get(API_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert allowed in body[field][0]


def test_a_blank_value_means_the_default_as_in_a_submitted_form(api, fairway, players):
    response = api.get(API_URL, {"retailer": "fairway", "metric": "", "period": "", "club": ""})

    assert response.status_code == 200
    assert response.json()["results"][0]["value"] == 250.0


def test_an_unknown_store_is_a_404(api, fairway):
    response = api.get(API_URL, {"retailer": "nowhere"})

    assert response.status_code == 404
    assert response.json() == {"detail": "No store with that slug."}


def test_the_schema_documents_the_endpoint_without_warnings(tmp_path):
    reset_generator_stats()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/leaderboards/:" in schema
    assert "smash_factor" in schema
