"""Fixtures shared by every app's tests.

The suite runs against the real PostgreSQL and Redis on this machine; the
Makefile's ``test`` target points DATABASE_URL and REDIS_URL at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from golfshots.celery import app as celery_app
from golfshots.circuit_breaker import breakers_reset
from retailers.models import Retailer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="ISO-8601",
        help=(
            "Run the whole suite with the clock moved to this moment (it keeps ticking), "
            "e.g. --clock=2027-03-01T00:30-05:00, to hunt for date bugs."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or not settings.REDIS_URL:
        raise pytest.UsageError(
            "The test suite runs on PostgreSQL and Redis: run `make test`, or set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/golfshots and "
            "REDIS_URL=redis://127.0.0.1:6379/15."
        )


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Let pytest-django drop the test database at the end of the run.

    Live-server threads hand their connections back to the shared psycopg
    pool instead of closing them, and PostgreSQL refuses to drop a database
    that still has sessions, so close the pools and end any stragglers.
    """
    yield
    from django.db import connection, connections

    test_database = connection.settings_dict["NAME"]
    for each in connections.all():
        each.close()
        if hasattr(each, "close_pool"):  # PostgreSQL only
            each.close_pool()
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_database],
        )


NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")

# Moments where calendar code breaks: a period boundary just passed or about
# to pass, in the default store zone (UTC) and in New York, where the demo
# store is; the two zones disagree about the date at each of these.
AWKWARD_MOMENTS: dict[str, datetime] = {
    "1st-of-month-monday-0030-new-york": datetime(2027, 3, 1, 0, 30, tzinfo=NEW_YORK),
    "1st-of-month-0030-utc": datetime(2027, 3, 1, 0, 30, tzinfo=UTC),
    "monday-0030-utc": datetime(2027, 2, 8, 0, 30, tzinfo=UTC),
    "sunday-2330-new-york": datetime(2027, 2, 7, 23, 30, tzinfo=NEW_YORK),
    "sunday-2330-utc": datetime(2027, 2, 7, 23, 30, tzinfo=UTC),
    "31-december-2330-new-york": datetime(2027, 12, 31, 23, 30, tzinfo=NEW_YORK),
    "31-december-2330-utc": datetime(2027, 12, 31, 23, 30, tzinfo=UTC),
    # The spring-forward day: 02:00-03:00 does not exist; the day has 23 hours.
    "dst-starts-new-york": datetime(2027, 3, 14, 3, 30, tzinfo=NEW_YORK),
    # The fall-back day: 01:00-02:00 happens twice; the day has 25 hours.
    "dst-ends-new-york": datetime(2027, 11, 7, 1, 30, tzinfo=NEW_YORK),
}


@pytest.fixture(params=list(AWKWARD_MOMENTS.values()), ids=list(AWKWARD_MOMENTS))
def awkward_moment(request) -> Iterator[datetime]:
    """Run the test with the clock at each awkward moment in turn (the clock keeps ticking).

    A test that depends on today's date asks for this fixture, so a date bug
    fails CI the day it is written instead of on the 1st of next month.
    """
    with time_machine.travel(request.param, tick=True):
        yield request.param


@pytest.fixture(scope="session", autouse=True)
def _clock_from_command_line(request):
    # Session-wide, so module fixtures that load data see the same clock as
    # the tests. Servers the tests start in other processes (gunicorn, moto,
    # Celery workers) keep the real clock, so tests that compare times across
    # processes (presigned URLs) are expected to fail under --clock.
    moment = request.config.getoption("--clock")
    if not moment:
        yield
        return
    with time_machine.travel(datetime.fromisoformat(moment), tick=True):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def eager_tasks(settings):
    """Run Celery tasks in-process after commit, as the embedded default does."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Celery copied Django's settings when it was configured; the settings
    # fixture alone does not reach it.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _closed_circuit_breakers():
    # The breakers are process-wide: a test that made a dependency fail (a dead
    # broker, a paused Redis) must not leave the next test skipping it.
    breakers_reset()
    yield
    breakers_reset()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests do not run collectstatic; hashed names are for production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# A module that needs a particular golfer defines its own ``golfer``; ``api``
# and ``browser`` then act as that one.
@pytest.fixture
def golfer(db) -> User:
    return UserFactory.create()


@pytest.fixture
def browser(client, golfer):
    client.force_login(golfer)
    return client


@pytest.fixture
def api(golfer) -> APIClient:
    api_client = APIClient()
    api_client.force_authenticate(golfer)
    return api_client


@pytest.fixture
def store(db) -> Retailer:
    return Retailer.objects.create(name="Fairway Lab", slug="fairway")


@pytest.fixture
def other_store(db) -> Retailer:
    return Retailer.objects.create(name="Tee Time", slug="teetime")


CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from calling out to Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's Chromium, with console errors collected.

    Playwright's sync API runs an event loop in this thread, which makes
    Django refuse ORM calls from the test body; the live server runs in its
    own thread, so allowing them here is safe.
    """
    import os

    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install chromium")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        # Generous: these tests check what a page shows, not how fast; on a busy
        # two-core CI machine a demo-data console page once took over 10 s.
        page.set_default_timeout(30_000)
        yield page
        browser.close()
