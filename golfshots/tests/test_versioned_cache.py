import pytest
from django.core.cache import cache

from golfshots.versioned_cache import cached_versioned, pending_bumps, version_get, versions_bump


def cached(compute, key: str = "v:test") -> object:
    return cached_versioned(version_key=key, parts=["out", "test"], compute=compute, timeout=60)


def test_it_serves_the_cached_output_until_the_version_is_bumped():
    assert cached(lambda: "first") == "first"
    assert cached(lambda: "second") == "first"

    versions_bump(["v:test"])

    assert cached(lambda: "second") == "second"


def test_an_evicted_version_restarts_above_the_old_one():
    old = version_get("v:test")
    cache.delete("v:test")

    assert version_get("v:test") > old


def test_bumping_a_scope_nobody_read_starts_a_version():
    versions_bump(["v:unread"])

    assert version_get("v:unread") is not None


@pytest.fixture
def dead_redis(settings):
    # A real fault: nothing listens on port 1, so every cache call fails.
    # Changing CACHES makes Django drop its cache connections (setting_changed).
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    yield
    # The bump owed to the dead Redis must not be retried into later tests.
    pending_bumps.clear()


def test_with_redis_down_it_computes_and_never_raises(dead_redis):
    versions_bump(["v:test"])
    assert version_get("v:test") is None
    assert cached(lambda: "from the database") == "from the database"
    assert pending_bumps  # owed, and retried until Redis takes it
