"""The OpenAI analyser through the real ``openai`` SDK against a local fake server."""

from __future__ import annotations

import base64
import io
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import httpx2
import pytest
from PIL import Image

from shots.analysis.base import PermanentAnalyserError, TransientAnalyserError
from shots.analysis.labels import club_from_text
from shots.analysis.openai_analyser import (
    PROMPT_VERSION,
    OpenAIAnalyser,
    retry_after_seconds,
)
from shots.analysis.units import UnknownUnitError, normalise_unit_text, to_canonical
from shots.metrics import METRIC_NAMES
from shots.tests import fake_openai as fake


@pytest.fixture(scope="module")
def screen_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), "navy").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


METRIC_SCREEN = fake.screen_answer(
    {
        "ball_speed": (240.0, "km/h"),
        "club_speed": (45.0, "m/s"),
        "smash_factor": (1.48, None),
        "launch_angle": (12.4, "°"),
        "launch_direction": (-2.1, "°"),
        "spin_rate": (2650, "rpm"),
        "spin_axis": (3.5, "deg"),
        "carry": (230.0, "m"),
        "total": (251.5, "m"),
        "carry_side": (-12.0, "m"),
        "apex": (31.0, "m"),
        "hang_time": (6.8, "s"),
    },
    club="Driver",
    device="Garmin Approach R50",
    estimated=frozenset({"total"}),
)
METRIC_SCREEN_READ = {name for name in METRIC_NAMES if METRIC_SCREEN[name] is not None}


def test_it_reads_a_metric_screen_into_canonical_units(fake_openai, screen_jpeg):
    fake_openai.enqueue(
        fake.good_answer(
            METRIC_SCREEN, prompt_tokens=2000, completion_tokens=500, request_id="req_abc123"
        )
    )

    output = OpenAIAnalyser().analyse(screen_jpeg)

    assert output.values["ball_speed"] == pytest.approx(149.129, abs=0.001)  # 240 km/h
    assert output.values["club_speed"] == pytest.approx(100.662, abs=0.001)  # 45 m/s
    assert output.values["smash_factor"] == 1.48
    assert output.values["launch_angle"] == 12.4
    assert output.values["launch_direction"] == -2.1  # shown as 2.1 L
    assert output.values["spin_rate"] == 2650
    assert output.values["carry"] == pytest.approx(251.530, abs=0.001)  # 230 m
    assert output.values["total"] == pytest.approx(275.043, abs=0.001)
    assert output.values["carry_side"] == pytest.approx(-13.123, abs=0.001)  # 12 m L
    assert output.values["apex"] == pytest.approx(101.706, abs=0.001)  # 31 m in feet
    assert output.values["hang_time"] == 6.8
    assert output.values["face_angle"] is None
    assert set(output.values) == set(METRIC_NAMES)
    assert output.units_seen["carry"] == "m"
    assert output.units_seen["ball_speed"] == "km/h"
    assert "smash_factor" not in output.units_seen
    assert output.estimated == {"total"}
    assert output.uncertain == {}
    # The model's own confidence for every field it read, and nothing for the rest.
    assert output.confidence == dict.fromkeys({*METRIC_SCREEN_READ, "club"}, fake.CONFIDENT)
    assert output.club == "driver"
    assert output.device == "Garmin Approach R50"
    assert output.model == "gpt-4o-mini"
    assert output.prompt_version == PROMPT_VERSION
    assert output.request_id == "req_abc123"
    assert (output.tokens_in, output.tokens_out) == (2000, 500)
    # 2000 tokens at $0.15/M + 500 at $0.60/M
    assert output.cost == Decimal("0.0006")
    assert output.raw == METRIC_SCREEN


def test_it_reads_an_imperial_screen_as_it_is(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {"ball_speed": (121.3, "mph"), "carry": (152.0, "yds"), "carry_side": (4.2, "yds")},
        club="7 Iron",
    )
    fake_openai.enqueue(fake.good_answer(answer))

    output = OpenAIAnalyser().analyse(screen_jpeg)

    assert output.values["ball_speed"] == 121.3
    assert output.values["carry"] == 152.0
    assert output.values["carry_side"] == 4.2  # R
    assert output.club == "7i"


