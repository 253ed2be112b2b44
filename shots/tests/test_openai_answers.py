"""What the OpenAI analyser makes of answers that are wrong, doubtful or broken.

Every answer goes through the real ``openai`` SDK and the fake server on
127.0.0.1. A field the analyser doubts is named in ``uncertain`` with a reason
(its value kept only when no unit had to be guessed for it); an answer it
cannot read at all is a PermanentAnalyserError that keeps the raw text and
what the call cost.
"""

from __future__ import annotations

import io
import json
from typing import Any

import openai
import pytest
from PIL import Image

from shots.analysis.base import AnalysisOutput, PermanentAnalyserError
from shots.analysis.openai_analyser import (
    MIN_CONFIDENCE,
    PROMPT_VERSION,
    SCHEMA_NAME,
    OpenAIAnalyser,
    answer_schema,
)
from shots.metrics import METRIC_NAMES
from shots.tests import fake_openai as fake
from shots.validation import check_values


@pytest.fixture(scope="module")
def screen_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), "darkgreen").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def analyse(fake_openai: fake.FakeOpenAI, image: bytes, answer: dict[str, Any]) -> AnalysisOutput:
    fake_openai.enqueue(fake.good_answer(answer))
    return OpenAIAnalyser().analyse(image)


def measured(output: AnalysisOutput) -> dict[str, float]:
    return {name: value for name, value in output.values.items() if value is not None}


# --- Doubt about one field: that field is uncertain, the rest is kept --------------


def test_a_unit_the_metric_cannot_have_makes_only_that_field_uncertain(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {"carry": (150.0, "mph"), "ball_speed": (120.0, "mph"), "spin_rate": (6500, "rpm")}
    )

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.uncertain == {"carry": "read as 150 mph, but carry is not measured in 'mph'."}
    assert measured(output) == {"ball_speed": 120.0, "spin_rate": 6500}
    assert "carry" not in output.units_seen
    assert output.raw["carry"]["unit"] == "mph"  # what was seen stays on the audit row


def test_unit_text_we_do_not_know_makes_that_field_uncertain(fake_openai, screen_jpeg):
    answer = fake.screen_answer({"carry": (7.5, "furlongs"), "apex": (30.0, "ft")})

    output = analyse(fake_openai, screen_jpeg, answer)

    assert set(output.uncertain) == {"carry"}
    assert "'furlongs'" in output.uncertain["carry"]
    assert measured(output) == {"apex": 30.0}
    assert output.units_seen == {"apex": "ft"}


@pytest.mark.parametrize(
    ("metric", "value", "could_be"),
    [
        ("carry", 97.0, "yards and metres"),
        ("total", 106.0, "yards and metres"),
        ("carry_side", -4.0, "yards and metres"),
        ("apex", 30.0, "feet and metres"),
        ("ball_speed", 150.0, "mph and km/h"),
    ],
)
def test_a_distance_or_speed_with_no_unit_shown_is_uncertain(
    fake_openai, screen_jpeg, metric, value, could_be
):
    output = analyse(fake_openai, screen_jpeg, fake.screen_answer({metric: (value, None)}))

    assert output.values[metric] is None
    assert output.uncertain == {
        metric: f"read as {value:g} with no unit shown, so {could_be} cannot be told apart."
    }


def test_metrics_with_only_one_unit_need_none_shown(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {
            "smash_factor": (1.48, None),
            "spin_rate": (2650, None),
            "launch_angle": (12.4, None),
            "hang_time": (6.1, None),
        }
    )

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.uncertain == {}
    assert measured(output) == {
        "smash_factor": 1.48,
        "spin_rate": 2650,
        "launch_angle": 12.4,
        "hang_time": 6.1,
    }
    assert output.units_seen == {}


def test_a_reading_the_model_is_unsure_of_is_kept_but_uncertain(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {
            "carry": (152.0, "yds", 0.45),
            "ball_speed": (121.3, "mph", MIN_CONFIDENCE),  # at the threshold: trusted
            "spin_rate": (6800, "rpm", MIN_CONFIDENCE - 0.01),
        }
    )

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.uncertain == {
        "carry": "read as 152 yds, but that part of the photo was hard to read.",
        "spin_rate": "read as 6800 rpm, but that part of the photo was hard to read.",
    }
    # Kept for the golfer to check against the photo: the pipeline flags each one and
    # counts none of them until then.
    assert measured(output) == {"carry": 152.0, "ball_speed": 121.3, "spin_rate": 6800}
    # The doubt is recorded too, for the accuracy report.
    assert output.confidence == {
        "carry": 0.45,
        "ball_speed": MIN_CONFIDENCE,
        "spin_rate": MIN_CONFIDENCE - 0.01,
    }


@pytest.mark.parametrize("confidence", [1.5, -0.2, 97])
def test_a_confidence_outside_zero_to_one_is_not_trusted(fake_openai, screen_jpeg, confidence):
    answer = fake.screen_answer({"carry": (152.0, "yds", confidence), "total": (160.0, "yds")})

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.uncertain == {
        "carry": "read as 152 yds, but the reading came without a usable confidence."
    }
    assert measured(output) == {"carry": 152.0, "total": 160.0}
    assert "carry" not in output.confidence


