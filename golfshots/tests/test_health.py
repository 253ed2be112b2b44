"""Probes (/healthz, /readyz, /metrics) and the 503 answer to a database outage."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django_redis import get_redis_connection

from golfshots.tests.servers import free_port, gunicorn_instance

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def database_down_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def programming_error_view(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug in the page")


# Test-only URLconf (selected with @pytest.mark.urls(__name__)): the real routes,
# so the 503 page's links resolve, plus two views that fail on purpose.
urlpatterns = [
    path("test/database-down/", database_down_view),
    path("test/bug/", programming_error_view),
    path("", include("golfshots.urls")),
]


# No django_db mark: any database access here would raise, so liveness is
# shown not to depend on PostgreSQL.
def test_healthz_answers_ok_without_touching_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ok_when_database_cache_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "cache": True, "broker": True},
    }


@pytest.fixture
def unreachable_cache(settings):
    """Point the default cache at a Redis port where nothing listens.

    ``django.core.cache.caches`` builds one backend per alias per thread from
    CACHES on first use and keeps it; changing settings.CACHES alone would leave
    the backend already built for the real Redis in place and the probe would
    pass against it. Django's test-only ``setting_changed`` receiver rebuilds the
    handler's configuration; dropping the alias here as well makes sure the next
    ``caches["default"]`` is built from the unreachable URL, and again afterwards
    so later tests get the real Redis back.
    """
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "LOCATION": UNREACHABLE_REDIS}}
    _drop_default_cache()
    yield
    _drop_default_cache()


def _drop_default_cache() -> None:
    with contextlib.suppress(AttributeError):  # not built in this thread yet
        del caches["default"]


@pytest.mark.django_db
def test_readyz_answers_503_when_redis_is_unreachable(client, unreachable_cache):
    # Proves the probe really talks to the dead port, not a cached client.
    assert get_redis_connection("default").connection_pool.connection_kwargs["port"] == 1

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"] is False
    assert body["checks"]["database"] is True


def test_readyz_answers_503_when_the_database_cannot_be_reached(tmp_path):
    # A real outage: a web instance pointed at a port nothing listens on.
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/golfshots"
    with gunicorn_instance(
        tmp_path, DATABASE_URL=dead_database, DB_CONNECT_TIMEOUT="1", DB_POOL_TIMEOUT="1"
    ) as web:
        try:
            urllib.request.urlopen(f"{web.url}/readyz", timeout=30)
            pytest.fail("/readyz answered 200 without a database")
        except urllib.error.HTTPError as refused:
            status, body = refused.code, json.loads(refused.read())

    assert status == 503
    assert body["checks"]["database"] is False
    assert body["checks"]["cache"] is True


@pytest.mark.django_db
def test_readyz_skips_the_broker_when_tasks_run_in_process(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "cache": True}


def test_readyz_refuses_other_methods(client):
    assert client.post("/readyz").status_code == 405


@pytest.mark.urls(__name__)
def test_a_lost_database_connection_answers_503_with_retry_after(client):
    response = client.get("/test/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")  # templates/503.html


@pytest.mark.urls(__name__)
def test_a_lost_database_connection_still_answers_503_without_the_template(client, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]

    response = client.get("/test/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/plain")
    assert b"briefly unavailable" in response.content


@pytest.mark.urls(__name__)
def test_other_exceptions_are_left_for_the_normal_500_handling(client):
    with pytest.raises(ValueError, match="a bug in the page"):
        client.get("/test/bug/")
