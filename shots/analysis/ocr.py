"""The offline analyser: RapidOCR reads the text boxes, ``screen_parser`` reads the numbers.

RapidOCR (``rapidocr-onnxruntime``) ships its ONNX models inside the wheel,
so this works without a network or an API key: the embedded default, and
the fallback when OpenAI is not configured.

The model costs about half a second and ~100 MB to load, so it is loaded
once per process, on the first photo, and never at import: the web process
imports this module (through the analyser registry) but never analyses, and
must stay small.

We drive RapidOCR's detector and recogniser ourselves rather than through
its one-call API, for three things the call cannot do:

- detect at a size we choose (its "max side" limit quietly rounds up to
  2000 px, which made detection on a 1920×1080 upload cost three times what
  it needs), and on an enlarged copy of a small, low-resolution screenshot;
- read text printed turned 90° (Rapsodo's ``METERS`` / ``MPH`` beside the
  number), which the detector misses or the recogniser reads upside down;
- measure each box's ink colour, so the parser can tell a label drawn by an
  overlay tool (a connector's blue "Ball Speed") from the screen's own.

Its ONNX sessions run on ``OCR_THREADS`` threads (one by default): on two
shared cores a second thread saved 0.15 s of wall time on an idle machine
but cost 40–90 % more CPU (the pool's threads spin waiting for each other)
and doubled the wall time when other work was running (docs/performance.md,
"Photo analysis time, 2026-12-03").
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import io
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from shots.analysis.base import AnalysisOutput, PermanentAnalyserError
from shots.analysis.screen_parser import parse_screen

if TYPE_CHECKING:
    from rapidocr_onnxruntime import RapidOCR

MODEL_NAME = "rapidocr-onnxruntime (PP-OCRv4)"
# Stored as the analysis's prompt version: the parser's rules are this
# analyser's "prompt", and the audit rows should say which rules read a shot.
PARSER_VERSION = "screen-parser 2026-12-02.1"
# The text detector sees the photo scaled so its long side is at most this;
# recognition still reads its crops from the full-size photo. At 960 a small
# two-letter unit column ("ft" beside a list) is lost, so uploads (1440×1080
# for a phone's 4:3 photo) are detected at full size.
DETECTION_MAX_SIDE = 1440
# A screenshot smaller than this on its long side (a phone app mirrored into
# a window, a cropped capture) has text only a few pixels tall: it is enlarged
# before detection, and detected at the enlarged size.
SMALL_IMAGE_SIDE = 1000
SMALL_IMAGE_TARGET_SIDE = 1600
MAX_ENLARGEMENT = 2.5
# Text boxes shorter than this (the median, in the photo's pixels, detector's
# margin included) are small print: the photo is read again enlarged,
# detection and all. Phone photos of screens and iPad captures run 25-40.
SMALL_TEXT_HEIGHT = 22
SMALL_TEXT_ENLARGEMENT = 2.0
SMALL_TEXT_DETECTION_SIDE = 2800
REREAD_BELOW = 0.8
# Texts at most this long with no space are labels, numbers and units.
SHORT_TEXT = 16
# Lower than RapidOCR's 0.5 so a small, dim unit ("m" beside a big number on a
# dark screen) is still found; the parser ignores text it cannot use.
BOX_THRESHOLD = 0.3
# The recogniser pads every crop to at least this width (RapidOCR's default is
# 320: a two-digit number cost as much as a sentence). Screens are mostly short
# words and numbers, and at 160 they read the same in half the time.
RECOGNITION_MIN_WIDTH = 160
# Recognitions scoring below this are noise (RapidOCR's own default cut-off).
TEXT_SCORE = 0.5
# A crop at least this much taller than wide holds text turned 90°.
TALL_RATIO = 1.5
# Units printed turned 90° beside a number, as screens spell them.
_VERTICAL_UNITS = ("METERS", "METRES", "YARDS", "YDS", "MPH", "KM/H", "M/S", "FEET", "FT", "RPM")
_VERTICAL_UNIT_MATCH = 0.65

_engine: RapidOCR | None = None
_engine_lock = threading.Lock()


def ocr_engine() -> RapidOCR:
    """The process's RapidOCR instance, created on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                engine = RapidOCR(intra_op_num_threads=settings.OCR_THREADS, inter_op_num_threads=1)
                engine.text_det.postprocess_op.box_thresh = BOX_THRESHOLD
                engine.text_rec.rec_image_shape = [3, 48, RECOGNITION_MIN_WIDTH]
                _engine = engine
    return _engine


