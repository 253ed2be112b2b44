import hashlib
import io
import re
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import ExifTags, Image, ImageFile
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngImageFile

from shots.images import ImageRejected, ShrunkImage, shrink_upload
from shots.tests import badfiles
from shots.tests.badfiles import ACCEPTED_UPLOADS, REJECTED_UPLOADS, Upload

GENERATED_NAME = re.compile(r"[0-9a-f]{32}\.jpg")


def as_upload(upload: Upload) -> SimpleUploadedFile:
    name, content = upload
    # Browsers send whatever type the name suggests; the handler must not care.
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def jpeg_of(size: tuple[int, int]) -> Upload:
    output = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(output, "JPEG")
    return "shot.jpg", output.getvalue()


def is_red(pixel: tuple[int, int, int]) -> bool:
    red, green, blue = pixel
    return red > 180 and green < 80 and blue < 80


@pytest.mark.parametrize(
    ("make_upload", "expected"),
    REJECTED_UPLOADS,
    ids=[make.__name__ for make, _ in REJECTED_UPLOADS],
)
def test_it_rejects_each_bad_upload_with_a_sentence_for_the_golfer(make_upload, expected):
    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_upload(make_upload()))

    assert expected in caught.value.message
    assert caught.value.message.endswith(".")
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    ("make_upload", "original_format"),
    ACCEPTED_UPLOADS,
    ids=[make.__name__ for make, _ in ACCEPTED_UPLOADS],
)
def test_it_stores_each_good_upload_as_a_small_jpeg_without_metadata(make_upload, original_format):
    name, original = make_upload()

    shrunk = shrink_upload(as_upload((name, original)))

    assert shrunk.original_format == original_format
    stored = Image.open(io.BytesIO(shrunk.content))
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert stored.size == (shrunk.width, shrunk.height)
    long_side, short_side = sorted(stored.size, reverse=True)
    assert long_side <= 1920
    assert short_side <= 1080
    assert not stored.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(stored.info)
    for marker in (b"<script", b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap"):
        assert marker not in shrunk.content
    assert shrunk.sha256 == hashlib.sha256(original).hexdigest()


def test_the_stored_name_is_generated_and_never_the_uploaded_one():
    name, content = badfiles.path_traversal_jpeg()

    shrunk = shrink_upload(as_upload((name, content)))
    django_file = shrunk.as_django_file()

    assert GENERATED_NAME.fullmatch(django_file.name)
    assert uuid.UUID(django_file.name.removesuffix(".jpg")).version == 4
    assert django_file.read() == shrunk.content
    assert shrunk.as_django_file().name == django_file.name
    assert shrink_upload(as_upload((name, content))).name != shrunk.name


def test_it_reads_an_upload_that_django_spooled_to_disk_from_the_start():
    name, content = badfiles.rotated_12mp_jpeg_with_gps()
    with TemporaryUploadedFile(name, "image/jpeg", len(content), None) as upload:
        upload.write(content)  # leaves the file position at the end

        shrunk = shrink_upload(upload)

    assert shrunk.sha256 == hashlib.sha256(content).hexdigest()
    assert (shrunk.width, shrunk.height) == (1080, 1440)


def test_it_keeps_the_hash_of_the_original_bytes_not_the_shrunk_ones():
    _, original = badfiles.rotated_12mp_jpeg_with_gps()

    shrunk = shrink_upload(io.BytesIO(original))

    assert shrunk.sha256 == hashlib.sha256(original).hexdigest()
    assert shrunk.sha256 != hashlib.sha256(shrunk.content).hexdigest()


def test_it_turns_a_phone_photo_upright_and_drops_its_location():
    _, original = badfiles.rotated_12mp_jpeg_with_gps()
    source = Image.open(io.BytesIO(original))
    assert source.size == (4000, 3000)
    assert source.getexif()[ExifTags.Base.Orientation] == 6
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    shrunk = shrink_upload(io.BytesIO(original))

    stored = Image.open(io.BytesIO(shrunk.content))
    assert stored.size == (1080, 1440)
    # Orientation 6 turns the stored top-left corner to the top-right.
    assert is_red(stored.getpixel((stored.width - 20, 20)))
    assert not is_red(stored.getpixel((20, 20)))
    assert not is_red(stored.getpixel((stored.width - 20, stored.height - 20)))
    assert b"TestPhone" not in shrunk.content


def test_it_turns_a_rotated_heic_upright_exactly_once():
    shrunk = shrink_upload(as_upload(badfiles.rotated_heic()))

    stored = Image.open(io.BytesIO(shrunk.content))
    assert stored.size == (300, 400)
    assert is_red(stored.getpixel((stored.width - 10, 10)))
    assert not is_red(stored.getpixel((10, 10)))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((640, 480), (640, 480)),
        ((1920, 1080), (1920, 1080)),
        ((4000, 3000), (1440, 1080)),
        ((3000, 4000), (1080, 1440)),
        ((3000, 6000), (960, 1920)),
        ((8000, 2000), (1920, 480)),
        ((2000, 2000), (1080, 1080)),
        ((5000, 1), (1920, 1)),
    ],
)
def test_it_fits_the_long_side_to_1920_and_the_short_side_to_1080_without_enlarging(size, expected):
    shrunk = shrink_upload(as_upload(jpeg_of(size)))

    assert (shrunk.width, shrunk.height) == expected
    assert Image.open(io.BytesIO(shrunk.content)).size == expected


