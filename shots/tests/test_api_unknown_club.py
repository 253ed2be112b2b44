"""A shot whose club is not known yet answers ``club: null``, as the schema says.

A photo whose club was not read stores an empty club; the schema promises a
club from the enum or null, so "" would break every client that trusts it.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from retailers.models import Membership, PlanStatus, Retailer, Role
from shots.models import ShotSource, ShotStatus
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_without_club(golfer):
    store = Retailer.objects.create(
        name="Fairway Lab", slug="fairway", plan_status=PlanStatus.ACTIVE
    )
    return ShotFactory.create(
        golfer=golfer,
        retailer=store,
        club="",
        source=ShotSource.PHOTO,
        status=ShotStatus.NEEDS_REVIEW,
    )


def test_the_golfer_api_answers_an_unknown_club_as_null(api, photo_without_club):
    one = api.get(f"/api/v1/shots/{photo_without_club.pk}/").json()
    listed = api.get("/api/v1/shots/").json()["results"]

    assert one["club"] is None
    assert [shot["club"] for shot in listed] == [None]


def test_the_staff_api_answers_an_unknown_club_as_null(photo_without_club):
    owner = UserFactory.create()
    Membership.objects.create(user=owner, retailer=photo_without_club.retailer, role=Role.OWNER)
    staff = APIClient()
    staff.force_authenticate(owner)

    [shot] = staff.get("/api/v1/retailers/fairway/shots/").json()["results"]

    assert shot["club"] is None


def test_a_known_club_still_answers_its_value(api, golfer):
    shot = ShotFactory.create(golfer=golfer, club="7i")

    assert api.get(f"/api/v1/shots/{shot.pk}/").json()["club"] == "7i"


def test_a_new_shot_still_has_to_name_its_club(api):
    response = api.post("/api/v1/shots/", {"club": None, "carry": 150}, format="json")

    assert response.status_code == 400
    assert "club" in response.json()


def test_the_schema_says_null_in_answers_and_a_club_in_requests(client):
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]

    null = {"$ref": "#/components/schemas/NullEnum"}
    for answer in ("Shot", "StoreShot"):
        assert null in schema[answer]["properties"]["club"]["oneOf"]
    assert schema["NullEnum"] == {"enum": [None]}
    assert schema["ShotRequest"]["properties"]["club"] == {"$ref": "#/components/schemas/ClubEnum"}
    assert "club" in schema["ShotRequest"]["required"]
