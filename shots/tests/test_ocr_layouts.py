"""The OCR analyser on look-alikes of real app screens whose quirks broke it.

Each screen (``shots.tests.screens``: Rapsodo's turned units and a
connector's overlay, FS Golf mirrored small beside a terminal, a km/h and
metres tile layout, Trackman's wedge practice) goes through the upload's
shrinking and the real RapidOCR model, as a golfer's screenshot would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from shots.analysis.base import AnalysisOutput
from shots.analysis.ocr import OcrAnalyser
from shots.images import shrink_upload
from shots.metrics import METRIC_NAMES
from shots.tests.screens import (
    AppScreen,
    fs_golf_screen,
    metric_tiles_screen,
    rapsodo_screen,
    trackman_wedge_screen,
)


@dataclass
class Read:
    screen: AppScreen
    output: AnalysisOutput

    def wrong(self) -> dict[str, tuple[float | None, float | None]]:
        """metric -> (read, shown) for every metric read wrong, missed, invented or left uncertain."""
        problems = {}
        for metric in METRIC_NAMES:
            shown = self.screen.expected.get(metric)
            got = self.output.values.get(metric)
            if shown is None and got is None:
                continue
            if (
                shown is None
                or got is None
                or abs(got - shown) > self.screen.tolerance[metric]
                or metric in self.output.uncertain
            ):
                problems[metric] = (got, shown)
        return problems


def _read(screen: AppScreen) -> Read:
    shrunk = shrink_upload(io.BytesIO(screen.jpeg()))
    return Read(screen, OcrAnalyser().analyse(shrunk.content))


@pytest.fixture(scope="module")
def rapsodo() -> Read:
    return _read(rapsodo_screen())


@pytest.fixture(scope="module")
def fs_golf() -> Read:
    return _read(fs_golf_screen())


@pytest.fixture(scope="module")
def metric_tiles() -> Read:
    return _read(metric_tiles_screen())


@pytest.fixture(scope="module")
def trackman() -> Read:
    return _read(trackman_wedge_screen())


def test_it_reads_a_unit_printed_vertically_beside_the_number(rapsodo):
    assert rapsodo.output.units_seen["carry"] == "METERS"
    assert rapsodo.output.units_seen["total"] == "METERS"
    assert rapsodo.output.units_seen["ball_speed"] == "MPH"
    assert rapsodo.output.values["carry"] == pytest.approx(97 * 1.09361, abs=0.01)
    assert any(box.get("rotated") for box in rapsodo.output.raw["boxes"])


def test_it_reads_every_tile_of_a_screen_mixing_metres_and_mph(rapsodo):
    assert rapsodo.wrong() == {}
    assert rapsodo.output.club is None


def test_a_label_drawn_by_an_overlay_tool_is_not_the_screens(rapsodo):
    # The connector's blue "Ball Speed" caption sits in the club speed tile.
    assert rapsodo.output.values["ball_speed"] == 82.0
    assert rapsodo.output.values["club_speed"] == 65.0
    assert "Ball Speed" in rapsodo.output.raw["overlay_labels"]


def test_it_reads_a_small_mirrored_app_beside_a_terminal(fs_golf):
    assert fs_golf.wrong() == {}


def test_it_reads_8_iron_and_not_the_approach_mode_beside_it(fs_golf):
    assert fs_golf.output.club == "8i"
    assert "club" not in fs_golf.output.uncertain


def test_it_keeps_the_units_printed_under_the_numbers_of_a_metric_tile_layout(metric_tiles):
    assert metric_tiles.output.units_seen["carry"] == "m"
    assert metric_tiles.output.units_seen["ball_speed"] == "km/h"
    assert metric_tiles.wrong() == {}


def test_it_reads_the_club_from_a_header_pill(metric_tiles):
    assert metric_tiles.output.club == "7i"


def test_practice_tiles_give_no_metric_and_carry_is_read(trackman):
    assert trackman.wrong() == {}
    assert trackman.output.club is None


def test_every_metric_read_has_a_confidence(rapsodo, fs_golf, metric_tiles, trackman):
    for read in (rapsodo, fs_golf, metric_tiles, trackman):
        shown = {name for name, value in read.output.values.items() if value is not None}
        assert shown == set(read.output.confidence) - {"club"}
        assert all(0 <= score <= 1 for score in read.output.confidence.values())
