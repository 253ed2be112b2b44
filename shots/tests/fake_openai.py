"""A small fake of the OpenAI chat-completions endpoint, for tests.

A real HTTP server on 127.0.0.1 (ephemeral port, its own thread) so the
real ``openai`` SDK is exercised end to end: request building, headers,
status-code mapping, timeouts. Tests queue the replies they want with
``enqueue`` and inspect what the SDK sent in ``requests``.
"""

from __future__ import annotations

import json
import threading
import uuid
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


def screen_answer(
    values: dict[str, float | tuple[float, str | None]] | None = None,
    *,
    club: str | None = None,
    device: str | None = None,
    estimated: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The model's JSON answer: ``{"carry": (150, "m")}``; unlisted metrics are null."""
    answer: dict[str, Any] = {}
    for name in METRIC_NAMES:
        given = (values or {}).get(name)
        value, unit = given if isinstance(given, tuple) else (given, None)
        answer[name] = {"value": value, "unit": unit, "estimated": name in estimated}
    answer["club"] = club
    answer["device"] = device
    return answer


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
            if not self.replies:
                self.unanswered.append(request)
                return error(500, "fake_openai: no reply queued for this request")
            return self.replies.pop(0)


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
