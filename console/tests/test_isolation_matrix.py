"""Every console page and staff API endpoint, requested by everyone who might try.

Owners (and staff, except on owner-only pages) are let in; staff of another
store, the store's own golfers and strangers get a 404, as if the store did
not exist; anonymous visitors get the log-in page (or a 404, or a 401 from the
API). Another store's object ids under this store's slug are a 404 even for
the owner. ``test_every_console_and_staff_api_url_is_in_the_matrix`` fails
when a URL is added under console/ or api/v1/retailers/ without a row here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from console.tests.test_console import World, build_world, png_bytes
from leaderboards.models import Event
from retailers.models import Membership, Retailer, Role, StaffInvitation
from shots.models import Shot
from shots.services.imports import import_upload
from shots.tests.import_files import garmin_sample_csv

PREFIXES = ("console/", "api/v1/retailers/")


@dataclass(frozen=True)
class Endpoint:
    route: str
    method: str = "get"
    owner_only: bool = False
    data: dict = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


SHOT_VALUES = {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "200"}

MATRIX = [
    # The console (retailers/console_urls.py).
    Endpoint("console/<slug:slug>/"),
    Endpoint("console/<slug:slug>/customers/"),
    Endpoint("console/<slug:slug>/customers/<int:golfer_id>/"),
    Endpoint("console/<slug:slug>/customers/<int:golfer_id>/game/"),
    Endpoint("console/<slug:slug>/customers/<int:golfer_id>/record/"),
    Endpoint(
        "console/<slug:slug>/customers/<int:golfer_id>/record/",
        method="post",
        data={"kind": "values", **SHOT_VALUES},
    ),
    Endpoint("console/<slug:slug>/customers/<int:golfer_id>/import/"),
    Endpoint("console/<slug:slug>/customers/<int:golfer_id>/import/", method="post"),
    Endpoint("console/<slug:slug>/imports/<int:pk>/"),
    Endpoint("console/<slug:slug>/imports/<int:pk>/", method="post", data={"action": "update"}),
    Endpoint("console/<slug:slug>/imports/<int:pk>/status/"),
    Endpoint("console/<slug:slug>/record/"),
    Endpoint("console/<slug:slug>/verification/"),
    Endpoint("console/<slug:slug>/verification/verify/", method="post"),
    Endpoint("console/<slug:slug>/verification/log/"),
    Endpoint("console/<slug:slug>/shots/<int:pk>/"),
    Endpoint("console/<slug:slug>/shots/<int:pk>/photo/"),
    Endpoint("console/<slug:slug>/shots/<int:pk>/verify/", method="post"),
    Endpoint("console/<slug:slug>/shots/<int:pk>/exclude/", method="post", data={"reason": "x"}),
    Endpoint("console/<slug:slug>/shots/<int:pk>/include/", method="post"),
    Endpoint(
        "console/<slug:slug>/shots/<int:pk>/correct/",
        method="post",
        data={**SHOT_VALUES, "reason": "Misread"},
    ),
    Endpoint("console/<slug:slug>/settings/", owner_only=True),
    Endpoint(
        "console/<slug:slug>/settings/",
        method="post",
        owner_only=True,
        data={"name": "Renamed", "timezone": "UTC", "units": "metric"},
    ),
    Endpoint("console/<slug:slug>/export/shots.csv"),
    Endpoint("console/<slug:slug>/export/customers.csv"),
    # Events (leaderboards/event_urls.py).
    Endpoint("console/<slug:slug>/events/"),
    Endpoint("console/<slug:slug>/events/new/"),
    Endpoint("console/<slug:slug>/events/<int:pk>/edit/"),
    # Staff management (retailers/join_urls.py).
    Endpoint("console/<slug:slug>/staff/", owner_only=True),
    Endpoint(
        "console/<slug:slug>/staff/<int:membership_id>/remove/", method="post", owner_only=True
    ),
    Endpoint(
        "console/<slug:slug>/staff/invitations/<int:invitation_id>/withdraw/",
        method="post",
        owner_only=True,
    ),
    # The staff API (retailers/api.py).
    Endpoint("api/v1/retailers/<slug:slug>/customers/"),
    Endpoint("api/v1/retailers/<slug:slug>/shots/"),
    Endpoint("api/v1/retailers/<slug:slug>/shots/<int:pk>/verify/", method="post"),
]
# The store list takes no slug: it lists the caller's own stores (tested below).
NOT_STORE_SCOPED = {"api/v1/retailers/"}


@dataclass
class StoreObjects:
    slug: str
    pk: int  # a shot; for event routes, an event; for import routes, a file import
    event: int
    shot_import: int
    golfer_id: int
    membership_id: int
    invitation_id: int

    def kwargs_for(self, route: str) -> dict[str, object]:
        if "/events/" in route:
            pk = self.event
        elif "/imports/" in route:
            pk = self.shot_import
        else:
            pk = self.pk
        return {
            "slug": self.slug,
            "pk": pk,
            "golfer_id": self.golfer_id,
            "membership_id": self.membership_id,
            "invitation_id": self.invitation_id,
        }


def objects_of(store: Retailer, shot: Shot, golfer: User, owner: User) -> StoreObjects:
    now = timezone.now()
    shot.image.save(f"{store.slug}.png", ContentFile(png_bytes()))
    event = Event.objects.create(
        retailer=store,
        name="Long drive week",
        metric="carry",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
    )
    staff_member = UserFactory.create()
    membership = Membership.objects.create(user=staff_member, retailer=store, role=Role.STAFF)
    invitation = StaffInvitation.objects.create(
        retailer=store, email=f"new@{store.slug}.example", invited_by=owner
    )
    shot_import, _plan = import_upload(
        golfer=golfer,
        uploaded_by=owner,
        retailer=store,
        file_name="s.csv",
        content=garmin_sample_csv(),
    )
    return StoreObjects(
        store.slug, shot.pk, event.pk, shot_import.pk, golfer.pk, membership.pk, invitation.pk
    )


@dataclass
class Matrix:
    world: World
    mine: StoreObjects
    theirs: StoreObjects


@pytest.fixture
def matrix(db) -> Matrix:
    world = build_world()
    return Matrix(
        world,
        objects_of(world.store, world.shot, world.golfer, world.owner),
        objects_of(world.other_store, world.other_shot, world.other_golfer, world.other_staff),
    )


def url_for(endpoint: Endpoint, kwargs: dict[str, object]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match.group(1)]), endpoint.route)
    return f"/{path}"


def request(client: Client, endpoint: Endpoint, url: str, user: User | None):
    client.logout()
    if user is not None:
        client.force_login(user)
    if endpoint.method == "post":
        return client.post(url, endpoint.data)
    return client.get(url)


def was_let_in(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return False
    return not (response.status_code == 302 and "/accounts/login/" in response.url)


@pytest.mark.parametrize("endpoint", MATRIX, ids=lambda e: f"{e.method.upper()} {e.route}")
def test_only_the_stores_staff_get_in(client, matrix, endpoint):
    world = matrix.world
    url = url_for(endpoint, matrix.mine.kwargs_for(endpoint.route))
    outsiders = {
        "staff of another store": world.other_staff,
        "a golfer of the store": world.golfer,
        "a stranger": world.stranger,
    }
    if endpoint.owner_only:
        outsiders["the store's (non-owner) staff"] = world.staff

    for who, user in outsiders.items():
        response = request(client, endpoint, url, user)
        assert response.status_code == 404, (
            f"{who}: {endpoint.method} {url} -> {response.status_code}"
        )

    anonymous = request(client, endpoint, url, None)
    if endpoint.is_api:
        assert anonymous.status_code == 401, f"anonymous: {url} -> {anonymous.status_code}"
    else:
        assert anonymous.status_code == 404 or (
            anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
        ), f"anonymous: {url} -> {anonymous.status_code}"

    insiders = {"the owner": world.owner}
    if not endpoint.owner_only:
        insiders["the store's staff"] = world.staff
    for who, user in insiders.items():
        response = request(client, endpoint, url, user)
        assert was_let_in(response), f"{who}: {endpoint.method} {url} -> {response.status_code}"


OBJECT_ROUTES = [endpoint for endpoint in MATRIX if "<int:" in endpoint.route]


@pytest.mark.parametrize("endpoint", OBJECT_ROUTES, ids=lambda e: f"{e.method.upper()} {e.route}")
def test_another_stores_ids_under_this_stores_slug_are_a_404(client, matrix, endpoint):
    kwargs = {**matrix.theirs.kwargs_for(endpoint.route), "slug": matrix.mine.slug}
    url = url_for(endpoint, kwargs)

    response = request(client, endpoint, url, matrix.world.owner)

    assert response.status_code == 404, f"{endpoint.method} {url} -> {response.status_code}"


@pytest.mark.parametrize("endpoint", [MATRIX[0], MATRIX[-2]], ids=["console", "api"])
def test_a_store_that_does_not_exist_is_a_404_too(client, matrix, endpoint):
    url = url_for(endpoint, {**matrix.mine.kwargs_for(endpoint.route), "slug": "no-such-store"})
    assert request(client, endpoint, url, matrix.world.owner).status_code == 404


def test_the_store_list_names_only_the_callers_stores(client, matrix):
    world = matrix.world
    for user, expected in [
        (world.owner, ["fairway"]),
        (world.other_staff, ["teetime"]),
        (world.golfer, []),
        (world.stranger, []),
    ]:
        client.force_login(user)
        assert [store["slug"] for store in client.get("/api/v1/retailers/").json()] == expected
    client.logout()
    assert client.get("/api/v1/retailers/").status_code == 401


def test_filtering_by_another_stores_golfer_finds_nothing(client, matrix):
    client.force_login(matrix.world.owner)
    response = client.get(
        "/api/v1/retailers/fairway/shots/", {"golfer": matrix.world.other_golfer.pk}
    )
    assert response.json()["results"] == []


def _routes(patterns: list, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes.extend(_routes(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def test_every_console_and_staff_api_url_is_in_the_matrix():
    routes = {route for route in _routes(get_resolver().url_patterns) if route.startswith(PREFIXES)}
    covered = {endpoint.route for endpoint in MATRIX} | NOT_STORE_SCOPED

    missing = routes - covered
    assert not missing, f"Add these to MATRIX in {__name__}: {sorted(missing)}"
    assert covered <= routes, f"Stale rows in MATRIX: {sorted(covered - routes)}"
