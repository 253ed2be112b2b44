"""Every hostile upload through both doors (the HTML form and the API).

Each bad file must get a 4xx with a sentence for the golfer and leave no row
and no file; each good one is stored under a generated name with no metadata
and nothing but the picture. test_images.py checks shrink_upload on its own;
this checks what the views actually store. The test transaction never commits,
so no analysis is enqueued: these tests are about what reaches storage.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from rest_framework.test import APIClient

from shots.images import ImageRejected, shrink_upload
from shots.models import Shot, ShotStatus
from shots.tests import badfiles
from shots.tests.badfiles import ACCEPTED_UPLOADS, REJECTED_UPLOADS, Upload

UPLOAD_URL = reverse("shots:upload")
SHOTS_API_URL = "/api/v1/shots/"
STORED_NAME = re.compile(r"shots/\d{4}/\d{2}/[0-9a-f]{32}\.jpg")
# A small cap for the over-size case, so the test does not push 20 MB around;
# one test below still uses the real default.
SMALL_BYTE_CAP = 1024 * 1024

# JPEG markers that may carry metadata: APP1 (EXIF, XMP) to APP15, and COM.
METADATA_MARKERS = {*range(0xE1, 0xF0), 0xFE}


def oversize_jpeg() -> Upload:
    return badfiles.oversize_jpeg(SMALL_BYTE_CAP)


CORPUS = [*REJECTED_UPLOADS, (oversize_jpeg, "too large")]
CORPUS_IDS = [make.__name__ for make, _ in CORPUS]
# Django's forms.FileField refuses an empty file itself, before clean_image
# runs, with its own sentence (PhotoUploadForm could pass EMPTY_MESSAGE).
FORM_MESSAGES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _small_byte_cap(settings):
    settings.SHOT_UPLOAD_MAX_BYTES = SMALL_BYTE_CAP


def as_file(upload: Upload) -> SimpleUploadedFile:
    name, content = upload
    # Browsers send whatever type the name suggests; it must not matter.
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def post_form(browser, upload: Upload):
    return browser.post(UPLOAD_URL, {"image": as_file(upload), "club": "", "client_token": ""})


def post_api(api: APIClient, upload: Upload):
    return api.post(SHOTS_API_URL, {"image": as_file(upload)}, format="multipart")


def rejection_message(upload: Upload) -> str:
    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_file(upload))
    return caught.value.message


def files_under(root: Path) -> list[Path]:
    return [Path(folder, name) for folder, _, names in os.walk(root) for name in names]


def jpeg_markers(content: bytes) -> list[int]:
    """The marker of every segment before the image data (SOS)."""
    assert content[:2] == b"\xff\xd8", "not a JPEG"
    markers, position = [], 2
    while position < len(content):
        assert content[position] == 0xFF, f"broken JPEG segment at byte {position}"
        marker = content[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        length = int.from_bytes(content[position + 2 : position + 4], "big")
        position += 2 + length
    raise AssertionError("no image data in the stored JPEG")


def assert_clean_jpeg(content: bytes) -> None:
    assert not METADATA_MARKERS & set(jpeg_markers(content))
    assert content.endswith(b"\xff\xd9"), "something follows the end of the image"
    lowered = content.lower()
    for marker in (b"<script", b"<html", b"exif\x00", b"icc_profile", b"xmpmeta", b"testphone"):
        assert marker not in lowered, marker
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(image.info)


# --- Rejected ---------------------------------------------------------------------


@pytest.mark.parametrize(("make_upload", "expected"), CORPUS, ids=CORPUS_IDS)
def test_the_form_rejects_each_bad_upload_and_keeps_nothing(
    browser, settings, make_upload, expected
):
    upload = make_upload()
    message = FORM_MESSAGES.get(make_upload.__name__) or rejection_message(upload)
    assert expected in message

    response = post_form(browser, upload)

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert response.context["form"].errors["image"] == [message]
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(("make_upload", "expected"), CORPUS, ids=CORPUS_IDS)
def test_the_api_rejects_each_bad_upload_and_keeps_nothing(api, settings, make_upload, expected):
    upload = make_upload()
    message = rejection_message(upload)

    response = post_api(api, upload)

    assert response.status_code == 400
    assert response.json() == {"image": [message]}
    assert expected in message
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


def test_the_default_size_cap_refuses_a_file_one_byte_over_20_mb(browser, api, settings):
    settings.SHOT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    upload = badfiles.oversize_jpeg(settings.SHOT_UPLOAD_MAX_BYTES)

    form_response = post_form(browser, upload)
    api_response = post_api(api, upload)

    assert form_response.status_code == 400
    assert "The photo is too large (20.1 MB). The limit is 20 MB." in form_response.content.decode()
    assert api_response.json() == {
        "image": ["The photo is too large (20.1 MB). The limit is 20 MB."]
    }
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


def test_a_form_post_without_a_file_asks_for_one(browser, settings):
    response = browser.post(UPLOAD_URL, {"club": "", "client_token": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["image"] == ["Choose a photo of the screen."]
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


# --- Accepted, and stored clean ------------------------------------------------------


@pytest.mark.parametrize("door", ["form", "api"])
def test_a_path_traversal_name_is_stored_under_a_generated_name(
    browser, api, golfer, settings, tmp_path, door
):
    upload = badfiles.path_traversal_jpeg()

    response = post_form(browser, upload) if door == "form" else post_api(api, upload)

    assert response.status_code in (201, 302)
    shot = Shot.objects.get(golfer=golfer)
    assert shot.status == ShotStatus.RECEIVED
    assert STORED_NAME.fullmatch(shot.image.name), shot.image.name
    stored = Path(settings.MEDIA_ROOT, shot.image.name)
    assert files_under(settings.MEDIA_ROOT) == [stored]
    # Nothing escaped MEDIA_ROOT: the only file the upload wrote is that one.
    assert [path for path in files_under(tmp_path) if path != stored] == []
    assert "passwd" not in shot.image.name


@pytest.mark.parametrize("door", ["form", "api"])
@pytest.mark.parametrize(
    ("make_upload", "original_format"),
    ACCEPTED_UPLOADS,
    ids=[make.__name__ for make, _ in ACCEPTED_UPLOADS],
)
def test_each_good_upload_is_stored_without_metadata_or_markup(
    browser, api, golfer, settings, make_upload, original_format, door
):
    settings.SHOT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    upload = make_upload()

    response = post_form(browser, upload) if door == "form" else post_api(api, upload)

    assert response.status_code in (201, 302)
    shot = Shot.objects.get(golfer=golfer)
    assert STORED_NAME.fullmatch(shot.image.name)
    stored = Path(settings.MEDIA_ROOT, shot.image.name)
    assert files_under(settings.MEDIA_ROOT) == [stored]
    assert_clean_jpeg(stored.read_bytes())


# --- A database failure after the file was written --------------------------------


@pytest.fixture
def failing_shot_insert(db):
    """Make PostgreSQL refuse every new Shot row, as an outage mid-upload would.

    A real database error rather than a mock: a trigger raises a
    connection-class error (SQLSTATE 08006, which Django reports as
    OperationalError) on INSERT, after shrink_upload has passed and the photo
    has been written to storage. DDL is transactional in PostgreSQL, so the
    trigger goes away when the test's transaction is rolled back.
    """
    table = Shot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION pytest_refuse_shot() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'test: the database went away' USING ERRCODE = '08006';
            END $$
            """
        )
        cursor.execute(
            f"CREATE TRIGGER pytest_refuse_shot BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pytest_refuse_shot()"
        )