@pytest.mark.parametrize("shown", ["52°", "Club 3", "Wedge", "1 Iron", "🏌️"])
def test_a_club_we_cannot_map_is_uncertain(fake_openai, screen_jpeg, shown):
    answer = fake.screen_answer({"carry": (95.0, "yds")}, club=shown)

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.club is None
    assert output.uncertain == {"club": f"the club shown, {shown!r}, is not one we recognise."}
    assert measured(output) == {"carry": 95.0}


def test_a_club_read_with_low_confidence_is_uncertain(fake_openai, screen_jpeg):
    answer = fake.screen_answer({"carry": (160.0, "yds")}, club="7 Iron", club_confidence=0.3)

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.club is None
    assert output.uncertain == {"club": "the club looked like '7 Iron', but it was hard to read."}
    assert output.confidence["club"] == 0.3


@pytest.mark.parametrize("shown", [None, "", "   "])
def test_no_club_on_the_screen_is_no_doubt(fake_openai, screen_jpeg, shown):
    answer = fake.screen_answer({"carry": (160.0, "yds")}, club=shown)

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.club is None
    assert output.uncertain == {}  # the pipeline asks the golfer which club it was
    assert "club" not in output.confidence


def test_a_huge_number_is_left_for_the_validator_to_reject(fake_openai, screen_jpeg):
    # Finite, so valid JSON: the same hard ranges as OCR's readings then discard it.
    answer = fake.screen_answer({"carry": (1e300, "m"), "ball_speed": (1e12, "mph")})

    output = analyse(fake_openai, screen_jpeg, answer)

    checks = check_values(output.values, club="driver")
    assert set(checks.rejected) == {"carry", "ball_speed"}
    assert output.values["carry"] == pytest.approx(1.09361e300)


def test_an_estimated_value_is_marked_and_one_with_no_value_is_not(fake_openai, screen_jpeg):
    answer = fake.screen_answer(
        {"total": (251.5, "m"), "carry": (230.0, None)}, estimated=frozenset({"total", "carry"})
    )

    output = analyse(fake_openai, screen_jpeg, answer)

    assert output.estimated == {"total"}
    assert set(output.uncertain) == {"carry"}


# --- Answers that cannot be read at all --------------------------------------------


def reading(**changes: Any) -> dict[str, Any]:
    return {"value": 152.0, "unit": "yds", "estimated": False, "confidence": 0.9, **changes}


def with_metric(name: str, entry: Any) -> dict[str, Any]:
    return {**fake.screen_answer(), name: entry}


def without(key: str) -> dict[str, Any]:
    answer = fake.screen_answer()
    del answer[key]
    return answer


def reading_without(field: str) -> dict[str, Any]:
    entry = reading()
    del entry[field]
    return with_metric("carry", entry)


SCHEMA_VIOLATIONS = {
    "metric-missing": (without("spin_axis"), "the answer is missing spin_axis"),
    "device-missing": (without("device"), "the answer is missing device"),
    "unknown-field": ({**fake.screen_answer(), "carry_avg": None}, "unexpected carry_avg"),
    "confidence-missing": (reading_without("confidence"), "carry is missing confidence"),
    "unit-missing": (reading_without("unit"), "carry is missing unit"),
    "extra-reading-field": (with_metric("carry", reading(note="avg")), "carry has unexpected"),
    "value-as-text": (with_metric("carry", reading(value="152 yds")), "carry value '152 yds'"),
    "value-null": (with_metric("carry", reading(value=None)), "carry value None"),
    "value-as-boolean": (with_metric("carry", reading(value=True)), "carry value True"),
    "unit-as-number": (with_metric("carry", reading(unit=3)), "carry unit must be text"),
    "estimated-as-text": (
        with_metric("carry", reading(estimated="no")),
        "carry estimated must be true or false",
    ),
    "confidence-as-text": (
        with_metric("carry", reading(confidence="high")),
        "carry confidence 'high'",
    ),
    "metric-as-number": (with_metric("carry", 152.0), "carry must be an object or null"),
    "club-as-text": (with_metric("club", "Driver"), "club must be an object or null"),
    "club-shown-null": (
        with_metric("club", {"shown": None, "confidence": 0.9}),
        "club shown must be text",
    ),
    "device-as-number": (with_metric("device", 10), "device must be text or null"),
}


@pytest.mark.parametrize(
    ("answer", "complaint"), SCHEMA_VIOLATIONS.values(), ids=SCHEMA_VIOLATIONS.keys()
)
def test_an_answer_breaking_the_schema_is_unusable(fake_openai, screen_jpeg, answer, complaint):
    text = json.dumps(answer)
    fake_openai.enqueue(fake.completion(text, request_id="req_bad", completion_tokens=350))

    with pytest.raises(PermanentAnalyserError, match="unusable") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert complaint in str(caught.value)
    assert caught.value.raw == text
    assert caught.value.request_id == "req_bad"
    assert caught.value.tokens_out == 350  # paid for, so on the audit row
    assert caught.value.prompt_version == PROMPT_VERSION


