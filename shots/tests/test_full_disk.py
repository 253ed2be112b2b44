"""A full disk refuses an upload whole: no shot, no partial photo file, and the golfer told so.

The disk is a real, tiny tmpfs mounted for the test (it needs root, which CI
and this sandbox have; elsewhere that test skips) and filled to the byte. A
second test needs no root: a subprocess whose file-size limit
(RLIMIT_FSIZE) makes every write past 16 KiB fail with EFBIG, the other way
a write stops half-way.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shots.models import Shot
from shots.tests.conftest import DEAD_BROKER_URL

SHOTS_API_URL = "/api/v1/shots/"
DISK_BYTES = 1024 * 1024
FILLER = "filler.bin"


def noisy_photo() -> bytes:
    """A JPEG that stays large once shrunk (noise compresses badly): ~300 KB stored."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (1200, 900), rng.randbytes(1200 * 900 * 3))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90)
    return output.getvalue()


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    """A 1 MiB tmpfs of its own, unmounted after the test."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"Mounting a tmpfs needs root: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def fill_leaving(disk: Path, free_bytes: int) -> None:
    stats = os.statvfs(disk)
    available = stats.f_bavail * stats.f_frsize
    (disk / FILLER).write_bytes(b"\0" * (available - free_bytes))
    stats = os.statvfs(disk)
    assert stats.f_bavail * stats.f_frsize == free_bytes


def files_on(directory: Path) -> dict[str, int]:
    """Every file under ``directory`` (hidden ones too) with its size."""
    return {
        path.relative_to(directory).as_posix(): path.stat().st_size
        for path in directory.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def media_on_tiny_disk(tiny_disk, settings, point_celery_at) -> Path:
    settings.MEDIA_ROOT = tiny_disk
    # No worker here: an upload that does get stored stays "received" for the sweeper.
    point_celery_at(eager=False, broker_url=DEAD_BROKER_URL)
    return tiny_disk


@pytest.mark.parametrize("free_bytes", [0, 16 * 1024], ids=["no-byte-free", "16-KiB-free"])
def test_an_upload_to_a_full_disk_is_a_503_that_leaves_no_file_and_no_shot(
    api, golfer, media_on_tiny_disk, free_bytes
):
    fill_leaving(media_on_tiny_disk, free_bytes)
    photo = SimpleUploadedFile("screen.jpg", noisy_photo(), "image/jpeg")

    response = api.post(SHOTS_API_URL, {"image": photo}, format="multipart")

    assert response.status_code == 503, response.content
    assert "Nothing was saved" in response.json()["detail"]
    assert response["Retry-After"] == "60"
    assert not Shot.objects.exists()
    # Neither a 0-byte nor a part-written photo: only the filler is on the disk.
    assert files_on(media_on_tiny_disk) == {FILLER: DISK_BYTES - free_bytes}


def test_the_same_upload_is_stored_whole_once_there_is_room_again(api, golfer, media_on_tiny_disk):
    fill_leaving(media_on_tiny_disk, 16 * 1024)
    body = noisy_photo()
    refused = api.post(
        SHOTS_API_URL,
        {"image": SimpleUploadedFile("screen.jpg", body, "image/jpeg")},
        format="multipart",
    )
    assert refused.status_code == 503
    (media_on_tiny_disk / FILLER).unlink()  # the operator frees space

    stored = api.post(
        SHOTS_API_URL,
        {"image": SimpleUploadedFile("screen.jpg", body, "image/jpeg")},
        format="multipart",
    )

    assert stored.status_code == 201, stored.content
    shot = Shot.objects.get()
    assert files_on(media_on_tiny_disk) == {shot.image.name: shot.image.size}
    with shot.image.open("rb") as file, Image.open(file) as image:
        image.load()  # a whole JPEG, decodable to its end
        assert image.size == (1200, 900)


WRITE_PAST_THE_LIMIT = textwrap.dedent(
    """
    import errno, resource, signal, sys
    import django

    django.setup()
    from shots.models import Shot
    from shots.photos import photo_store

    # Past the limit a write fails with EFBIG instead of killing the process (SIGXFSZ).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))
    try:
        photo_store(image=Shot().image, name="photo.jpg", content=b"\\xff" * 300_000)
    except OSError as error:
        sys.exit(0 if error.errno == errno.EFBIG else 3)
    sys.exit(2)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE as on Linux")
def test_a_write_cut_off_by_the_file_size_limit_leaves_no_partial_photo(tmp_path):
    media = tmp_path / "media"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "golfshots.settings",
        "MEDIA_ROOT": str(media),
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    done = subprocess.run(
        [sys.executable, "-c", WRITE_PAST_THE_LIMIT],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert files_on(media) == {}
