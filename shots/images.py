"""Check and shrink an uploaded shot photo before anything is stored.

The upload handlers call :func:`shrink_upload` first: it either returns a small,
metadata-free JPEG ready to save, or raises :class:`ImageRejected` with a
sentence for the golfer. Nothing is written here, so a rejected upload can
leave no file behind.

Hostile input is the normal case for this code: the format is decided by the
file's first bytes (never its name or Content-Type), Pillow may only open that
one format, and the byte and pixel caps are checked before any pixels are
decoded.

Memory is the other limit. A photo's pixels cost far more than its bytes (a
90 KB WebP of 49 MP took almost 1 GB to decode), so before decoding,
:func:`decode_peak_bytes` works out from the header what the decode and the
shrinking will hold at their peak, and a photo over the budget
(``SHOT_UPLOAD_MAX_DECODE_BYTES``) is refused. Only JPEG can be decoded at a
reduced scale (libjpeg's draft mode); Pillow reads PNG, WebP and HEIC at full
size, so for those the budget is a limit on megapixels. On top of that a
process runs at most one large decode at a time (:func:`_decode_slot`).
docs/performance.md ("Memory per photo format") has the measurements.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

import pillow_heif
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageFile, ImageOps
from PIL.JpegImagePlugin import JpegImageFile
from PIL.WebPImagePlugin import WebPImageFile

logger = logging.getLogger(__name__)

# One decoding thread: with pillow-heif's default of four, a 12 MP HEIC's peak
# memory kept climbing over repeated uploads (to 250 MiB, against about
# 105 MiB with one), for no speed-up we could measure on two cores
# (docs/performance.md). Thumbnails, depth maps and auxiliary images are
# never used, so they are not read either.
pillow_heif.register_heif_opener(
    decode_threads=1, thumbnails=False, depth_images=False, aux_images=False
)

# The long side fits 1920 and the short side 1080, whichever way the photo is held.
LONG_SIDE = 1920
SHORT_SIDE = 1080
JPEG_QUALITY = 80
SIXTEEN_BIT_GREY_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
# The grey modes Pillow's point() can scale without going through "I" first.
POINT_SCALABLE_MODES = frozenset({"I", "I;16"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})

MEBIBYTE = 1024 * 1024
# A decode estimated above this takes the process's one large-decode slot;
# below it (a 12 MP JPEG needs about 25 MiB) nothing waits.
LARGE_DECODE_BYTES = 64 * MEBIBYTE
# How long a large decode waits for the slot. Within the budget one takes
# under a second, so ten seconds is a queue of several; past that the golfer
# is asked to send the photo again rather than left with a hung request.
LARGE_DECODE_WAIT_SECONDS = 10.0

# Bytes per pixel of Pillow's own storage. Every mode not named here takes
# four, RGB included: Pillow stores it as RGBX.
STORAGE_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# What a decoder holds beside Pillow's image while it runs, per decoded
# pixel, measured with bench/decode_memory.py (docs/performance.md). WebP:
# libwebp's animation decoder, Pillow's only WebP reader, keeps two RGBA
# canvases and Pillow copies the frame into a bytes object before its own
# image, three full copies in all. HEIC: libheif's planes and its RGB output
# (3.5 to 5 bytes a pixel measured; a tiled photo is the most).
DECODER_BYTES_PER_PIXEL = {"WEBP": 12, "HEIF": 5}
# Copies of the file itself they keep while decoding (Pillow's WebP reader
# reads the whole file and libwebp copies it once more).
DECODER_FILE_COPIES = {"WEBP": 2, "HEIF": 1}

# Brands in the ftyp box of HEIC/HEIF still images (iPhone, Samsung, libheif).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"heif"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})

# File types people actually try to upload, so we can name them in the message.
# Checked only after the accepted formats, so a short magic such as BMP's "BM"
# never hides a photo.
KNOWN_UNSUPPORTED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xffO\xffQ", "JPEG 2000"),
    (b"BM", "BMP"),
)

ACCEPTED_FORMATS_SENTENCE = "Upload a JPEG, PNG, WebP or HEIC photo."
EMPTY_MESSAGE = "The file is empty. Choose a photo and try again."
UNREADABLE_MESSAGE = "This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC image."
DAMAGED_MESSAGE = "The photo looks damaged or incomplete. Please take it again."
BUSY_MESSAGE = (
    "We are busy reading other large photos right now. Please send yours again in a minute."
)


class ImageRejected(Exception):
    """An upload we will not store; ``message`` is written for the golfer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DecoderBusy(ImageRejected):
    """This process is already decoding a large photo and the wait ran out.

    A subclass, so every upload door that shows an ``ImageRejected`` to the
    golfer shows this too; a door that knows it can answer 503 with
    ``retry_after_seconds`` instead of 400.
    """

    retry_after_seconds = 30


