"""The OpenAI analyser on real launch-monitor screens, and on screens drawn here.

For each screen with a truth file the fake server answers, for that very
image, what a model reading it right would say: the truth's values as shown
with the truth's units. The analyser must then store exactly the truth in
canonical units (97 m of carry is 106.08 yd), with the units seen, and doubt
nothing the truth is sure of. The real screens are third-party files read
where they lie (shared/reference/screens/); the drawn ones, with truth in the
same format, always run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.tests.factories import UserFactory
from shots import services
from shots.analysis.base import AnalysisOutput
from shots.analysis.openai_analyser import PROMPT_VERSION, OpenAIAnalyser
from shots.images import shrink_upload
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME, Quantity
from shots.models import AnalysisOutcome, ShotStatus
from shots.tests import fake_openai as fake
from shots.validation import check_values

SCREENS = Path(settings.BASE_DIR).parent / "shared" / "reference" / "screens"
RAPSODO = "springbok__MLM2PRO-GSPro-Connector__specify_rois.png"

# Canonical units per unit shown, written out here rather than taken from
# shots.analysis.units, so a wrong factor there cannot agree with itself.
CANONICAL_PER_UNIT: dict[Quantity, dict[str | None, float]] = {
    Quantity.SPEED: {"mph": 1.0, "km/h": 0.621371, "m/s": 2.236936},
    Quantity.DISTANCE: {"yds": 1.0, "m": 1.09361},
    Quantity.HEIGHT: {"ft": 1.0, "m": 3.28084},
    Quantity.SPIN: {"rpm": 1.0, None: 1.0},
    Quantity.ANGLE: {"°": 1.0, None: 1.0},
    Quantity.RATIO: {None: 1.0},
    Quantity.TIME: {"s": 1.0, None: 1.0},
}
CLUBS_AS_STORED = {None: None, "Driver": "driver", "7 Iron": "7i", "PW": "pw"}


def canonical(name: str, value: float, unit: str | None) -> float:
    return value * CANONICAL_PER_UNIT[METRICS_BY_NAME[name].quantity][unit]


def the_truth(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def real_screens() -> list[Any]:
    if not SCREENS.is_dir():
        reason = f"{SCREENS} is absent: the real screens are not on this machine"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-real-screens")]
    return [
        pytest.param(path, id=path.name.removesuffix(".truth.json"))
        for path in sorted(SCREENS.glob("*.truth.json"))
    ]


# --- Screens drawn here, with truth in the reference's format ----------------------

DRAWN_SCREENS: dict[str, dict[str, Any]] = {
    "metric-driver": {
        "vendor": "Garmin",
        "values": {
            "ball_speed": 240.0,
            "club_speed": 45.0,
            "smash": 1.48,
            "launch_angle": 12.4,
            "spin_rate": 2650,
            "carry": 230.0,
            "total": 251.5,
            "apex": 31.0,
            "descent": 38.2,
            "club": "Driver",
        },
        "units": {
            "ball_speed": "km/h",
            "club_speed": "m/s",
            "smash": "",
            "launch_angle": "deg",
            "spin_rate": "rpm",
            "carry": "m",
            "total": "m",
            "apex": "m",
            "descent": "deg",
        },
        "uncertain": [],
    },
    "imperial-seven-iron": {
        "vendor": "Trackman",
        "values": {
            "ball_speed": 121.3,
            "carry": 152.0,
            "carry_side": -4.2,
            "carry_side_as_shown": "4.2 L",
            "spin_rate": 6800,
            "hang_time": 5.9,
            "distance_to_pin": 160.0,
            "club": "7 Iron",
        },
        "units": {
            "ball_speed": "mph",
            "carry": "yds",
            "carry_side": "yds, L=-",
            "spin_rate": "rpm",
            "hang_time": "s",
            "distance_to_pin": "yds",
        },
        "uncertain": [],
    },
    "smudged-wedge": {
        "vendor": "Rapsodo",
        "values": {"carry": 97, "total": 106, "ball_speed": 82, "smash": 1.26, "club": "PW"},
        "units": {"carry": "m", "total": "m", "ball_speed": "mph", "smash": ""},
        # A thumb over the carry tile: the model says it is unsure of it.
        "uncertain": ["carry"],
    },
}


def drawn_screen(truth: dict[str, Any]) -> bytes:
    """A dark screen with a tile per value, as the truth says it is shown."""
    image = Image.new("RGB", (960, 540), (12, 18, 30))
    draw = ImageDraw.Draw(image)
    metrics = [(key, value) for key, value in truth["values"].items() if key != "club"]
    for index, (key, value) in enumerate(metrics):
        left, top = 30 + (index % 4) * 230, 80 + (index // 4) * 150
        draw.rectangle((left, top, left + 210, top + 130), outline=(90, 110, 140), width=2)
        draw.text((left + 12, top + 10), key.replace("_", " ").upper(), fill="white")
        unit = truth["units"].get(key, "").split(",")[0]
        draw.text((left + 12, top + 60), f"{value} {unit}", fill=(120, 220, 255))
    draw.text((30, 30), f"{truth['vendor']}  {truth['values'].get('club') or ''}", fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- The check, the same for every screen ------------------------------------------


def analysed_as_the_truth_says(
    fake_openai: fake.FakeOpenAI, picture: bytes, truth: dict[str, Any]
) -> AnalysisOutput:
    """Analyse ``picture`` (shrunk as an upload is), the fake answering the truth for it."""
    jpeg = shrink_upload(SimpleUploadedFile("screen", picture)).content
    fake_openai.answer_image(jpeg, fake.good_answer(fake.truth_answer(truth)))

    output = OpenAIAnalyser().analyse(jpeg)

    readings = fake.truth_readings(truth)
    doubtful = {fake.TRUTH_NAMES.get(key, key) for key in truth.get("uncertain", [])}
    assert readings, "a truth with no metrics tests nothing"
    assert set(output.values) == set(METRIC_NAMES)
    measured = {name: value for name, value in output.values.items() if value is not None}
    # Doubted ones too: kept for the golfer to check, flagged by the pipeline.
    assert measured == pytest.approx(
        {name: canonical(name, value, unit) for name, (value, unit) in readings.items()},
        abs=0.005,
    )
    assert output.units_seen == {name: unit for name, (_, unit) in readings.items() if unit}
    assert set(output.uncertain) == doubtful
    assert output.club == CLUBS_AS_STORED[truth["values"].get("club")]
    assert set(output.confidence) == {*readings, *(["club"] if output.club else [])}
    assert output.prompt_version == PROMPT_VERSION
    assert output.estimated == set()
    # The checks every analyser's output goes through find nothing impossible.
    assert check_values(output.values, club=output.club or "driver").rejected == {}
    return output


@pytest.mark.parametrize("truth_path", real_screens())
def test_a_real_screen_read_right_is_stored_as_its_truth(fake_openai, truth_path):
    truth = the_truth(truth_path)
    picture = truth_path.with_name(truth_path.name.removesuffix(".truth.json")).read_bytes()

    analysed_as_the_truth_says(fake_openai, picture, truth)

    [request] = fake_openai.requests
    assert request.json()["response_format"]["json_schema"]["strict"] is True


@pytest.mark.parametrize("name", DRAWN_SCREENS)
def test_a_drawn_screen_read_right_is_stored_as_its_truth(fake_openai, name):
    truth = DRAWN_SCREENS[name]

    analysed_as_the_truth_says(fake_openai, drawn_screen(truth), truth)


def test_a_drawn_screen_keeps_its_doubt_and_the_rest(fake_openai):
    truth = DRAWN_SCREENS["smudged-wedge"]

    output = analysed_as_the_truth_says(fake_openai, drawn_screen(truth), truth)

    assert output.uncertain == {
        "carry": "read as 97 m, but that part of the photo was hard to read."
    }
    assert output.values["carry"] == pytest.approx(106.08, abs=0.005)  # for the golfer to check
    assert output.values["total"] == pytest.approx(115.92, abs=0.005)  # 106 m


def test_the_fake_answers_each_photo_with_its_own_truth(fake_openai):
    first, second = DRAWN_SCREENS["metric-driver"], DRAWN_SCREENS["imperial-seven-iron"]

    # In the opposite order to the replies being tied: the image decides.
    analysed_as_the_truth_says(fake_openai, drawn_screen(second), second)
    analysed_as_the_truth_says(fake_openai, drawn_screen(first), first)
    analysed_as_the_truth_says(fake_openai, drawn_screen(second), second)

    assert len(fake_openai.requests) == 3


def rapsodo_screen() -> tuple[bytes, dict[str, Any]]:
    truth_path = SCREENS / f"{RAPSODO}.truth.json"
    if not truth_path.is_file():
        pytest.skip(f"{truth_path} is absent: the real screens are not on this machine")
    return (SCREENS / RAPSODO).read_bytes(), the_truth(truth_path)


def test_a_real_screen_in_metres_is_stored_in_yards(fake_openai):
    picture, truth = rapsodo_screen()

    output = analysed_as_the_truth_says(fake_openai, picture, truth)

    assert output.values["carry"] == pytest.approx(106.08, abs=0.005)  # 97 m
    assert output.values["total"] == pytest.approx(115.92, abs=0.005)  # 106 m
    assert output.values["ball_speed"] == 82  # mph on the same screen
    assert output.values["smash_factor"] == 1.26
    assert output.values["descent_angle"] == 39.1
    assert output.values["launch_direction"] == -5.6
    assert output.units_seen["carry"] == "m"
    assert output.units_seen["ball_speed"] == "mph"
    assert output.club is None  # the screen shows none


@pytest.mark.django_db
def test_a_real_screen_through_the_pipeline_stores_yards_and_the_prompt_version(fake_openai):
    picture, truth = rapsodo_screen()
    photo = shrink_upload(SimpleUploadedFile(RAPSODO, picture))
    shot, _ = services.shot_create_from_photo(golfer=UserFactory(), photo=photo)
    fake_openai.answer_image(photo.content, fake.good_answer(fake.truth_answer(truth)))

    run = services.shot_analyze(shot_id=shot.pk)

    shot.refresh_from_db()
    assert shot.carry == pytest.approx(106.08, abs=0.005)
    assert shot.spin_rate == 5638
    # No club on the screen, so the golfer is asked; nothing was rejected.
    assert run.outcome == AnalysisOutcome.NEEDS_REVIEW
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert not shot.has_rejected_values
    analysis = shot.analyses.get()
    assert analysis.prompt_version == PROMPT_VERSION
    assert analysis.values["carry"] == pytest.approx(106.08, abs=0.005)
    assert analysis.raw_output["carry"] == {
        "value": 97,
        "unit": "m",
        "estimated": False,
        "confidence": fake.CONFIDENT,
    }
