"""How well an analyser reads screens whose answers we know: the accuracy report's scoring.

Each image in a folder has ``<image>.truth.json`` beside it, written by a
person (or by ``bench/write_screens.py`` for the generated screens)::

    {"values": {"carry": 97, "smash": 1.26, "club_path": -3.0, "club": null, ...},
     "units": {"carry": "m", "smash": "", "club_path": "deg, L=-", ...},
     "uncertain": []}

Values are as the screen shows them, in the unit it shows (signed: L is
negative). The analyser's canonical value is converted back into that unit
and must match to half the last digit shown, so a value is judged exactly as
precisely as the screen printed it. Keys that are no metric (distance to
pin, strokes gained, averages...) are not judged, but a metric the analyser
reports that the truth does not list is invented.

What the report is for: an analyser may miss a value or flag it uncertain
(the shot then goes to review), but a *false accept*, a wrong or invented
value stored as if measured, is the failure a golfer cannot see. A *units
error* is a number read right but taken in the wrong unit (97 m stored as
97 yd), the failure unit conversion exists to prevent.

No Django models here: this runs on folders of files and on analyser output.
"""

from __future__ import annotations

import io
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from shots.analysis.base import Analyser, AnalyserError, AnalysisOutput
from shots.analysis.labels import club_from_text
from shots.analysis.units import FACTORS, UnknownUnitError, to_canonical
from shots.images import ImageRejected, shrink_upload
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".heic")
TRUTH_SUFFIX = ".truth.json"
CLUB = "club"
# Rounding noise of the unit factors (1.09361 and friends) on top of half the last digit.
EPSILON = 1e-6

# Truth-file names that mean one of our metrics. Anything else that is not a
# metric name (distance_to_pin, strokes_gained, carry_avg...) is not judged.
TRUTH_ALIASES: dict[str, str] = {
    "smash": "smash_factor",
    "descent": "descent_angle",
    "landing_angle": "descent_angle",
    "land_angle": "descent_angle",
    "spin": "spin_rate",
    "total_spin": "spin_rate",
    "backspin": "back_spin",
    "sidespin": "side_spin",
    "carry_distance": "carry",
    "total_distance": "total",
    "offline": "carry_side",
    "carry_deviation": "carry_side",
    "total_deviation": "total_side",
    "height": "apex",
    "max_height": "apex",
    "peak_height": "apex",
    "apex_height": "apex",
    "aoa": "attack_angle",
    "angle_of_attack": "attack_angle",
    "path": "club_path",
    "face": "face_angle",
    "face_to_target": "face_angle",
    "ftp": "face_to_path",
    "vla": "launch_angle",
    "hla": "launch_direction",
    "azimuth": "launch_direction",
    "swing_speed": "club_speed",
    "clubhead_speed": "club_speed",
    "club_head_speed": "club_speed",
    "flight_time": "hang_time",
    "dyn_loft": "dynamic_loft",
}

_SIGNED_TEXT = re.compile(
    r"^\s*(?P<before>[LR])?\s*(?P<number>[-+]?\d+(?:\.(?P<decimals>\d+))?)\s*"
    r"(?:°|º|˚|deg)?\s*(?P<after>[LR])?\s*$",
    re.IGNORECASE,
)
_FIRST_NUMBER = re.compile(r"\d+(?:\.(\d+))?")


class TruthFileError(ValueError):
    """A truth file that cannot be read or does not follow the format."""


# --- truth ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TruthValue:
    """One metric as the screen shows it."""

    metric: str
    shown: float  # signed, in the unit shown
    decimals: int  # digits after the point on the screen
    unit: str  # the unit text as the truth gives it ("m", "deg", "" for none)
    factor: float  # canonical = shown * factor

    @property
    def tolerance(self) -> float:
        return 0.5 * 10.0**-self.decimals + EPSILON

    def text(self) -> str:
        return f"{self.shown:.{self.decimals}f} {self.unit}".strip()


