"""Shot photos on S3: private objects, presigned redirects, nothing left behind.

A real S3-compatible server (moto in server mode, its own process on
127.0.0.1) stands in for the bucket, and the storage is built by the same
settings code production runs with AWS_STORAGE_BUCKET_NAME set. Uploads go
through the API and the HTML form, analysis runs eagerly against the fake
OpenAI server, and photos are fetched back with a plain HTTP client.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config as BotoConfig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from golfshots import settings as project_settings
from golfshots.tests.servers import free_port, gunicorn_instance, wait_until_answering
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role
from shots import services
from shots.models import Shot, ShotStatus
from shots.tests import fake_openai as fake
from shots.tests.photos import screen_photo, shrunk_screen_photo

# Analysis runs in-process after commit, as on the embedded default.
pytestmark = pytest.mark.usefixtures("eager_analysis")

SHOTS_API_URL = "/api/v1/shots/"
REGION = "eu-west-1"
PRESIGNED_LIFETIME = 45  # not the default 60, so the test sees the variable work
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}
DRIVER_SCREEN = fake.screen_answer(
    {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240, "yds")},
    club="Driver",
)


# --- A real S3-compatible server ---------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a moto S3 server running for this module."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answering(f"{url}/moto-api/", process, log, what="moto server")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Bucket:
    name: str
    client: Any  # boto3's S3 client; boto3 has no type information

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return [entry["Key"] for entry in listing.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(s3_endpoint, settings, _media_in_tmp, monkeypatch, tmp_path) -> Bucket:
    """A fresh private bucket, with the default storage pointed at it as production does.

    The storage comes from the settings module's own builder, reading the same
    environment variables an operator sets, so these tests exercise the
    production configuration rather than a copy of it.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    # Keep a developer's own AWS configuration out of the test.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_S3_REGION_NAME", REGION)
    monkeypatch.setenv("AWS_QUERYSTRING_EXPIRE", str(PRESIGNED_LIFETIME))

    name = f"photos-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    # Django's setting_changed handler drops the cached storages, so the
    # ImageField's default_storage resolves to this bucket from now on.
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_media(name)}
    return Bucket(name, client)


# --- People and uploads ----------------------------------------------------------------


@dataclass
class World:
    store: Retailer
    staff: User
    other_staff: User
    golfer: User
    other_golfer: User


@pytest.fixture
def world(db) -> World:
    store = Retailer.objects.create(
        name="Fairway Lab", slug="fairway", plan_status=PlanStatus.ACTIVE
    )
    other_store = Retailer.objects.create(
        name="Tee Time", slug="teetime", plan_status=PlanStatus.ACTIVE
    )
    staff = UserFactory.create()
    other_staff = UserFactory.create()
    Membership.objects.create(user=staff, retailer=store, role=Role.STAFF)
    Membership.objects.create(user=other_staff, retailer=other_store, role=Role.OWNER)
    golfer = UserFactory.create()
    other_golfer = UserFactory.create()
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    CustomerLink.objects.create(golfer=other_golfer, retailer=other_store)
    return World(store, staff, other_staff, golfer, other_golfer)


