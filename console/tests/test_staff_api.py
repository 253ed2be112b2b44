"""The staff API under /api/v1/retailers/: same isolation as the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from console.tests.test_console import World, build_world
from retailers.models import CustomerLink, PlanStatus
from shots.models import PersonalBest, ReviewAction, ShotReview, ShotStatus
from shots.tests.factories import ShotFactory


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_it_lists_only_the_stores_i_am_on_the_staff_of(api, world):
    api.force_authenticate(world.staff)

    response = api.get("/api/v1/retailers/")

    assert response.status_code == 200
    assert [(store["slug"], store["role"]) for store in response.json()] == [("fairway", "staff")]


def test_a_golfer_belongs_to_no_stores_as_staff(api, world):
    api.force_authenticate(world.golfer)
    assert api.get("/api/v1/retailers/").json() == []


def test_customers_show_email_only_with_marketing_consent(api, world):
    CustomerLink.objects.filter(golfer=world.golfer).update(marketing_consent=False)
    api.force_authenticate(world.owner)

    [customer] = api.get("/api/v1/retailers/fairway/customers/").json()["results"]

    assert customer["username"] == "gary"
    assert customer["email"] is None
    CustomerLink.objects.filter(golfer=world.golfer).update(marketing_consent=True)
    [customer] = api.get("/api/v1/retailers/fairway/customers/").json()["results"]
    assert customer["email"] == "gary@example.com"


def test_shots_are_only_those_hit_at_the_store(api, world):
    ShotFactory(golfer=world.golfer, retailer=None)
    api.force_authenticate(world.staff)

    results = api.get("/api/v1/retailers/fairway/shots/").json()["results"]

    assert [shot["id"] for shot in results] == [world.shot.pk]
    assert results[0]["carry"] == 231.0


def test_shots_filter_by_golfer_club_status_and_dates(api, world):
    second = new_customer_of(world)
    iron = ShotFactory(golfer=second, retailer=world.store, club="7i")
    old = ShotFactory(
        golfer=world.golfer,
        retailer=world.store,
        status=ShotStatus.NEEDS_REVIEW,
        hit_at=timezone.now() - timedelta(days=30),
    )
    api.force_authenticate(world.staff)

    def ids(**params: object) -> list[int]:
        response = api.get("/api/v1/retailers/fairway/shots/", params)
        assert response.status_code == 200, response.content
        return sorted(shot["id"] for shot in response.json()["results"])

    assert ids(golfer=second.pk) == [iron.pk]
    assert ids(club="7i") == [iron.pk]
    assert ids(status="needs_review") == [old.pk]
    recent = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert ids(hit_after=recent) == sorted([iron.pk, world.shot.pk])
    assert ids(hit_before=(timezone.now() - timedelta(days=10)).date().isoformat()) == [old.pk]


def new_customer_of(world: World) -> User:
    golfer = UserFactory.create()
    CustomerLink.objects.create(golfer=golfer, retailer=world.store)
    return golfer


def test_verify_marks_the_shot_and_writes_an_audit_row(api, world):
    shot = ShotFactory(
        golfer=world.golfer, retailer=world.store, status=ShotStatus.NEEDS_REVIEW, carry=260.0
    )
    api.force_authenticate(world.staff)

    response = api.post(f"/api/v1/retailers/fairway/shots/{shot.pk}/verify/")

    assert response.status_code == 200, response.content
    assert response.json()["verified_by"] == "staffer"
    assert response.json()["is_counted"] is True
    review = ShotReview.objects.get(shot=shot)
    assert (review.action, review.staff) == (ReviewAction.VERIFY, world.staff)
    assert PersonalBest.objects.get(golfer=world.golfer, metric="carry").shot == shot


def test_verify_refuses_a_shot_with_nothing_to_verify(api, world):
    shot = ShotFactory(
        golfer=world.golfer,
        retailer=world.store,
        status=ShotStatus.NEEDS_REVIEW,
        club="",
    )
    api.force_authenticate(world.staff)
    assert api.post(f"/api/v1/retailers/fairway/shots/{shot.pk}/verify/").status_code == 400


def test_verify_is_refused_when_the_store_is_read_only(api, world):
    world.store.plan_status = PlanStatus.CANCELLED
    world.store.save()
    api.force_authenticate(world.owner)

    response = api.post(f"/api/v1/retailers/fairway/shots/{world.shot.pk}/verify/")

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not ShotReview.objects.exists()


def test_another_stores_shot_under_this_slug_is_a_404(api, world):
    api.force_authenticate(world.staff)
    response = api.post(f"/api/v1/retailers/fairway/shots/{world.other_shot.pk}/verify/")
    assert response.status_code == 404
    world.other_shot.refresh_from_db()
    assert world.other_shot.verified_at is None