@dataclass(frozen=True)
class Truth:
    values: dict[str, TruthValue]
    # The club as the screen names it; None when the screen shows no club
    # ("club": null, or no "club" key at all).
    club_text: str | None = None
    # Fields the truth's author was not sure of: not judged either way.
    unsure: frozenset[str] = frozenset()


def truth_path_for(image: Path) -> Path:
    return image.with_name(image.name + TRUTH_SUFFIX)


def metric_for_truth_key(key: str) -> str | None:
    name = re.sub(r"[\s\-.]+", "_", key.strip().lower())
    if name in METRICS_BY_NAME:
        return name
    return TRUTH_ALIASES.get(name)


def load_truth(path: Path) -> Truth:
    """Read ``<image>.truth.json``; a file that is not in the format is a ``TruthFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TruthFileError(f"{path.name}: cannot be read ({error}).") from error
    try:
        # Decimal keeps "22.0" apart from "22": the digits shown decide the tolerance.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise TruthFileError(f"{path.name}: is not valid JSON ({error}).") from error
    try:
        return parse_truth(data)
    except TruthFileError as error:
        raise TruthFileError(f"{path.name}: {error}") from None


def parse_truth(data: Any) -> Truth:
    """The truth in an already-decoded truth file (floats as ``Decimal`` or ``float``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), Mapping):
        raise TruthFileError('it must be a JSON object with a "values" object.')
    raw_values: Mapping[str, Any] = data["values"]
    units = data.get("units") or {}
    if not isinstance(units, Mapping):
        raise TruthFileError('"units" must be an object.')
    values: dict[str, TruthValue] = {}
    for key, raw in raw_values.items():
        metric = metric_for_truth_key(key)
        if metric is None or raw is None:
            continue
        if metric in values:
            raise TruthFileError(f"{metric} is given twice (as {key!r} and another name).")
        as_shown = raw_values.get(f"{key}_as_shown")
        values[metric] = _truth_value(metric, key, raw, units.get(key), as_shown)
    club_raw = raw_values.get(CLUB, data.get(CLUB))
    if club_raw is not None and not isinstance(club_raw, str):
        raise TruthFileError('"club" must be the club name as shown, or null.')
    return Truth(
        values=values,
        club_text=(club_raw.strip() or None) if club_raw is not None else None,
        unsure=_unsure_fields(data.get("uncertain")),
    )


def _truth_value(metric: str, key: str, raw: Any, unit: Any, as_shown: Any) -> TruthValue:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise TruthFileError(f"{key} must be a number, not {raw!r}.")
    if isinstance(raw, str):
        shown, decimals = _parse_signed_text(key, raw)
    else:
        shown = float(raw)
        decimals = _decimals_of(raw)
    if isinstance(as_shown, str) and (match := _FIRST_NUMBER.search(as_shown)):
        # "5.1°R" says how many digits the screen printed better than a JSON number can.
        decimals = len(match[1] or "")
    if not math.isfinite(shown):
        raise TruthFileError(f"{key} must be a finite number.")
    unit_text = "" if unit is None else str(unit)
    # "deg, R=+" documents the sign convention after the unit.
    unit_text = unit_text.split(",")[0].strip()
    try:
        factor = to_canonical(metric, 1.0, unit_text or None)
    except UnknownUnitError:
        raise TruthFileError(f"{key} cannot be in the unit {unit!r}.") from None
    return TruthValue(metric, shown, decimals, unit_text, factor)


def _parse_signed_text(key: str, text: str) -> tuple[float, int]:
    """``"3.0°L"`` -> (-3.0, 1); ``"R 1.8"`` -> (1.8, 1): a value written as the screen shows it."""
    match = _SIGNED_TEXT.match(text)
    if not match or (match["before"] and match["after"]):
        raise TruthFileError(f"{key} must be a number, not {text!r}.")
    number = float(match["number"])
    side = (match["before"] or match["after"] or "").upper()
    if side == "L":
        number = -abs(number)
    return number, len(match["decimals"] or "")