@dataclass
class TextBox:
    points: list[list[float]]  # four corners, clockwise from top-left, in the photo's pixels
    text: str
    confidence: float
    ink: tuple[int, int, int] = (0, 0, 0)  # the colour the text is printed in
    rotated: bool = False  # read from a crop turned 90°

    def moved(self, dx: float, dy: float) -> TextBox:
        points = [[x + dx, y + dy] for x, y in self.points]
        return TextBox(points, self.text, self.confidence, self.ink, self.rotated)

    def as_result(self) -> tuple[list[list[float]], str, float]:
        return self.points, self.text, self.confidence


def read_text_boxes(image: Image.Image) -> list[tuple[list[list[float]], str, float]]:
    """Every text box RapidOCR finds: (four corner points, text, confidence)."""
    return [box.as_result() for box in read_screen_text(image)]


def read_screen_text(image: Image.Image) -> list[TextBox]:
    """Every text box on the photo, with text turned 90° beside numbers read upright.

    A screenshot whose text is only a few pixels tall (a small mirrored app
    on a desktop capture) is searched a second time, enlarged, for the small
    print the first pass missed (a unit under a number). The second look is
    confined to the part of the photo holding labels and numbers, and reads
    only boxes it finds anew or the first pass read poorly.
    """
    rgb = np.asarray(image.convert("RGB"))
    enlargement = _enlargement(max(image.size))
    detection_side = DETECTION_MAX_SIDE if enlargement == 1 else SMALL_IMAGE_TARGET_SIDE
    boxes = _read_at(rgb, enlargement, detection_side=detection_side)
    heights = [_height(box.points) for box in boxes]
    if enlargement == 1 and heights and float(np.median(heights)) < SMALL_TEXT_HEIGHT:
        region = _readings_region(boxes, rgb.shape[1], rgb.shape[0])
        if region is not None:
            left, top, right, bottom = region
            found = _read_at(
                rgb[top:bottom, left:right],
                SMALL_TEXT_ENLARGEMENT,
                detection_side=SMALL_TEXT_DETECTION_SIDE,
                # Boxes read poorly the first time are looked at again, enlarged.
                known=[box.moved(-left, -top) for box in boxes if box.confidence >= REREAD_BELOW],
            )
            boxes = [box.moved(left, top) for box in found]
    return boxes


def _readings_region(
    boxes: list[TextBox], width: int, height: int
) -> tuple[int, int, int, int] | None:
    """The part of the photo holding labels and numbers: short texts, not sentences.

    The second, enlarged look is confined to it, so a terminal or a web page
    beside the mirrored app costs nothing.
    """
    short = [box for box in boxes if len(box.text) <= SHORT_TEXT and " " not in box.text.strip()]
    if not short:
        return None
    margin = 3 * float(np.median([_height(box.points) for box in short]))
    xs = [x for box in short for x, _ in box.points]
    ys = [y for box in short for _, y in box.points]
    return (
        max(0, int(min(xs) - margin)),
        max(0, int(min(ys) - margin)),
        min(width, int(max(xs) + margin)),
        min(height, int(max(ys) + margin)),
    )


