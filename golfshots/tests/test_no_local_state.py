"""Production settings keep no state on the machine: any process can serve any request.

Sessions live in the database (cached in Redis), the cache is Redis, tasks go
through the broker and shot photos go to S3, so web and worker processes can
run on different machines with no shared disk. Each case starts a fresh
Python with a controlled environment, as settings are read once per process.
"""

from __future__ import annotations

import json

from golfshots.tests.test_settings import production_env, run_python

BUCKET = "golfshots-media-test"

# Printed by the child as one JSON line; building the storage touches no network.
REPORT_STATE = """
import json
import django

django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
from shots.models import Shot

def class_path(obj):
    return f"{obj.__class__.__module__}.{obj.__class__.__qualname__}"

photo_storage = Shot._meta.get_field("image").storage
print(json.dumps({
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "DEFAULT_STORAGE_BACKEND": settings.STORAGES["default"]["BACKEND"],
    "default_storage": class_path(default_storage),
    "photo_storage": class_path(photo_storage),
    "bucket_name": photo_storage.bucket_name,
    "location": photo_storage.location,
    "default_acl": photo_storage.default_acl,
    "querystring_auth": photo_storage.querystring_auth,
    "querystring_expire": photo_storage.querystring_expire,
    "file_overwrite": photo_storage.file_overwrite,
    "endpoint_url": photo_storage.endpoint_url,
    "region_name": photo_storage.region_name,
    "signature_version": photo_storage.client_config.signature_version,
}))
"""

S3 = "storages.backends.s3.S3Storage"


def production_state(tmp_path, **variables: str) -> dict:
    result = run_python(
        ["-c", REPORT_STATE],
        tmp_path,
        **{**production_env(), "AWS_STORAGE_BUCKET_NAME": BUCKET, **variables},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_keep_sessions_cache_tasks_and_photos_off_the_machine(tmp_path):
    state = production_state(tmp_path)

    assert state["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert state["CACHE_BACKEND"] == "django_prometheus.cache.backends.redis.RedisCache"
    assert state["CELERY_TASK_ALWAYS_EAGER"] is False
    assert state["DEFAULT_STORAGE_BACKEND"] == S3
    # The photo field writes through the configured default storage, not a
    # file-system storage captured when the model was defined.
    assert state["default_storage"] == S3
    assert state["photo_storage"] == S3
    # Nothing was created under VAR_DIR: no SQLite file, no media directory.
    assert not (tmp_path / "var").exists()


def test_photos_on_s3_are_private_signed_and_never_overwritten(tmp_path):
    state = production_state(tmp_path)

    assert state["bucket_name"] == BUCKET
    assert state["location"] == "media"
    assert state["default_acl"] is None
    assert state["querystring_auth"] is True
    assert state["querystring_expire"] == 60
    assert state["file_overwrite"] is False
    assert state["signature_version"] == "s3v4"
    # AWS itself unless an S3-compatible endpoint is named.
    assert state["endpoint_url"] is None
    assert state["region_name"] is None


def test_an_s3_compatible_endpoint_region_and_link_lifetime_come_from_the_environment(tmp_path):
    state = production_state(
        tmp_path,
        AWS_S3_ENDPOINT_URL="https://s3.example-provider.test",
        AWS_S3_REGION_NAME="eu-central-1",
        AWS_QUERYSTRING_EXPIRE="30",
    )

    assert state["endpoint_url"] == "https://s3.example-provider.test"
    assert state["region_name"] == "eu-central-1"
    assert state["querystring_expire"] == 30


def test_a_zero_link_lifetime_or_a_non_http_endpoint_stops_start_up(tmp_path):
    for variable, value, message in (
        ("AWS_QUERYSTRING_EXPIRE", "0", "AWS_QUERYSTRING_EXPIRE=0 must be at least 1"),
        ("AWS_S3_ENDPOINT_URL", "ftp://files.example.test", "AWS_S3_ENDPOINT_URL must be a URL"),
    ):
        result = run_python(
            ["-c", "import django; django.setup()"],
            tmp_path,
            **{**production_env(), "AWS_STORAGE_BUCKET_NAME": BUCKET, variable: value},
        )
        assert result.returncode != 0, variable
        assert message in result.stderr, result.stderr


def test_without_a_bucket_photos_stay_on_the_file_system(tmp_path):
    result = run_python(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STORAGES['default']['BACKEND'])",
        ],
        tmp_path,
        **production_env(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.core.files.storage.FileSystemStorage"