def _decimals_of(number: int | float | Decimal) -> int:
    if isinstance(number, Decimal):
        exponent = number.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0
    if isinstance(number, float):
        text = repr(number)
        return len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0


def _unsure_fields(raw: Any) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise TruthFileError('"uncertain" must be a list of field names.')
    names = set()
    for key in raw:
        if not isinstance(key, str):
            raise TruthFileError('"uncertain" must be a list of field names.')
        names.add(CLUB if key == CLUB else metric_for_truth_key(key) or key)
    return frozenset(names)


def find_truth_images(folder: Path) -> tuple[list[Path], list[Path]]:
    """(images with a truth file beside them, truth files without their image), sorted."""
    if not folder.is_dir():
        raise TruthFileError(f"{folder} is not a folder.")
    images = sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and truth_path_for(path).is_file()
    )
    with_image = {truth_path_for(path) for path in images}
    orphans = sorted(path for path in folder.glob(f"*{TRUTH_SUFFIX}") if path not in with_image)
    return images, orphans


# --- scoring --------------------------------------------------------------------------

RIGHT = "right"
WRONG = "wrong"  # a different value (a units error is one kind)
MISSED = "missed"  # shown but not read
INVENTED = "invented"  # read, but the screen does not show it
ABSENT = "absent"  # club only: none shown and none read, as it should be
UNJUDGED = "unjudged"  # club only: the truth's club name maps to no club we know


@dataclass(frozen=True)
class FieldResult:
    image: str
    field: str  # a metric name or "club"
    outcome: str
    expected: str  # as the truth shows it ("97 m", "8 Iron", "" when not shown)
    got: str  # what the analyser stored, in the truth's unit where there is one
    uncertain: str = ""  # the analyser's reason when it flagged the field, else ""
    units_error: str = ""  # the unit the value looks taken in, when it is a units error
    confidence: float | None = None

    @property
    def false_accept(self) -> bool:
        return self.outcome in (WRONG, INVENTED) and not self.uncertain

    def as_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "field": self.field,
            "outcome": self.outcome,
            "expected": self.expected,
            "got": self.got,
            "uncertain": self.uncertain,
            "units_error": self.units_error,
            "false_accept": self.false_accept,
            "confidence": self.confidence,
        }


def score_output(image: str, truth: Truth, output: AnalysisOutput | None) -> list[FieldResult]:
    """Judge every metric and the club of one analysed image (``None``: the analysis failed)."""
    values = output.values if output else {}
    uncertain = output.uncertain if output else {}
    confidence = output.confidence if output else {}
    results = []
    for metric in METRIC_NAMES:
        if metric in truth.unsure:
            continue
        expected = truth.values.get(metric)
        got = values.get(metric)
        if expected is None and got is None:
            continue
        outcome, got_text, units_error = _judge_value(metric, expected, got)
        results.append(
            FieldResult(
                image=image,
                field=metric,
                outcome=outcome,
                expected=expected.text() if expected else "",
                got=got_text,
                uncertain=uncertain.get(metric, ""),
                units_error=units_error,
                confidence=confidence.get(metric),
            )
        )
    if CLUB not in truth.unsure:
        results.append(_judge_club(image, truth, output))
    return results


def _judge_value(
    metric: str, expected: TruthValue | None, got: float | None
) -> tuple[str, str, str]:
    """(outcome, the stored value as text, units-error unit or "")."""
    if got is None:
        return MISSED, "", ""
    if expected is None:
        return INVENTED, f"{got:g} (canonical)", ""
    in_shown_unit = got / expected.factor
    got_text = f"{in_shown_unit:.{expected.decimals + 1}f} {expected.unit}".strip()
    if abs(in_shown_unit - expected.shown) <= expected.tolerance:
        return RIGHT, got_text, ""
    return WRONG, got_text, _unit_it_was_taken_in(metric, expected, got)