def _read_at(
    rgb: np.ndarray,
    enlargement: float,
    *,
    detection_side: int,
    known: Sequence[TextBox] = (),
) -> list[TextBox]:
    """Detect and read the photo enlarged by ``enlargement``; boxes in photo pixels.

    Boxes centred inside one of ``known`` (read on an earlier pass) are not read again.
    """
    engine = ocr_engine()
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if enlargement > 1:
        bgr = cv2.resize(bgr, None, fx=enlargement, fy=enlargement, interpolation=cv2.INTER_CUBIC)
    shrink = min(1.0, detection_side / max(bgr.shape[:2]))
    seen = bgr
    if shrink < 1:
        seen = cv2.resize(bgr, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    found = detect_text(engine, np.ascontiguousarray(seen))
    if found is None or len(found) == 0:
        return list(known)
    corners = [
        points
        for points in (
            np.asarray(points, dtype=np.float32) / shrink for points in engine.sorted_boxes(found)
        )
        if not _inside_any(points.mean(axis=0) / enlargement, known)
    ]
    if not corners:
        return list(known)
    crops = engine.get_crop_img_list(bgr, [points.copy() for points in corners])
    read, _ = engine.text_rec(crops)
    boxes = []
    tall = []
    for points, crop, (text, score, *_) in zip(corners, crops, read, strict=True):
        box = TextBox((points / enlargement).tolist(), str(text), float(score))
        if _is_tall(points):
            tall.append((box, crop))
        boxes.append(box)
    _reread_turned_text(engine, tall)
    boxes = [box for box in boxes if box.confidence >= TEXT_SCORE and box.text.strip()]
    boxes += _units_turned_beside_numbers(engine, bgr, boxes, enlargement, others=known)
    for box in boxes:
        box.ink = _ink_colour(bgr, box.points, enlargement)
    return [*known, *boxes]


def detect_text(engine: RapidOCR, bgr: np.ndarray) -> np.ndarray | None:
    """The corners of every text box RapidOCR's detector finds, as ``engine.text_det(bgr)``.

    The same steps as its ``TextDetector.__call__`` (rapidocr-onnxruntime
    1.4.4), but the image is normalised through a 256-entry table per colour
    channel, straight into the channels-first layout the model takes, rather
    than in float64 over the whole image and then transposed: the same
    numbers bit for bit (test_ocr_engine.py checks it) in half the time,
    about 15 ms a photo.
    """
    detector = engine.text_det
    preprocess = detector.get_preprocess(max(bgr.shape[:2]))
    resized = preprocess.resize(bgr)
    if resized is None:
        return None
    tensor = normalised_for_detection(resized, preprocess)
    prediction = detector.infer(tensor)[0]
    shape = (bgr.shape[0], bgr.shape[1])
    boxes, _ = detector.postprocess_op(prediction, shape)
    found: np.ndarray = detector.filter_tag_det_res(boxes, shape)
    return found


def normalised_for_detection(resized: np.ndarray, preprocess: Any) -> np.ndarray:
    """``preprocess(image)`` for an image already resized: 1×3×H×W float32, normalised."""
    # RapidOCR's own arithmetic (float32 times the scale, then float64 mean and
    # std), done once for each of the 256 values a pixel can take.
    values = np.arange(256, dtype=np.float32) * preprocess.scale
    table = ((values - preprocess.mean[:, np.newaxis]) / preprocess.std[:, np.newaxis]).astype(
        np.float32
    )
    channels = [table[channel][resized[:, :, channel]] for channel in range(3)]
    return np.stack(channels)[np.newaxis]


def _inside_any(point: np.ndarray, boxes: Sequence[TextBox]) -> bool:
    x, y = float(point[0]), float(point[1])
    for box in boxes:
        xs = [px for px, _ in box.points]
        ys = [py for _, py in box.points]
        if min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys):
            return True
    return False


def _enlargement(long_side: int) -> float:
    if long_side >= SMALL_IMAGE_SIDE or long_side <= 0:
        return 1.0
    return min(MAX_ENLARGEMENT, SMALL_IMAGE_TARGET_SIDE / long_side)


def _is_tall(points: np.ndarray) -> bool:
    width = float(np.linalg.norm(points[0] - points[1]))
    height = float(np.linalg.norm(points[0] - points[3]))
    return height >= TALL_RATIO * max(width, 1.0)


def _reread_turned_text(engine: RapidOCR, tall: list[tuple[TextBox, np.ndarray]]) -> None:
    """Read tall boxes turned the other way too; RapidOCR only turns them counter-clockwise.

    Text printed bottom-to-top comes out upside down from its turn, so the
    crop is also read turned half round, and the better reading is kept.
    """
    if not tall:
        return
    flipped = [np.ascontiguousarray(np.rot90(crop, 2)) for _, crop in tall]
    read, _ = engine.text_rec(flipped)
    for (box, _), (text, score, *_) in zip(tall, read, strict=True):
        box.rotated = True
        if float(score) > box.confidence:
            box.text, box.confidence = str(text), float(score)
        unit = _vertical_unit(box.text, box.confidence)
        if unit:
            box.text, box.confidence = unit


_DIGITS = re.compile(r"\d")
_UNIT_LETTERS = re.compile(r"[A-Za-z]{2,}|[A-Za-z]/|°")