@pytest.mark.parametrize(
    "make_upload", [badfiles.png_with_alpha, badfiles.palette_png_with_transparency]
)
def test_it_lays_transparent_pixels_on_white(make_upload):
    shrunk = shrink_upload(as_upload(make_upload()))

    stored = Image.open(io.BytesIO(shrunk.content))
    assert stored.size == (800, 600)
    assert all(channel > 245 for channel in stored.getpixel((10, 10)))
    assert all(channel < 10 for channel in stored.getpixel((400, 300)))


def test_it_keeps_the_tones_of_a_16_bit_greyscale_png():
    shrunk = shrink_upload(as_upload(badfiles.greyscale_16_bit_png()))

    stored = Image.open(io.BytesIO(shrunk.content))
    left, middle, right = (stored.getpixel((x, 128))[0] for x in (2, 256, 509))
    assert left < 10
    assert 110 < middle < 146
    assert right > 245


def test_it_decodes_a_large_jpeg_at_reduced_size_in_draft_mode(monkeypatch):
    # tracemalloc cannot see Pillow's pixel memory (it is allocated in C), so
    # check the mechanism instead; bench/upload_shrink.py measures the memory.
    drafts = []
    real_draft = JpegImageFile.draft

    def spy_draft(image, mode, size):
        result = real_draft(image, mode, size)
        drafts.append((mode, size, image.size))
        return result

    monkeypatch.setattr(JpegImageFile, "draft", spy_draft)

    shrunk = shrink_upload(as_upload(badfiles.rotated_12mp_jpeg_with_gps()))

    # Asked for the final size in the stored orientation, decoded at half
    # size: never below what the turned photo needs.
    assert drafts == [("RGB", (1440, 1080), (2000, 1500))]
    assert (shrunk.width, shrunk.height) == (1080, 1440)


def test_it_refuses_an_upload_one_byte_over_the_cap():
    name, content = badfiles.oversize_jpeg(max_bytes=50 * 1024)

    with pytest.raises(ImageRejected) as caught:
        shrink_upload(as_upload((name, content)), max_bytes=50 * 1024)

    assert caught.value.message == "The photo is too large (50.1 KB). The limit is 50 KB."


def test_it_accepts_an_upload_exactly_at_the_byte_cap():
    _, content = badfiles.small_jpeg()

    shrunk = shrink_upload(io.BytesIO(content), max_bytes=len(content))

    assert shrunk.width == 640


def test_it_stops_reading_a_stream_one_byte_past_the_cap():
    endless = badfiles.EndlessUpload()

    with pytest.raises(ImageRejected) as caught:
        shrink_upload(endless, max_bytes=2 * 1024 * 1024)

    assert caught.value.message == "The photo is too large. The limit is 2 MB."
    assert endless.bytes_read == 2 * 1024 * 1024 + 1


def test_it_states_sizes_in_megabytes():
    with pytest.raises(ImageRejected) as caught:
        shrink_upload(
            SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * 26_500_000),
            max_bytes=20 * 1024 * 1024,
        )

    assert caught.value.message == "The photo is too large (25.3 MB). The limit is 20 MB."


def test_the_caps_default_to_the_settings(settings):
    _, content = badfiles.small_jpeg()
    settings.SHOT_UPLOAD_MAX_BYTES = len(content) - 1
    with pytest.raises(ImageRejected, match="too large"):
        shrink_upload(io.BytesIO(content))

    settings.SHOT_UPLOAD_MAX_BYTES = len(content)
    settings.SHOT_UPLOAD_MAX_PIXELS = 640 * 480 - 1
    with pytest.raises(ImageRejected, match="too many pixels"):
        shrink_upload(io.BytesIO(content))

    settings.SHOT_UPLOAD_MAX_PIXELS = 640 * 480
    assert shrink_upload(io.BytesIO(content)).width == 640


def test_it_checks_the_pixel_count_before_decoding(monkeypatch):
    def fail_load(image):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(PngImageFile, "load", fail_load)

    with pytest.raises(ImageRejected, match=r"too many pixels \(56 megapixels\)"):
        shrink_upload(as_upload(badfiles.png_over_pixel_limit()))


def test_pillows_decompression_bomb_warning_is_a_rejection_even_under_a_higher_cap():
    # 100 MP is over Pillow's own warning threshold (about 89 MP).
    with pytest.raises(ImageRejected, match="too many pixels"):
        shrink_upload(as_upload(badfiles.png_pixel_flood()), max_pixels=200_000_000)


def test_pillows_decompression_bomb_error_is_a_rejection(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(ImageRejected, match="too many pixels"):
        shrink_upload(as_upload(badfiles.small_jpeg()), max_pixels=10_000_000)


def test_pillow_is_strict_about_truncated_images():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_it_refuses_to_shrink_when_truncated_images_are_allowed(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(ImproperlyConfigured):
        shrink_upload(as_upload(badfiles.small_jpeg()))


def test_a_shrunk_image_does_not_print_its_bytes():
    shrunk = shrink_upload(as_upload(badfiles.small_jpeg()))

    assert isinstance(shrunk, ShrunkImage)
    assert "content" not in repr(shrunk)