# One slot per process: two large decodes at once are what took two workers
# past 2 GB. A plain lock, because a gthread worker or a Celery thread pool
# can run decodes side by side; a sync worker never waits on it.
_large_decode_slot = threading.Lock()


def _generated_name() -> str:
    return f"{uuid.uuid4().hex}.jpg"


@dataclass(frozen=True)
class ShrunkImage:
    content: bytes = field(repr=False)
    sha256: str
    width: int
    height: int
    original_format: str
    # Fixed once per image so saving twice cannot give two different names.
    name: str = field(default_factory=_generated_name)

    def as_django_file(self) -> ContentFile:
        return ContentFile(self.content, name=self.name)


def shrink_upload(
    upload: UploadedFile | BinaryIO,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_decode_bytes: int | None = None,
) -> ShrunkImage:
    """Return the upload as a JPEG inside 1920×1080 (either way round), or raise ImageRejected."""
    if max_bytes is None:
        max_bytes = settings.SHOT_UPLOAD_MAX_BYTES
    if max_pixels is None:
        max_pixels = settings.SHOT_UPLOAD_MAX_PIXELS
    if max_decode_bytes is None:
        max_decode_bytes = settings.SHOT_UPLOAD_MAX_DECODE_BYTES

    original = _read_capped(upload, max_bytes=max_bytes)
    original_format = _sniff_format(original)
    shrunk = _decode_shrunk(
        original,
        original_format=original_format,
        max_pixels=max_pixels,
        max_decode_bytes=max_decode_bytes,
    )
    return ShrunkImage(
        content=_encode_jpeg(shrunk),
        sha256=hashlib.sha256(original).hexdigest(),
        width=shrunk.width,
        height=shrunk.height,
        original_format=original_format,
    )


