"""gunicorn's SIGTERM answers every upload already sent to it, none is reset.

A platform stops routing to an instance and then sends SIGTERM. Connections
that reached the instance before that wait in the listening socket's accept
queue: the kernel finished their handshake and holds the bytes they sent, but
no worker has accepted them yet. gunicorn's sync workers stopped after their
current request and the last one to exit closed the socket, which resets every
connection still queued (the golfer's photo is "sent" and the app answers
"connection reset"). gunicorn.conf.py makes a worker told to stop drain that
queue first.

No sleeps decide the outcome: two uploads whose bodies are held back keep
both workers busy, so the others are certain to wait in the queue, and the
test reads the queue's length from /proc/net/tcp instead of guessing it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from shots.models import Shot
from shots.tests.photos import screen_photo

from .servers import gunicorn_instance

WORKERS = 2
QUEUED = 6
WAIT_SECONDS = 30
# What the held uploads keep back until SIGTERM has been sent.
HELD_BACK_BYTES = 64
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="reads the accept queue from Linux's /proc/net/tcp"
)


def accept_queue_length(port: int) -> int:
    """Connections waiting in the accept queue of whatever listens on ``port`` (IPv4).

    For a listening socket Linux reports the queue's current length as rx_queue.
    """
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == LISTEN:
            return int(fields[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on port {port}")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.02)


def upload_request(*, token: str, colour: str) -> bytes:
    body = encode_multipart(
        BOUNDARY, {"image": SimpleUploadedFile("screen.jpg", screen_photo(colour), "image/jpeg")}
    )
    head = (
        "POST /api/v1/shots/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: {MULTIPART_CONTENT}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def answer(connection: socket.socket) -> tuple[int | str, bytes]:
    """(status, body), or ("reset", b"") when the server reset the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        return "reset", received
    finally:
        connection.close()
    if not received:
        return "closed without an answer", b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.django_db(transaction=True)
def test_sigterm_answers_every_upload_waiting_in_the_accept_queue(tmp_path):
    golfer = UserFactory()
    token = str(AccessToken.for_user(golfer))
    pid_file = tmp_path / "gunicorn.pid"
    colours = iter(["navy", "teal", "olive", "maroon", "purple", "gray", "black", "green"])
    try:
        with gunicorn_instance(
            tmp_path,
            workers=WORKERS,
            # The same signing key as this process, so its JWT is valid there.
            SECRET_KEY=settings.SECRET_KEY,
            GUNICORN_CMD_ARGS=f"--pid {pid_file}",
        ) as web:
            held = []
            for _ in range(WORKERS):
                request = upload_request(token=token, colour=next(colours))
                connection = socket.create_connection(("127.0.0.1", web.port), timeout=WAIT_SECONDS)
                connection.sendall(request[:-HELD_BACK_BYTES])
                held.append((connection, request[-HELD_BACK_BYTES:]))
            # Both workers have accepted one and wait for the rest of its body.
            wait_for(lambda: accept_queue_length(web.port) == 0, "each worker accepts an upload")

            queued = []
            for _ in range(QUEUED):
                connection = socket.create_connection(("127.0.0.1", web.port), timeout=WAIT_SECONDS)
                connection.sendall(upload_request(token=token, colour=next(colours)))
                queued.append(connection)
            wait_for(
                lambda: accept_queue_length(web.port) == QUEUED, "the uploads wait in the queue"
            )

            os.kill(int(pid_file.read_text()), signal.SIGTERM)
            wait_for(lambda: "Handling signal: term" in web.log(), "gunicorn takes the SIGTERM")
            for connection, rest in held:
                connection.sendall(rest)

            answers = [answer(connection) for connection, _ in held] + [
                answer(connection) for connection in queued
            ]
            log = web.log()
    finally:
        # The instance queued analyses on this test's Redis db; no worker will read them.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("analysis")

    statuses = [status for status, _ in answers]
    assert statuses == [201] * (WORKERS + QUEUED), log
    created = {json.loads(body)["id"] for _, body in answers}
    assert set(Shot.objects.filter(golfer=golfer).values_list("id", flat=True)) == created
