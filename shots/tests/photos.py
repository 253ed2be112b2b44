"""Small JPEGs standing in for photos of a launch-monitor screen.

The fake OpenAI server and the worker read nothing from them, so any real
JPEG will do; another colour gives another file, and so another photo hash.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from shots.images import ShrunkImage, shrink_upload


def screen_photo(colour: str = "navy") -> bytes:
    image = Image.new("RGB", (800, 600), colour)
    ImageDraw.Draw(image).rectangle((100, 100, 300, 200), fill="white")
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def shrunk_screen_photo(colour: str = "navy") -> ShrunkImage:
    """``screen_photo`` as the upload views hand it to services.shot_create_from_photo."""
    return shrink_upload(SimpleUploadedFile("screen.jpg", screen_photo(colour), "image/jpeg"))