def _read_capped(upload: UploadedFile | BinaryIO, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes, so a huge upload costs no more memory than the cap."""
    declared_size = getattr(upload, "size", None)
    if isinstance(declared_size, int) and declared_size > max_bytes:
        raise _too_large(declared_size, max_bytes=max_bytes)
    if upload.seekable():
        upload.seek(0)
    # Ask for everything the cap still allows: files and in-memory uploads
    # answer in one read, and a stream that answers in pieces is still cut
    # off one byte past the cap.
    chunks: list[bytes] = []
    total = 0
    while chunk := upload.read(max_bytes + 1 - total):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(None, max_bytes=max_bytes)
    if total == 0:
        raise ImageRejected(EMPTY_MESSAGE)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _sniff_format(data: bytes) -> str:
    """Pillow's name for the format the first bytes announce; reject anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        major_brand = data[8:12]
        if major_brand in HEIF_BRANDS:
            return "HEIF"
        if major_brand in AVIF_BRANDS:
            raise _unsupported("AVIF")
    for magic, label in KNOWN_UNSUPPORTED_MAGIC:
        if data.startswith(magic):
            raise _unsupported(label)
    if _looks_like_svg(data):
        raise _unsupported("SVG")
    raise ImageRejected(UNREADABLE_MESSAGE)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--")) and b"<svg" in head


def _decode_shrunk(
    data: bytes, *, original_format: str, max_pixels: int, max_decode_bytes: int
) -> Image.Image:
    """The photo upright inside the box, in RGB, decoded within the memory budget.

    Pillow reads only the header when it opens a file, so the pixel count and
    the memory estimate are both checked before a single pixel is decoded.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A process-wide Pillow switch; with it on, a half-sent photo decodes
        # as grey and would be stored and analysed as if it were real.
        raise ImproperlyConfigured("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False.")
    # Pillow reports an oversized image with a warning; it must stop the upload.
    # (catch_warnings is process-wide, which is fine under gunicorn's sync workers.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data), formats=[original_format])
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _too_many_pixels(None, max_pixels=max_pixels) from None
        except Exception as error:
            # Pillow's parsers raise many exception types on malformed input.
            raise ImageRejected(DAMAGED_MESSAGE) from error

        full_size = image.size
        pixel_count = image.width * image.height
        if pixel_count > max_pixels:
            raise _too_many_pixels(pixel_count, max_pixels=max_pixels)

        if isinstance(image, JpegImageFile):
            # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding: this is what
            # keeps a 12 MP photo inside 100 ms and 100 MB. The fitted size does
            # not depend on which way the photo is turned, so the EXIF
            # orientation applied below cannot make this size too small.
            image.draft("RGB", _fitted_size(image.size))
        peak_bytes = decode_peak_bytes(image, data=data, full_size=full_size)
        if peak_bytes > max_decode_bytes:
            raise _too_large_to_read(
                pixel_count,
                limit=_largest_fitting_pixels(
                    image, full_size=full_size, data=data, budget=max_decode_bytes
                ),
                is_jpeg=isinstance(image, JpegImageFile),
            )

        with _decode_slot(peak_bytes):
            try:
                image.load()
            except (Image.DecompressionBombWarning, Image.DecompressionBombError):
                raise _too_many_pixels(pixel_count, max_pixels=max_pixels) from None
            except Exception as error:
                raise ImageRejected(DAMAGED_MESSAGE) from error
            if isinstance(image, WebPImageFile):
                # libwebp's decoder keeps two full-size canvases for as long as
                # the file object lives; a copy lets them go before we convert.
                image = image.copy()
            # Each step rebinds ``image``, so the full-size picture before it
            # is freed as soon as the next one exists (the estimate counts on it).
            info = image.info
            image = _to_resizable(image)
            image = _fit_inside_box(image)

    if image.mode != "RGB":
        image = image.convert("RGB")
    # Turned upright only now: the fitted size is the same either way round, and
    # turning the full-size image would have copied all of it once more.
    image.info = info
    ImageOps.exif_transpose(image, in_place=True)
    return image


def _fitted_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size inside 1920×1080 (or 1080×1920 for portrait), never larger than ``size``."""
    width, height = size
    box_width, box_height = (LONG_SIDE, SHORT_SIDE) if width >= height else (SHORT_SIDE, LONG_SIDE)
    scale = min(box_width / width, box_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ALPHA_MODES or "transparency" in image.info


def _to_resizable(image: Image.Image) -> Image.Image:
    """L or RGB, with any transparency laid on white (black, PNG's usual backdrop, hides dark text).

    Grey stays grey until after the resize, which then has a quarter of the
    bytes to move. The full-size copies made here are the ones
    :func:`_conversion_bytes_per_pixel` counts.
    """
    if image.mode in SIXTEEN_BIT_GREY_MODES:
        if image.mode not in POINT_SCALABLE_MODES:
            image = image.convert("I")
        # Pillow's own conversion clips 16-bit values at 255, turning the photo white.
        image = image.point(lambda value: value * (1 / 256)).convert("L")
    if not _has_alpha(image):
        if image.mode == "1":
            return image.convert("L")
        return image if image.mode in {"L", "RGB"} else image.convert("RGB")
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    flattened = Image.new("RGB", image.size, "white")
    # An RGBA image is its own mask: paste uses its alpha band, with no copy of it.
    flattened.paste(image, mask=image)
    return flattened


def _fit_inside_box(image: Image.Image) -> Image.Image:
    target = _fitted_size(image.size)
    if target == image.size:
        return image
    # Pillow's bilinear filter widens with the reduction, so it is a proper
    # (antialiased) downscale. After JPEG draft decoding the step left is
    # under 2×, where it is within 2 dB PSNR of bicubic at 60% of the cost:
    # the margin that keeps a 12 MP photo under 100 ms (docs/performance.md).
    return image.resize(target, Image.Resampling.BILINEAR)


def decode_peak_bytes(image: Image.Image, *, data: bytes, full_size: tuple[int, int]) -> int:
    """The most memory decoding and shrinking ``image`` will hold at once, from its header alone.

    ``image`` is opened but not loaded, with any draft already asked for (its
    size is then the reduced one); ``full_size`` is the size the file
    declares. The shrink goes through three phases, and each frees the one
    before it: the decode (Pillow's image and the decoder's own buffers), the
    conversion to L or RGB (the decoded image and its copies), the resize
    (the converted image, the resize's intermediate of output width × input
    height, and the output). The peak is the largest of the three.
    """
    return _peak_bytes(
        image,
        full_size=full_size,
        decoded_size=image.size,
        file_bytes=len(data),
        several_scans=_in_several_scans(image, data),
    )


def _peak_bytes(
    image: Image.Image,
    *,
    full_size: tuple[int, int],
    decoded_size: tuple[int, int],
    file_bytes: int,
    several_scans: bool,
) -> int:
    """decode_peak_bytes for a photo of ``image``'s kind (format, mode, sampling) at any size."""
    width, height = decoded_size
    pixels = width * height
    stored = pixels * _storage_bytes_per_pixel(image.mode)
    if isinstance(image, JpegImageFile):
        decoder = _jpeg_coefficient_bytes(image, full_size=full_size) if several_scans else 0
    else:
        image_format = image.format or ""
        decoder = pixels * DECODER_BYTES_PER_PIXEL.get(image_format, 0)
        decoder += file_bytes * DECODER_FILE_COPIES.get(image_format, 0)
    converting = pixels * _conversion_bytes_per_pixel(image)
    resizable_bytes_per_pixel = 1 if _resizes_as_grey(image) else 4
    fitted_width, fitted_height = _fitted_size(decoded_size)
    resizing = pixels * resizable_bytes_per_pixel
    if (fitted_width, fitted_height) != decoded_size:
        resize_pixels = fitted_width * height + fitted_width * fitted_height
        resizing += resize_pixels * resizable_bytes_per_pixel
    return max(stored + decoder, stored + converting, resizing)


def _largest_fitting_pixels(
    image: Image.Image, *, full_size: tuple[int, int], data: bytes, budget: int
) -> int:
    """The most pixels a photo of the same kind and shape can have within ``budget``."""
    width, height = full_size
    several_scans = _in_several_scans(image, data)
    fits, too_big = 0.0, 1.0
    for _ in range(24):
        scale = (fits + too_big) / 2
        size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
        decoded_size = _draft_size(size) if isinstance(image, JpegImageFile) else size
        peak = _peak_bytes(
            image,
            full_size=size,
            decoded_size=decoded_size,
            file_bytes=len(data),
            several_scans=several_scans,
        )
        if peak <= budget:
            fits = scale
        else:
            too_big = scale
    return math.floor(width * fits) * math.floor(height * fits)


def _draft_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size JpegImageFile.draft decodes a JPEG of ``size`` at, for the fitted size."""
    width, height = size
    fitted_width, fitted_height = _fitted_size(size)
    most = min(width // fitted_width, height // fitted_height)
    scale = next(scale for scale in (8, 4, 2, 1) if most >= scale)
    return (width + scale - 1) // scale, (height + scale - 1) // scale


def _storage_bytes_per_pixel(mode: str) -> int:
    return STORAGE_BYTES_PER_PIXEL.get(mode, 4)


def _in_several_scans(image: Image.Image, data: bytes) -> bool:
    """Whether libjpeg must hold the whole image's coefficients (progressive, or a scan per colour)."""
    if not isinstance(image, JpegImageFile):
        return False
    return bool(image.info.get("progressive")) or _first_scan_components(data) != image.layers


def _jpeg_coefficient_bytes(image: JpegImageFile, *, full_size: tuple[int, int]) -> int:
    """libjpeg's whole-image coefficient buffer, which draft mode does not shrink.

    A JPEG sent in several scans is decoded by first collecting every DCT
    coefficient of the full image: two bytes each, 64 per 8×8 block of each
    component. A 49 MP progressive photo needs 140 MiB for it; a baseline one
    decodes row by row.
    """
    width, height = full_size
    h_max = max(h for _, h, _, _ in image.layer)
    v_max = max(v for _, _, v, _ in image.layer)
    mcu_columns = math.ceil(width / (8 * h_max))
    mcu_rows = math.ceil(height / (8 * v_max))
    blocks = sum(mcu_columns * h * mcu_rows * v for _, h, v, _ in image.layer)
    return blocks * 64 * 2


def _first_scan_components(data: bytes) -> int | None:
    """How many components the first scan of a JPEG carries; None where no scan is found."""
    position = 2  # past the start-of-image marker
    while position + 4 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before a marker
            position += 1
        elif marker == 0xDA:  # start of scan: length (2 bytes), then the component count
            return data[position + 4]
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            position += 2
        else:
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return None


def _conversion_bytes_per_pixel(image: Image.Image) -> int:
    """The full-size copies :func:`_to_resizable` makes, per decoded pixel."""
    extra = 0
    mode = image.mode
    if mode in SIXTEEN_BIT_GREY_MODES:
        # point() keeps the mode it can scale (I;16, I); the others go through I first.
        scaled = _storage_bytes_per_pixel(mode) if mode in POINT_SCALABLE_MODES else 8
        extra += scaled + 1  # then the L image
        mode = "L"
    if _has_alpha(image):
        # RGBA is pasted straight onto the white canvas; any other mode becomes RGBA first.
        return extra + (4 if mode == "RGBA" else 8)
    if mode in {"L", "RGB"}:
        return extra
    return extra + (1 if mode == "1" else 4)


def _resizes_as_grey(image: Image.Image) -> bool:
    grey = image.mode in SIXTEEN_BIT_GREY_MODES or image.mode in {"1", "L"}
    return grey and not _has_alpha(image)


@contextmanager
def _decode_slot(peak_bytes: int) -> Iterator[None]:
    """Hold the process's large-decode slot around a decode estimated above LARGE_DECODE_BYTES."""
    if peak_bytes <= LARGE_DECODE_BYTES:
        yield
        return
    if not _large_decode_slot.acquire(timeout=LARGE_DECODE_WAIT_SECONDS):
        logger.warning(
            "Refused a photo: the large-decode slot stayed busy for %s s (this one needs %d MiB)",
            LARGE_DECODE_WAIT_SECONDS,
            math.ceil(peak_bytes / MEBIBYTE),
        )
        raise DecoderBusy(BUSY_MESSAGE)
    try:
        yield
    finally:
        _large_decode_slot.release()


def _encode_jpeg(image: Image.Image) -> bytes:
    """Encode ``image`` (ours to change: it is the decoded copy) as a metadata-free JPEG."""
    # Pillow copies some metadata (the JPEG comment, for one) from image.info
    # into the output; an empty info means no EXIF, GPS, XMP, ICC or comment.
    image.info = {}
    output = io.BytesIO()
    image.save(output, "JPEG", quality=JPEG_QUALITY)
    return output.getvalue()


# Room for the other form fields and the multipart framing around the photo.
REQUEST_OVERHEAD_BYTES = 64 * 1024


def check_request_size(content_length: str | None, *, max_bytes: int | None = None) -> None:
    """Refuse an upload request by its Content-Length, before Django reads the body.

    Django spools an upload to a temporary file before any view code runs, so
    without this a 2 GB POST would be written to disk only to be rejected.
    """
    max_bytes = max_bytes or settings.SHOT_UPLOAD_MAX_BYTES
    try:
        length = int(content_length or 0)
    except ValueError:
        return
    if length > max_bytes + REQUEST_OVERHEAD_BYTES:
        raise _too_large(length, max_bytes=max_bytes)


def _too_large(size: int | None, *, max_bytes: int) -> ImageRejected:
    limit = _format_bytes(max_bytes, round_up=False)
    if size is None:
        return ImageRejected(f"The photo is too large. The limit is {limit}.")
    # Rounded up, so a file just over the limit never reads as equal to it.
    size_text = _format_bytes(size, round_up=True)
    return ImageRejected(f"The photo is too large ({size_text}). The limit is {limit}.")


def _too_many_pixels(pixel_count: int | None, *, max_pixels: int) -> ImageRejected:
    limit = f"{_format_number(max_pixels / 1_000_000)} megapixels"
    if pixel_count is None:
        return ImageRejected(
            f"The photo has too many pixels. The limit is {limit}; "
            "try your camera's normal (not maximum) resolution."
        )
    return ImageRejected(
        f"The photo has too many pixels ({_format_number(pixel_count / 1_000_000)} megapixels). "
        f"The limit is {limit}; try your camera's normal (not maximum) resolution."
    )


def _too_large_to_read(pixel_count: int, *, limit: int, is_jpeg: bool) -> ImageRejected:
    megapixels = limit / 1_000_000
    # Rounded down, so a photo of the size named does fit.
    limit_text = (
        str(math.floor(megapixels))
        if megapixels >= 2
        else _format_number(math.floor(megapixels * 10) / 10)
    )
    # Only JPEG decodes at a reduced scale, so the same photo as a JPEG goes through.
    alternative = "" if is_jpeg else ", or a JPEG"
    return ImageRejected(
        f"This photo is too large to read ({_format_number(pixel_count / 1_000_000)} megapixels). "
        f"Please send a photo under {limit_text} megapixels{alternative}."
    )


def _unsupported(label: str) -> ImageRejected:
    return ImageRejected(f"{label} files are not supported. {ACCEPTED_FORMATS_SENTENCE}")


def _format_bytes(size: int, *, round_up: bool) -> str:
    for unit, unit_bytes in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= unit_bytes:
            tenths = size * 10 / unit_bytes
            tenths = math.ceil(tenths) if round_up else math.floor(tenths)
            return f"{_format_number(tenths / 10)} {unit}"
    return f"{size} bytes"


def _format_number(value: float) -> str:
    """One decimal at most, none when it is zero: 20, 25.3."""
    return f"{value:.1f}".removesuffix(".0")