def _unit_it_was_taken_in(metric: str, expected: TruthValue, got: float) -> str:
    """The other unit in which ``got`` is exactly the number shown, if there is one."""
    seen_factors: set[float] = set()
    for unit, factor in FACTORS[METRICS_BY_NAME[metric].quantity].items():
        if math.isclose(factor, expected.factor, rel_tol=1e-9) or factor in seen_factors:
            continue
        seen_factors.add(factor)
        if abs(got / factor - expected.shown) <= expected.tolerance:
            return unit
    return ""


def _judge_club(image: str, truth: Truth, output: AnalysisOutput | None) -> FieldResult:
    got = output.club if output else None
    reason = output.uncertain.get(CLUB, "") if output else ""
    confidence = output.confidence.get(CLUB) if output else None
    if truth.club_text is None:
        outcome = ABSENT if got is None else INVENTED
    else:
        expected = club_from_text(truth.club_text, is_club_caption=True)
        if expected is None:
            outcome = UNJUDGED
        elif got is None:
            outcome = MISSED
        else:
            outcome = RIGHT if got == expected else WRONG
    return FieldResult(
        image=image,
        field=CLUB,
        outcome=outcome,
        expected=truth.club_text or "",
        got=got or "",
        uncertain=reason,
        confidence=confidence,
    )


# --- running a folder -----------------------------------------------------------------


@dataclass
class ImageRun:
    name: str
    fields: list[FieldResult]
    wall_seconds: float | None  # the analyser's call alone; None when it never ran
    cpu_seconds: float | None  # CPU of the whole process (every thread) during that call
    shrink_seconds: float | None
    analysed_size: tuple[int, int] | None  # pixels the analyser was given
    error: str = ""

    def metric_fields(self) -> list[FieldResult]:
        return [result for result in self.fields if result.field != CLUB]

    def counts(self) -> dict[str, Any]:
        metrics = self.metric_fields()
        club = next((result.outcome for result in self.fields if result.field == CLUB), None)
        return {
            "metric_fields_shown": sum(result.outcome != INVENTED for result in metrics),
            "metric_fields_right": sum(result.outcome == RIGHT for result in metrics),
            "club": club,
            "false_accepts": sum(result.false_accept for result in self.fields),
            "units_errors": sum(bool(result.units_error) for result in self.fields),
            "flagged_uncertain": sum(bool(result.uncertain) for result in self.fields),
        }


@dataclass
class Report:
    folder: str
    analyser: str
    model: str
    shrunk: bool
    images: list[ImageRun]
    orphan_truth_files: list[str] = field(default_factory=list)

    @property
    def fields(self) -> list[FieldResult]:
        return [result for image in self.images for result in image.fields]

    def metric_fields(self) -> list[FieldResult]:
        return [result for result in self.fields if result.field != CLUB]

    def shown_metric_fields(self) -> list[FieldResult]:
        return [result for result in self.metric_fields() if result.outcome != INVENTED]

    def metric_accuracy(self) -> float | None:
        shown = self.shown_metric_fields()
        if not shown:
            return None
        return sum(result.outcome == RIGHT for result in shown) / len(shown)

    def units_errors(self) -> list[FieldResult]:
        return [result for result in self.fields if result.units_error]

    def false_accepts(self) -> list[FieldResult]:
        return [result for result in self.fields if result.false_accept]

    def flagged(self) -> list[FieldResult]:
        return [result for result in self.fields if result.uncertain]

    def clubs_shown(self) -> list[FieldResult]:
        return [
            result
            for result in self.fields
            if result.field == CLUB and result.outcome in (RIGHT, WRONG, MISSED)
        ]


