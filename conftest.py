"""Fixtures shared by every app's tests.

The suite runs against the real PostgreSQL and Redis on this machine; the
Makefile's ``test`` target points DATABASE_URL and REDIS_URL at them.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or not settings.REDIS_URL:
        raise pytest.UsageError(
            "The test suite runs on PostgreSQL and Redis: run `make test`, or set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/golfshots and "
            "REDIS_URL=redis://127.0.0.1:6379/15."
        )


@pytest.fixture(autouse=True)
def _isolated_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests do not run collectstatic; hashed names are for production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
