"""The shots and personal-bests REST API under /api/v1/."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts.tests.factories import UserFactory
from retailers.models import CustomerLink, Retailer
from shots.metrics import METRIC_NAMES
from shots.models import PersonalBest, Shot, ShotSource, ShotStatus
from shots.tests.factories import ShotFactory

SHOTS_URL = "/api/v1/shots/"
PERSONAL_BESTS_URL = "/api/v1/personal-bests/"
SHOT_KEYS = {
    "id",
    "club",
    "status",
    "source",
    "hit_at",
    "retailer",
    *METRIC_NAMES,
    "metric_flags",
    "is_counted",
    "trust",
    "image",
    "session",
    "status_message",
}


def shot_url(shot_id: int) -> str:
    return f"/api/v1/shots/{shot_id}/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def golfer(db):
    return UserFactory(timezone="America/New_York")


def post_shot(api: APIClient, **values) -> dict:
    response = api.post(SHOTS_URL, {"club": "driver", **values}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- Authentication ---------------------------------------------------------


def test_it_issues_and_refreshes_tokens_that_authenticate_requests(db):
    golfer = UserFactory(password="x")
    ShotFactory(golfer=golfer)
    client = APIClient()

    tokens = client.post(
        reverse("api-token"), {"username": golfer.username, "password": "x"}, format="json"
    ).json()
    assert set(tokens) == {"access", "refresh"}
    refreshed = client.post(
        reverse("api-token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert "access" in refreshed.json()

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    response = client.get(SHOTS_URL)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_it_rejects_a_wrong_password_with_json(db):
    golfer = UserFactory()
    response = APIClient().post(
        reverse("api-token"), {"username": golfer.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 401
    assert "detail" in response.json()


def test_it_accepts_the_session_cookie(client, golfer):
    ShotFactory(golfer=golfer)
    client.force_login(golfer)
    response = client.get(SHOTS_URL)
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", SHOTS_URL),
        ("post", SHOTS_URL),
        ("get", "/api/v1/shots/1/"),
        ("patch", "/api/v1/shots/1/"),
        ("delete", "/api/v1/shots/1/"),
        ("get", PERSONAL_BESTS_URL),
    ],
)
def test_it_answers_anonymous_requests_with_401_json(db, method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_it_rejects_a_garbled_bearer_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.get(SHOTS_URL)
    assert response.status_code == 401
    assert response.json()["detail"]


# --- List -------------------------------------------------------------------


def test_it_lists_only_the_golfers_own_shots_paginated(api, golfer):
    own = ShotFactory.create_batch(2, golfer=golfer)
    ShotFactory()  # someone else's

    response = api.get(SHOTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert {shot["id"] for shot in body["results"]} == {shot.id for shot in own}
    assert set(body["results"][0]) == SHOT_KEYS


def test_it_filters_by_one_or_more_clubs(api, golfer):
    driver = ShotFactory(golfer=golfer, club="driver")
    seven = ShotFactory(golfer=golfer, club="7i", carry=160.0, total=170.0)
    ShotFactory(golfer=golfer, club="pw", carry=120.0, total=125.0)

    one = api.get(SHOTS_URL, {"club": "7i"}).json()
    two = api.get(f"{SHOTS_URL}?club=driver&club=7i").json()

    assert [shot["id"] for shot in one["results"]] == [seven.id]
    assert {shot["id"] for shot in two["results"]} == {driver.id, seven.id}


def test_it_rejects_an_unknown_club_filter(api):
    response = api.get(SHOTS_URL, {"club": "spoon"})
    assert response.status_code == 400
    assert "club" in response.json()


def test_it_filters_by_whole_days_in_the_golfers_time_zone(api, golfer):
    # 03:00 UTC on 1 June is still 31 May in New York.
    late_may_31 = ShotFactory(
        golfer=golfer, hit_at=datetime.datetime(2025, 6, 1, 3, tzinfo=datetime.UTC)
    )
    june_1 = ShotFactory(
        golfer=golfer, hit_at=datetime.datetime(2025, 6, 1, 14, tzinfo=datetime.UTC)
    )
    # 02:00 UTC on 2 June is the evening of 1 June in New York.
    late_june_1 = ShotFactory(
        golfer=golfer, hit_at=datetime.datetime(2025, 6, 2, 2, tzinfo=datetime.UTC)
    )

    def ids(**params: str) -> set[int]:
        return {shot["id"] for shot in api.get(SHOTS_URL, params).json()["results"]}

    assert ids(hit_after="2025-06-01", hit_before="2025-06-01") == {june_1.id, late_june_1.id}
    assert ids(hit_before="2025-05-31") == {late_may_31.id}
    assert ids(hit_after="2025-06-02") == set()


def test_it_filters_by_status(api, golfer):
    ShotFactory(golfer=golfer, status=ShotStatus.CONFIRMED)
    review = ShotFactory(golfer=golfer, status=ShotStatus.NEEDS_REVIEW, source=ShotSource.PHOTO)

    response = api.get(SHOTS_URL, {"status": "needs_review"})

    assert [shot["id"] for shot in response.json()["results"]] == [review.id]


# --- Create -----------------------------------------------------------------


def test_it_creates_a_shot_from_json_values(api, golfer):
    response = api.post(
        SHOTS_URL,
        {"club": "7i", "ball_speed": 120.0, "club_speed": 87.0, "carry": 165.5, "spin_axis": -3.5},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == SHOT_KEYS
    shot = Shot.objects.get(golfer=golfer)
    assert body["id"] == shot.id
    assert body["club"] == "7i"
    assert body["source"] == ShotSource.API == shot.source
    assert body["status"] == ShotStatus.CONFIRMED
    assert body["carry"] == 165.5
    assert body["spin_axis"] == -3.5
    assert body["smash_factor"] == 1.38
    assert body["metric_flags"] == {"smash_factor": ["derived"]}
    assert body["is_counted"] is True
    assert body["trust"] == "typed"  # counts for the golfer; ranks at no store until verified
    assert body["retailer"] is None
    assert body["image"] is None
    assert body["total"] is None
    assert body["hit_at"].endswith("Z")


def test_it_ignores_the_golfers_unit_preference(golfer, api):
    golfer.units = "metric"
    golfer.save()
    body = post_shot(api, carry=200.0)
    assert body["carry"] == 200.0
    assert Shot.objects.get().carry == 200.0


def test_it_keeps_the_given_hit_time_and_store(api, golfer):
    store = Retailer.objects.create(name="Range", slug="range")
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    body = post_shot(api, carry=230.0, hit_at="2025-06-01T10:30:00+02:00", retailer="range")

    assert body["hit_at"] == "2025-06-01T08:30:00Z"
    assert body["retailer"] == "range"
    assert Shot.objects.get().retailer == store


def test_it_refuses_a_store_the_golfer_has_not_joined(api):
    Retailer.objects.create(name="Elsewhere", slug="elsewhere")
    response = api.post(
        SHOTS_URL, {"club": "driver", "carry": 230.0, "retailer": "elsewhere"}, format="json"
    )
    assert response.status_code == 400
    assert "elsewhere" in response.json()["retailer"][0]
    assert not Shot.objects.exists()


def test_it_allows_a_few_minutes_of_clock_skew(api):
    ahead = (timezone.now() + datetime.timedelta(minutes=2)).isoformat()
    post_shot(api, carry=230.0, hit_at=ahead)
    assert Shot.objects.count() == 1


def test_a_repeated_idempotency_key_returns_the_first_shot(api, golfer):
    payload = {"club": "driver", "carry": 250.0}

    first = api.post(SHOTS_URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="phone-42")
    again = api.post(SHOTS_URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="phone-42")
    other = api.post(SHOTS_URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="phone-43")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert other.status_code == 201
    assert Shot.objects.filter(golfer=golfer).count() == 2


def test_an_idempotency_key_is_per_golfer(api):
    ShotFactory(client_token="shared-key")  # another golfer's
    response = api.post(
        SHOTS_URL,
        {"club": "driver", "carry": 250.0},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert response.status_code == 201


def test_it_rejects_an_overlong_idempotency_key(api):
    response = api.post(
        SHOTS_URL, {"club": "driver", "carry": 250.0}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 65
    )
    assert response.status_code == 400
    assert "64" in response.json()["Idempotency-Key"][0]
    assert not Shot.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"club": "driver", "carry": 600}, "carry", "Carry must be between 0 and 450 yd."),
        ({"club": "driver", "carry": -1}, "carry", "Carry must be between 0 and 450 yd."),
        ({"club": "spoon", "carry": 200}, "club", "Use one of: driver, 3w,"),
        ({"carry": 200}, "club", "Say which club"),
        ({"club": "driver", "cary": 200}, "cary", "did you mean carry?"),
        ({"club": "driver", "carry": 200, "colour": "red"}, "colour", "Known fields: club,"),
        ({"club": "driver", "carry": 200, "status": "confirmed"}, "status", "read-only"),
        ({"club": "driver"}, "non_field_errors", "at least one metric"),
        ({"club": "driver", "carry": None}, "non_field_errors", "at least one metric"),
        ({"club": "driver", "carry": "far"}, "carry", "Carry must be a number."),
        ({"club": "driver", "carry": True}, "carry", "Carry must be a number."),
        ({"club": "driver", "carry": 200, "hit_at": "2999-01-01T00:00:00Z"}, "hit_at", "future"),
        (
            {"club": "driver", "carry": 200, "hit_at": "yesterday"},
            "hit_at",
            "Datetime has wrong format",
        ),
        (
            {"club": "driver", "carry": 200, "retailer": "nowhere"},
            "retailer",
            'Unknown store "nowhere"',
        ),
    ],
)
def test_it_rejects_bad_values_naming_the_field(api, payload, field, message):
    response = api.post(SHOTS_URL, payload, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Shot.objects.exists()


def test_it_reports_every_bad_field_at_once(api):
    response = api.post(SHOTS_URL, {"club": "spoon", "carry": 999, "cary": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"club", "carry", "cary"}


def test_it_rejects_malformed_json(api):
    response = api.post(SHOTS_URL, '{"club": "driver", "carry": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not Shot.objects.exists()


def test_it_rejects_a_json_array(api):
    response = api.post(SHOTS_URL, [{"club": "driver"}], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_it_asks_for_a_photo_when_a_multipart_body_has_none(api):
    response = api.post(SHOTS_URL, {"club": "driver", "carry": "200"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["image"] == ["No file was submitted."]
    assert not Shot.objects.exists()


def test_it_rejects_form_encoded_bodies(api):
    response = api.post(
        SHOTS_URL, "club=driver&carry=200", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert not Shot.objects.exists()


# --- Retrieve, correct, delete ------------------------------------------------


def test_it_returns_one_shot(api, golfer):
    shot = ShotFactory(golfer=golfer)
    response = api.get(shot_url(shot.id))
    assert response.status_code == 200
    assert response.json()["carry"] == shot.carry


def test_it_returns_the_image_as_an_absolute_url(api, golfer):
    shot = ShotFactory(golfer=golfer, image="shots/2025/06/screen.jpg", source=ShotSource.PHOTO)
    response = api.get(shot_url(shot.id))
    assert response.json()["image"] == f"http://testserver/api/v1/shots/{shot.id}/image/"


def test_a_correction_moves_the_personal_best_to_the_next_shot(api):
    record = post_shot(api, carry=260.0)
    runner_up = post_shot(api, carry=245.0)
    assert PersonalBest.objects.get(metric="carry").shot_id == record["id"]

    response = api.patch(shot_url(record["id"]), {"carry": 230.0}, format="json")

    assert response.status_code == 200
    assert response.json()["carry"] == 230.0
    best = PersonalBest.objects.get(metric="carry")
    assert (best.shot_id, best.value) == (runner_up["id"], 245.0)


def test_a_correction_merges_onto_the_current_values(api):
    shot = post_shot(api, carry=230.0, total=250.0, ball_speed=150.0)

    body = api.patch(shot_url(shot["id"]), {"club": "3w", "total": None}, format="json").json()

    assert body["club"] == "3w"
    assert body["carry"] == 230.0
    assert body["ball_speed"] == 150.0
    assert body["total"] is None
    assert PersonalBest.objects.filter(club="driver").count() == 0
    assert PersonalBest.objects.get(club="3w", metric="carry").value == 230.0


def test_a_correction_can_change_the_hit_time(api):
    shot = post_shot(api, carry=230.0)
    body = api.patch(shot_url(shot["id"]), {"hit_at": "2025-05-01T12:00:00Z"}, format="json").json()
    assert body["hit_at"] == "2025-05-01T12:00:00Z"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"carry": 999}, "carry"),
        ({"carry": None}, "non_field_errors"),
        ({"club": "spoon"}, "club"),
        ({"cary": 200}, "cary"),
        ({"retailer": "range"}, "retailer"),
        ({"hit_at": "2999-01-01T00:00:00Z"}, "hit_at"),
    ],
)
def test_a_bad_correction_changes_nothing(api, payload, field):
    shot = post_shot(api, carry=230.0)

    response = api.patch(shot_url(shot["id"]), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert api.get(shot_url(shot["id"])).json() == shot


def test_it_will_not_correct_a_photo_still_being_read(api, golfer):
    shot = ShotFactory(golfer=golfer, source=ShotSource.PHOTO, status=ShotStatus.ANALYZING)
    response = api.patch(shot_url(shot.id), {"carry": 200.0}, format="json")
    assert response.status_code == 409
    shot.refresh_from_db()
    assert shot.carry == 240.0


def test_deleting_the_record_rolls_the_personal_best_back(api):
    runner_up = post_shot(api, carry=245.0)
    record = post_shot(api, carry=260.0)

    response = api.delete(shot_url(record["id"]))

    assert response.status_code == 204
    assert not Shot.objects.filter(id=record["id"]).exists()
    best = PersonalBest.objects.get(metric="carry")
    assert (best.shot_id, best.value) == (runner_up["id"], 245.0)


def test_it_has_no_put(api, golfer):
    shot = ShotFactory(golfer=golfer)
    response = api.put(shot_url(shot.id), {"club": "driver", "carry": 200.0}, format="json")
    assert response.status_code == 405
    assert response.json()["detail"]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_golfers_shot_is_not_found(api, method):
    theirs = ShotFactory(carry=240.0)

    response = getattr(api, method)(shot_url(theirs.id), {"carry": 100.0}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"]
    theirs.refresh_from_db()
    assert theirs.carry == 240.0


@pytest.mark.parametrize("shot_id", ["abc", "99999999999999999999"])
def test_a_nonsense_shot_id_is_not_found(api, shot_id):
    response = api.get(f"{SHOTS_URL}{shot_id}/")
    assert response.status_code == 404


# --- Personal bests -----------------------------------------------------------


def test_it_lists_personal_bests_in_bag_then_metric_order(api, golfer):
    iron = post_shot(api, club="7i", carry=165.0)
    driver = post_shot(api, ball_speed=160.0, club_speed=108.0, carry=260.0, total=280.0)
    other = UserFactory()
    ShotFactory(golfer=other)

    response = api.get(PERSONAL_BESTS_URL)

    assert response.status_code == 200
    bests = response.json()
    assert [(best["club"], best["metric"]) for best in bests] == [
        ("driver", "carry"),
        ("driver", "total"),
        ("driver", "ball_speed"),
        ("driver", "club_speed"),
        ("driver", "smash_factor"),
        ("7i", "carry"),
    ]
    assert bests[0] == {
        "club": "driver",
        "metric": "carry",
        "value": 260.0,
        "shot_id": driver["id"],
        "hit_at": driver["hit_at"],
    }
    assert bests[-1]["shot_id"] == iron["id"]


def test_it_filters_personal_bests_by_club(api):
    post_shot(api, club="7i", carry=165.0)
    post_shot(api, carry=260.0)

    bests = api.get(PERSONAL_BESTS_URL, {"club": "7i"}).json()

    assert [(best["club"], best["metric"]) for best in bests] == [("7i", "carry")]


def test_it_rejects_an_unknown_club_for_personal_bests(api):
    response = api.get(PERSONAL_BESTS_URL, {"club": "spoon"})
    assert response.status_code == 400
    assert "Use one of: driver" in response.json()["club"][0]


# --- Throttling ---------------------------------------------------------------


def test_it_throttles_each_golfer(api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    assert api.get(SHOTS_URL).status_code == 200
    assert api.get(SHOTS_URL).status_code == 200
    response = api.get(SHOTS_URL)
    assert response.status_code == 429
    assert response.json()["detail"]
    assert response["Retry-After"]


def test_it_throttles_anonymous_callers_by_address(db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    client = APIClient()
    body = {"username": "nobody", "password": "guess"}
    assert client.post(reverse("api-token"), body, format="json").status_code == 401
    assert client.post(reverse("api-token"), body, format="json").status_code == 401
    assert client.post(reverse("api-token"), body, format="json").status_code == 429


# --- Schema and docs ------------------------------------------------------------


def test_the_schema_generates_without_warnings(tmp_path):
    reset_generator_stats()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/shots/{id}/:" in schema
    assert "Idempotency-Key" in schema


def test_the_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/personal-bests/" in response.content


def test_the_docs_page_uses_self_hosted_assets(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