def run_report(
    folder: Path,
    analyser: Analyser,
    *,
    shrink: bool = True,
    warm_up: Callable[[], None] | None = None,
) -> Report:
    """Analyse every image in ``folder`` that has a truth file and score it.

    With ``shrink`` the image first goes through ``shrink_upload``, as an
    upload does: the pipeline only ever analyses the shrunk JPEG. All truth
    files are read before the first (slow) analysis, so a bad one fails at
    once; ``warm_up`` runs after that and before the first image (loading a
    model there keeps its cost out of the time per image).
    """
    images, orphans = find_truth_images(folder)
    if not images:
        raise TruthFileError(
            f"{folder} has no image with a <image>{TRUTH_SUFFIX} beside it "
            f"(images: {', '.join(IMAGE_SUFFIXES)})."
        )
    truths = {path: load_truth(truth_path_for(path)) for path in images}
    if warm_up:
        warm_up()
    runs = []
    model = ""
    for path in images:
        run = _run_one(path, truths[path], analyser, shrink=shrink)
        model = model or run.model
        runs.append(run.image)
    return Report(
        folder=str(folder),
        analyser=analyser.name,
        model=model,
        shrunk=shrink,
        images=runs,
        orphan_truth_files=[path.name for path in orphans],
    )


@dataclass
class _OneRun:
    image: ImageRun
    model: str


def _run_one(path: Path, truth: Truth, analyser: Analyser, *, shrink: bool) -> _OneRun:
    content = path.read_bytes()
    shrink_seconds = None
    if shrink:
        started = time.perf_counter()
        try:
            content = shrink_upload(io.BytesIO(content)).content
        except ImageRejected as rejected:
            return _OneRun(_failed(path, truth, f"upload rejected: {rejected.message}"), "")
        shrink_seconds = time.perf_counter() - started
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    try:
        output: AnalysisOutput | None = analyser.analyse(content)
        error = ""
    except AnalyserError as failure:
        output, error = None, f"{type(failure).__name__}: {failure}"
    wall, cpu = time.perf_counter() - wall_started, time.process_time() - cpu_started
    image = ImageRun(
        name=path.name,
        fields=score_output(path.name, truth, output),
        wall_seconds=wall,
        cpu_seconds=cpu,
        shrink_seconds=shrink_seconds,
        analysed_size=_pixel_size(content),
        error=error,
    )
    model = (
        " / ".join(part for part in (output.model, output.prompt_version) if part) if output else ""
    )
    return _OneRun(image, model)


def _failed(path: Path, truth: Truth, error: str) -> ImageRun:
    return ImageRun(path.name, score_output(path.name, truth, None), None, None, None, None, error)


def _pixel_size(content: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(content)) as opened:
            return opened.size
    except Exception:  # the size is only informative; the analyser has judged the file
        return None


# --- summaries ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class FieldStats:
    shown: int = 0
    right: int = 0
    wrong: int = 0
    missed: int = 0
    units_errors: int = 0
    invented: int = 0
    false_accepts: int = 0
    flagged: int = 0

    def add(self, result: FieldResult) -> None:
        if result.outcome in (RIGHT, WRONG, MISSED):
            self.shown += 1
        self.right += result.outcome == RIGHT
        self.wrong += result.outcome == WRONG
        self.missed += result.outcome == MISSED
        self.invented += result.outcome == INVENTED
        self.units_errors += bool(result.units_error)
        self.false_accepts += result.false_accept
        self.flagged += bool(result.uncertain)

    @property
    def accuracy(self) -> float | None:
        return self.right / self.shown if self.shown else None


def stats_by_field(report: Report) -> dict[str, FieldStats]:
    stats: dict[str, FieldStats] = {}
    for name in (*METRIC_NAMES, CLUB):
        for result in report.fields:
            if result.field == name:
                stats.setdefault(name, FieldStats()).add(result)
    return stats