def _units_turned_beside_numbers(
    engine: RapidOCR,
    bgr: np.ndarray,
    boxes: list[TextBox],
    enlargement: float,
    *,
    others: Sequence[TextBox] = (),
) -> list[TextBox]:
    """Units printed turned 90° in a narrow strip right of a big number (Rapsodo's ``METERS``).

    The detector takes such a strip for part of the number, or misses it. For
    each big number with no unit read beside it, the columns of ink right of
    its digits are found; a narrow, tall run of ink there is cut out, turned
    both ways and read. Only a unit word is kept, so a narrow digit ("1")
    at the end of a number reads as nothing. Where the strip was inside the
    number's box, the number is read again without it: the turned letters
    read as one stray character ("82至") and cost the number its score.
    """
    heights = [_height(box.points) for box in boxes]
    if not heights:
        return []
    typical = float(np.median(heights))
    found_strips: list[tuple[tuple[int, int, int, int], TextBox]] = []
    for box in boxes:
        height = _height(box.points)
        if height < 1.3 * typical or not _DIGITS.search(box.text):
            continue
        words = box.text.split()
        if words and _UNIT_LETTERS.search(words[-1]) and _plain_text(words[-1]):
            continue  # the unit was read with the number
        strip = _ink_strip_right_of(bgr, box.points, enlargement)
        if strip is None or _covered_by_other_box(strip, box, [*boxes, *others], enlargement):
            continue
        found_strips.append((strip, box))
    if not found_strips:
        return []
    crops = []
    rereads: list[tuple[int, TextBox]] = []
    for (left, top, right, bottom), _owner in found_strips:
        crop = _prepared_strip(bgr[top:bottom, left:right])
        crops += [
            cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE),
            cv2.rotate(crop, cv2.ROTATE_90_COUNTERCLOCKWISE),
        ]
    for (left, _, _, _), owner in found_strips:
        xs = [x * enlargement for x, _ in owner.points]
        ys = [y * enlargement for _, y in owner.points]
        if left < max(xs) and left - min(xs) >= 0.3 * (max(ys) - min(ys)):
            rereads.append((len(crops), owner))
            crops.append(
                np.ascontiguousarray(bgr[int(min(ys)) : int(max(ys)) + 1, int(min(xs)) : left])
            )
    read, _ = engine.text_rec(crops)
    found = []
    with_unit: set[int] = set()
    for index, ((left, top, right, bottom), owner) in enumerate(found_strips):
        readings = [read[2 * index], read[2 * index + 1]]
        units = [_vertical_unit(str(text), float(score)) for text, score, *_ in readings]
        best = max((unit for unit in units if unit), key=lambda unit: unit[1], default=None)
        if best is None:
            continue
        with_unit.add(id(owner))
        points = [
            [left / enlargement, top / enlargement],
            [right / enlargement, top / enlargement],
            [right / enlargement, bottom / enlargement],
            [left / enlargement, bottom / enlargement],
        ]
        found.append(TextBox(points, best[0], best[1], rotated=True))
    for index, owner in rereads:
        text, score = str(read[index][0]), float(read[index][1])
        if not _digits(text) or score < TEXT_SCORE:
            continue
        if id(owner) in with_unit:
            # The strip read as a unit, so left of it is the number alone: the
            # first reading may have taken the turned letters for a digit ("651").
            owner.text, owner.confidence = text, score
        elif _digits(text) == _digits(owner.text) and score > owner.confidence:
            # No unit, but the same digits read cleaner: the strip was a stray mark.
            owner.text, owner.confidence = text, score
    return found


def _digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def _plain_text(text: str) -> bool:
    """Whether text is plain Latin script: the recogniser writes turned letters as CJK glyphs."""
    return all(ord(character) < 0x2E80 for character in text)


def _height(points: list[list[float]]) -> float:
    return max(y for _, y in points) - min(y for _, y in points)


