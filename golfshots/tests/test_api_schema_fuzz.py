"""The API answers what its OpenAPI schema says, whatever it is sent.

schemathesis generates requests for every operation in /api/schema/ (valid
ones and broken ones) and sends them to the WSGI app on the real PostgreSQL,
as a golfer and as store staff, with JWTs. Each answer must be no server
error, have a status the schema documents for the operation, and match the
schema for that status (error bodies included: golfshots.api.document_error_responses).
Examples are few per operation and derandomized, so the run is short and the
same every time; schemathesis adds its boundary-value cases on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis import checks

from accounts.models import User
from accounts.tests.factories import UserFactory
from golfshots.wsgi import application
from leaderboards.models import Event
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role
from shots.models import PracticeSession, Shot, ShotSource, ShotStatus
from shots.tests.factories import MeasuredShotFactory, ShotFactory
from shots.tests.import_files import garmin_session

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    # The fixtures (a golfer, a store, shots) are the same for every example on purpose:
    # the requests act on them.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
STAFF_PATHS = "^/api/v1/retailers/"

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@dataclass
class World:
    store: Retailer
    golfer: User
    owner: User
    shots: list[Shot]
    store_shots: list[Shot]
    session: PracticeSession
    event: Event
    import_id: int

    def ids_for(self, path: str) -> list[int]:
        if path.startswith("/api/v1/retailers/"):
            return [shot.pk for shot in self.store_shots]
        if path.startswith("/api/v1/events/"):
            return [self.event.pk]
        if path.startswith("/api/v1/sessions/"):
            return [self.session.pk]
        if path.startswith("/api/v1/imports/"):
            return [self.import_id]
        return [shot.pk for shot in self.shots]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The token endpoint hashes every password it is sent; the default hasher takes
    # most of a second per request on a small machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, _fast_password_hashing) -> World:
    store = Retailer.objects.create(
        name="Fairway Lab", slug="fairway", plan_status=PlanStatus.ACTIVE
    )
    golfer = UserFactory.create(username="gary")
    owner = UserFactory.create(username="olive")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    now = timezone.now()
    session = PracticeSession.objects.create(
        golfer=golfer, retailer=store, started_at=now - timedelta(hours=1), ended_at=now
    )
    shots = [
        ShotFactory.create(golfer=golfer, retailer=store, session=session),
        MeasuredShotFactory.create(golfer=golfer, retailer=store, club="7i", carry=160.0),
        # A photo whose club was not read: the API answers its club as null.
        ShotFactory.create(
            golfer=golfer,
            retailer=store,
            club="",
            source=ShotSource.PHOTO,
            status=ShotStatus.NEEDS_REVIEW,
        ),
        ShotFactory.create(golfer=golfer, retailer=None),
    ]
    event = Event.objects.create(
        retailer=store,
        name="Long drive",
        metric="carry",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
    )
    api = APIClient()
    api.force_authenticate(golfer)
    upload = SimpleUploadedFile("DrivingRange.csv", garmin_session(3))
    preview = api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert preview.status_code == 201, preview.content
    return World(store, golfer, owner, shots, shots[:3], session, event, preview.json()["id"])


@pytest.fixture(autouse=True)
def _keep_the_test_connection(world):
    """Requests go straight to the WSGI app, whose request signals close the database
    connection, and with it the test's transaction; Django's test Client unhooks them
    too (and hooks them back after each request, hence after ``world``)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _aim(case: Any, world: World) -> None:
    """Point generated path parameters at the world's objects, so requests reach them.

    Unknown slugs and ids answer 404, which golfshots/tests/test_api_errors.py checks.
    """
    parameters = case.path_parameters
    if not parameters:
        return
    if "slug" in parameters:
        parameters["slug"] = world.store.slug
    generated = parameters.get("id")
    if isinstance(generated, int) or (isinstance(generated, str) and generated.isdigit()):
        ids = world.ids_for(case.operation.path)
        parameters["id"] = ids[int(generated) % len(ids)]


def _send(case: Any, world: World, user: User) -> None:
    _aim(case, world)
    # Every example starts unthrottled: throttling is not what this test is about,
    # and hundreds of requests a minute would otherwise answer only 429.
    cache.clear()
    case.call_and_validate(headers=_bearer(user), checks=CHECKS)


def _bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


@schema.exclude(path_regex=STAFF_PATHS).parametrize()
@FUZZ_SETTINGS
def test_the_golfer_api_answers_as_its_schema_says(case, world):
    _send(case, world, world.golfer)


@schema.include(path_regex=STAFF_PATHS).parametrize()
@FUZZ_SETTINGS
def test_the_staff_api_answers_as_its_schema_says(case, world):
    _send(case, world, world.owner)
