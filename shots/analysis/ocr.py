"""The offline analyser: RapidOCR reads the text boxes, ``screen_parser`` reads the numbers.

RapidOCR (``rapidocr-onnxruntime``) ships its ONNX models inside the wheel,
so this works without a network or an API key: the embedded default, and
the fallback when OpenAI is not configured.

The model costs about half a second and ~100 MB to load, so it is loaded
once per process, on the first photo, and never at import: the web process
imports this module (through the analyser registry) but never analyses, and
must stay small.
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import threading
import time
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from shots.analysis.base import AnalysisOutput, PermanentAnalyserError
from shots.analysis.screen_parser import parse_screen

if TYPE_CHECKING:
    from rapidocr_onnxruntime import RapidOCR

MODEL_NAME = "rapidocr-onnxruntime (PP-OCRv4)"
# Stored as the analysis's prompt version: the parser's rules are this
# analyser's "prompt", and the audit rows should say which rules read a shot.
PARSER_VERSION = "screen-parser 2026-11-24.1"
# Photos reach us already turned upright (exif_transpose at upload), and the
# angle classifier flips short words such as "9i" upside down ("!6"), so it
# stays off; it also saves time.
USE_ANGLE_CLASSIFIER = False
# The text detector sees the photo scaled so its long side is at most this.
# (RapidOCR's default only ever scales up, to a short side of 736, so our
# 1440×1080 uploads would be searched at full size.) Screen text stays 15+ px
# tall at 960, detection takes about half the time, and recognition still
# reads its crops from the full-size photo.
DETECTION_MAX_SIDE = 960
ENGINE_OPTIONS = {"det_limit_side_len": DETECTION_MAX_SIDE, "det_limit_type": "max"}
# Lower than RapidOCR's 0.5 so a small, dim unit ("m" beside a big number on a
# dark screen) is still found; the parser ignores text it cannot use.
BOX_THRESHOLD = 0.3

_engine: RapidOCR | None = None
_engine_lock = threading.Lock()


def ocr_engine() -> RapidOCR:
    """The process's RapidOCR instance, created on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(**ENGINE_OPTIONS)
    return _engine


def read_text_boxes(image: Image.Image) -> list[tuple[list[list[float]], str, float]]:
    """Every text box RapidOCR finds: (four corner points, text, confidence)."""
    result, _ = ocr_engine()(image, use_cls=USE_ANGLE_CLASSIFIER, box_thresh=BOX_THRESHOLD)
    return [
        ([[float(x), float(y)] for x, y in points], str(text), float(confidence))
        for points, text, confidence in result or []
    ]


def decode_image(image: bytes) -> Image.Image:
    """The photo as RGB pixels; a file Pillow cannot read is a permanent error."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            return opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise PermanentAnalyserError(f"The photo could not be decoded: {error}") from error


class OcrAnalyser:
    name = "ocr"

    def analyse(self, image: bytes) -> AnalysisOutput:
        pixels = decode_image(image)
        started = time.perf_counter()
        boxes = read_text_boxes(pixels)
        output = parse_screen(boxes)
        raw: dict[str, Any] = output.raw
        raw["ocr_seconds"] = round(time.perf_counter() - started, 3)
        raw["image_size"] = list(pixels.size)
        output.model = f"{MODEL_NAME} {_package_version()}"
        output.prompt_version = PARSER_VERSION
        return output


@functools.cache
def _package_version() -> str:
    return importlib.metadata.version("rapidocr-onnxruntime")
