"""The OCR analyser on real launch-monitor screenshots: issue 14's "done when".

The screens and their truth files are third-party (``../shared/reference/
screens``, see ``real-data.md``) and are read in place, never copied; the
test skips when the folder is not beside the checkout. Scoring is
``analyser_report``'s own (``shots.analysis.accuracy``), on the shrunk JPEG an
upload would store. Run with ``-s`` to see the whole report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shots.analysis.accuracy import RIGHT, Report, render_text, run_report
from shots.analysis.ocr import OcrAnalyser

REAL_SCREENS = Path(settings.BASE_DIR).parent / "shared" / "reference" / "screens"
REQUIRED_ACCURACY = 0.95


@pytest.fixture(scope="module")
def report() -> Report:
    if not REAL_SCREENS.is_dir():
        pytest.skip(f"no real screenshots at {REAL_SCREENS} (third-party, kept outside the repo)")
    report = run_report(REAL_SCREENS, OcrAnalyser())
    print("\n" + render_text(report))
    return report


def test_at_least_95_percent_of_the_shown_metrics_are_read_right(report):
    accuracy = report.metric_accuracy()
    misread = [
        f"{r.image} {r.field}: shown {r.expected}, read {r.got or 'nothing'}"
        for r in report.shown_metric_fields()
        if r.outcome != RIGHT
    ]
    assert accuracy is not None
    assert accuracy >= REQUIRED_ACCURACY, misread


def test_every_value_shown_in_metres_is_stored_converted(report):
    assert [
        f"{r.image} {r.field}: shown {r.expected}, stored {r.got} (taken as {r.units_error})"
        for r in report.units_errors()
    ] == []


def test_every_club_shown_is_read(report):
    assert [
        f"{r.image}: shows {r.expected!r}, read {r.got or 'nothing'}"
        for r in report.clubs_shown()
        if r.outcome != RIGHT
    ] == []


def test_nothing_wrong_or_invented_is_stored_as_measured(report):
    assert [
        f"{r.image} {r.field}: {r.outcome}, shown {r.expected or 'nothing'}, stored {r.got}"
        for r in report.false_accepts()
    ] == []