def totals(report: Report) -> dict[str, Any]:
    metrics = FieldStats()
    for result in report.metric_fields():
        metrics.add(result)
    clubs = [result for result in report.fields if result.field == CLUB]
    walls = [image.wall_seconds for image in report.images if image.wall_seconds is not None]
    cpus = [image.cpu_seconds for image in report.images if image.cpu_seconds is not None]
    shrinks = [image.shrink_seconds for image in report.images if image.shrink_seconds is not None]
    return {
        "images": len(report.images),
        "images_all_right": sum(
            not image.error and all(result.outcome in (RIGHT, ABSENT) for result in image.fields)
            for image in report.images
        ),
        "images_failed": sum(bool(image.error) for image in report.images),
        "metric_fields_shown": metrics.shown,
        "metric_fields_right": metrics.right,
        "metric_accuracy": metrics.accuracy,
        "metric_fields_wrong": metrics.wrong,
        "metric_fields_missed": metrics.missed,
        "metrics_invented": metrics.invented,
        "units_errors": len(report.units_errors()),
        "false_accepts": len(report.false_accepts()),
        "flagged_uncertain": len(report.flagged()),
        "flagged_but_right": sum(result.outcome == RIGHT for result in report.flagged()),
        "clubs_shown": len(report.clubs_shown()),
        "clubs_right": sum(result.outcome == RIGHT for result in clubs),
        "clubs_wrong": sum(result.outcome == WRONG for result in clubs),
        "clubs_missed": sum(result.outcome == MISSED for result in clubs),
        "clubs_not_shown": sum(result.outcome in (ABSENT, INVENTED) for result in clubs),
        "clubs_invented": sum(result.outcome == INVENTED for result in clubs),
        "clubs_unjudged": sum(result.outcome == UNJUDGED for result in clubs),
        "wall_seconds": {
            "p50": percentile(walls, 0.5),
            "p95": percentile(walls, 0.95),
            "total": sum(walls),
        },
        "cpu_seconds": {
            "p50": percentile(cpus, 0.5),
            "p95": percentile(cpus, 0.95),
            "total": sum(cpus),
        },
        "shrink_seconds": {"p50": percentile(shrinks, 0.5), "p95": percentile(shrinks, 0.95)},
    }


