"""A body shorter than its Content-Length frees the worker soon, with a 400 (issue 15).

Measured before: the sync worker sat in recv() until gunicorn's 30 s worker
timeout killed it, and the client got gunicorn's own 500 page; two such
anonymous connections made a normal page wait 32.8 s. Now every read of the
body is bounded (GUNICORN_BODY_STALL_SECONDS, golfshots/gunicorn_hooks.py)
and the app answers the incomplete body with a 400
(golfshots.middleware.BadInputMiddleware). Real gunicorn, real sockets.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from golfshots.middleware import INCOMPLETE_BODY_MESSAGE

from .servers import gunicorn_instance

STALL_SECONDS = 2
# gunicorn's worker timeout: the old answer came only after this.
WORKER_TIMEOUT_SECONDS = 30


def stalled_request(port: int, path: str, *, headers: str = "", content_type: str) -> socket.socket:
    """Send the headers and part of the body, promise 500 bytes, and send no more."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=WORKER_TIMEOUT_SECONDS + 10)
    connection.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
            f"Content-Type: {content_type}\r\nContent-Length: 500\r\nConnection: close\r\n\r\n"
            '{"username": "gary", "pass'
        ).encode()
    )
    return connection


def answer(connection: socket.socket) -> tuple[int, bytes]:
    received = b""
    with connection:
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.django_db(transaction=True)
def test_a_stalled_body_is_a_400_and_frees_the_worker_within_the_stall_bound(tmp_path):
    golfer = UserFactory.create()
    token = str(AccessToken.for_user(golfer))
    with gunicorn_instance(
        tmp_path,
        workers=1,
        GUNICORN_BODY_STALL_SECONDS=str(STALL_SECONDS),
        # The same signing key as this process, so its JWT is valid there.
        SECRET_KEY=settings.SECRET_KEY,
    ) as web:
        started = time.monotonic()
        anonymous = stalled_request(
            web.port, "/api/v1/auth/token/", content_type="application/json"
        )
        # Behind it, on the only worker: any other request (the probe needs no static files).
        waited: list[float] = []
        visitor = threading.Thread(
            target=lambda: (
                urllib.request.urlopen(f"{web.url}/healthz", timeout=WORKER_TIMEOUT_SECONDS + 10),
                waited.append(time.monotonic() - started),
            )
        )
        visitor.start()
        status, body = answer(anonymous)
        elapsed = time.monotonic() - started
        visitor.join()

        upload = stalled_request(
            web.port,
            "/api/v1/shots/",
            headers=f"Authorization: Bearer {token}\r\n",
            content_type="multipart/form-data; boundary=xyz",
        )
        upload_status, upload_body = answer(upload)
        log = web.log()

    assert (status, json.loads(body)) == (400, {"detail": INCOMPLETE_BODY_MESSAGE})
    assert STALL_SECONDS <= elapsed < STALL_SECONDS + 5, elapsed
    assert waited[0] < STALL_SECONDS + 5, waited
    assert (upload_status, json.loads(upload_body)) == (400, {"detail": INCOMPLETE_BODY_MESSAGE})
    assert "Request body incomplete" in log
    assert "WORKER TIMEOUT" not in log