def test_it_sends_the_image_model_and_strict_schema(fake_openai, screen_jpeg, settings):
    settings.OPENAI_MODEL = "gpt-4o"
    fake_openai.enqueue(fake.good_answer(fake.screen_answer()))

    OpenAIAnalyser().analyse(screen_jpeg)

    [request] = fake_openai.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-not-a-real-key"
    sent = request.json()
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0]["role"] == "system"
    image_part = next(
        part for part in sent["messages"][1]["content"] if part["type"] == "image_url"
    )
    prefix = "data:image/jpeg;base64,"
    assert image_part["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(image_part["image_url"]["url"][len(prefix) :]) == screen_jpeg
    assert sent["max_completion_tokens"] > 0  # a bound on what a runaway answer costs
    response_format = sent["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert set(schema["properties"]) == {*METRIC_NAMES, "club", "device"}
    assert set(schema["required"]) == set(schema["properties"])
    assert schema["additionalProperties"] is False
    # Every metric and the club may be null ("not on the screen") but never left out.
    for name in (*METRIC_NAMES, "club"):
        assert {"type": "null"} in schema["properties"][name]["anyOf"]
    reading = schema["$defs"]["reading"]
    assert reading["required"] == ["value", "unit", "estimated", "confidence"]
    assert reading["properties"]["unit"]["type"] == ["string", "null"]
    assert schema["$defs"]["club"]["required"] == ["shown", "confidence"]
    # The rules the real API enforces on a strict schema (the fake answers 400 otherwise).
    assert fake.request_schema_problems(sent) == []


def test_it_passes_out_of_range_values_through_for_the_validator(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {"ball_speed": (1493.0, "mph"), "carry": (-20.0, "yds"), "spin_rate": (99999, "rpm")}
    )
    fake_openai.enqueue(fake.good_answer(answer))

    output = OpenAIAnalyser().analyse(screen_jpeg)

    assert output.values["ball_speed"] == 1493.0
    assert output.values["carry"] == -20.0
    assert output.values["spin_rate"] == 99999


def test_it_rejects_malformed_json_and_keeps_the_raw_text(fake_openai, screen_jpeg):
    broken = '{"ball_speed": {"value": 150.2, "unit": "mph"'
    fake_openai.enqueue(
        fake.completion(broken, prompt_tokens=1500, completion_tokens=40, request_id="req_broken")
    )

    with pytest.raises(PermanentAnalyserError, match="not JSON") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.raw == broken
    # The tokens were spent, so the audit row must still show them.
    assert caught.value.request_id == "req_broken"
    assert (caught.value.tokens_in, caught.value.tokens_out) == (1500, 40)
    assert caught.value.cost == Decimal("0.000249")
    assert caught.value.model == "gpt-4o-mini"
    assert caught.value.prompt_version == PROMPT_VERSION


def test_it_rejects_an_answer_that_does_not_match_the_schema(fake_openai, screen_jpeg):
    answer = fake.screen_answer()
    answer["carry"] = {"value": "152 yds", "unit": None, "estimated": False, "confidence": 0.9}
    fake_openai.enqueue(fake.good_answer(answer))

    with pytest.raises(PermanentAnalyserError, match="carry value") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert json.loads(caught.value.raw) == answer


def test_it_treats_a_refusal_as_permanent(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.refusal("I can't read this image.", request_id="req_refused"))

    with pytest.raises(PermanentAnalyserError, match="I can't read this image") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.raw == {"refusal": "I can't read this image."}
    assert caught.value.request_id == "req_refused"
    assert caught.value.tokens_in == 1200


def test_it_treats_a_truncated_answer_as_permanent(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.completion('{"ball_speed": {"val', finish_reason="length"))

    with pytest.raises(PermanentAnalyserError, match=r"stopped early \(length\)") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.raw == '{"ball_speed": {"val'
    assert caught.value.prompt_version == PROMPT_VERSION


def test_a_timeout_is_transient(fake_openai, screen_jpeg, settings):
    settings.OPENAI_TIMEOUT = 0.5
    fake_openai.enqueue(fake.slow(fake.good_answer(fake.screen_answer()), seconds=5))

    started = time.monotonic()
    with pytest.raises(TransientAnalyserError, match="did not answer") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert time.monotonic() - started < 3
    assert caught.value.retry_after is None
    assert len(fake_openai.requests) == 1


def test_a_rate_limit_is_transient_and_honours_retry_after(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.error(429, "Rate limit reached", headers={"Retry-After": "7"}))

    with pytest.raises(TransientAnalyserError) as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.retry_after == 7
    assert caught.value.request_id.startswith("req_")
    assert len(fake_openai.requests) == 1  # the SDK did not retry on its own


def test_an_exhausted_quota_is_permanent(fake_openai, screen_jpeg):
    fake_openai.enqueue(
        fake.error(429, "You exceeded your current quota", code="insufficient_quota")
    )

    with pytest.raises(PermanentAnalyserError, match="quota"):
        OpenAIAnalyser().analyse(screen_jpeg)


def test_a_server_error_is_transient(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.error(500, "The server had an error"))

    with pytest.raises(TransientAnalyserError, match="500") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.retry_after is None
    assert len(fake_openai.requests) == 1


def test_a_bad_key_fails_fast(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.error(401, "Incorrect API key provided", code="invalid_api_key"))

    started = time.monotonic()
    with pytest.raises(PermanentAnalyserError, match="401") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert time.monotonic() - started < 2
    assert len(fake_openai.requests) == 1
    assert caught.value.raw["code"] == "invalid_api_key"


@pytest.mark.parametrize("status", [400, 403, 404])
def test_other_client_errors_are_permanent(fake_openai, screen_jpeg, status):
    fake_openai.enqueue(fake.error(status, "Nope"))

    with pytest.raises(PermanentAnalyserError):
        OpenAIAnalyser().analyse(screen_jpeg)


def test_an_unreachable_server_is_transient(fake_openai, screen_jpeg, settings):
    # A closed port on loopback: nothing listens there.
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"

    with pytest.raises(TransientAnalyserError, match="Could not reach OpenAI"):
        OpenAIAnalyser().analyse(screen_jpeg)


def test_the_guard_stops_calls_to_the_real_api(no_internet, settings, screen_jpeg):
    settings.OPENAI_API_KEY = "sk-test-not-a-real-key"
    settings.OPENAI_BASE_URL = "https://api.openai.com/v1"

    with pytest.raises(TransientAnalyserError):
        OpenAIAnalyser().analyse(screen_jpeg)

    assert no_internet == ["lookup api.openai.com"]


def test_a_missing_key_is_permanent_without_a_request(no_internet, settings, screen_jpeg):
    settings.OPENAI_API_KEY = ""

    with pytest.raises(PermanentAnalyserError, match="OPENAI_API_KEY"):
        OpenAIAnalyser().analyse(screen_jpeg)

    assert no_internet == []


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "7"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_it_reads_retry_after_in_seconds(headers, seconds):
    assert retry_after_seconds(httpx2.Headers(headers)) == seconds


def test_it_reads_retry_after_as_an_http_date():
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(httpx2.Headers({"retry-after": later})) == pytest.approx(30, abs=2)
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(httpx2.Headers({"retry-after": earlier})) == 0


@pytest.mark.parametrize(
    ("text", "club"),
    [
        ("Driver", "driver"),
        ("Dr", "driver"),
        ("1W", "driver"),
        ("3 Wood", "3w"),
        ("5W", "5w"),
        ("4 Hybrid", "4h"),
        ("H3", "3h"),
        ("7 Iron", "7i"),
        ("7i", "7i"),
        ("I6", "6i"),
        ("9-iron", "9i"),
        ("PW", "pw"),
        ("Pitching Wedge", "pw"),
        ("AW", "gw"),
        ("Sand Wedge", "sw"),
        ("LW", "lw"),
        ("Putter", "putter"),
        ("52°", None),  # a loft: gap or sand wedge, so not guessed
        ("1 Iron", None),
        ("9 Wood", None),
        ("Club", None),
        ("", None),
    ],
)
def test_it_maps_club_text_conservatively(text, club):
    # The OpenAI analyser shares the OCR parser's club vocabulary.
    assert club_from_text(text) == club


# --- units -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "unit", "canonical"),
    [
        ("ball_speed", 100.0, "mph", 100.0),
        ("ball_speed", 100.0, "km/h", 62.1371),
        ("ball_speed", 100.0, " [Km / H] ", 62.1371),
        ("ball_speed", 100.0, "kph", 62.1371),
        ("club_speed", 40.0, "m/s", 89.4775),
        ("carry", 100.0, "m", 109.361),
        ("carry", 100.0, "(yds.)", 100.0),
        ("carry", 100.0, "Meters", 109.361),
        ("carry_side", -10.0, "m", -10.9361),
        ("carry_side", 30.0, "ft", 10.0),
        ("apex", 30.0, "m", 98.4252),
        ("apex", 30.0, "yds", 90.0),
        ("apex", 90.0, "ft", 90.0),
        ("spin_rate", 2500.0, "RPM", 2500.0),
        ("launch_angle", 12.0, "°", 12.0),
        ("launch_angle", 12.0, "º", 12.0),
        ("launch_angle", 12.0, "deg", 12.0),
        ("hang_time", 6.0, "sec", 6.0),
        ("smash_factor", 1.45, None, 1.45),
        ("carry", 150.0, None, 150.0),
        ("carry", 150.0, "  ", 150.0),
    ],
)
def test_units_convert_to_canonical(metric, value, unit, canonical):
    assert to_canonical(metric, value, unit) == pytest.approx(canonical, rel=1e-5)


@pytest.mark.parametrize(
    ("metric", "unit"),
    [
        ("carry", "mph"),
        ("ball_speed", "yds"),
        ("spin_rate", "km/h"),
        ("smash_factor", "mph"),
        ("carry", "furlongs"),
    ],
)
def test_units_reject_a_unit_the_metric_cannot_have(metric, unit):
    with pytest.raises(UnknownUnitError, match=repr(unit)):
        to_canonical(metric, 1.0, unit)


def test_units_reject_an_unknown_metric():
    with pytest.raises(UnknownUnitError, match="'speed' is not a metric"):
        to_canonical("speed", 1.0, "mph")


def test_units_normalise_the_text_seen():
    assert normalise_unit_text(" [Km / H] ") == "km/h"
    assert normalise_unit_text("(yds.)") == "yds"
    assert normalise_unit_text(None) == ""
