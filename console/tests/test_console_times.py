"""Console pages show times on the store's clock and say which clock that is.

The staff member here lives in Berlin and the store is in New York: the pages
must follow the store (its day, its opening hours), not the viewer.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from console.tests.test_console import World, build_world, console
from shots.models import ShotReview, ShotSource, ShotStatus
from shots.services import shot_verify
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db

# Winter, so New York is on EST and Berlin on CET all the way through.
NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
HIT_AT = datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
IN_NEW_YORK = "15 Jan 2026 12:30"  # 17:30 UTC; Berlin would say 18:30
NEW_YORK_LABEL = "Times in New York time (EST)."


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world() -> World:
    world = build_world()
    world.store.timezone = "America/New_York"
    world.store.save(update_fields=["timezone"])
    world.staff.timezone = "Europe/Berlin"
    world.staff.save(update_fields=["timezone"])
    # A photo waiting for the golfer's review is in the queue whatever the boards hold.
    world.shot.delete()
    world.shot = ShotFactory.create(
        golfer=world.golfer,
        retailer=world.store,
        hit_at=HIT_AT,
        source=ShotSource.PHOTO,
        status=ShotStatus.NEEDS_REVIEW,
    )
    return world


def page(client, world: World, url: str) -> str:
    client.force_login(world.staff)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_customer_page_names_the_stores_zone_and_shows_its_times(client, world):
    html = page(client, world, console("customer", world.store, world.golfer.pk))

    assert NEW_YORK_LABEL in html
    assert IN_NEW_YORK in html
    assert "Berlin" not in html


def test_the_verification_queue_names_the_stores_zone_and_shows_its_times(client, world):
    html = page(client, world, console("queue", world.store))

    assert NEW_YORK_LABEL in html
    assert IN_NEW_YORK in html
    assert "Berlin" not in html


def test_the_shot_page_names_the_stores_zone_and_shows_its_times(client, world):
    html = page(client, world, console("shot", world.store, world.shot.pk))

    assert NEW_YORK_LABEL in html
    assert IN_NEW_YORK in html
    assert "Berlin" not in html


def test_the_audit_log_names_the_stores_zone_and_shows_its_times(client, world):
    review = shot_verify(shot=world.shot, staff=world.staff)
    ShotReview.objects.filter(pk=review.pk).update(created_at=HIT_AT)

    html = page(client, world, console("review_log", world.store))

    assert NEW_YORK_LABEL in html
    assert IN_NEW_YORK in html
    assert "Berlin" not in html
