"""Analytics reads from the replica when there is one, and from the primary when it is down.

The replica is added as a real connection for the test: one pointing at the
primary's test database (what TEST MIRROR does), and one pointing at a port
nothing listens on, which is a real outage, not a mock. Django's test cases
refuse connections to aliases they were not declared with, and "replica"
does not exist until the test adds it, so these tests commit their rows
outside a test transaction (``django_db_blocker``) and delete them after.
"""

from __future__ import annotations

import copy
import json
import socket
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.queries import golfer_analytics, period_last_days
from golfshots.db_replica import REPLICA_ALIAS, analytics_database, replica_mark_up
from golfshots.db_router import PrimaryReplicaRouter
from golfshots.tests.test_settings import run_python
from shots.models import Shot
from shots.tests.factories import ShotFactory


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def add_replica() -> Iterator[Callable[..., None]]:
    """Add a "replica" alias like the default one, with some settings changed."""

    def add(**changes: object) -> None:
        config = copy.deepcopy(connections["default"].settings_dict)
        config.update(changes)
        if "pool" in config.get("OPTIONS", {}):
            # As settings.py does for the replica: a dead one must fail fast.
            config["OPTIONS"]["pool"]["timeout"] = 1.0
        config["OPTIONS"]["connect_timeout"] = 1
        connections.settings[REPLICA_ALIAS] = config

    yield add
    if REPLICA_ALIAS in connections.settings:
        replica = connections[REPLICA_ALIAS]
        replica.close()
        if hasattr(replica, "close_pool"):
            replica.close_pool()
        del connections[REPLICA_ALIAS]
        del connections.settings[REPLICA_ALIAS]
    replica_mark_up()


@pytest.fixture
def committed_golfer(django_db_setup, django_db_blocker) -> Iterator[User]:
    """A golfer with one 7-iron shot of 215 yards, committed, so any connection sees it."""
    with django_db_blocker.unblock():
        golfer: User = UserFactory.create()
        ShotFactory(golfer=golfer, carry=215.0)
        yield golfer
        golfer.delete()


def period():
    return period_last_days(30, tz=timezone.get_current_timezone())


@pytest.mark.django_db
def test_without_a_replica_analytics_read_the_primary():
    assert REPLICA_ALIAS not in connections.settings
    assert analytics_database() == "default"


def test_analytics_read_from_the_replica_when_it_is_set(
    add_replica, committed_golfer, django_db_blocker
):
    add_replica()

    with (
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
        django_db_blocker.unblock(),
    ):
        (row,) = golfer_analytics(golfer=committed_golfer, period=period()).clubs

    assert row.carry.max == 215.0
    assert len(on_replica.captured_queries) == 4  # summary, stock, trend, points
    assert on_primary.captured_queries == []


def test_a_dead_replica_falls_back_to_the_primary_and_is_skipped_for_a_while(
    add_replica, committed_golfer, django_db_blocker
):
    add_replica(PORT=str(_unused_port()))

    with django_db_blocker.unblock():
        started = time.monotonic()
        (row,) = golfer_analytics(golfer=committed_golfer, period=period()).clubs
        assert row.carry.max == 215.0
        assert time.monotonic() - started < 5

        # Remembered as down: the next read goes straight to the primary, no timeout.
        assert analytics_database() == "default"
        started = time.monotonic()
        golfer_analytics(golfer=committed_golfer, period=period())
        assert time.monotonic() - started < 0.5


def test_the_router_keeps_writes_and_migrations_on_the_primary():
    router = PrimaryReplicaRouter()
    assert router.db_for_write(Shot) == "default"
    assert router.db_for_read(Shot) == "default"
    assert router.allow_migrate(REPLICA_ALIAS, "shots") is False
    assert router.allow_migrate("default", "shots") is None


REPORT_REPLICA = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": settings.DATABASES.get("replica", {}).get("NAME"),
    "test": settings.DATABASES.get("replica", {}).get("TEST"),
    "pool": settings.DATABASES.get("replica", {}).get("OPTIONS", {}).get("pool"),
    "routers": settings.DATABASE_ROUTERS,
}))
"""


def test_a_replica_url_adds_a_mirrored_fast_failing_replica(tmp_path):
    result = run_python(
        ["-c", REPORT_REPLICA],
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/golfshots",
        DATABASE_REPLICA_URL="postgres://postgres@replica.internal:5432/golfshots",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["aliases"] == ["default", "replica"]
    assert values["replica"] == "golfshots"
    assert values["test"]["MIRROR"] == "default"
    assert values["pool"]["timeout"] == 2.0
    assert values["routers"] == ["golfshots.db_router.PrimaryReplicaRouter"]


def test_a_replica_without_a_primary_url_stops_start_up(tmp_path):
    result = run_python(
        ["-c", "import django; django.setup()"],
        tmp_path,
        DATABASE_REPLICA_URL="postgres://postgres@replica.internal:5432/golfshots",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs DATABASE_URL" in result.stderr
