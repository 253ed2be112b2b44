"""Reading a launch-monitor photo with an OpenAI vision model.

The model only transcribes: it copies each number with the unit text it
sees, and this module converts units and maps the club in code, where the
rules are testable. Structured output (a strict JSON schema) keeps the
answer machine-readable; anything that still does not fit is a permanent
error with the raw answer kept for the audit row. The SDK never retries by
itself (``max_retries=0``): the Celery task owns retrying, with backoff,
so one shot's attempts are all visible as ShotAnalysis rows.
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
from shots.metrics import METRIC_NAMES
from shots.models import Shot

if TYPE_CHECKING:
    import httpx2
    import openai

PROMPT_VERSION = "2026-11-24.1"

SYSTEM_PROMPT = """\
You transcribe photos of golf launch-monitor screens (Trackman, GCQuad, Garmin, \
FlightScope, Rapsodo, SkyTrak, Bushnell and the like) for one shot.
- Copy every number exactly as shown. Do not convert units, round, correct or \
estimate, and do not calculate a value the screen does not show.
- For each value give the unit text shown beside it or in its header, as written \
(e.g. "mph", "km/h", "m/s", "yds", "m", "ft", "rpm", "°"), or null if none is shown.
- Left/right: a value marked L is negative, R is positive; keep a minus sign as shown.
- estimated is true only when the screen marks that value as estimated.
- club: the club name as shown (e.g. "Driver", "7 Iron", "PW"); device: the launch \
monitor's name if shown.
- Anything not visible or not readable is null. If several shots are shown, use the \
latest single shot, never an average.
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


def answer_schema() -> dict[str, Any]:
    """The strict JSON schema the model's answer must follow."""
    nullable_string = {"type": ["string", "null"]}
    properties: dict[str, Any] = {
        name: {
            "type": "object",
            "description": f"Shown as: {SCREEN_LABELS[name]}",
            "properties": {
                "value": {"type": ["number", "null"]},
                "unit": nullable_string,
                "estimated": {"type": "boolean"},
            },
            "required": ["value", "unit", "estimated"],
            "additionalProperties": False,
        }
        for name in METRIC_NAMES
    }
    properties["club"] = nullable_string
    properties["device"] = nullable_string
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
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
                "json_schema": {
                    "name": "launch_monitor_shot",
                    "strict": True,
                    "schema": answer_schema(),
                },
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
        if message.refusal:
            raise PermanentAnalyserError(
                f"The model refused: {message.refusal}", raw={"refusal": message.refusal}, **audit
            )
        text = message.content or ""
        if choice.finish_reason != "stop":
            raise PermanentAnalyserError(
                f"The model stopped early ({choice.finish_reason}).", raw=text, **audit
            )
        try:
            answer = _parse_answer(text)
        except _UnusableAnswer as problem:
            raise PermanentAnalyserError(
                f"The model's answer is unusable: {problem}", raw=text, **audit
            ) from None

        values: dict[str, float | None] = {}
        units_seen: dict[str, str] = {}
        estimated: set[str] = set()
        for name in METRIC_NAMES:
            entry = answer[name]
            value, unit = entry.get("value"), (entry.get("unit") or "").strip()
            if value is None:
                values[name] = None
                continue
            try:
                # Out-of-range values pass through: the validator judges them.
                values[name] = to_canonical(name, float(value), unit)
            except UnknownUnitError as problem:
                raise PermanentAnalyserError(
                    f"The model's answer is unusable: {problem}", raw=answer, **audit
                ) from None
            if unit:
                units_seen[name] = unit
            if entry.get("estimated"):
                estimated.add(name)
        return AnalysisOutput(
            values=values,
            club=club_from_text(answer["club"]) if answer["club"] else None,
            units_seen=units_seen,
            estimated=estimated,
            raw=answer,
            device=(answer["device"] or "").strip()[:DEVICE_NAME_LENGTH],
            **audit,
        )


def _reject_constant(name: str) -> None:
    raise _UnusableAnswer(f"{name} is not a number")


def _as_float(number: float) -> float:
    try:
        return float(number)
    except OverflowError:  # a JSON integer with hundreds of digits
        return math.inf


def _parse_answer(text: str) -> dict[str, Any]:
    """Parse and check the answer against ``answer_schema`` (a compatible
    server may not enforce it)."""
    try:
        answer = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _UnusableAnswer(f"not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(answer, dict):
        raise _UnusableAnswer("not a JSON object")
    for name in ("club", "device"):
        if name not in answer or not isinstance(answer[name], str | None):
            raise _UnusableAnswer(f"{name} must be text or null")
    for name in METRIC_NAMES:
        entry = answer.get(name)
        if not isinstance(entry, dict):
            raise _UnusableAnswer(f"{name} is missing")
        value = entry.get("value")
        # bool is an int in Python, but true is not a measurement.
        if isinstance(value, bool) or not isinstance(value, int | float | None):
            raise _UnusableAnswer(f"{name} value {value!r} is not a number")
        if value is not None and not math.isfinite(_as_float(value)):
            raise _UnusableAnswer(f"{name} value is too large")
        if not isinstance(entry.get("unit"), str | None):
            raise _UnusableAnswer(f"{name} unit must be text or null")
        if not isinstance(entry.get("estimated", False), bool):
            raise _UnusableAnswer(f"{name} estimated must be true or false")
    return answer