@pytest.fixture
def api_upload(world, django_capture_on_commit_callbacks):
    """Post a photo to the API as the world's golfer, letting the on-commit enqueue run."""
    api = APIClient()
    api.force_authenticate(world.golfer)

    def post(content: bytes | None = None, **fields: str):
        data = {
            "image": SimpleUploadedFile(
                "screen.jpg", content or screen_photo(), content_type="image/jpeg"
            ),
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(SHOTS_API_URL, data, format="multipart")

    return post


@pytest.fixture
def photo_shot(bucket, world, api_upload, fake_openai) -> Shot:
    """The golfer's analysed photo shot, hit at the world's store, stored in the bucket."""
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    response = api_upload(retailer=world.store.slug)
    assert response.status_code == 201, response.json()
    return Shot.objects.get(pk=response.json()["id"])


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET with a plain HTTP client, as a browser follows the redirect."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def owner_photo_url(shot: Shot) -> str:
    return reverse("shots:photo", args=[shot.pk])


def console_photo_url(store: Retailer, shot: Shot) -> str:
    return reverse("console:shot_photo", args=[store.slug, shot.pk])


# --- Upload and analysis ------------------------------------------------------------------


def test_an_api_upload_is_a_private_object_that_the_analyser_reads_back(
    bucket, world, api_upload, fake_openai, settings
):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    response = api_upload()

    assert response.status_code == 201, response.json()
    shot = Shot.objects.get(pk=response.json()["id"])
    key = f"media/{shot.image.name}"
    assert bucket.keys() == [key]
    stored = bucket.read(key)
    assert stored[:2] == b"\xff\xd8"  # the shrunk JPEG, not the upload as sent
    head = bucket.client.head_object(Bucket=bucket.name, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "private, max-age=3600"
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert {grant["Grantee"].get("URI") for grant in grants}.isdisjoint(PUBLIC_GRANTEES)
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    # Without a signature the object is refused: there is no public URL to guess.
    status, _headers, _body = fetch(f"{bucket.client.meta.endpoint_url}/{bucket.name}/{key}")
    assert status == 403

    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED
    assert (shot.club, shot.carry) == ("driver", 240.0)
    # The analyser was sent the bytes that are in the bucket.
    sent = fake_openai.requests[0].json()["messages"][1]["content"][1]["image_url"]["url"]
    assert sent == "data:image/jpeg;base64," + base64.b64encode(stored).decode()
    # Nothing was written to the local disk.
    media_root = Path(settings.MEDIA_ROOT)
    assert not media_root.exists() or not any(media_root.rglob("*"))


def test_a_form_upload_lands_in_the_bucket_too(
    bucket, world, client, fake_openai, django_capture_on_commit_callbacks
):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    client.force_login(world.golfer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("shots:upload"),
            {
                "image": SimpleUploadedFile("screen.jpg", screen_photo(), "image/jpeg"),
                "client_token": uuid.uuid4().hex,
            },
        )

    shot = Shot.objects.get(golfer=world.golfer)
    assert response.status_code == 302
    assert bucket.keys() == [f"media/{shot.image.name}"]
    assert shot.status == ShotStatus.ANALYZED


# --- Who gets the photo -----------------------------------------------------------------


def assert_presigned_redirect_to_the_photo(response, bucket: Bucket, shot: Shot) -> None:
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    parts = urlsplit(location)
    endpoint = urlsplit(bucket.client.meta.endpoint_url)
    assert (parts.scheme, parts.netloc) == (endpoint.scheme, endpoint.netloc)
    assert parts.path == f"/{bucket.name}/media/{shot.image.name}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Signature"][0]
    assert query["X-Amz-Expires"] == [str(PRESIGNED_LIFETIME)]
    assert f"/{REGION}/s3/aws4_request" in query["X-Amz-Credential"][0]

    status, headers, body = fetch(location)
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert body == bucket.read(f"media/{shot.image.name}")


def test_the_owner_is_sent_to_a_short_lived_signed_url_that_serves_the_jpeg(
    client, bucket, world, photo_shot
):
    client.force_login(world.golfer)

    response = client.get(owner_photo_url(photo_shot))

    assert_presigned_redirect_to_the_photo(response, bucket, photo_shot)


def test_the_api_points_at_its_own_photo_endpoint_not_at_the_bucket(bucket, world, photo_shot):
    api = APIClient()
    api.force_authenticate(world.golfer)

    body = api.get(f"{SHOTS_API_URL}{photo_shot.pk}/").json()

    assert body["image"] == f"http://testserver/api/v1/shots/{photo_shot.pk}/image/"


def test_staff_of_the_shots_store_are_sent_to_the_same_signed_photo(
    client, bucket, world, photo_shot
):
    client.force_login(world.staff)

    response = client.get(console_photo_url(world.store, photo_shot))

    assert_presigned_redirect_to_the_photo(response, bucket, photo_shot)


def test_another_golfer_and_another_stores_staff_get_404_from_both_photo_urls(
    client, bucket, world, photo_shot
):
    other_store = Retailer.objects.get(slug="teetime")
    for outsider in (world.other_golfer, world.other_staff):
        client.force_login(outsider)
        assert client.get(owner_photo_url(photo_shot)).status_code == 404
        assert client.get(console_photo_url(world.store, photo_shot)).status_code == 404
        assert client.get(console_photo_url(other_store, photo_shot)).status_code == 404


# --- Nothing left behind --------------------------------------------------------------------


def test_deleting_a_shot_removes_its_object(
    client, bucket, world, photo_shot, django_capture_on_commit_callbacks
):
    assert len(bucket.keys()) == 1
    client.force_login(world.golfer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shots:delete", args=[photo_shot.pk]))

    assert response.status_code == 302
    assert not Shot.objects.filter(pk=photo_shot.pk).exists()
    assert bucket.keys() == []


@pytest.fixture
def unreachable_bucket(bucket, settings):
    # Nothing listens on this port: a real connection failure, not a mock.
    unreachable = project_settings._s3_media(bucket.name)
    unreachable["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    unreachable["OPTIONS"]["client_config"] = unreachable["OPTIONS"]["client_config"].merge(
        BotoConfig(retries={"mode": "standard", "max_attempts": 1})
    )
    settings.STORAGES = {**settings.STORAGES, "default": unreachable}


def test_a_shot_is_deleted_even_when_the_bucket_cannot_be_reached(
    client,
    bucket,
    world,
    photo_shot,
    unreachable_bucket,
    django_capture_on_commit_callbacks,
    caplog,
):
    client.force_login(world.golfer)

    with (
        caplog.at_level(logging.ERROR, logger="django.db.backends.base"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("shots:delete", args=[photo_shot.pk]))

    assert response.status_code == 302
    assert not Shot.objects.filter(pk=photo_shot.pk).exists()
    # The orphaned object is logged for the operator, not turned into a 500.
    assert any("on_commit" in record.getMessage() for record in caplog.records)
    assert len(bucket.keys()) == 1


@pytest.mark.parametrize(
    ("content", "max_bytes"),
    [(b"%PDF-1.4 not a photo", None), (screen_photo(), 1_000)],
    ids=["not-an-image", "too-large"],
)
def test_a_rejected_upload_leaves_no_object_and_no_row(
    bucket, world, api_upload, settings, content, max_bytes
):
    if max_bytes:
        settings.SHOT_UPLOAD_MAX_BYTES = max_bytes

    response = api_upload(content)

    assert response.status_code == 400
    assert not Shot.objects.exists()
    assert bucket.keys() == []


def test_a_photo_whose_row_cannot_be_saved_is_removed_from_the_bucket(bucket, world):
    photo = shrunk_screen_photo()

    # Longer than the column: PostgreSQL refuses the row after the upload.
    with pytest.raises(DataError):
        services.shot_create_from_photo(golfer=world.golfer, photo=photo, client_token="x" * 65)

    assert not Shot.objects.exists()
    assert bucket.keys() == []


def test_an_api_upload_while_the_bucket_is_down_is_a_503_that_stores_nothing(
    world, api_upload, unreachable_bucket
):
    response = api_upload()

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "please send it again" in response.json()["detail"]
    assert not Shot.objects.exists()


def test_a_form_upload_while_the_bucket_is_down_says_so_and_keeps_nothing(
    client, world, unreachable_bucket
):
    client.force_login(world.golfer)

    response = client.post(
        reverse("shots:upload"),
        {"image": SimpleUploadedFile("screen.jpg", screen_photo(), "image/jpeg"), "club": ""},
    )

    assert response.status_code == 503
    assert "couldn&#x27;t store your photo" in response.content.decode()
    assert not Shot.objects.exists()


def test_a_console_upload_while_the_bucket_is_down_says_so_and_keeps_nothing(
    client, world, unreachable_bucket
):
    client.force_login(world.staff)

    response = client.post(
        reverse("console:record", args=[world.store.slug, world.golfer.pk]),
        {
            "kind": "photo",
            "image": SimpleUploadedFile("screen.jpg", screen_photo(), "image/jpeg"),
            "club": "",
        },
    )

    assert response.status_code == 503
    assert "couldn&#x27;t store your photo" in response.content.decode()
    assert not Shot.objects.exists()


# --- Several instances, no shared disk ------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand the 302 back to the caller instead of following it


def call(method: str, url: str, *, body: bytes = b"", **headers: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


@pytest.mark.django_db(transaction=True)
def test_two_instances_sharing_no_disk_serve_and_delete_each_others_photos(
    bucket, world, fake_openai, settings, tmp_path
):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    environment = {
        "AWS_STORAGE_BUCKET_NAME": bucket.name,
        # Same signing key as this process, so its JWT and session work on both.
        "SECRET_KEY": settings.SECRET_KEY,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "SHOT_ANALYSER": "openai",
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "OPENAI_BASE_URL": fake_openai.url,
    }
    token = str(AccessToken.for_user(world.golfer))
    browser = Client()
    browser.force_login(world.golfer)
    session_cookie = f"sessionid={browser.cookies['sessionid'].value}"
    upload = encode_multipart(BOUNDARY, {"image": SimpleUploadedFile("s.jpg", screen_photo())})

    with (
        gunicorn_instance(tmp_path, **environment) as first,
        gunicorn_instance(tmp_path, **environment) as second,
    ):
        status, _, body = call(
            "POST",
            f"{first.url}{SHOTS_API_URL}",
            body=upload,
            Authorization=f"Bearer {token}",
            **{"Content-Type": MULTIPART_CONTENT},
        )
        assert status == 201, body
        shot_id = json.loads(body)["id"]
        assert json.loads(body)["status"] == "analyzed"  # read from S3 by the first instance

        status, headers, _ = call(
            "GET", f"{second.url}{owner_photo_url(Shot(pk=shot_id))}", Cookie=session_cookie
        )
        assert status == 302
        photo_status, _, photo = fetch(headers["Location"])
        assert (photo_status, photo) == (200, bucket.read(bucket.keys()[0]))

        status, _, _ = call(
            "DELETE", f"{second.url}{SHOTS_API_URL}{shot_id}/", Authorization=f"Bearer {token}"
        )
        assert status == 204

    assert bucket.keys() == []
    assert not Shot.objects.filter(pk=shot_id).exists()
    written = [
        path for each in (first, second) for path in each.var_dir.rglob("*") if path.is_file()
    ]
    assert written == [], "an instance kept something on its own disk"
