"""Process-local circuit breakers for the database, Redis and the Celery broker.

A dependency that hangs costs every call its full timeout: with Redis
stopped, a page making six cache calls waited six socket timeouts. A breaker
remembers the failure instead. After one connection error or timeout it
*opens*: for ``open_seconds`` every call skips the dependency at once (the
cache misses, an enqueue falls back to the sweeper, a page answers 503).
Then it lets exactly one call through as a *probe*; if that answers, the
breaker *closes* and calls go through again, otherwise it opens once more.
A probe refused at once (a stopped server refuses a connection within a
millisecond) costs nothing to repeat, so the next call probes again instead
of skipping: the dependency is used again as soon as it is back. Only a
probe that had to wait (a hung server, a black-holed network) makes the
calls skip for another ``open_seconds``. A breaker given a ``probe``
function (Redis: a PING) runs the probe on a thread of its own instead, so
no request waits on a hung server after the first one noticed it.

One warning line is logged when a breaker opens and one when it closes,
never one per skipped call; skips are counted in
``golfshots_circuit_breaker_skipped_calls_total`` instead.

Why not pybreaker: it holds its lock while the guarded call runs, so in a
threaded process every cache call would wait for the one in flight, and it
has no way to let a call through without wrapping it in ``call()``, which
the pool and client hooks that use this module cannot do.

Breakers are per process and per server (``kind`` plus address), so a test
or a second cache pointed at another Redis does not trip this one's, and the
cache and the broker share one breaker when they are the same Redis.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

logger = logging.getLogger(__name__)


# A probe that failed faster than this was refused, not timed out. A refusal
# takes a millisecond on a quiet machine but can take a hundred on a busy one
# (the probing process waits for a core); a timeout takes at least the
# shortest socket timeout (Redis 0.5 s, PostgreSQL's connect_timeout 2 s).
FAST_FAILURE_SECONDS = 0.25


class Admission(enum.Enum):
    CALL = "call"  # closed: call the dependency as usual
    PROBE = "probe"  # the one call that finds out whether it answers again
    SKIP = "skip"  # open: do not call it; behave as if it failed


class _State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass
class CircuitBreaker:
    """One dependency's breaker. Thread-safe; the lock is never held during a call."""

    kind: str  # the metric label: "database", "redis", "broker"
    target: str  # what the log line names: "redis 127.0.0.1:6379"
    open_seconds: float
    _state: _State = field(default=_State.CLOSED, init=False)
    _retry_at: float = field(default=0.0, init=False)
    _opened_at: float = field(default=0.0, init=False)
    _probe_started: float = field(default=0.0, init=False)
    probe: Callable[[], object] | None = field(default=None, repr=False)
    _probing: bool = field(default=False, init=False)
    _skipped: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def is_closed(self) -> bool:
        return self._state is _State.CLOSED

    def admit(self) -> Admission:
        """Whether the caller may call the dependency now. The fast path takes no lock."""
        if self._state is _State.CLOSED:
            return Admission.CALL
        now = time.monotonic()
        with self._lock:
            if self._state is _State.CLOSED:
                return Admission.CALL
            if now >= self._retry_at:
                # Half-open: this caller probes (or the probe thread does). If
                # it never reports back (a different exception, a killed
                # thread), the next caller after another open_seconds probes.
                self._state = _State.HALF_OPEN
                self._retry_at = now + self.open_seconds
                self._probe_started = now
                if self.probe is None:
                    return Admission.PROBE
                if not self._probing:
                    self._probing = True
                    threading.Thread(
                        target=self._run_probe, name=f"probe {self.target}", daemon=True
                    ).start()
            self._skipped += 1
        _monitoring().observe_breaker_skipped(kind=self.kind)
        return Admission.SKIP

    def succeeded(self) -> None:
        if self._state is _State.CLOSED:
            return
        with self._lock:
            if self._state is _State.CLOSED:
                return
            self._state = _State.CLOSED
            skipped, self._skipped = self._skipped, 0
            down_for = time.monotonic() - self._opened_at
        logger.warning(
            "%s answers again after %.1f s; %d calls skipped it meanwhile",
            self.target,
            down_for,
            skipped,
            extra={"breaker": self.kind, "target": self.target, "skipped_calls": skipped},
        )

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            was_closed = self._state is _State.CLOSED
            refused_at_once = (
                self._state is _State.HALF_OPEN and now - self._probe_started < FAST_FAILURE_SECONDS
            )
            self._state = _State.OPEN
            if refused_at_once:
                # A probe thread must not spin on a server that refuses at once.
                self._retry_at = now + (FAST_FAILURE_SECONDS if self.probe else 0.0)
            else:
                self._retry_at = now + self.open_seconds
            if was_closed:
                self._opened_at = now
        if was_closed:
            # No traceback: the cause is one line, and an outage must not
            # fill the log (one line here, one when it closes).
            _monitoring().observe_breaker_opened(kind=self.kind)
            logger.warning(
                "%s unreachable (%s: %s); skipping it for %g s at a time until it answers",
                self.target,
                type(error).__name__,
                str(error).strip().splitlines()[0] if str(error).strip() else "",
                self.open_seconds,
                extra={"breaker": self.kind, "target": self.target},
            )

    def _run_probe(self) -> None:
        assert self.probe is not None
        try:
            self.probe()
        except Exception as error:
            self.failed(error)
        else:
            self.succeeded()
        finally:
            self._probing = False

    def reset(self) -> None:
        """Close without logging (tests, and a forked child starting clean)."""
        with self._lock:
            self._state = _State.CLOSED
            self._retry_at = 0.0
            self._skipped = 0
            self._probing = False


def _monitoring() -> ModuleType:
    # Imported on first use, not with this module: golfshots.celery imports
    # this module when the golfshots package loads, which gunicorn's master and
    # golfshots.worker do before they point prometheus_client at its
    # multiprocess directory; importing the metrics then would fix its mode.
    from golfshots import monitoring

    return monitoring


_breakers: dict[tuple[str, str], CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(
    *,
    kind: str,
    address: str,
    open_seconds: float,
    probe: Callable[[], object] | None = None,
) -> CircuitBreaker:
    """The process's breaker for this server, created on first use.

    ``open_seconds`` is the setting as it is now, so a changed setting (a
    test's override) applies from the next call on. ``probe``, when given,
    checks the server off the request path (see the module).
    """
    key = (kind, address)
    breaker = _breakers.get(key)
    if breaker is None:
        with _registry_lock:
            breaker = _breakers.setdefault(
                key,
                CircuitBreaker(kind=kind, target=f"{kind} {address}", open_seconds=open_seconds),
            )
    breaker.open_seconds = open_seconds
    if probe is not None and breaker.probe is None:
        breaker.probe = probe
    return breaker


def breakers_reset() -> None:
    """Close every breaker of this process (tests)."""
    for breaker in list(_breakers.values()):
        breaker.reset()


def _after_fork_in_child() -> None:
    # A forked child (a Celery pool process) must not inherit a lock held by
    # another thread of its parent, nor its parent's open breakers.
    global _registry_lock
    _registry_lock = threading.Lock()
    for breaker in _breakers.values():
        breaker._lock = threading.Lock()
        breaker.reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