def _ink_strip_right_of(
    bgr: np.ndarray, points: list[list[float]], enlargement: float
) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of a narrow, tall run of ink just right of a number's digits."""
    xs = [x * enlargement for x, _ in points]
    ys = [y * enlargement for _, y in points]
    height = max(ys) - min(ys)
    left = int(max(0, min(xs)))
    right = int(min(bgr.shape[1], max(xs) + 0.6 * height))
    top, bottom = int(max(0, min(ys))), int(min(bgr.shape[0], max(ys)))
    if right - left < 4 or bottom - top < 8:
        return None
    gray = cv2.cvtColor(bgr[top:bottom, left:right], cv2.COLOR_BGR2GRAY).astype(np.int16)
    background = int(np.median(gray))
    contrast = np.abs(gray - background)
    if contrast.max() < 40:
        return None
    ink = contrast > max(40, 0.45 * int(contrast.max()))
    columns = ink.sum(axis=0) >= 1
    runs = _runs(columns)
    if len(runs) < 2:
        return None
    start, end = runs[-1]
    rows = np.flatnonzero(ink[:, start:end].any(axis=1))
    digit_rows = np.flatnonzero(ink[:, : runs[-2][1]].any(axis=1))
    if len(rows) == 0 or len(digit_rows) == 0:
        return None
    run_height = rows[-1] - rows[0] + 1
    digit_height = digit_rows[-1] - digit_rows[0] + 1
    # Turned text is a tall, thin column of letters about as tall as the digits.
    if end - start > 0.45 * run_height or run_height < 0.5 * digit_height:
        return None
    if start < 0.3 * (right - left):
        return None
    margin = max(2, int(0.05 * run_height))
    return (
        max(0, left + start - margin),
        max(0, top + rows[0] - margin),
        min(bgr.shape[1], left + end + margin),
        min(bgr.shape[0], top + rows[-1] + 1 + margin),
    )


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True."""
    runs = []
    start = None
    for index, flag in enumerate(flags):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    return runs


def _covered_by_other_box(
    strip: tuple[int, int, int, int], owner: TextBox, boxes: list[TextBox], enlargement: float
) -> bool:
    """Whether another detected box already covers the strip (a unit read the usual way)."""
    left, top, right, bottom = (value / enlargement for value in strip)
    for box in boxes:
        if box is owner:
            continue
        xs = [x for x, _ in box.points]
        ys = [y for _, y in box.points]
        if min(xs) < right and max(xs) > left and min(ys) < bottom and max(ys) > top:
            return True
    return False


def _prepared_strip(strip: np.ndarray) -> np.ndarray:
    """The strip enlarged so its letters are ~30 px, with a margin of its own background."""
    scale = max(1.0, 36 / max(strip.shape[1], 1))
    enlarged = cv2.resize(strip, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    border = int(0.3 * enlarged.shape[1]) + 2
    background = [int(value) for value in np.median(strip.reshape(-1, 3), axis=0)]
    return cv2.copyMakeBorder(
        enlarged, border, border, border, border, cv2.BORDER_CONSTANT, value=background
    )


def _vertical_unit(text: str, score: float) -> tuple[str, float] | None:
    """The unit word a turned strip spells, and how sure we are, or None.

    OCR of a few pixels of turned text gets a letter wrong now and then
    ("METEARS"); a close spelling of a unit word is that word, at a lower
    confidence so a poor reading is flagged rather than trusted.
    """
    key = re.sub(r"[^A-Z/]", "", text.upper())
    if len(key) < 2 or score < TEXT_SCORE:
        return None
    if key in _VERTICAL_UNITS:
        return key, score
    close = difflib.get_close_matches(key, _VERTICAL_UNITS, n=1, cutoff=_VERTICAL_UNIT_MATCH)
    if not close:
        return None
    similarity = difflib.SequenceMatcher(None, key, close[0]).ratio()
    # One letter off in a word of six ("HETERS") is still only that word; further off, less sure.
    return close[0], score if similarity >= 0.8 else score * similarity


def _ink_colour(
    bgr: np.ndarray, points: list[list[float]], enlargement: float
) -> tuple[int, int, int]:
    """The colour a box's text is printed in (RGB): the pixels least like the box's background."""
    xs = [x * enlargement for x, _ in points]
    ys = [y * enlargement for _, y in points]
    left, right = int(max(0, min(xs))), int(min(bgr.shape[1], max(xs) + 1))
    top, bottom = int(max(0, min(ys))), int(min(bgr.shape[0], max(ys) + 1))
    patch = bgr[top:bottom, left:right].reshape(-1, 3).astype(np.int16)
    if len(patch) == 0:
        return (0, 0, 0)
    background = np.median(patch, axis=0)
    distance = np.abs(patch - background).sum(axis=1)
    ink = patch[distance >= np.percentile(distance, 90)]
    blue, green, red = (int(value) for value in np.median(ink, axis=0))
    return (red, green, blue)


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
        cpu_started = time.process_time()
        boxes = read_screen_text(pixels)
        output = parse_screen(
            [box.as_result() for box in boxes], ink_colours=[box.ink for box in boxes]
        )
        raw: dict[str, Any] = output.raw
        for entry, box in zip(raw["boxes"], boxes, strict=True):
            entry["ink"] = list(box.ink)
            if box.rotated:
                entry["rotated"] = True
        raw["ocr_seconds"] = round(time.perf_counter() - started, 3)
        raw["ocr_cpu_seconds"] = round(time.process_time() - cpu_started, 3)
        raw["image_size"] = list(pixels.size)
        output.model = f"{MODEL_NAME} {_package_version()}"
        output.prompt_version = PARSER_VERSION
        return output


@functools.cache
def _package_version() -> str:
    return importlib.metadata.version("rapidocr-onnxruntime")
