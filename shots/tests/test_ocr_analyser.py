"""The OCR analyser end to end: generated phone photos of launch-monitor screens.

Each photo goes through the upload's own shrinking (``shrink_upload``) and
then the real RapidOCR model, so this measures what a golfer gets. Run with
``-s`` to see the per-field accuracy table.
"""

from __future__ import annotations

import io
import itertools
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings
from PIL import ExifTags, Image, ImageOps

from shots.analysis.base import AnalysisOutput, PermanentAnalyserError
from shots.analysis.ocr import OcrAnalyser, ocr_engine
from shots.images import shrink_upload
from shots.metrics import METRIC_NAMES
from shots.tests.screens import (
    CLUBS,
    LAYOUTS,
    SIDE_STYLES,
    THEMES,
    UNIT_SYSTEMS,
    RenderedScreen,
    ScreenSpec,
    available_fonts,
    phone_photo,
    realistic_shot_values,
    render_screen,
    spec_for_case,
)
from shots.validation import check_values

# 16 photos walk through every layout × theme, every unit system, every font and
# every L/R style (spec_for_case cycles them); test_the_cases_cover_... checks it.
CASES = range(16)


@dataclass
class Case:
    spec: ScreenSpec
    screen: RenderedScreen
    photo: bytes
    output: AnalysisOutput
    seconds: float

    def misreads(self) -> list[str]:
        """Every field read wrong, invented, or missed, as a sentence for the failure message."""
        problems = []
        for metric in METRIC_NAMES:
            expected = self.screen.expected.get(metric)
            got = self.output.values.get(metric)
            if expected is None and got is not None:
                problems.append(f"{metric}: read {got} but the screen does not show it")
            elif expected is not None and (
                got is None or abs(got - expected) > self.screen.tolerance[metric]
            ):
                problems.append(
                    f"{metric}: read {got}, screen shows {self.screen.shown_text[metric]!r} = {expected:.3f}"
                )
        if self.output.club != self.screen.club:
            problems.append(f"club: read {self.output.club}, screen shows {self.screen.club}")
        return problems


def _run_case(index: int, analyser: OcrAnalyser) -> Case:
    spec = spec_for_case(index)
    screen = render_screen(spec)
    photo = phone_photo(screen.image, random.Random(index))
    shrunk = shrink_upload(io.BytesIO(photo))
    started = time.perf_counter()
    output = analyser.analyse(shrunk.content)
    return Case(spec, screen, photo, output, time.perf_counter() - started)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    analyser = OcrAnalyser()
    return [_run_case(index, analyser) for index in CASES]


def _accuracy_table(cases: list[Case]) -> str:
    shown: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for case in cases:
        wrong = {problem.split(":")[0] for problem in case.misreads()}
        for metric in [*case.screen.expected, "club"]:
            shown[metric] += 1
            correct[metric] += metric not in wrong
    lines = ["", f"{'field':<18}{'photos':>7}{'read right':>12}{'accuracy':>10}"]
    for metric in [*METRIC_NAMES, "club"]:
        if shown[metric]:
            lines.append(
                f"{metric:<18}{shown[metric]:>7}{correct[metric]:>12}{correct[metric] / shown[metric]:>10.0%}"
            )
    total_shown, total_correct = sum(shown.values()), sum(correct.values())
    lines.append(
        f"{'all fields':<18}{total_shown:>7}{total_correct:>12}{total_correct / total_shown:>10.1%}"
    )
    timings = sorted(case.seconds for case in cases)
    lines.append(
        f"OCR + parse per photo: median {timings[len(timings) // 2]:.2f} s, max {timings[-1]:.2f} s"
    )
    return "\n".join(lines)


def test_the_ocr_analyser_reads_every_field_of_every_photo(cases):
    print(_accuracy_table(cases))
    failures = {
        f"case {index} ({case.spec.layout}, {case.spec.theme}, {case.spec.units}, {case.spec.font})": problems
        for index, case in zip(CASES, cases, strict=True)
        if (problems := case.misreads())
    }
    assert not failures, failures


def test_no_field_read_right_is_left_uncertain(cases):
    # Every unit on these screens is printed and legible: none may be flagged for review.
    uncertain = {index: case.output.uncertain for index, case in zip(CASES, cases, strict=True)}
    assert all(not fields for fields in uncertain.values()), uncertain


def test_every_field_read_has_a_confidence(cases):
    for case in cases:
        read = {name for name, value in case.output.values.items() if value is not None}
        assert read == set(case.output.confidence) - {"club"}


def test_the_cases_cover_every_layout_theme_font_unit_system_and_side_style():
    specs = [spec_for_case(index) for index in CASES]
    assert {(spec.layout, spec.theme) for spec in specs} == set(itertools.product(LAYOUTS, THEMES))
    assert {spec.units for spec in specs} == set(UNIT_SYSTEMS)
    assert {spec.font for spec in specs} == set(available_fonts())
    assert {spec.side_style for spec in specs} == set(SIDE_STYLES)


def test_the_photos_are_12_megapixel_jpegs_some_turned_by_exif(cases):
    orientations = set()
    for case in cases:
        with Image.open(io.BytesIO(case.photo)) as photo:
            assert photo.format == "JPEG"
            orientation = photo.getexif().get(ExifTags.Base.Orientation)
            orientations.add(orientation)
            assert sorted(photo.size) == [3024, 4032]
            assert ImageOps.exif_transpose(photo).size == (4032, 3024)
    assert orientations == {1, 6}


def test_every_screen_shows_values_that_pass_validation(cases):
    for case in cases:
        assert check_values(case.screen.expected, club=case.screen.club).ok, case.spec


@pytest.mark.parametrize("club", CLUBS)
def test_realistic_values_pass_validation_for_every_club(club):
    rng = random.Random(club)
    for _ in range(50):
        result = check_values(realistic_shot_values(rng, club), club=club)
        assert result.ok, (result.rejected, result.warnings)


def test_the_same_seed_gives_the_same_photo():
    screen = render_screen(spec_for_case(3)).image
    assert phone_photo(screen, random.Random(7), megapixels=2) == phone_photo(
        screen, random.Random(7), megapixels=2
    )


def test_an_unreadable_image_is_a_permanent_error():
    with pytest.raises(PermanentAnalyserError):
        OcrAnalyser().analyse(b"this is not a photo")


def test_a_photo_without_a_screen_reads_nothing():
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), "#334433").save(blank, "JPEG")
    output = OcrAnalyser().analyse(blank.getvalue())
    assert output.values == dict.fromkeys(METRIC_NAMES)
    assert output.club is None
    assert output.raw["boxes"] == []
    assert output.model.startswith("rapidocr-onnxruntime")
    assert output.prompt_version.startswith("screen-parser")


def test_the_model_is_loaded_once_per_process():
    assert ocr_engine() is ocr_engine()


def test_importing_the_analyser_does_not_load_the_model():
    # The web process imports the analysers but must not pay for the model.
    code = (
        "import sys, django; django.setup(); import shots.analysis.ocr; "
        "print(any(name.startswith(('rapidocr', 'onnxruntime')) for name in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "golfshots.settings", "PATH": "/usr/bin:/bin"},
    )
    assert completed.stdout.strip() == "False"
