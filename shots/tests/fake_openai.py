"""A small fake of the OpenAI chat-completions endpoint, for tests.

A real HTTP server on 127.0.0.1 (ephemeral port, its own thread) so the
real ``openai`` SDK is exercised end to end: request building, headers,
status-code mapping, timeouts. Tests queue the replies they want with
``enqueue`` (or tie one to an image with ``answer_image``) and inspect what
the SDK sent in ``requests``. Like the real API, it answers 400 to a request
whose ``json_schema`` breaks the strict-mode rules of OpenAI's structured
outputs guide, so a schema the real API would refuse fails here first.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shots.metrics import METRIC_NAMES

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"


@dataclass
class FakeReply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def completion(
    content: str | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 1200,
    completion_tokens: int = 300,
    request_id: str | None = None,
    model: str = "gpt-4o-mini-2024-07-18",
) -> FakeReply:
    """A 200 chat completion whose message content is ``content`` (verbatim)."""
    request_id = request_id or f"req_{uuid.uuid4().hex}"
    body = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return FakeReply(body=body, headers={"x-request-id": request_id})


# What a test gives for one metric: a value (no unit), (value, unit), or
# (value, unit, confidence).
Reading = float | tuple[float, str | None] | tuple[float, str | None, float]
CONFIDENT = 0.97  # what a model says of a sharp, unambiguous reading


def screen_answer(
    values: Mapping[str, Reading] | None = None,
    *,
    club: str | None = None,
    club_confidence: float = CONFIDENT,
    device: str | None = None,
    estimated: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The model's JSON answer: ``{"carry": (150, "m")}``; unlisted metrics are null."""
    answer: dict[str, Any] = dict.fromkeys(METRIC_NAMES)
    for name, given in (values or {}).items():
        if name not in answer:
            raise KeyError(f"{name!r} is not a metric")
        value, unit, confidence = _reading_parts(given)
        answer[name] = {
            "value": value,
            "unit": unit,
            "estimated": name in estimated,
            "confidence": confidence,
        }
    answer["club"] = None if club is None else {"shown": club, "confidence": club_confidence}
    answer["device"] = device
    return answer


def _reading_parts(given: Reading) -> tuple[float, str | None, float]:
    if not isinstance(given, tuple):
        return given, None, CONFIDENT
    if len(given) == 2:
        return given[0], given[1], CONFIDENT
    return given


# Truth files (shared/reference/screens/*.truth.json) name two metrics their own way.
TRUTH_NAMES = {"smash": "smash_factor", "descent": "descent_angle"}
# Truth files write units in words; the screen shows these.
UNITS_AS_SHOWN = {"deg": "°", "": None}


def truth_readings(truth: Mapping[str, Any]) -> dict[str, tuple[float, str | None]]:
    """A truth file's metrics as the screen shows them: ``{"carry": (97, "m")}``.

    Keys that are not metrics (distance_to_pin, strokes_gained, "..._as_shown")
    are left out: the model's schema has no field for them.
    """
    readings: dict[str, tuple[float, str | None]] = {}
    for key, value in truth["values"].items():
        name = TRUTH_NAMES.get(key, key)
        if name not in METRIC_NAMES or value is None:
            continue
        # "deg, R=+" says how the sign was written; the unit is the part before it.
        unit_words = truth.get("units", {}).get(key, "").split(",")[0].strip()
        readings[name] = (value, UNITS_AS_SHOWN.get(unit_words, unit_words))
    return readings


def truth_answer(truth: Mapping[str, Any]) -> dict[str, Any]:
    """The answer a model reading the screen right gives, from a truth file.

    Metrics the truth lists as uncertain come with a low confidence, as a
    model unsure of them would say.
    """
    doubtful = {TRUTH_NAMES.get(key, key) for key in truth.get("uncertain", [])}
    readings: dict[str, Reading] = {
        name: (value, unit, 0.4 if name in doubtful else CONFIDENT)
        for name, (value, unit) in truth_readings(truth).items()
    }
    club = truth["values"].get("club")
    # No device: a truth file names the vendor, not whether the screen shows the name.
    return screen_answer(readings, club=club)


def good_answer(answer: dict[str, Any], **usage: Any) -> FakeReply:
    return completion(json.dumps(answer), **usage)


def refusal(text: str = "I'm sorry, I can't help with that.", **usage: Any) -> FakeReply:
    return completion(None, refusal=text, **usage)


def error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> FakeReply:
    """An error in OpenAI's shape: ``{"error": {"message", "type", "code", "param"}}``."""
    body = {"error": {"message": message, "type": "fake_error", "code": code, "param": None}}
    return FakeReply(
        status=status,
        body=body,
        headers={"x-request-id": f"req_{uuid.uuid4().hex}", **(headers or {})},
    )


def slow(reply: FakeReply, seconds: float) -> FakeReply:
    reply.delay = seconds
    return reply