@pytest.mark.parametrize(
    ("answer", "complaint"), SCHEMA_VIOLATIONS.values(), ids=SCHEMA_VIOLATIONS.keys()
)
def test_the_schema_itself_refuses_what_the_analyser_refuses(answer, complaint):
    # The analyser checks by hand (a compatible server may not enforce the schema);
    # this keeps its checks and the schema sent to OpenAI saying the same thing.
    jsonschema = pytest.importorskip("jsonschema")
    assert not jsonschema.Draft202012Validator(answer_schema()).is_valid(answer)


def test_the_schema_accepts_what_a_model_reading_right_sends():
    jsonschema = pytest.importorskip("jsonschema")
    answer = fake.screen_answer(
        {"carry": (97, "m"), "smash_factor": (1.26, None), "spin_rate": (5638, "rpm", 0.5)},
        club="PW",
        device="Rapsodo MLM2PRO",
    )
    jsonschema.Draft202012Validator(answer_schema()).validate(answer)
    jsonschema.Draft202012Validator(answer_schema()).validate(fake.screen_answer())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('{"carry": {"value": 150.2, "unit": "m"', "not JSON"),
        ("Carry 150 yds, ball speed 120 mph", "not JSON"),
        ("", "not JSON"),
        ("[]", "not a JSON object"),
        ('"carry"', "not a JSON object"),
    ],
    ids=["cut-off", "prose", "empty", "array", "string"],
)
def test_text_that_is_not_the_json_object_asked_for_is_unusable(
    fake_openai, screen_jpeg, text, complaint
):
    fake_openai.enqueue(fake.completion(text))

    with pytest.raises(PermanentAnalyserError, match=complaint) as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.raw == text


@pytest.mark.parametrize(
    ("number", "complaint"),
    [
        ("NaN", "NaN is not a number"),
        ("Infinity", "Infinity is not a number"),
        ("-Infinity", "-Infinity is not a number"),
        ("1e999", "carry value is too large"),
        ("9" * 400, "carry value is too large"),
    ],
)
def test_a_number_that_is_not_finite_is_unusable(fake_openai, screen_jpeg, number, complaint):
    # Not one a screen can show, and not one JSON (or the JSON column) can store.
    text = json.dumps(fake.screen_answer({"carry": (152.0, "yds")})).replace("152.0", number)
    fake_openai.enqueue(fake.completion(text))

    with pytest.raises(PermanentAnalyserError, match=complaint):
        OpenAIAnalyser().analyse(screen_jpeg)


def test_a_refusal_is_unusable_and_keeps_what_it_cost(fake_openai, screen_jpeg):
    fake_openai.enqueue(fake.refusal("I can't help with identifying people.", completion_tokens=12))

    with pytest.raises(PermanentAnalyserError, match="refused: I can't help") as caught:
        OpenAIAnalyser().analyse(screen_jpeg)

    assert caught.value.raw == {"refusal": "I can't help with identifying people."}
    assert (caught.value.tokens_in, caught.value.tokens_out) == (1200, 12)
    assert caught.value.prompt_version == PROMPT_VERSION


@pytest.mark.parametrize("finish_reason", ["length", "content_filter", "tool_calls"])
def test_an_answer_that_did_not_finish_is_unusable_even_if_it_parses(
    fake_openai, screen_jpeg, finish_reason
):
    # Even JSON that happens to parse is not trusted when the model did not finish.
    text = json.dumps(fake.screen_answer({"carry": (152.0, "yds")}))
    fake_openai.enqueue(fake.completion(text, finish_reason=finish_reason))

    with pytest.raises(PermanentAnalyserError, match=f"stopped early \\({finish_reason}\\)"):
        OpenAIAnalyser().analyse(screen_jpeg)


def test_an_answer_with_no_choices_is_unusable(fake_openai, screen_jpeg):
    reply = fake.completion("{}")
    reply.body["choices"] = []
    fake_openai.enqueue(reply)

    with pytest.raises(PermanentAnalyserError, match="no message"):
        OpenAIAnalyser().analyse(screen_jpeg)


# --- The fake holds the analyser to the strict-mode rules --------------------------


def test_the_fake_refuses_a_schema_strict_mode_would_refuse(fake_openai):
    # Straight through the SDK: the analyser itself only ever sends answer_schema().
    loose = {
        "type": "object",
        "properties": {
            "carry": {"type": "number", "minimum": 0},
            "club": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
        "required": ["carry"],
    }
    client = openai.OpenAI(
        api_key="sk-test-not-a-real-key", base_url=fake_openai.url, max_retries=0
    )

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Transcribe."}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": loose},
            },
        )

    message = caught.value.message
    assert "#: additionalProperties must be false" in message
    assert "#: required must list every property" in message
    assert "'minimum'" in message
    assert "#/club: additionalProperties must be false" in message


def test_the_schema_sent_keeps_to_the_strict_mode_rules():
    request = {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": answer_schema()},
        }
    }
    assert fake.request_schema_problems(request) == []
    assert set(answer_schema()["properties"]) == {*METRIC_NAMES, "club", "device"}
