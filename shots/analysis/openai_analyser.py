"""Reading a launch-monitor photo with an OpenAI vision model.

The model only transcribes: it copies each number with the unit text it
sees and says how sure it is, and this module converts units and maps the
club in code, where the rules are testable. Structured output (a strict JSON
schema, as OpenAI's structured-outputs guide recommends) keeps the answer
machine-readable; an answer that still breaks the schema, a refusal or a cut
off answer is a permanent error with the raw answer kept for the audit row.
What a schema cannot express is judged here, one field at a time: a unit
that does not fit the metric, a distance or speed with no unit, a low
confidence or an unknown club make that field *uncertain* (a reason for the
golfer's review; no value where one would need a guessed unit), never an
error for the whole answer and never a guess. Ranges are left to ``shots.validation.check_values``, which the
pipeline runs on every analyser's output. The SDK never retries by itself
(``max_retries=0``): the Celery task owns retrying, with backoff, so one
shot's attempts are all visible as ShotAnalysis rows.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import json
import math
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings

from shots.analysis.base import AnalysisOutput, PermanentAnalyserError, TransientAnalyserError
from shots.analysis.labels import club_from_text
from shots.analysis.units import UnknownUnitError, to_canonical
from shots.metrics import METRIC_NAMES, METRICS_BY_NAME, Quantity
from shots.models import Shot

if TYPE_CHECKING:
    import httpx2
    import openai

# Bump whenever the prompt or the answer schema changes: every ShotAnalysis row
# keeps it, so the accuracy report can compare one version's readings with another's.
PROMPT_VERSION = "2026-12-02.1"

SYSTEM_PROMPT = """\
You transcribe photos of golf launch-monitor screens (Trackman, GCQuad, Garmin, \
FlightScope, Rapsodo, SkyTrak, Bushnell and the like) for one shot.
- Copy every number exactly as shown. Do not convert units, round, correct or \
estimate, and do not calculate a value the screen does not show.
- For each value give the unit text shown beside it or in its header, as written \
(e.g. "mph", "km/h", "m/s", "yds", "m", "ft", "rpm", "°"), or null if none is shown. \
Never fill in a unit the screen does not show.
- Left/right: a value marked L is negative, R is positive; keep a minus sign as shown.
- estimated is true only when the screen marks that value as estimated.
- confidence, from 0 to 1, is how sure you are that the number, its sign and its \
unit are read right: 1 when sharp and unambiguous; below 0.7 when any digit, the \
decimal point, the sign, L/R or the unit is blurred, cut off, covered or guessed.
- club: the club name as shown (e.g. "Driver", "7 Iron", "PW") with its confidence; \
device: the launch monitor's name if shown.
- A value that is not shown, or not readable at all, is null. If several shots are \
shown, use the latest single shot, never an average, a total or a target.
"""

# Names the value goes by on screens (from the launch-monitor reference), so
# the model can match a label it sees to the right field.
SCREEN_LABELS: dict[str, str] = {
    "ball_speed": "Ball Speed, Ball, Speed",
    "club_speed": "Club Speed, Club, Club Head Speed",
    "smash_factor": "Smash Factor, Smash, Efficiency",
    "launch_angle": "Launch Angle, Launch V, VLA",
    "launch_direction": "Launch Direction, Launch H, HLA, Azimuth, Side Angle",
    "spin_rate": "Spin Rate, Total Spin, Spin",
    "spin_axis": "Spin Axis, Spin Axis Tilt",
    "back_spin": "Back Spin, Backspin",
    "side_spin": "Side Spin, Sidespin",
    "carry": "Carry, Carry Distance",
    "total": "Total, Total Distance",
    "carry_side": "Side, Carry Side, Offline, Lateral, Carry Deviation",
    "total_side": "Total Side, Side Total, Total Deviation",
    "apex": "Apex, Height, Max Height, Peak Height",
    "descent_angle": "Descent Angle, Landing Angle, Land. Angle",
    "attack_angle": "Attack Angle, AOA, Angle of Attack",
    "club_path": "Club Path, Path",
    "face_angle": "Face Angle, Club Face, Face to Target, FTT",
    "face_to_path": "Face to Path, FTP",
    "dynamic_loft": "Dynamic Loft, Dyn. Loft",
    "hang_time": "Hang Time, Flight Time",
}

# Enough for the JSON answer; a bound on what a runaway answer can cost.
MAX_OUTPUT_TOKENS = 4096
TOKENS_PER_PRICE_UNIT = Decimal(1_000_000)
DEVICE_NAME_LENGTH = Shot._meta.get_field("source_device").max_length
# Statuses the OpenAI docs and SDK treat as worth retrying.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
SCHEMA_NAME = "launch_monitor_shot"
# The prompt asks for a confidence below this whenever a character had to be guessed,
# so a reading under it is the model's own doubt: sent for review, never counted as is.
MIN_CONFIDENCE = 0.7
# Quantities whose unit cannot be assumed when the screen prints none: a bare "97"
# carry is 97 yd or 106 yd depending on the screen's setting.
UNIT_NEEDED: dict[Quantity, str] = {
    Quantity.SPEED: "mph and km/h",
    Quantity.DISTANCE: "yards and metres",
    Quantity.HEIGHT: "feet and metres",
}
READING_FIELDS = ("value", "unit", "estimated", "confidence")
CLUB_FIELDS = ("shown", "confidence")


def answer_schema() -> dict[str, Any]:
    """The strict JSON schema the model's answer must follow.

    Strict mode needs every property required and every object closed
    (``additionalProperties: false``); "not on the screen" is a null, not a
    missing key. Ranges (confidence 0..1, a metric's limits) are checked in
    code instead: not every model accepts numeric keywords in strict mode.
    """
    confidence = {
        "type": "number",
        "description": "0 to 1: how sure you are that this is read right",
    }
    reading = {
        "type": "object",
        "properties": {
            "value": {"type": "number", "description": "The number as shown; negative if L"},
            "unit": {
                "type": ["string", "null"],
                "description": "The unit text as shown beside the value or in its header; "
                "null if none is shown",
            },
            "estimated": {"type": "boolean"},
            "confidence": confidence,
        },
        "required": list(READING_FIELDS),
        "additionalProperties": False,
    }
    club = {
        "type": "object",
        "properties": {
            "shown": {"type": "string", "description": "The club name as shown"},
            "confidence": confidence,
        },
        "required": list(CLUB_FIELDS),
        "additionalProperties": False,
    }
    properties: dict[str, Any] = {
        name: {
            "description": f"Shown as: {SCREEN_LABELS[name]}. Null if not shown.",
            "anyOf": [{"$ref": "#/$defs/reading"}, {"type": "null"}],
        }
        for name in METRIC_NAMES
    }
    properties["club"] = {
        "description": "The club, if the screen shows one",
        "anyOf": [{"$ref": "#/$defs/club"}, {"type": "null"}],
    }
    properties["device"] = {
        "type": ["string", "null"],
        "description": "The launch monitor's name, if shown",
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        "$defs": {"reading": reading, "club": club},
    }


def retry_after_seconds(headers: httpx2.Headers) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` as seconds or an HTTP date."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


@functools.lru_cache(maxsize=4)
def _client(api_key: str, base_url: str, timeout: float) -> openai.OpenAI:
    """One SDK client (and connection pool) per process and configuration.

    Built on first use, so a web process that never analyses never imports
    the SDK, and a forked Celery worker builds its own after the fork.
    """
    import openai

    return openai.OpenAI(
        api_key=api_key,
        base_url=base_url or None,
        timeout=timeout,
        max_retries=0,
    )


class _UnusableAnswer(Exception):
    """The model answered, but not with what the schema asks for."""


class OpenAIAnalyser:
    name = "openai"

    def __init__(self) -> None:
        self.api_key: str = settings.OPENAI_API_KEY
        self.model: str = settings.OPENAI_MODEL
        self.base_url: str = settings.OPENAI_BASE_URL
        self.timeout: float = settings.OPENAI_TIMEOUT
        self.price_input_per_mtok: Decimal = settings.OPENAI_PRICE_INPUT_PER_MTOK
        self.price_output_per_mtok: Decimal = settings.OPENAI_PRICE_OUTPUT_PER_MTOK

    def analyse(self, image: bytes) -> AnalysisOutput:
        import openai

        audit: dict[str, Any] = {"model": self.model, "prompt_version": PROMPT_VERSION}
        if not self.api_key:
            raise PermanentAnalyserError("OPENAI_API_KEY is not set.", **audit)
        client = _client(self.api_key, self.base_url, self.timeout)
        try:
            completion = client.chat.completions.create(**self.request_arguments(image))
        except openai.APITimeoutError as error:
            raise TransientAnalyserError(
                f"OpenAI did not answer within {self.timeout:g} s.", **audit
            ) from error
        except openai.APIConnectionError as error:
            raise TransientAnalyserError(
                f"Could not reach OpenAI: {error.__cause__ or error}", **audit
            ) from error
        except openai.APIStatusError as error:
            raise self._status_error(error, audit) from error

        audit["request_id"] = completion._request_id or ""
        usage = completion.usage
        audit["tokens_in"] = usage.prompt_tokens if usage else 0
        audit["tokens_out"] = usage.completion_tokens if usage else 0
        audit["cost"] = self.cost(audit["tokens_in"], audit["tokens_out"])
        return self._read_answer(completion, audit)

    def request_arguments(self, image: bytes) -> dict[str, Any]:
        """The keyword arguments for ``chat.completions.create``."""
        data_url = "data:image/jpeg;base64," + base64.b64encode(image).decode("ascii")
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Transcribe this launch-monitor screen."},
                        # "high": small digits and unit labels are unreadable at the
                        # 512 px the "low" setting scales the photo down to.
                        {"type": "image_url", "image_url": {"url": data_url, "detail": "high"}},
                    ],
                },
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": answer_schema()},
            },
            "max_completion_tokens": MAX_OUTPUT_TOKENS,
        }

    def cost(self, tokens_in: int, tokens_out: int) -> Decimal:
        return (
            tokens_in * self.price_input_per_mtok + tokens_out * self.price_output_per_mtok
        ) / TOKENS_PER_PRICE_UNIT

    def _status_error(
        self, error: openai.APIStatusError, audit: dict[str, Any]
    ) -> TransientAnalyserError | PermanentAnalyserError:
        status = error.status_code
        details = {**audit, "request_id": error.request_id or "", "raw": error.body}
        message = f"OpenAI answered {status}: {error.message}"
        # An empty account also answers 429, but waiting minutes will not refill it.
        if status == 429 and error.code == "insufficient_quota":
            return PermanentAnalyserError(message, **details)
        if status in RETRYABLE_STATUSES or status >= 500:
            return TransientAnalyserError(
                message, retry_after=retry_after_seconds(error.response.headers), **details
            )
        return PermanentAnalyserError(message, **details)

    def _read_answer(self, completion: Any, audit: dict[str, Any]) -> AnalysisOutput:
        try:
            choice = completion.choices[0]
            message = choice.message
        except (AttributeError, IndexError, TypeError):
            raise PermanentAnalyserError(
                "OpenAI's answer had no message.", raw=completion.to_dict(), **audit
            ) from None
        # The structured-outputs guide: a refusal comes in its own field, not as JSON.
        if message.refusal:
            raise PermanentAnalyserError(
                f"The model refused: {message.refusal}", raw={"refusal": message.refusal}, **audit
            )
        text = message.content or ""
        # "length" (max_completion_tokens reached) leaves cut-off JSON, "content_filter"
        # a partial answer: neither is worth reading, and the same request would end the
        # same way, so neither is worth retrying.
        if choice.finish_reason != "stop":
            raise PermanentAnalyserError(
                f"The model stopped early ({choice.finish_reason}): the answer is incomplete.",
                raw=text,
                **audit,
            )
        try:
            answer = _parse_answer(text)
        except _UnusableAnswer as problem:
            raise PermanentAnalyserError(
                f"The model's answer is unusable: {problem}", raw=text, **audit
            ) from None
        output = _output_from_answer(answer)
        for name, value in audit.items():
            setattr(output, name, value)
        return output


def _output_from_answer(answer: dict[str, Any]) -> AnalysisOutput:
    """Turn a schema-valid answer into canonical values, doubting field by field."""
    output = AnalysisOutput(values=dict.fromkeys(METRIC_NAMES), raw=answer)
    for name in METRIC_NAMES:
        reading = answer[name]
        if reading is None:
            continue
        confidence = _usable_confidence(reading["confidence"])
        if confidence is not None:
            output.confidence[name] = confidence
        value, doubt = _canonical_value(name, reading, confidence)
        if doubt:
            output.uncertain[name] = doubt
        if value is None:
            continue
        output.values[name] = value
        if unit := (reading["unit"] or "").strip():
            output.units_seen[name] = unit
        if reading["estimated"]:
            output.estimated.add(name)
    _read_club(answer["club"], output)
    output.device = (answer["device"] or "").strip()[:DEVICE_NAME_LENGTH]
    return output


def _canonical_value(
    name: str, reading: dict[str, Any], confidence: float | None
) -> tuple[float | None, str]:
    """(the reading in canonical units, why it is doubted or "").

    With no unit, or one the metric cannot have, there is no canonical value
    without guessing the unit, so none is given. A reading the model doubts
    keeps its value: the pipeline stores it flagged for the golfer to check
    against the photo, and never counts it unchecked.
    """
    metric = METRICS_BY_NAME[name]
    value = float(reading["value"])
    unit = (reading["unit"] or "").strip()
    shown = f"{value:g} {unit}".strip()
    if not unit and metric.quantity in UNIT_NEEDED:
        could_be = UNIT_NEEDED[metric.quantity]
        return None, f"read as {shown} with no unit shown, so {could_be} cannot be told apart."
    try:
        # Out-of-range values pass through: the validator judges them.
        canonical = to_canonical(name, value, unit)
    except UnknownUnitError:
        return None, f"read as {shown}, but {metric.label.lower()} is not measured in {unit!r}."
    if confidence is None:
        return canonical, f"read as {shown}, but the reading came without a usable confidence."
    if confidence < MIN_CONFIDENCE:
        return canonical, f"read as {shown}, but that part of the photo was hard to read."
    return canonical, ""


def _read_club(entry: dict[str, Any] | None, output: AnalysisOutput) -> None:
    text = entry["shown"].strip() if entry else ""
    if not entry or not text:
        return  # no club on the screen: the pipeline asks the golfer
    confidence = _usable_confidence(entry["confidence"])
    if confidence is not None:
        output.confidence["club"] = confidence
    club = club_from_text(text)
    if club is None:
        output.uncertain["club"] = f"the club shown, {text!r}, is not one we recognise."
    elif confidence is None or confidence < MIN_CONFIDENCE:
        # Not taken: a wrong club files the shot under the wrong personal bests.
        output.uncertain["club"] = f"the club looked like {text!r}, but it was hard to read."
    else:
        output.club = club


def _usable_confidence(number: float) -> float | None:
    """The model's confidence if it is one (0..1); the schema cannot bound it."""
    confidence = float(number)
    return confidence if 0.0 <= confidence <= 1.0 else None


def _reject_constant(name: str) -> None:
    raise _UnusableAnswer(f"{name} is not a number")


def _is_number(value: object) -> bool:
    # bool is an int in Python, but true is not a measurement.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_float(number: float) -> float:
    try:
        return float(number)
    except OverflowError:  # a JSON integer with hundreds of digits
        return math.inf


def _check_object(where: str, entry: object, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _UnusableAnswer(f"{where} must be an object or null")
    missing = [name for name in fields if name not in entry]
    extra = sorted(set(entry) - set(fields))
    if missing:
        raise _UnusableAnswer(f"{where} is missing {', '.join(missing)}")
    if extra:
        raise _UnusableAnswer(f"{where} has unexpected {', '.join(extra)}")
    return entry


def _check_number(where: str, value: object) -> None:
    if not _is_number(value):
        raise _UnusableAnswer(f"{where} {value!r} is not a number")
    assert isinstance(value, int | float)
    if not math.isfinite(_as_float(value)):
        raise _UnusableAnswer(f"{where} is too large to be a number")


def _parse_answer(text: str) -> dict[str, Any]:
    """Parse and check the answer against ``answer_schema``: a compatible
    server may not enforce it, and a broken one may not even send JSON."""
    try:
        answer = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _UnusableAnswer(f"not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(answer, dict):
        raise _UnusableAnswer("not a JSON object")
    _check_object("the answer", answer, (*METRIC_NAMES, "club", "device"))
    for name in METRIC_NAMES:
        if answer[name] is None:
            continue
        reading = _check_object(name, answer[name], READING_FIELDS)
        _check_number(f"{name} value", reading["value"])
        if not isinstance(reading["unit"], str | None):
            raise _UnusableAnswer(f"{name} unit must be text or null")
        if not isinstance(reading["estimated"], bool):
            raise _UnusableAnswer(f"{name} estimated must be true or false")
        _check_number(f"{name} confidence", reading["confidence"])
    if answer["club"] is not None:
        club = _check_object("club", answer["club"], CLUB_FIELDS)
        if not isinstance(club["shown"], str):
            raise _UnusableAnswer("club shown must be text")
        _check_number("club confidence", club["confidence"])
    if not isinstance(answer["device"], str | None):
        raise _UnusableAnswer("device must be text or null")
    return answer
