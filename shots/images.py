"""Check and shrink an uploaded shot photo before anything is stored.

The upload handlers call :func:`shrink_upload` first: it either returns a small,
metadata-free JPEG ready to save, or raises :class:`ImageRejected` with a
sentence for the golfer. Nothing is written here, so a rejected upload can
leave no file behind.

Hostile input is the normal case for this code: the format is decided by the
file's first bytes (never its name or Content-Type), Pillow may only open that
one format, and the byte and pixel caps are checked before any pixels are
decoded.
"""

from __future__ import annotations

import hashlib
import io
import math
import uuid
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

import pillow_heif
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageFile, ImageOps
from PIL.JpegImagePlugin import JpegImageFile

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


class ImageRejected(Exception):
    """An upload we will not store; ``message`` is written for the golfer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
) -> ShrunkImage:
    """Return the upload as a JPEG inside 1920×1080 (either way round), or raise ImageRejected."""
    if max_bytes is None:
        max_bytes = settings.SHOT_UPLOAD_MAX_BYTES
    if max_pixels is None:
        max_pixels = settings.SHOT_UPLOAD_MAX_PIXELS

    original = _read_capped(upload, max_bytes=max_bytes)
    original_format = _sniff_format(original)
    image = _decode(original, original_format=original_format, max_pixels=max_pixels)
    shrunk = _fit_inside_box(_flatten_to_rgb(image))
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


def _decode(data: bytes, *, original_format: str, max_pixels: int) -> Image.Image:
    """Open with only the sniffed format allowed, check the pixel count, then decode."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A process-wide Pillow switch; with it on, a half-sent photo decodes
        # as grey and would be stored and analysed as if it were real.
        raise ImproperlyConfigured("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False.")
    # Pillow reports an oversized image with a warning; it must stop the upload.
    # (catch_warnings is process-wide, which is fine under gunicorn's sync workers.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[original_format])
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _too_many_pixels(None, max_pixels=max_pixels) from None
        except Exception as error:
            # Pillow's parsers raise many exception types on malformed input.
            raise ImageRejected(DAMAGED_MESSAGE) from error

        pixel_count = image.width * image.height
        if pixel_count > max_pixels:
            raise _too_many_pixels(pixel_count, max_pixels=max_pixels)

        if isinstance(image, JpegImageFile):
            # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding: this is what
            # keeps a 12 MP photo inside 100 ms and 100 MB. The fitted size does
            # not depend on which way the photo is turned, so the EXIF
            # orientation applied below cannot make this size too small.
            image.draft("RGB", _fitted_size(image.size))
        try:
            image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _too_many_pixels(pixel_count, max_pixels=max_pixels) from None
        except Exception as error:
            raise ImageRejected(DAMAGED_MESSAGE) from error

    ImageOps.exif_transpose(image, in_place=True)
    return image


def _fitted_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size inside 1920×1080 (or 1080×1920 for portrait), never larger than ``size``."""
    width, height = size
    box_width, box_height = (LONG_SIDE, SHORT_SIDE) if width >= height else (SHORT_SIDE, LONG_SIDE)
    scale = min(box_width / width, box_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB with any transparency laid on white (black, PNG's usual backdrop, hides dark text)."""
    if image.mode in SIXTEEN_BIT_GREY_MODES:
        # Pillow's own conversion clips 16-bit values at 255, turning the photo white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    if not has_alpha:
        return image if image.mode == "RGB" else image.convert("RGB")
    with_alpha = image.convert("RGBA")
    flattened = Image.new("RGB", with_alpha.size, "white")
    flattened.paste(with_alpha, mask=with_alpha.getchannel("A"))
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
