"""gunicorn hooks for bad input, imported by gunicorn.conf.py (kept apart from its other hooks).

A request body that stops arriving before its Content-Length held a sync
worker in ``recv()`` until gunicorn's worker timeout (30 s) killed it, and the
client got gunicorn's own 500. Two such anonymous connections took both
workers: every other visitor waited.

``pre_request`` runs once the headers are read, before the app reads the
body: it bounds every read (and write) on the connection. A body that stalls
longer makes Django raise UnreadablePostError, which
``golfshots.middleware.BadInputMiddleware`` answers with a 400. The bound is
per read, so a slow phone upload that keeps sending is never cut off. (The
headers are read before any hook runs: a connection that never finishes them
is still ended only by the worker timeout.)
"""

from __future__ import annotations

from typing import Any

from golfshots.env import Env

# Long enough for a phone on a poor network between two packets, short enough
# that a stalled body frees the worker well before gunicorn's 30 s timeout.
BODY_STALL_SECONDS = Env().integer("GUNICORN_BODY_STALL_SECONDS", 10, minimum=1)


def pre_request(worker: Any, req: Any) -> None:
    """Bound each read of this connection's body to ``BODY_STALL_SECONDS``."""
    sock = getattr(req.unreader, "sock", None)
    if sock is not None:
        sock.settimeout(BODY_STALL_SECONDS)