def test_a_database_error_on_save_leaves_no_file_from_the_form(
    browser, settings, failing_shot_insert
):
    response = post_form(browser, badfiles.small_jpeg())

    assert response.status_code == 503
    assert response["Retry-After"]
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


def test_a_database_error_on_save_leaves_no_file_from_the_api(api, settings, failing_shot_insert):
    response = post_api(api, badfiles.small_jpeg())

    assert response.status_code == 503
    assert response.json()["detail"].startswith("The service is briefly unavailable")
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


def test_an_over_size_request_is_refused_by_its_length_before_the_body_is_read(
    browser, api, settings
):
    settings.SHOT_UPLOAD_MAX_BYTES = 1024 * 1024
    # Content-Length claims 50 MB; the body is never parsed, so nothing is spooled to disk.
    headers = {"CONTENT_LENGTH": str(50 * 1024 * 1024)}

    page = browser.post(
        UPLOAD_URL, data=b"", content_type="multipart/form-data; boundary=x", **headers
    )
    answer = api.post(
        "/api/v1/shots/", data=b"", content_type="multipart/form-data; boundary=x", **headers
    )

    assert page.status_code == 413
    assert "The photo is too large (50 MB). The limit is 1 MB." in page.content.decode()
    assert answer.status_code == 413
    assert answer.json()["image"] == ["The photo is too large (50 MB). The limit is 1 MB."]
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []
