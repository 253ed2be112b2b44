"""Every photo decode has a memory budget, checked from the header before any pixel is decoded.

Real images made with Pillow: a flat colour compresses a 49 MP picture to a
few kilobytes (lossless WebP encodes one in under a second), so the photos
that once took almost 1 GB to decode are cheap to make. Memory itself is
measured in a child process (resident memory, which tracemalloc cannot see:
Pillow allocates pixels in C). The test transaction never commits, so no
analysis is enqueued: these tests are about what reaches storage.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from PIL.WebPImagePlugin import WebPImageFile

from shots import images
from shots.images import (
    BUSY_MESSAGE,
    DecoderBusy,
    ImageRejected,
    decode_peak_bytes,
    shrink_upload,
)
from shots.models import Shot

REPO = Path(__file__).resolve().parents[2]
UPLOAD_URL = reverse("shots:upload")
SHOTS_API_URL = "/api/v1/shots/"
MEBIBYTE = 1024 * 1024
FORTY_NINE_MP = (7000, 7000)
TWELVE_MP = (4000, 3000)

WEBP_49_MP_MESSAGE = (
    "This photo is too large to read (49 megapixels). "
    "Please send a photo under 13 megapixels, or a JPEG."
)
PNG_RGBA_49_MP_MESSAGE = (
    "This photo is too large to read (49 megapixels). "
    "Please send a photo under 26 megapixels, or a JPEG."
)


def encoded(mode: str, size: tuple[int, int], image_format: str, **options: object) -> bytes:
    colour = {"RGB": (30, 90, 160), "RGBA": (30, 90, 160, 128)}[mode]
    output = io.BytesIO()
    Image.new(mode, size, colour).save(output, image_format, **options)
    return output.getvalue()


@pytest.fixture(scope="module")
def webp_49_mp_with_alpha() -> bytes:
    return encoded("RGBA", FORTY_NINE_MP, "WEBP", lossless=True)


@pytest.fixture(scope="module")
def png_49_mp_rgba() -> bytes:
    return encoded("RGBA", FORTY_NINE_MP, "PNG")


@pytest.fixture(scope="module")
def webp_12_mp_with_alpha() -> bytes:
    return encoded("RGBA", TWELVE_MP, "WEBP", lossless=True)


@pytest.fixture(scope="module")
def png_12_mp_rgba() -> bytes:
    return encoded("RGBA", TWELVE_MP, "PNG")


def as_file(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    # Browsers send whatever type the name suggests; it must not matter.
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def files_under(root: Path) -> list[Path]:
    return [Path(folder, name) for folder, _, names in os.walk(root) for name in names]


def post_form(browser, content: bytes):
    return browser.post(UPLOAD_URL, {"image": as_file(content), "club": "", "client_token": ""})


def post_api(api, content: bytes):
    return api.post(SHOTS_API_URL, {"image": as_file(content)}, format="multipart")


def estimate(content: bytes) -> int:
    image = Image.open(io.BytesIO(content))
    full_size = image.size
    if image.format == "JPEG":
        image.draft("RGB", images._fitted_size(image.size))
    return decode_peak_bytes(image, data=content, full_size=full_size)


# --- The service ----------------------------------------------------------------------


def test_a_49_mp_webp_with_alpha_is_cheap_to_make():
    started = time.perf_counter()
    content = encoded("RGBA", FORTY_NINE_MP, "WEBP", lossless=True)

    assert time.perf_counter() - started < 5
    assert len(content) < 10_000


def test_it_refuses_a_49_mp_webp_with_alpha_without_decoding_it(monkeypatch, webp_49_mp_with_alpha):
    def fail_load(image):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(WebPImageFile, "load", fail_load)

    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_file(webp_49_mp_with_alpha))

    assert caught.value.message == WEBP_49_MP_MESSAGE


def test_it_refuses_a_49_mp_rgba_png_with_a_sentence_for_the_golfer(png_49_mp_rgba):
    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_file(png_49_mp_rgba))

    assert caught.value.message == PNG_RGBA_49_MP_MESSAGE


@pytest.mark.parametrize("fixture", ["webp_12_mp_with_alpha", "png_12_mp_rgba"])
def test_it_accepts_a_12_mp_photo_with_alpha_inside_the_budget(request, fixture):
    content = request.getfixturevalue(fixture)

    shrunk = shrink_upload(as_file(content))

    assert (shrunk.width, shrunk.height) == (1440, 1080)
    assert estimate(content) <= 200 * MEBIBYTE


def test_a_49_mp_jpeg_still_decodes_at_reduced_scale_far_inside_the_budget():
    content = encoded("RGB", FORTY_NINE_MP, "JPEG")

    shrunk = shrink_upload(as_file(content))

    assert (shrunk.width, shrunk.height) == (1080, 1080)
    # Drafted to 1750×1750: the decoded image plus the resize, about 20 MiB.
    assert estimate(content) < 32 * MEBIBYTE


def test_a_progressive_jpeg_counts_the_coefficients_draft_mode_cannot_shrink():
    progressive = encoded("RGB", TWELVE_MP, "JPEG", progressive=True)

    drafted = 2000 * 1500 * 4
    # 4:2:0 in 16×16 MCUs (250 × 188 of them), each four Y blocks, one Cb and
    # one Cr, of 64 two-byte coefficients: about 3 bytes per full-size pixel.
    coefficients = 250 * 188 * 6 * 64 * 2
    assert estimate(progressive) == drafted + coefficients


@pytest.mark.parametrize(
    "size", [(1920, 1080), (3839, 2000), (4000, 3000), (7000, 7000), (20000, 900)]
)
def test_the_estimate_knows_the_size_draft_mode_decodes_a_jpeg_at(size):
    image = Image.open(io.BytesIO(encoded("RGB", size, "JPEG")))

    image.draft("RGB", images._fitted_size(size))

    assert image.size == images._draft_size(size)


def test_a_jpeg_over_the_budget_is_not_told_to_send_a_jpeg():
    progressive = encoded("RGB", TWELVE_MP, "JPEG", progressive=True)

    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_file(progressive), max_decode_bytes=32 * MEBIBYTE)

    assert caught.value.message == (
        "This photo is too large to read (12 megapixels). Please send a photo under 8 megapixels."
    )


def test_it_finds_how_many_components_the_first_jpeg_scan_carries():
    assert images._first_scan_components(encoded("RGB", (64, 48), "JPEG")) == 3
    assert images._first_scan_components(b"\xff\xd8\xff\xe0\x00") is None


def test_the_budget_defaults_to_the_setting(settings, png_12_mp_rgba):
    settings.SHOT_UPLOAD_MAX_DECODE_BYTES = estimate(png_12_mp_rgba) - 1
    with pytest.raises(ImageRejected, match="too large to read"):
        shrink_upload(as_file(png_12_mp_rgba))

    settings.SHOT_UPLOAD_MAX_DECODE_BYTES = estimate(png_12_mp_rgba)
    assert shrink_upload(as_file(png_12_mp_rgba)).width == 1440


def four_by_three(megapixels: float) -> tuple[int, int]:
    width = math.floor(math.sqrt(megapixels * 1e6 * 4 / 3))
    return width, width * 3 // 4


@pytest.mark.parametrize(
    ("mode", "image_format", "options", "budget"),
    [
        ("RGBA", "PNG", {}, 20 * MEBIBYTE),
        ("RGB", "PNG", {}, 40 * MEBIBYTE),
        ("RGB", "WEBP", {}, 100 * MEBIBYTE),
        ("RGB", "JPEG", {"progressive": True}, 32 * MEBIBYTE),
    ],
)
def test_the_message_names_a_size_that_fits(mode, image_format, options, budget):
    content = encoded(mode, TWELVE_MP, image_format, **options)

    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_file(content), max_decode_bytes=budget)

    message = caught.value.message
    assert message.startswith("This photo is too large to read (12 megapixels). Please send")
    megapixels = float(message.split("under ")[1].split(" megapixels")[0])
    assert 1 <= megapixels < 12
    # A photo of that size and shape goes through.
    fits = encoded(mode, four_by_three(megapixels), image_format, **options)
    shrink_upload(as_file(fits), max_decode_bytes=budget)


def test_the_decompression_bomb_check_still_comes_first():
    with pytest.raises(ImageRejected, match="too many pixels"):
        shrink_upload(as_file(encoded("RGB", (1000, 1000), "PNG")), max_pixels=999_999)


# --- One large decode per process -------------------------------------------------------


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(images, "LARGE_DECODE_WAIT_SECONDS", 0.2)


@pytest.fixture
def slot_taken():
    """Another large decode in progress: the slot is held until the test lets it go."""
    assert images._large_decode_slot.acquire(timeout=5)
    release = images._large_decode_slot.release
    yield release
    if images._large_decode_slot.locked():
        release()


def test_a_large_decode_waits_for_the_one_before_it(monkeypatch, slot_taken, png_12_mp_rgba):
    monkeypatch.setattr(images, "LARGE_DECODE_WAIT_SECONDS", 5.0)
    threading.Timer(0.3, slot_taken).start()

    started = time.perf_counter()
    shrunk = shrink_upload(as_file(png_12_mp_rgba))

    assert time.perf_counter() - started >= 0.3
    assert shrunk.width == 1440
    assert not images._large_decode_slot.locked()


def test_a_large_decode_gives_up_after_a_bounded_wait(short_wait, slot_taken, png_12_mp_rgba):
    started = time.perf_counter()
    with pytest.raises(DecoderBusy) as caught:
        shrink_upload(as_file(png_12_mp_rgba))

    assert caught.value.message == BUSY_MESSAGE
    assert isinstance(caught.value, ImageRejected)
    assert time.perf_counter() - started < 2


def test_a_small_decode_never_waits(short_wait, slot_taken):
    content = encoded("RGB", TWELVE_MP, "JPEG")

    # Had it queued for the slot, it would have been refused as busy.
    shrunk = shrink_upload(as_file(content))

    assert shrunk.width == 1440
    assert estimate(content) <= images.LARGE_DECODE_BYTES


def test_two_large_decodes_never_overlap(monkeypatch, png_12_mp_rgba):
    monkeypatch.setattr(images, "LARGE_DECODE_WAIT_SECONDS", 30.0)
    inside, most_inside = 0, 0
    count_lock = threading.Lock()
    real_to_resizable = images._to_resizable

    def counting_to_resizable(image):
        # Runs inside the slot, while the full-size image is held.
        nonlocal inside, most_inside
        with count_lock:
            inside += 1
            most_inside = max(most_inside, inside)
        time.sleep(0.05)
        try:
            return real_to_resizable(image)
        finally:
            with count_lock:
                inside -= 1

    monkeypatch.setattr(images, "_to_resizable", counting_to_resizable)
    widths: list[int] = []
    threads = [
        threading.Thread(target=lambda: widths.append(shrink_upload(as_file(png_12_mp_rgba)).width))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert widths == [1440, 1440, 1440]
    assert most_inside == 1


# --- Through both doors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "message"),
    [("webp_49_mp_with_alpha", WEBP_49_MP_MESSAGE), ("png_49_mp_rgba", PNG_RGBA_49_MP_MESSAGE)],
)
def test_the_form_refuses_a_too_large_photo_and_keeps_nothing(
    request, browser, settings, fixture, message
):
    response = post_form(browser, request.getfixturevalue(fixture))

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert response.context["form"].errors["image"] == [message]
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("fixture", "message"),
    [("webp_49_mp_with_alpha", WEBP_49_MP_MESSAGE), ("png_49_mp_rgba", PNG_RGBA_49_MP_MESSAGE)],
)
def test_the_api_refuses_a_too_large_photo_and_keeps_nothing(
    request, api, settings, fixture, message
):
    response = post_api(api, request.getfixturevalue(fixture))

    assert response.status_code == 400
    assert response.json() == {"image": [message]}
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("door", ["form", "api"])
@pytest.mark.parametrize("fixture", ["webp_12_mp_with_alpha", "png_12_mp_rgba"])
def test_a_12_mp_photo_inside_the_budget_is_stored(
    request, browser, api, golfer, settings, door, fixture
):
    content = request.getfixturevalue(fixture)

    response = post_form(browser, content) if door == "form" else post_api(api, content)

    assert response.status_code in (201, 302)
    shot = Shot.objects.get(golfer=golfer)
    stored = Image.open(Path(settings.MEDIA_ROOT, shot.image.name))
    assert stored.size == (1440, 1080)


@pytest.mark.parametrize("door", ["form", "api"])
def test_a_busy_decoder_asks_the_golfer_to_send_again_and_keeps_nothing(
    browser, api, settings, short_wait, slot_taken, png_12_mp_rgba, door
):
    response = (
        post_form(browser, png_12_mp_rgba) if door == "form" else post_api(api, png_12_mp_rgba)
    )

    assert response.status_code == 400
    assert escape(BUSY_MESSAGE) in response.content.decode()
    assert Shot.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []


# --- Memory, measured ----------------------------------------------------------------------

MEASURE = textwrap.dedent(
    """
    import io, json, sys
    from pathlib import Path
    import django
    django.setup()
    from shots.images import ImageRejected, shrink_upload

    def status_kib(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])

    content = Path(sys.argv[1]).read_bytes()
    before = status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to now
    try:
        shrunk = shrink_upload(io.BytesIO(content))
        outcome = [shrunk.width, shrunk.height]
    except ImageRejected as rejection:
        outcome = rejection.message
    peak = status_kib("VmHWM")
    print(json.dumps({"outcome": outcome, "peak_mib": (peak - before) / 1024}))
    """
)


def peak_of_shrinking(content: bytes, tmp_path: Path) -> tuple[object, float]:
    path = tmp_path / "photo.img"
    path.write_bytes(content)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "golfshots.settings"}
    child = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    return result["outcome"], result["peak_mib"]


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc")
def test_refusing_a_49_mp_webp_with_alpha_costs_almost_no_memory(tmp_path, webp_49_mp_with_alpha):
    outcome, peak_mib = peak_of_shrinking(webp_49_mp_with_alpha, tmp_path)

    assert outcome == WEBP_49_MP_MESSAGE
    # It took 984 MiB before the budget.
    assert peak_mib < 100


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc")
def test_a_12_mp_webp_with_alpha_stays_inside_the_budget_it_was_checked_against(
    tmp_path, webp_12_mp_with_alpha
):
    outcome, peak_mib = peak_of_shrinking(webp_12_mp_with_alpha, tmp_path)

    assert outcome == [1440, 1080]
    # It took 243 MiB before: the decoder's canvases are now let go before the alpha is flattened.
    assert peak_mib <= 200
    assert peak_mib <= estimate(webp_12_mp_with_alpha) / MEBIBYTE + 8