def report_as_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data (``--json``)."""
    return {
        "folder": report.folder,
        "analyser": report.analyser,
        "model": report.model,
        "shrunk_as_upload": report.shrunk,
        "totals": totals(report),
        "fields": {
            name: {**vars(stats), "accuracy": stats.accuracy}
            for name, stats in stats_by_field(report).items()
        },
        "images": [
            {
                "image": image.name,
                "error": image.error,
                **image.counts(),
                "wall_seconds": image.wall_seconds,
                "cpu_seconds": image.cpu_seconds,
                "shrink_seconds": image.shrink_seconds,
                "analysed_size": list(image.analysed_size) if image.analysed_size else None,
                "fields": [result.as_dict() for result in image.fields],
            }
            for image in report.images
        ],
        "orphan_truth_files": report.orphan_truth_files,
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def render_text(report: Report) -> str:
    """The report for a person: per field, per image, the failures by kind, time, totals."""
    summary = totals(report)
    lines = [
        f"Analyser accuracy: {report.analyser} ({report.model or 'model unknown'})",
        f"{len(report.images)} images with truth in {report.folder}, "
        + (
            "shrunk as an upload (shrink_upload)"
            if report.shrunk
            else "original files (--original)"
        ),
        "",
        "Per field (accuracy = read right / shown; flagged = in output.uncertain)",
        f"{'field':<17}{'shown':>6}{'right':>6}{'acc':>8}{'wrong':>6}{'missed':>7}"
        f"{'units':>6}{'invent':>7}{'f.acc':>6}{'flag':>5}",
    ]
    for name, stats in stats_by_field(report).items():
        lines.append(
            f"{name:<17}{stats.shown:>6}{stats.right:>6}{_percent(stats.accuracy):>8}"
            f"{stats.wrong:>6}{stats.missed:>7}{stats.units_errors:>6}{stats.invented:>7}"
            f"{stats.false_accepts:>6}{stats.flagged:>5}"
        )
    lines += [
        "",
        "Per image",
        f"{'image':<52}{'metrics':>9}{'club':>10}{'f.acc':>6}{'units':>6}{'flag':>5}"
        f"{'wall s':>8}{'cpu s':>7}",
    ]
    for image in report.images:
        counts = image.counts()
        fields_right = f"{counts['metric_fields_right']}/{counts['metric_fields_shown']}"
        lines.append(
            f"{_short(image.name, 51):<52}{fields_right:>9}"
            f"{counts['club'] or '—':>10}{counts['false_accepts']:>6}{counts['units_errors']:>6}"
            f"{counts['flagged_uncertain']:>5}"
            f"{_seconds(image.wall_seconds):>8}{_seconds(image.cpu_seconds):>7}"
        )
        if image.error:
            lines.append(f"    failed: {image.error}")
    lines += _listing(
        "Units errors (read right as a number, stored in the wrong unit)",
        report.units_errors(),
        lambda r: f"shown {r.expected}, stored {r.got}: taken as {r.units_error}",
    )
    lines += _listing(
        "False accepts (wrong or invented, not flagged uncertain)",
        report.false_accepts(),
        lambda r: (
            f"stored {r.got or '—'} but the screen does not show it"
            if r.outcome == INVENTED
            else f"shown {r.expected}, stored {r.got}"
        ),
    )
    lines += _listing(
        "Flagged uncertain",
        report.flagged(),
        lambda r: f"{r.outcome}: shown {r.expected or '—'}, read {r.got or '—'} ({r.uncertain})",
    )
    lines += _listing(
        "Other misreads (missed, or wrong but flagged)",
        [
            r
            for r in report.fields
            if r.outcome in (WRONG, MISSED, INVENTED, UNJUDGED) and not r.false_accept
        ],
        lambda r: f"{r.outcome}: shown {r.expected or '—'}, read {r.got or '—'}",
    )
    wall, cpu, shrink = summary["wall_seconds"], summary["cpu_seconds"], summary["shrink_seconds"]
    lines += [
        "",
        "Time per image (the analyser's call; CPU counts every thread of this process)",
        f"  wall p50 {_seconds(wall['p50'])} s, p95 {_seconds(wall['p95'])} s; "
        f"CPU p50 {_seconds(cpu['p50'])} s, p95 {_seconds(cpu['p95'])} s"
        + (
            f"; shrink_upload p50 {_seconds(shrink['p50'])} s, p95 {_seconds(shrink['p95'])} s"
            if report.shrunk
            else ""
        ),
        "",
        "Totals",
        f"  metric fields right: {summary['metric_fields_right']}/{summary['metric_fields_shown']} "
        f"({_percent(summary['metric_accuracy'])}); wrong {summary['metric_fields_wrong']}, "
        f"missed {summary['metric_fields_missed']}, invented {summary['metrics_invented']}",
        f"  units errors: {summary['units_errors']}; false accepts: {summary['false_accepts']}; "
        f"flagged uncertain: {summary['flagged_uncertain']} "
        f"({summary['flagged_but_right']} of them right)",
        f"  clubs shown: {summary['clubs_shown']}, read right {summary['clubs_right']}, "
        f"wrong {summary['clubs_wrong']}, missed {summary['clubs_missed']}; "
        f"not shown: {summary['clubs_not_shown']}, invented {summary['clubs_invented']}"
        + (f"; unjudged {summary['clubs_unjudged']}" if summary["clubs_unjudged"] else ""),
        f"  images entirely right: {summary['images_all_right']}/{summary['images']}"
        + (f"; failed: {summary['images_failed']}" if summary["images_failed"] else ""),
    ]
    if report.orphan_truth_files:
        lines.append(f"  truth files without their image: {', '.join(report.orphan_truth_files)}")
    return "\n".join(lines) + "\n"


def _listing(
    title: str, results: list[FieldResult], describe: Callable[[FieldResult], str]
) -> list[str]:
    lines = ["", f"{title}: {len(results)}"]
    lines += [f"  {result.image} {result.field}: {describe(result)}" for result in results]
    return lines


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]
