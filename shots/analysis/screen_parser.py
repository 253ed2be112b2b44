"""Turn OCR text boxes from a launch-monitor photo into canonical values.

OCR gives us words and where they are, nothing more. Launch monitors lay
their numbers out in a few ways: a label above its value (Trackman/GSPro
tiles), a label left of its value (Garmin lists, tables), or a big value
with a small caption underneath (Mevo+, Rapsodo). Rather than recognise a
device, we pair each label with the value that sits where a value belongs,
by geometry alone:

1. Straighten the rows. A phone is never held square to the screen, and
   across a wide list a 2° tilt moves a value onto the neighbouring row.
   We fit the tilt (and how it changes down the screen, for perspective)
   to the rows the text boxes themselves form, and work in that frame. A
   list's rows line up almost as well one row off, so the few best tilts
   are each tried and the one under which the most labels pair wins.
2. Read every box as labels, values, units, L/R markers and club names,
   splitting boxes OCR merged ("Carry 152.3 yds") and joining labels it
   split ("Spin" "Rate").
3. Glue stray units and L/R markers to the value beside them.
4. Pair labels with values. Every (label, value) pair that fits one of the
   three layouts gets a cost (distance, misalignment); the layout that
   explains most labels is taken as the screen's own, the others cost
   more, and pairs are taken cheapest first, each value used once.

Nothing is corrected or clamped: a number is reported as read, in canonical
units, and the validator decides what to trust. A metric we cannot pair is
None, never a guess. This module has no OCR dependency so it can be tested
with hand-made boxes.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shots.analysis.base import AnalysisOutput
from shots.analysis.labels import (
    CLUB_CAPTION,
    IGNORED,
    UNITS_IN_NAMES,
    club_from_text,
    club_key,
    label_key,
    metric_for_label,
)
from shots.analysis.units import FACTORS, UnknownUnitError, normalise_unit_text, to_canonical
from shots.metrics import (
    FEET_PER_METRE,
    METRIC_NAMES,
    METRICS_BY_NAME,
    YARDS_PER_METRE,
    Quantity,
)

Point = tuple[float, float]
# One RapidOCR result: four corner points (clockwise from top-left), text, confidence.
OcrResult = tuple[Sequence[Sequence[float]], str, float]

RIGHT, BELOW, ABOVE = "right", "below", "above"
CLUB = CLUB_CAPTION  # what a pair reads when it names the club rather than a metric
RELATIONS = (RIGHT, BELOW, ABOVE)

# --- reading text ---------------------------------------------------------------------------

# Unit spellings OCR produces for the real thing ("rn" for "m" is the classic).
_UNIT_OCR_FIXES = {
    "rnph": "mph",
    "mpn": "mph",
    "rnpn": "mph",
    "km/n": "km/h",
    "krn/h": "km/h",
    "kn/h": "km/h",
    "rn/s": "m/s",
    "m/5": "m/s",
    "mls": "m/s",
    "rn": "m",
    "yd5": "yds",
    "ycs": "yds",
    "vds": "yds",
    "rprn": "rpm",
    "rprm": "rpm",
    "pm": "rpm",  # the "r" lost against the number: no other unit is spelt "pm"
    "rpn": "rpm",
    "fl": "ft",
    "t": "ft",
    "tt": "ft",
    "f": "ft",
    "ms": "m/s",
    "n": "m",
    "%": "°",  # a small degree sign often comes back as a percent sign
}
_KNOWN_UNITS = {unit for table in FACTORS.values() for unit in table} | {"rpm", "°"}
# Single letters are units only right after a number; alone they are too often noise.
_STANDALONE_UNITS = {unit for unit in _KNOWN_UNITS if len(unit) > 1 or unit in {"m", "°"}}


def _unit_pattern() -> str:
    spellings = (_KNOWN_UNITS | set(_UNIT_OCR_FIXES)) - {"'"}
    return "|".join(re.escape(unit) for unit in sorted(spellings, key=len, reverse=True))


_UNIT = _unit_pattern()
_NUMBER = r"[-+]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.,]\d+)?"
# A number with its side marker and unit in any of the orders screens use:
# "12.4 L", "L12.4", "3.5R", "19.1 R yds", "0.1° L", "152.3mph", "2,650 rpm".
_VALUE = re.compile(
    # A number glued to a word ("FACT0R", "Shot4") is part of that word; only
    # an L or R may touch it from the left.
    rf"(?:(?<![\w.,(\[])(?P<before>[LR])\s?|(?<![\w.,(\[]))(?P<number>{_NUMBER})"
    rf"(?:\s?(?P<unit>{_UNIT}))?(?:\s?(?P<after>[LR]))?(?:\s?(?P<unit2>{_UNIT}))?"
    r"(?![a-z0-9/])",
    re.IGNORECASE,
)
_UNIT_IN_BRACKETS = re.compile(r"^(?P<label>.*?)\s*[\(\[]\s*(?P<unit>[^\)\]]{1,8}?)\s*[\)\]]?\s*$")
_STRAY_SIDE = re.compile(r"(?<![A-Za-z])[LR](?![A-Za-z])")
_SIDE_WORDS = {"l": "L", "left": "L", "r": "R", "right": "R"}
# Minus signs and degree signs as OCR writes them (its model also reads Chinese: "一" is "one").
_LOOKALIKES = str.maketrans({"−": "-", "–": "-", "—": "-", "一": "-", "º": "°", "˚": "°"})


def _normalise_text(text: str) -> str:
    """Plain ASCII punctuation: the OCR model writes full-width "（" and "：" as often as "(" and ":"."""
    return unicodedata.normalize("NFKC", text.translate(_LOOKALIKES)).strip()


def _clean_numbers(text: str) -> str:
    """Undo OCR's letter-for-digit swaps inside numbers: ``"LO.2"`` -> ``"L0.2"``, ``"1O5"`` -> ``"105"``.

    Only letters touching a digit (or a decimal point next to one) change, so
    words like "Offline" or "Launch" are left alone.
    """
    text = re.sub(r"(?<=[\d.])[Oo]|[Oo](?=\.?\d)", "0", text)
    text = re.sub(r"(?<=\d)[lI|](?=[\d.])|(?<![A-Za-z])[lI|](?=\d)|(?<=\d\.)[lI|]", "1", text)
    text = re.sub(r"(?<=\d)[Ss](?=\d)", "5", text)
    return text


def normalise_unit(text: str) -> str | None:
    """A unit as ``shots.analysis.units`` spells it, or None if ``text`` is no unit."""
    unit = normalise_unit_text(text).rstrip(".,:;")
    unit = _UNIT_OCR_FIXES.get(unit, unit)
    return unit if unit in _KNOWN_UNITS else None


def parse_number(text: str) -> float:
    """``"2,650"`` -> 2650, ``"1,45"`` -> 1.45 (a comma before exactly three digits groups thousands)."""
    text = text.replace(" ", "")
    if re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


# --- geometry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineModel:
    """How text rows run across the photo: slope ``s0 + s1 * (y - y0)`` at height y.

    The slope changing with y is the perspective of a screen photographed a
    little from the side; first order is plenty for the ±6° a hand holds.
    """

    s0: float = 0.0
    s1: float = 0.0
    x0: float = 0.0
    y0: float = 0.0

    def straighten(self, x: float, y: float) -> Point:
        """Coordinates in which rows are horizontal."""
        slope = self.s0 + self.s1 * (y - self.y0)
        return x + self.s0 * (y - self.y0), y - slope * (x - self.x0)


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def slice(self, start: float, end: float) -> Rect:
        """The part from ``start`` to ``end`` (fractions of the width): a word inside a box."""
        return Rect(
            self.left + start * self.width, self.top, self.left + end * self.width, self.bottom
        )


def _box_height(points: Sequence[Point]) -> float:
    return (math.dist(points[0], points[3]) + math.dist(points[1], points[2])) / 2


def _box_slope(points: Sequence[Point]) -> float:
    dx = (points[1][0] - points[0][0] + points[2][0] - points[3][0]) / 2
    dy = (points[1][1] - points[0][1] + points[2][1] - points[3][1]) / 2
    return dy / dx if dx > 0 else 0.0


# How far (as a slope) the rows may run from the median angle of the text boxes.
# Box angles are only a rough guide: perspective shears the letters and skews them.
_SLOPE_WINDOW = 0.06
_SLOPE_STEP = 0.0025


def candidate_line_models(boxes: Sequence[Sequence[Point]], *, limit: int = 3) -> list[LineModel]:
    """The row slopes (and their drift down the screen) that line up the most boxes, best first.

    A vote over every pair of boxes far enough apart sideways: a slope earns
    a point for each pair it puts on one row. In a list with tight rows a
    slope that moves every label onto the next row's value lines up nearly
    as many boxes as the real one, so the few best distinct slopes are all
    returned and the parser keeps the one under which the labels pair best.
    """
    if len(boxes) < 3:
        return [LineModel()]
    centres = np.array([[sum(p[0] for p in b) / 4, sum(p[1] for p in b) / 4] for b in boxes])
    heights = np.array([_box_height(b) for b in boxes])
    x0, y0 = float(centres[:, 0].mean()), float(centres[:, 1].mean())
    wide = [_box_slope(b) for b in boxes if math.dist(b[0], b[1]) >= 2 * _box_height(b)]
    prior = statistics.median(wide) if wide else 0.0

    first, second = np.triu_indices(len(boxes), k=1)
    dx = centres[second, 0] - centres[first, 0]
    dy = centres[second, 1] - centres[first, 1]
    tallest = np.maximum(heights[first], heights[second])
    informative = (np.abs(dx) >= 2 * tallest) & (np.abs(dy) <= 0.2 * np.abs(dx))
    if not informative.any():
        return [LineModel(prior, 0.0, x0, y0)]
    dx, dy = dx[informative], dy[informative]
    mid_y = (centres[first, 1] + centres[second, 1])[informative] / 2 - y0
    tolerance = 0.25 * np.minimum(heights[first], heights[second])[informative]

    s0_grid = prior + np.arange(-_SLOPE_WINDOW, _SLOPE_WINDOW + 1e-9, _SLOPE_STEP)
    s1_grid = np.arange(-3e-4, 3.01e-4, 2e-5)
    s0, s1 = np.meshgrid(s0_grid, s1_grid, indexing="ij")
    slopes = s0[..., None] + s1[..., None] * mid_y  # hypothesis x pair
    residual = np.abs(dy - slopes * dx) / tolerance
    score = np.clip(1 - residual, 0, None).sum(axis=-1)
    score -= 0.05 * score.max() * ((s0 - prior) / _SLOPE_WINDOW) ** 2
    score -= 0.01 * np.abs(s1) / 3e-4

    best_drift = score.argmax(axis=1)
    profile = score.max(axis=1)  # best score for each s0
    peaks = [
        index
        for index in range(len(s0_grid))
        if profile[index] >= profile[max(0, index - 2) : index + 3].max()
        and profile[index] >= 0.5 * profile.max()
    ]
    peaks.sort(key=lambda index: -profile[index])
    return [
        LineModel(float(s0_grid[index]), float(s1_grid[best_drift[index]]), x0, y0)
        for index in peaks[:limit]
    ]


# --- tokens ---------------------------------------------------------------------------------


@dataclass
class Token:
    """One meaningful piece of screen text, placed in the straightened frame."""

    kind: str  # "label", "value", "unit", "side", "club", "word"
    text: str
    rect: Rect
    metric: str | None = None  # labels: canonical metric, CLUB_CAPTION or IGNORED
    number: float | None = None  # values
    side: str = ""  # values and side tokens: "L", "R" or ""
    unit: str = ""  # normalised unit ("km/h"), for values, labels with a unit, unit tokens
    unit_text: str = ""  # the unit as printed, for units_seen
    club: str | None = None  # club tokens
    paired: bool = False
    confidence: float = 1.0  # OCR's recognition score for the box (the lowest, for joined boxes)
    ink: tuple[int, int, int] | None = None  # the colour the text is printed in, when known
    unit_confidence: float = 1.0  # the score of the box the unit was read from


def _word_token(text: str, rect: Rect) -> Token:
    """Classify text with no number in it: a label, club name, unit, side marker or other."""
    stripped = text.strip(" :;,.-_*")
    club = club_from_text(stripped)
    if club:
        return Token("club", text, rect, club=club)
    side = _SIDE_WORDS.get(stripped.lower())
    if (side and stripped.isupper()) or stripped.lower() in {"left", "right"}:
        return Token("side", text, rect, side=side or "")
    unit = normalise_unit(stripped)
    if unit and unit in _STANDALONE_UNITS:
        return Token("unit", text, rect, unit=unit, unit_text=stripped)
    return _label_token(stripped, rect) or Token("word", text, rect)


def _label_token(text: str, rect: Rect) -> Token | None:
    """A label, with the unit it names if any: ``"Carry (yds)"``, ``"Ball Speed mph"``.

    A bracketed part is always the unit, even one OCR garbled ("AOA (9)" for
    "AOA (°)"): the label is still the label, and the unit stays unread.
    """
    bracketed = _UNIT_IN_BRACKETS.match(text)
    if bracketed:
        metric = metric_for_label(bracketed["label"])
        unit = normalise_unit(bracketed["unit"])
        if metric:
            return Token(
                "label",
                text,
                rect,
                metric=metric,
                unit=unit or "",
                unit_text=bracketed["unit"] if unit else "",
            )
    metric = metric_for_label(text)
    if metric:
        implied_unit = UNITS_IN_NAMES.get(label_key(text), "")
        return Token("label", text, rect, metric=metric, unit=implied_unit, unit_text=implied_unit)
    label_text, _, unit_text = text.rpartition(" ")
    unit = normalise_unit(unit_text)
    metric = metric_for_label(label_text) if label_text and unit else None
    if metric:
        return Token("label", text, rect, metric=metric, unit=unit or "", unit_text=unit_text)
    return None


def tokens_from_box(text: str, rect: Rect) -> list[Token]:
    """Read one OCR box, which may hold a label, a value, or both run together.

    A number is kept only when the text before it is empty or a label:
    "Carry 152.3" gives a label and a value, "Shot 4" gives nothing, since
    a number we cannot name must not land on a neighbouring label.
    """
    text = _normalise_text(text)
    club = club_from_text(text)
    if club:
        return [Token("club", text, rect, club=club)]
    cleaned = _clean_numbers(text)
    matches = list(_VALUE.finditer(cleaned))
    if not matches:
        return [_word_token(text, rect)]

    length = max(len(cleaned), 1)
    tokens: list[Token] = []
    position = 0
    for match in matches:
        before = cleaned[position : match.start()].strip()
        if before:
            label = _label_token(
                before.strip(" :;,-"), rect.slice(position / length, match.start() / length)
            )
            if label is None:
                position = match.end()
                continue  # a number after a word we do not know: not ours to read
            tokens.append(label)
        value = _value_token(match, rect.slice(match.start() / length, match.end() / length))
        if value:
            tokens.append(value)
        position = match.end()
    rest = cleaned[position:].strip()
    if rest and tokens and tokens[-1].kind == "value":
        unit = normalise_unit(rest)
        if unit and not tokens[-1].unit:
            tokens[-1].unit, tokens[-1].unit_text = unit, rest
        elif _STRAY_SIDE.search(rest):
            # "2.4#L": the L we could not read with the number may make it negative.
            tokens.pop()
    return tokens


def _value_token(match: re.Match[str], rect: Rect) -> Token | None:
    sides = {side.upper() for side in (match["before"], match["after"]) if side}
    if len(sides) > 1:
        return None  # "L 3.2 R" says two things; read nothing rather than pick one
    unit_text = match["unit"] or match["unit2"] or ""
    unit = normalise_unit(unit_text) if unit_text else ""
    return Token(
        "value",
        match.group(0),
        rect,
        number=parse_number(match["number"]),
        side=sides.pop() if sides else "",
        unit=unit or "",
        unit_text=unit_text,
    )


# --- layout relations -----------------------------------------------------------------------


def _vertical_overlap(a: Rect, b: Rect) -> float:
    return min(a.bottom, b.bottom) - max(a.top, b.top)


def _horizontal_overlap(a: Rect, b: Rect) -> float:
    return min(a.right, b.right) - max(a.left, b.left)


def on_same_line(a: Rect, b: Rect) -> bool:
    return _vertical_overlap(a, b) >= 0.5 * min(a.height, b.height)


def _stacked(a: Rect, b: Rect) -> bool:
    return _horizontal_overlap(a, b) >= 0.3 * min(a.width, b.width)


def _column_misalignment(a: Rect, b: Rect) -> float:
    """How far two stacked boxes are from sharing a centre, left or right edge."""
    return min(abs(a.cx - b.cx), abs(a.left - b.left), abs(a.right - b.right))


def relation_cost(label: Rect, value: Rect, relation: str) -> float | None:
    """Cost of reading ``value`` as the value of ``label`` in a layout, or None if it cannot be.

    Costs are in label heights, so they compare across photo sizes.
    """
    scale = max(label.height, 1.0)
    tallest = max(label.height, value.height)
    if relation == RIGHT:
        if not on_same_line(label, value) or value.left < label.right - 0.3 * scale:
            return None
        gap = max(0.0, value.left - label.right)
        return 0.3 + 0.02 * gap / scale + abs(value.cy - label.cy) / scale
    if relation == BELOW:
        upper, lower = label, value
    else:
        upper, lower = value, label
    if not _stacked(upper, lower) or lower.cy <= upper.bottom:
        return None
    gap = max(0.0, lower.top - upper.bottom)
    if gap > 2.5 * tallest:
        return None
    return gap / scale + 0.5 * _column_misalignment(upper, lower) / scale


def _between(first: Rect, second: Rect, other: Rect, relation: str) -> bool:
    """Whether ``other`` sits between two boxes along the relation, hiding one from the other."""
    if relation == RIGHT:
        return (
            on_same_line(first, other)
            and on_same_line(second, other)
            and first.right - 1 <= other.cx <= second.left + 1
        )
    upper, lower = (first, second) if relation == BELOW else (second, first)
    return (
        _horizontal_overlap(upper, other) > 0
        and _horizontal_overlap(lower, other) > 0
        and upper.bottom - 1 <= other.cy <= lower.top + 1
    )


# --- the parser -----------------------------------------------------------------------------


@dataclass
class Pair:
    label: Token
    value: Token
    relation: str
    cost: float

    @property
    def metric(self) -> str:
        """The metric this pair reads, ``CLUB`` for the club, or IGNORED.

        A "Club" caption is the club when it names one ("7i", "52°") and
        FlightScope's club speed when it is a speed ("Club (mph)  87.0").
        """
        metric = self.label.metric or IGNORED
        if metric != CLUB_CAPTION:
            return metric
        return CLUB if self.value.kind == "club" or self.value.unit == "°" else "club_speed"


@dataclass
class ScreenReading:
    values: dict[str, float | None]
    club: str | None
    units_seen: dict[str, str]
    pairs: list[Pair] = field(default_factory=list)
    line_model: LineModel = field(default_factory=LineModel)
    # metric -> unit taken from the rest of the screen because none was read beside it
    units_from_screen: dict[str, str] = field(default_factory=dict)
    uncertain: dict[str, str] = field(default_factory=dict)  # metric or "club" -> why
    confidence: dict[str, float] = field(default_factory=dict)  # metric or "club" -> 0..1
    overlay_labels: list[str] = field(default_factory=list)  # labels dropped as an overlay's


def parse_screen(
    results: Iterable[OcrResult], *, ink_colours: Sequence[tuple[int, int, int]] | None = None
) -> AnalysisOutput:
    """Canonical values, club and units read from OCR boxes; ``raw`` keeps the boxes and pairs.

    ``ink_colours`` (one per box, when the caller measured them) lets the
    parser drop a second label drawn in another colour by an overlay tool.
    """
    boxes = [
        ([(float(x), float(y)) for x, y in points], str(text), float(confidence))
        for points, text, confidence in results
    ]
    reading = read_screen(boxes, ink_colours=ink_colours)
    raw: dict[str, Any] = {
        "boxes": [
            {"points": [list(p) for p in points], "text": text, "confidence": round(confidence, 4)}
            for points, text, confidence in boxes
        ],
        "pairs": [
            {
                "metric": pair.metric,
                "label": pair.label.text,
                "value": pair.value.text,
                "relation": pair.relation,
                "cost": round(pair.cost, 3),
            }
            for pair in reading.pairs
        ],
        "line_model": [reading.line_model.s0, reading.line_model.s1],
        "units_from_screen": reading.units_from_screen,
        "overlay_labels": reading.overlay_labels,
    }
    return AnalysisOutput(
        values=reading.values,
        club=reading.club,
        units_seen=reading.units_seen,
        uncertain=reading.uncertain,
        confidence=reading.confidence,
        raw=raw,
    )


@dataclass(frozen=True)
class _Text:
    points: Sequence[Point]
    text: str
    confidence: float
    ink: tuple[int, int, int] | None


def read_screen(
    boxes: Sequence[tuple[Sequence[Point], str, float]],
    *,
    ink_colours: Sequence[tuple[int, int, int]] | None = None,
) -> ScreenReading:
    """The whole reading: straighten, tokenise, attach units, pair, convert.

    Under each candidate row slope the screen is read in full; the slope
    under which the most labels find a value wins (the best-voted one on a tie).
    """
    inks: Sequence[tuple[int, int, int] | None] = (
        list(ink_colours) if ink_colours is not None else [None] * len(boxes)
    )
    texts = [
        _Text(points, _normalise_text(text), confidence, ink)
        for (points, text, confidence), ink in zip(boxes, inks, strict=True)
    ]
    texts = [text for text in texts if text.text]
    best: tuple[tuple[int, int], LineModel, list[Token], list[Pair], list[str]] | None = None
    for rank, model in enumerate(candidate_line_models([text.points for text in texts])):
        tokens, overlay = _tokens(texts, model)
        pairs = _pair_labels_with_values(tokens)
        quality = (sum(pair.metric != IGNORED for pair in pairs), -rank)
        if best is None or quality > best[0]:
            best = (quality, model, tokens, pairs, overlay)
    assert best is not None
    _, model, tokens, pairs, overlay = best
    readings, caption_club = _readings(pairs)
    values, units_seen, units_from_screen, uncertain, confidence = _canonical_values(readings)
    club, club_doubt, club_confidence = _club(caption_club, tokens)
    if club is not None:
        confidence["club"] = club_confidence
        if club_doubt:
            uncertain["club"] = club_doubt
    return ScreenReading(
        values=values,
        club=club,
        units_seen=units_seen,
        pairs=pairs,
        line_model=model,
        units_from_screen=units_from_screen,
        uncertain=uncertain,
        confidence=confidence,
        overlay_labels=overlay,
    )


def _tokens(texts: list[_Text], model: LineModel) -> tuple[list[Token], list[str]]:
    """Every box read as tokens in the frame where ``model``'s rows are horizontal.

    Also returns the labels dropped as an overlay's (see ``_drop_overlay_labels``).
    """
    pieces = []
    for text in texts:
        straight = [model.straighten(x, y) for x, y in text.points]
        rect = Rect(
            min(x for x, _ in straight),
            min(y for _, y in straight),
            max(x for x, _ in straight),
            max(y for _, y in straight),
        )
        pieces.append(_Piece(text.text, rect, text.confidence, text.ink))
    tokens = []
    for piece in _merge_overlapping(pieces):
        for token in tokens_from_box(piece.text, piece.rect):
            token.confidence, token.ink = piece.confidence, piece.ink
            token.unit_confidence = piece.confidence
            tokens.append(token)
    tokens = _join_split_labels(tokens)
    tokens, overlay = _drop_overlay_labels(tokens)
    _attach_units_and_sides(tokens)
    return tokens, overlay


# Two inks closer than this (summed over R, G, B) are the same colour, give or take JPEG.
_SAME_INK = 120


def _drop_overlay_labels(tokens: list[Token]) -> tuple[list[Token], list[str]]:
    """Drop a second label for a metric when it is printed in a colour no other label uses.

    Tools drawn over a screen (a connector's ROI boxes captioned "Ball
    Speed" in blue) repeat the screen's labels in their own colour, a few
    pixels from the screen's own. A screen prints its labels in one or two
    colours, so of two labels for one metric the one whose ink matches the
    other labels is the screen's; the odd one out is not read at all.
    """
    labels = [t for t in tokens if t.kind == "label" and t.ink is not None]
    by_metric: dict[str, list[Token]] = {}
    for label in labels:
        if label.metric and label.metric != IGNORED:
            by_metric.setdefault(label.metric, []).append(label)
    dropped: list[Token] = []
    for same in by_metric.values():
        if len(same) < 2:
            continue
        others = [t for t in labels if t.metric not in (same[0].metric, IGNORED)]

        def matching(label: Token, others: list[Token] = others) -> int:
            return sum(_ink_distance(label, other) <= _SAME_INK for other in others)

        best = max(matching(label) for label in same)
        for label in same:
            if matching(label) < best and all(
                _ink_distance(label, kept) > _SAME_INK for kept in same if matching(kept) == best
            ):
                dropped.append(label)
    kept = [t for t in tokens if not any(t is label for label in dropped)]
    return kept, [label.text for label in dropped]


def _ink_distance(first: Token, second: Token) -> int:
    assert first.ink is not None
    assert second.ink is not None
    return sum(abs(a - b) for a, b in zip(first.ink, second.ink, strict=True))


@dataclass(frozen=True)
class _Reading:
    metric: str
    number: float  # as shown, negative for L
    unit: str  # normalised unit, "" if none was shown
    unit_text: str  # the unit as printed
    confidence: float = 1.0  # the lowest OCR score of its label, value and unit


def _readings(pairs: list[Pair]) -> tuple[list[_Reading], tuple[str, float] | None]:
    """What each pair says, and the club (with its OCR score) if a "Club" caption named it."""
    readings = []
    club: tuple[str, float] | None = None
    for pair in pairs:
        value = pair.value
        if pair.metric == CLUB:
            named = value.club or club_from_text(value.text, is_club_caption=True)
            if named:
                club = (named, min(pair.label.confidence, value.confidence))
            continue
        if pair.metric == IGNORED or value.number is None:
            continue
        number = -abs(value.number) if value.side == "L" else value.number
        unit = value.unit or pair.label.unit
        unit_text = (value.unit_text or pair.label.unit_text).strip() if unit else ""
        scores = [pair.label.confidence, value.confidence]
        if value.unit:
            scores.append(value.unit_confidence)
        readings.append(_Reading(pair.metric, number, unit, unit_text, min(scores)))
    return readings, club


# Below this OCR score a reading is flagged: RapidOCR scores text it read right
# at 0.9 and more, and its misreadings of small or blurred digits lower.
LOW_CONFIDENCE = 0.7
# Why a number with no unit is not trusted, by what it measures.
_NO_UNIT = {
    Quantity.DISTANCE: "no unit could be read beside it, so yards and metres cannot be told apart",
    Quantity.HEIGHT: "no unit could be read beside it, so feet, yards and metres cannot be told apart",
    Quantity.SPEED: "no unit could be read beside it, so mph, km/h and m/s cannot be told apart",
}


def _canonical_values(
    readings: list[_Reading],
) -> tuple[
    dict[str, float | None], dict[str, str], dict[str, str], dict[str, str], dict[str, float]
]:
    """(canonical values, unit text seen per metric, units taken from the rest of the screen,
    uncertain metrics with the reason, confidence per metric).

    A speed, distance or height with no unit beside it, in its label or
    elsewhere on the screen for its kind, is kept as read but marked
    uncertain: it is never quietly taken for mph or yards.
    """
    values: dict[str, float | None] = dict.fromkeys(METRIC_NAMES)
    units_seen: dict[str, str] = {}
    units_from_screen: dict[str, str] = {}
    uncertain: dict[str, str] = {}
    confidence: dict[str, float] = {}
    screen_units = _screen_units(readings)
    for reading in readings:
        unit, unit_text = reading.unit, reading.unit_text
        quantity = METRICS_BY_NAME[reading.metric].quantity
        if not unit and quantity in screen_units:
            unit, unit_text = screen_units[quantity]
            units_from_screen[reading.metric] = unit_text
        try:
            values[reading.metric] = to_canonical(reading.metric, reading.number, unit or None)
        except UnknownUnitError:
            continue
        # "" records that no unit was shown and the canonical one was assumed.
        units_seen[reading.metric] = unit_text
        confidence[reading.metric] = round(reading.confidence, 3)
        if not unit and quantity in _NO_UNIT:
            uncertain[reading.metric] = _NO_UNIT[quantity]
        elif reading.confidence < LOW_CONFIDENCE:
            uncertain[reading.metric] = "the text was hard to read, so the number may be wrong"
    return values, units_seen, units_from_screen, uncertain, confidence


_METRE_FACTORS = {Quantity.DISTANCE: YARDS_PER_METRE, Quantity.HEIGHT: FEET_PER_METRE}


def _screen_units(readings: list[_Reading]) -> dict[Quantity, tuple[str, str]]:
    """The one unit a screen uses for speeds, distances and heights, where it shows one.

    OCR sometimes misses a small "m" beside one big number while reading it
    beside the next; screens do not mix unit systems, so a number without a
    unit takes the unit every other number of its kind shows. (Metres for
    distances mean metres for the apex and the other way round; yards say
    nothing about the apex, which may be in feet or yards.) Where the screen
    shows no unit, or two, nothing is assumed beyond the canonical unit.
    This reads the screen's own units; it never guesses from the size of a
    number.
    """
    seen: dict[Quantity, dict[float, tuple[str, str]]] = {}
    for reading in readings:
        quantity = METRICS_BY_NAME[reading.metric].quantity
        if reading.unit and quantity in (Quantity.SPEED, Quantity.DISTANCE, Quantity.HEIGHT):
            factor = FACTORS[quantity][reading.unit]
            seen.setdefault(quantity, {}).setdefault(factor, (reading.unit, reading.unit_text))
    units = {
        quantity: next(iter(found.values())) for quantity, found in seen.items() if len(found) == 1
    }
    in_metres = {
        quantity: unit
        for quantity, unit in units.items()
        if quantity in _METRE_FACTORS and FACTORS[quantity][unit[0]] == _METRE_FACTORS[quantity]
    }
    for quantity, other in (
        (Quantity.HEIGHT, Quantity.DISTANCE),
        (Quantity.DISTANCE, Quantity.HEIGHT),
    ):
        if quantity not in seen and other in in_metres:
            units[quantity] = in_metres[other]
    return units


@dataclass(frozen=True)
class _Piece:
    text: str
    rect: Rect
    confidence: float = 1.0
    ink: tuple[int, int, int] | None = None


def _merge_overlapping(pieces: list[_Piece]) -> list[_Piece]:
    """Join boxes OCR found twice over the same letters: "82" and "2ft" become "82ft".

    The detector sometimes returns a second box starting inside the first;
    read apart, the shared digit would make a second, wrong number.
    """
    pieces = sorted(pieces, key=lambda piece: piece.rect.left)
    merged: list[_Piece] = []
    for piece in pieces:
        for index, kept in enumerate(merged):
            overlap = _horizontal_overlap(kept.rect, piece.rect)
            if on_same_line(kept.rect, piece.rect) and overlap > 0.3 * min(
                kept.rect.width, piece.rect.width
            ):
                shared = _shared_letters(kept.text, piece.text)
                if shared:
                    merged[index] = _Piece(
                        kept.text + piece.text[shared:],
                        _union(kept.rect, piece.rect),
                        min(kept.confidence, piece.confidence),
                        kept.ink,
                    )
                    break
        else:
            merged.append(piece)
    return merged


def _shared_letters(left: str, right: str) -> int:
    """How many letters end ``left`` and also start ``right``."""
    for size in range(min(len(left), len(right)), 0, -1):
        if left.endswith(right[:size]):
            return size
    return 0


def _join_split_labels(tokens: list[Token]) -> list[Token]:
    """Join words OCR split that together make a label: "Spin" "Rate", or "Launch" over "Angle".

    Side by side, any two words that spell a label join. Stacked, they join
    only if one of them is not a label by itself, so two list rows such as
    "Carry" above "Side" stay two labels.
    """
    joined = True
    while joined:
        joined = False
        pieces = [t for t in tokens if t.kind in ("label", "word")]
        for first in pieces:
            for second in pieces:
                if first is second:
                    continue
                combined = _joined_label(first, second)
                if combined:
                    tokens = [t for t in tokens if t is not first and t is not second]
                    tokens.append(combined)
                    joined = True
                    break
            if joined:
                break
    return tokens


def _joined_label(first: Token, second: Token) -> Token | None:
    a, b = first.rect, second.rect
    scale = max(a.height, b.height)
    side_by_side = on_same_line(a, b) and 0 <= b.left - a.right <= 1.0 * scale
    stacked = (
        _stacked(a, b)
        and 0 <= b.top - a.bottom <= 0.4 * scale
        and abs(a.height - b.height) <= 0.3 * scale
        and (first.kind == "word" or second.kind == "word")
    )
    if not side_by_side and not stacked:
        return None
    label = _label_token(f"{first.text} {second.text}".strip(), _union(a, b))
    if label is None or (label.metric == IGNORED and not side_by_side):
        return None
    label.confidence = min(first.confidence, second.confidence)
    label.ink = first.ink
    return label


def _union(a: Rect, b: Rect) -> Rect:
    return Rect(
        min(a.left, b.left), min(a.top, b.top), max(a.right, b.right), max(a.bottom, b.bottom)
    )


def _attach_units_and_sides(tokens: list[Token]) -> None:
    """Give stray unit and L/R tokens to the value they belong to.

    A unit sits right of its number on the same line (often smaller, on the
    same baseline), or failing that right under it; an L/R marker sits on
    either side. Closest first across the screen, same line before below,
    so a list's unit column is not handed to the row above.
    """
    values = [t for t in tokens if t.kind == "value"]
    marks = [t for t in tokens if t.kind in ("unit", "side")]
    candidates = []
    for mark in marks:
        for value in values:
            if mark.kind == "side" and mark.rect.height < 0.5 * value.rect.height:
                continue  # an L or R is printed like the number; a small one is a garbled unit
            fit = _attachment(value.rect, mark.rect, allow_left=mark.kind == "side")
            if fit is not None:
                candidates.append((fit, id(mark), mark, value))
    for _, _, mark, value in sorted(candidates, key=lambda c: (c[0], c[1])):
        if mark.paired:
            continue
        if mark.kind == "unit" and not value.unit:
            value.unit, value.unit_text = mark.unit, mark.unit_text
            value.unit_confidence = mark.confidence
            mark.paired = True
        elif mark.kind == "side" and not value.side:
            value.side = mark.side
            mark.paired = True


def _attachment(value: Rect, mark: Rect, *, allow_left: bool) -> tuple[int, float] | None:
    """(0 for the same line / 1 for underneath, gap) if ``mark`` can belong to ``value``."""
    reach = 1.5 * max(value.height, mark.height)
    overlap_allowed = 0.6 * mark.height  # OCR boxes of neighbouring words often overlap
    if mark.height > mark.width:
        # A unit printed turned 90° sits in the margin the detector gave the number's box.
        overlap_allowed = max(overlap_allowed, 0.4 * value.width)
    if on_same_line(value, mark):
        if -overlap_allowed <= mark.left - value.right <= reach:
            return 0, max(0.0, mark.left - value.right)
        if allow_left and -overlap_allowed <= value.left - mark.right <= reach:
            return 0, max(0.0, value.left - mark.right)
        return None
    # Tiles print the unit on its own line under a big number, up to a line's height below.
    under = 0 <= mark.top - value.bottom <= 1.0 * value.height
    if under and mark.width < value.width and abs(mark.cx - value.cx) <= 0.5 * value.width:
        return 1, mark.top - value.bottom
    return None


def _fits(label: Token, value: Token) -> bool:
    """Whether a value can belong to a label at all: club names to the club caption, units that suit."""
    if value.kind == "club":
        return label.metric == CLUB_CAPTION
    metric_name = label.metric
    if metric_name == IGNORED:
        return True
    if metric_name == CLUB_CAPTION:
        if value.unit == "°" and not value.side:
            return club_from_text(value.text, is_club_caption=True) is not None
        metric_name = "club_speed"
    assert metric_name is not None
    metric = METRICS_BY_NAME[metric_name]
    if value.side and not metric.signed:
        return False
    factors = FACTORS[metric.quantity]
    if any(unit and unit not in factors for unit in (value.unit, label.unit)):
        return False
    # "Carry (yds)" above "152.3 m" is two different readings of the screen.
    return not (value.unit and label.unit and factors[value.unit] != factors[label.unit])


def _candidates(labels: list[Token], values: list[Token], others: list[Token]) -> list[Pair]:
    candidates = []
    for label in labels:
        for value in values:
            if not _fits(label, value):
                continue
            for relation in RELATIONS:
                cost = relation_cost(label.rect, value.rect, relation)
                if cost is None:
                    continue
                if any(
                    _between(label.rect, value.rect, other.rect, relation)
                    for other in others
                    if other is not label and other is not value
                ):
                    continue
                candidates.append(Pair(label, value, relation, cost))
    return candidates


def _greedy(candidates: list[Pair]) -> list[Pair]:
    """Take the cheapest pairs first; each label, value and metric is used once."""
    taken_labels: set[int] = set()
    taken_values: set[int] = set()
    taken_metrics: set[str] = set()
    chosen = []
    for pair in sorted(candidates, key=lambda p: p.cost):
        if id(pair.label) in taken_labels or id(pair.value) in taken_values:
            continue
        if pair.metric in taken_metrics:
            continue
        chosen.append(pair)
        taken_labels.add(id(pair.label))
        taken_values.add(id(pair.value))
        if pair.metric != IGNORED:
            taken_metrics.add(pair.metric)
    return chosen


def _pair_labels_with_values(tokens: list[Token]) -> list[Pair]:
    """Pair labels and values, preferring the layout that explains the most labels.

    A screen uses one layout throughout, so the relation that pairs the most
    labels on its own is the screen's; pairs in other relations cost more
    and only fill gaps (a big headline number above tiles, say).
    """
    labels = [t for t in tokens if t.kind == "label"]
    values = [t for t in tokens if t.kind in ("value", "club")]
    blockers = [t for t in tokens if t.kind in ("label", "value", "club")]
    candidates = _candidates(labels, values, blockers)
    if not candidates:
        return []

    def strength(relation: str) -> tuple[int, float]:
        chosen = _greedy([c for c in candidates if c.relation == relation])
        return len(chosen), -sum(c.cost for c in chosen)

    layout = max(RELATIONS, key=strength)
    for candidate in candidates:
        if candidate.relation != layout:
            candidate.cost = 2 * candidate.cost + 1.5
    return _greedy(candidates)


def _club(
    caption_club: tuple[str, float] | None, tokens: list[Token]
) -> tuple[str | None, str, float]:
    """(club, why it is uncertain or "", confidence): from a "Club" caption, else the screen.

    Elsewhere on the screen a "Club: 7 Iron" line comes first, then the
    largest club name. Two different club names with nothing to choose
    between them (a title says "8 Iron", a stray "GW" elsewhere) give the
    larger one, marked uncertain: the golfer confirms it.
    """
    clubs = [t for t in tokens if t.kind == "club"]
    if caption_club is not None:
        named, score = caption_club
        return named, "the club name was hard to read" if score < LOW_CONFIDENCE else "", score
    if not clubs:
        return None, "", 0.0
    prefixed = [t for t in clubs if t.text.strip().lower().startswith("club")]
    candidates = prefixed or clubs
    best = max(candidates, key=lambda t: t.rect.height)
    label_heights = [t.rect.height for t in tokens if t.kind == "label"]
    value_heights = [t.rect.height for t in tokens if t.kind == "value"]
    doubt = ""
    if len({t.club for t in candidates}) > 1:
        doubt = "the screen names more than one club"
    elif best.confidence < LOW_CONFIDENCE:
        doubt = "the club name was hard to read"
    elif (
        not prefixed
        and len(club_key(best.text)) <= 2
        and label_heights
        and value_heights
        and best.rect.height < 1.2 * statistics.median(label_heights)
        and best.rect.height < 0.5 * statistics.median(value_heights)
    ):
        # A title names the club in big letters; a short code on its own in small
        # print ("3h" in a corner badge) is as likely a time or initials: the
        # golfer picks the club rather than have one guessed.
        return None, "", 0.0
    return best.club, doubt, round(best.confidence, 3)
