"""Uploads, good and hostile, for the image, form and API tests.

Each function returns ``(filename, content)`` as a browser would send it. The
files are generated here (no binary fixtures in the repository), small on disk,
and cached because some take a moment to encode. ``REJECTED_UPLOADS`` and
``ACCEPTED_UPLOADS`` list them with what the golfer should see, so every upload
path can run the same corpus.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageDraw

if TYPE_CHECKING:
    from typing_extensions import Buffer

pillow_heif.register_heif_opener()

Upload = tuple[str, bytes]

# The 12 MP test photo: stored landscape, shown portrait (EXIF orientation 6).
ROTATED_PHOTO_STORED_SIZE = (4000, 3000)
MARKER_COLOUR = (220, 20, 20)
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="golfshots-test"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def _small_photo(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A few flat shapes: enough to tell top from bottom, quick to encode."""
    image = Image.new("RGB", size, (40, 110, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 4, size[1] // 4), fill=MARKER_COLOUR)
    draw.ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill="white")
    return image


@cache
def small_jpeg() -> Upload:
    return "shot.jpg", _encoded(_small_photo(), "JPEG", quality=90)


# --- Rejected -----------------------------------------------------------------


def empty_file() -> Upload:
    return "shot.jpg", b""


def random_bytes() -> Upload:
    return "shot.jpg", random.Random(20261124).randbytes(4096)


def truncated_jpeg() -> Upload:
    _, content = small_jpeg()
    return "shot.jpg", content[: len(content) // 2]


def truncated_png() -> Upload:
    content = _encoded(_small_photo(), "PNG")
    return "shot.png", content[: len(content) // 2]


def jpeg_header_then_garbage() -> Upload:
    return "shot.jpg", b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(2048)


def eps_file() -> Upload:
    return "shot.eps", (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
        b"newpath 10 10 moveto 90 90 lineto stroke\nshowpage\n%%EOF\n"
    )


def svg_file() -> Upload:
    return "shot.svg", (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
    )


def svg_named_as_jpeg() -> Upload:
    """The name and an honest-looking extension must not matter."""
    _, content = svg_file()
    return "shot.jpg", content


def tiff_file() -> Upload:
    return "shot.tif", _encoded(_small_photo(), "TIFF")


def psd_header() -> Upload:
    # Signature, version 1, six reserved bytes, 3 channels, 480×640, 8 bits, RGB.
    header = b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + b"\x00\x00\x01\xe0\x00\x00\x02\x80"
    return "shot.psd", header + b"\x00\x08\x00\x03" + b"\x00" * 64


def gif_file() -> Upload:
    return "shot.gif", _encoded(_small_photo(), "GIF")


def bmp_file() -> Upload:
    return "shot.bmp", _encoded(_small_photo(), "BMP")


def avif_file() -> Upload:
    return "shot.avif", _encoded(_small_photo((64, 48)), "AVIF")


@cache
def png_pixel_flood() -> Upload:
    """10000×10000 (100 MP) of one colour: about 10 KB on disk, 300 MB once decoded."""
    return "flood.png", _encoded(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)


@cache
def png_over_pixel_limit() -> Upload:
    """8000×7000 = 56 MP: over our 50 MP cap but under Pillow's own bomb warning."""
    return "big.png", _encoded(Image.new("1", (8_000, 7_000)), "PNG", optimize=True)


def oversize_jpeg(max_bytes: int) -> Upload:
    """A valid JPEG padded to one byte over ``max_bytes``, so only the size cap can refuse it."""
    _, content = small_jpeg()
    return "shot.jpg", content + b"\x00" * (max_bytes + 1 - len(content))


class EndlessUpload(io.RawIOBase):
    """A JPEG-looking stream that never ends; ``bytes_read`` shows how much was pulled."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer).cast("B")
        view[:] = b"\x00" * len(view)
        if self.bytes_read == 0 and len(view) >= 3:
            view[:3] = b"\xff\xd8\xff"
        self.bytes_read += len(view)
        return len(view)


# --- Accepted (and cleaned) ---------------------------------------------------


def png_html_polyglot() -> Upload:
    """A valid PNG with a web page after IEND: fine as a photo, but the page must not survive."""
    content = _encoded(_small_photo(), "PNG")
    return "shot.png", content + b"<html><script>alert(1)</script></html>"


def jpeg_with_script_comment() -> Upload:
    return "shot.jpg", _encoded(
        _small_photo(), "JPEG", quality=90, comment=b"<script>alert(1)</script>"
    )


def path_traversal_jpeg() -> Upload:
    _, content = small_jpeg()
    return "../../etc/passwd.jpg", content


def jpeg_named_as_png() -> Upload:
    _, content = small_jpeg()
    return "shot.png", content


@cache
def heic_photo() -> Upload:
    return "IMG_0001.HEIC", _encoded(_small_photo((2400, 1800)), "HEIF", quality=60)


@cache
def rotated_12mp_jpeg_with_gps() -> Upload:
    """A phone photo held upright: stored 4000×3000 with Orientation 6, GPS, ICC and XMP.

    The red marker is in the stored top-left corner, so once turned upright it
    belongs in the top-right corner.
    """
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 28.0, 40.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 0.0, 5.0),
    }
    icc_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = _encoded(
        _small_photo(ROTATED_PHOTO_STORED_SIZE),
        "JPEG",
        quality=85,
        exif=exif,
        icc_profile=icc_profile,
        xmp=XMP_PACKET,
        comment=b"taken at the range",
    )
    return "IMG_0002.JPG", content


def rotated_heic() -> Upload:
    """Stored landscape with Orientation 6, like rotated_12mp_jpeg_with_gps but small."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    # As bytes: pillow-heif turns the tag into the HEIF rotation only then.
    content = _encoded(_small_photo((400, 300)), "HEIF", quality=60, exif=exif.tobytes())
    return "IMG_0003.HEIC", content


def png_with_alpha() -> Upload:
    """Transparent all over except an opaque black bar across the middle."""
    image = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 250, 700, 350), fill=(0, 0, 0, 255))
    return "screen.png", _encoded(image, "PNG")


def palette_png_with_transparency() -> Upload:
    """A screenshot-style PNG: palette colours, index 0 transparent (tRNS), a black bar."""
    image = Image.new("P", (800, 600), 0)
    image.putpalette([0, 255, 0] + [0, 0, 0] * 255)
    ImageDraw.Draw(image).rectangle((100, 250, 700, 350), fill=1)
    return "screen.png", _encoded(image, "PNG", transparency=0)


def greyscale_png() -> Upload:
    return "grey.png", _encoded(_small_photo().convert("L"), "PNG")


def greyscale_16_bit_png() -> Upload:
    """A left-to-right ramp from black to white in 16-bit greyscale."""
    ramp = Image.linear_gradient("L").rotate(90).resize((512, 256)).convert("I")
    return "scan.png", _encoded(ramp.point(lambda value: value * 257).convert("I;16"), "PNG")


def cmyk_jpeg() -> Upload:
    return "print.jpg", _encoded(_small_photo().convert("CMYK"), "JPEG", quality=90)


def webp_photo() -> Upload:
    return "shot.webp", _encoded(_small_photo((2400, 1600)), "WEBP", quality=80)


# What each rejected upload must say (a fragment of ImageRejected.message).
REJECTED_UPLOADS: list[tuple[Callable[[], Upload], str]] = [
    (empty_file, "empty"),
    (random_bytes, "not a photo we can read"),
    (truncated_jpeg, "damaged or incomplete"),
    (truncated_png, "damaged or incomplete"),
    (jpeg_header_then_garbage, "damaged or incomplete"),
    (eps_file, "EPS files are not supported"),
    (svg_file, "SVG files are not supported"),
    (svg_named_as_jpeg, "SVG files are not supported"),
    (tiff_file, "TIFF files are not supported"),
    (psd_header, "Photoshop (PSD) files are not supported"),
    (gif_file, "GIF files are not supported"),
    (bmp_file, "BMP files are not supported"),
    (avif_file, "AVIF files are not supported"),
    (png_pixel_flood, "too many pixels"),
    (png_over_pixel_limit, "too many pixels (56 megapixels)"),
]

# Uploads that are stored, with the original format they are recognised as.
ACCEPTED_UPLOADS: list[tuple[Callable[[], Upload], str]] = [
    (small_jpeg, "JPEG"),
    (png_html_polyglot, "PNG"),
    (jpeg_with_script_comment, "JPEG"),
    (path_traversal_jpeg, "JPEG"),
    (jpeg_named_as_png, "JPEG"),
    (heic_photo, "HEIF"),
    (rotated_heic, "HEIF"),
    (rotated_12mp_jpeg_with_gps, "JPEG"),
    (png_with_alpha, "PNG"),
    (palette_png_with_transparency, "PNG"),
    (greyscale_png, "PNG"),
    (greyscale_16_bit_png, "PNG"),
    (cmyk_jpeg, "JPEG"),
    (webp_photo, "WEBP"),
]