class FakeOpenAI:
    """The server. Use as a context manager; ``url`` is the SDK's base_url."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: list[FakeReply] = []
        self.unanswered: list[RecordedRequest] = []  # arrived with nothing queued
        # The JPEG sent -> the reply for it, every time it is sent (see answer_image).
        self.replies_by_image: dict[bytes, FakeReply] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A slow reply's thread must not hold up the test's teardown.
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address
        return f"http://{host}:{port}/v1"

    def enqueue(self, *replies: FakeReply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def answer_image(self, image: bytes, reply: FakeReply) -> None:
        """Answer ``reply`` whenever a request carries exactly this image.

        The reply follows the photo, as a real model's reading does, so a test
        that sends several photos gets each one's own answer in any order.
        """
        with self._lock:
            self.replies_by_image[image] = reply

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self, request: RecordedRequest) -> FakeReply:
        with self._lock:
            self.requests.append(request)
            if request.method != "POST" or request.path != CHAT_COMPLETIONS_PATH:
                return error(404, f"fake_openai does not serve {request.method} {request.path}")
            try:
                sent = request.json()
            except ValueError:
                return error(400, "We could not parse the JSON body of your request.")
            problems = request_schema_problems(sent)
            if problems:
                return error(400, "Invalid schema for response_format: " + "; ".join(problems))
            for image in _images_in(sent):
                if image in self.replies_by_image:
                    return self.replies_by_image[image]
            if not self.replies:
                self.unanswered.append(request)
                return error(500, "fake_openai: no reply queued for this request")
            return self.replies.pop(0)


def _images_in(sent: dict[str, Any]) -> list[bytes]:
    """The images (decoded from their data URLs) in a chat-completions request."""
    images = []
    for message in sent.get("messages", []):
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            url = (
                part.get("image_url", {}).get("url", "") if part.get("type") == "image_url" else ""
            )
            _, comma, data = url.partition(";base64,")
            if comma:
                with contextlib.suppress(binascii.Error):  # not an image: no reply tied to it
                    images.append(base64.b64decode(data, validate=True))
    return images


# Keywords strict structured outputs accept that this project has a use for; any
# other is refused here, keeping the schema inside what every strict model takes.
STRICT_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "description", "anyOf"}
    | {"$defs", "$ref", "enum", "const", "items", "title"}
)
STRICT_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
MAX_NESTING = 10  # the guide's limit on object nesting


def request_schema_problems(sent: dict[str, Any]) -> list[str]:
    """Why the real API would refuse this request's strict ``json_schema``; [] if it would not."""
    response_format = sent.get("response_format") or {}
    if response_format.get("type") != "json_schema":
        return []
    json_schema = response_format.get("json_schema") or {}
    if json_schema.get("strict") is not True:
        return []
    schema = json_schema.get("schema")
    if not isinstance(schema, dict) or schema.get("type") != "object" or "anyOf" in schema:
        return ["the root must be an object, not anyOf"]
    problems: list[str] = []
    _check_strict(schema, "#", schema.get("$defs", {}), problems, depth=0)
    return problems


def _check_strict(
    node: Any, where: str, defs: dict[str, Any], problems: list[str], *, depth: int
) -> None:
    if not isinstance(node, dict):
        problems.append(f"{where} is not a schema")
        return
    if depth > MAX_NESTING:
        problems.append(f"{where} is nested more than {MAX_NESTING} deep")
        return
    for keyword in set(node) - STRICT_KEYWORDS:
        problems.append(f"{where} uses {keyword!r}, which strict mode does not take here")
    if "$ref" in node:
        name = str(node["$ref"]).removeprefix("#/$defs/")
        if len(node) > 1:
            problems.append(f"{where}: $ref cannot have siblings")
        if name not in defs:
            problems.append(f"{where}: $ref {node['$ref']!r} names no definition")
        return
    types = node.get("type")
    type_list = types if isinstance(types, list) else [types] if types else []
    if not type_list and not any(key in node for key in ("anyOf", "enum", "const")):
        problems.append(f"{where} has no type")
    for name in type_list:
        if name not in STRICT_TYPES:
            problems.append(f"{where} has unknown type {name!r}")
    if "object" in type_list:
        properties = node.get("properties", {})
        if node.get("additionalProperties") is not False:
            problems.append(f"{where}: additionalProperties must be false")
        if sorted(node.get("required", [])) != sorted(properties):
            problems.append(f"{where}: required must list every property")
        for name, child in properties.items():
            _check_strict(child, f"{where}/{name}", defs, problems, depth=depth + 1)
    if "array" in type_list:
        _check_strict(node.get("items"), f"{where}/items", defs, problems, depth=depth + 1)
    for index, option in enumerate(node.get("anyOf", [])):
        _check_strict(option, f"{where}/anyOf/{index}", defs, problems, depth=depth)
    for name, child in node.get("$defs", {}).items():
        _check_strict(child, f"{where}/$defs/{name}", defs, problems, depth=depth + 1)


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = fake._next_reply(request)
            if reply.delay and fake._stopping.wait(reply.delay):
                return
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (a timeout test): nothing to tell it

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean; requests are recorded instead

    return Handler
