"""Redis hung (SIGSTOP): pages stay fast, enqueueing skips the broker, no bump is lost.

A real fault: a throwaway redis-server (golfshots/tests/fault_servers.py)
stopped with SIGSTOP keeps its connections open and still accepts new ones,
but answers nothing, so every call waits its socket timeout (0.5 s for the
cache, 1 s for the broker). Before the circuit breaker a page making six
cache calls waited six timeouts, and a board version bump made during the
hang was lost for up to a day.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache, caches
from kombu.exceptions import OperationalError
from prometheus_client import REGISTRY

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from golfshots.cache_scopes import board_versions_bump, boards_version_key
from golfshots.celery import BreakerTask, BrokerUnavailable
from golfshots.circuit_breaker import breakers_reset
from golfshots.tests.fault_servers import RedisServer, collect_static, throwaway_redis
from golfshots.tests.servers import gunicorn_instance
from golfshots.versioned_cache import cached_versioned, pending_bumps, version_get
from retailers.models import Retailer

BREAKER_SECONDS = 1.0


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with throwaway_redis() as server:
        yield server


def _drop_default_cache() -> None:
    with contextlib.suppress(AttributeError):  # not built in this thread yet
        del caches["default"]


@pytest.fixture
def own_redis(settings, redis_server: RedisServer) -> Iterator[RedisServer]:
    """The cache on the throwaway Redis, with a short breaker; all clean afterwards."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url(0)}}
    settings.REDIS_BREAKER_SECONDS = BREAKER_SECONDS
    _drop_default_cache()
    breakers_reset()
    cache.clear()
    yield redis_server
    redis_server.resume()
    pending_bumps.clear()
    breakers_reset()
    _drop_default_cache()


def wait_until(answered, seconds: float = 5.0) -> None:
    """Call ``answered()`` until it is true: the breaker's probe runs on its own thread,
    so the calls right after Redis is back still skip it for a moment."""
    deadline = time.monotonic() + seconds
    while not answered():
        assert time.monotonic() < deadline, f"Redis not used again within {seconds} s"
        time.sleep(0.05)


def skipped_calls() -> float:
    value = REGISTRY.get_sample_value(
        "golfshots_circuit_breaker_skipped_calls_total", {"kind": "redis"}
    )
    return value or 0.0


def test_a_hung_redis_costs_one_socket_timeout_then_cache_calls_skip_it(own_redis: RedisServer):
    cache.set("greeting", "hello")
    skipped_before = skipped_calls()

    with own_redis.paused():
        started = time.perf_counter()
        first = cache.get("greeting")
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        later = [cache.get("greeting") for _ in range(30)]
        for _ in range(10):
            cache.set("x", 1)
        later_seconds = time.perf_counter() - started

    assert first is None  # a miss, not an error
    assert first_seconds < 1.0
    assert set(later) == {None}
    assert later_seconds < 0.2  # 40 calls that would each have waited 0.5 s
    assert skipped_calls() - skipped_before == 40

    # The probe answers once the breaker retries: the cache is back.
    wait_until(lambda: cache.get("greeting") == "hello", seconds=BREAKER_SECONDS + 3)


def test_it_logs_one_line_when_redis_stops_answering_and_one_when_it_answers_again(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    with own_redis.paused():
        for _ in range(20):
            cache.get("anything")

    def stored() -> bool:
        cache.set("back", 1)
        return cache.get("back") == 1

    wait_until(stored, seconds=BREAKER_SECONDS + 3)

    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.name for record in lines] == ["golfshots.circuit_breaker"] * 2
    opened, closed = (record.getMessage() for record in lines)
    assert f":{own_redis.port} unreachable (TimeoutError" in opened
    assert "answers again" in closed
    assert "calls skipped it meanwhile" in closed
    assert not any(record.exc_info for record in caplog.records)


def test_a_board_bump_during_a_hang_is_not_lost(own_redis: RedisServer):
    key = boards_version_key(77)
    assert cached_versioned(
        version_key=key, parts=["board"], compute=lambda: "before", timeout=3600
    ) == ("before")
    version_before = version_get(key)

    with own_redis.paused():
        started = time.perf_counter()
        board_versions_bump(retailer_ids=[77])  # a record hit while Redis hangs
        bump_seconds = time.perf_counter() - started
        assert pending_bumps
        time.sleep(2)  # the retry thread keeps trying, and keeps skipping

    deadline = time.monotonic() + 10
    while pending_bumps and time.monotonic() < deadline:
        time.sleep(0.1)

    assert bump_seconds < 1.0
    assert not pending_bumps, "the owed bump was never retried"
    assert version_get(key) != version_before
    assert cached_versioned(
        version_key=key, parts=["board"], compute=lambda: "after", timeout=3600
    ) == ("after")


def test_while_redis_hangs_outputs_are_kept_in_memory_until_this_process_bumps(
    own_redis: RedisServer,
):
    key = boards_version_key(78)
    computed: list[str] = []

    def board(text: str):
        def compute() -> str:
            computed.append(text)
            return text

        return cached_versioned(version_key=key, parts=["board"], compute=compute, timeout=3600)

    with own_redis.paused():
        first, again = board("first"), board("second")
        board_versions_bump(retailer_ids=[78])  # a record this process wrote
        after_bump = board("third")

    assert (first, again, after_bump) == ("first", "first", "third")
    assert computed == ["first", "third"]


@pytest.fixture
def hang_test_app(own_redis: RedisServer, settings) -> Celery:
    """A Celery app like golfshots.celery's (same task class and broker options) on the
    throwaway Redis, so hanging its broker leaves the shared one alone."""
    app = Celery("redis-hang-test", broker=own_redis.url(1), task_cls=BreakerTask)
    app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    app.conf.task_publish_retry_policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    app.conf.broker_connection_retry_on_startup = True
    return app


def test_a_hung_broker_costs_one_timeout_then_enqueueing_skips_it(
    own_redis: RedisServer, hang_test_app: Celery
):
    @hang_test_app.task(name="redis_hang_test.noop")
    def noop() -> None:
        """Never run: only published."""

    noop.delay()  # the connection is open and the broker answers

    with own_redis.paused():
        started = time.perf_counter()
        with pytest.raises(OperationalError):
            noop.delay()
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(5):
            with pytest.raises(BrokerUnavailable):
                noop.delay()
        later_seconds = time.perf_counter() - started

    # Three 1 s socket timeouts: the publish, the handshake of the new
    # connection kombu opens to retry it, and the one retry.
    assert first_seconds < 3.5
    assert later_seconds < 0.05

    def published() -> bool:
        try:
            noop.delay()
        except BrokerUnavailable:
            return False
        return True

    wait_until(published, seconds=BREAKER_SECONDS + 3)  # published again once Redis answers


# --- a production-like web instance on the throwaway Redis ----------------------------


def fetch(url: str, session_key: str = "") -> tuple[int, float]:
    request = urllib.request.Request(url)
    if session_key:
        request.add_header("Cookie", f"sessionid={session_key}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def log_in(base_url: str, username: str, password: str) -> tuple[int, float, str]:
    """Django's log-in form as a browser sends it: (status, seconds, new session key)."""
    with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=30) as page:
        html = page.read().decode()
        cookies = page.headers.get_all("Set-Cookie") or []
    csrf_cookie = next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the log-in page"
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(f"{base_url}/accounts/login/", data=body)
    request.add_header("Cookie", csrf_cookie)
    request.add_header("Referer", f"{base_url}/accounts/login/")
    opener = urllib.request.build_opener(_NoRedirects())
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=30)
        status, headers = response.status, response.headers
    except urllib.error.HTTPError as answer:
        status, headers = answer.code, answer.headers
    seconds = time.perf_counter() - started
    session = next(
        (
            c.split(";")[0].split("=", 1)[1]
            for c in headers.get_all("Set-Cookie") or []
            if c.startswith("sessionid=")
        ),
        "",
    )
    return status, seconds, session


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def served_in(seconds: float, urls: list[str], session_key: str) -> list[tuple[int, float]]:
    """Requests sent one after another for ``seconds``, cycling through ``urls``."""
    answers: list[tuple[int, float]] = []
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        answers.append(fetch(urls[len(answers) % len(urls)], session_key))
    return answers


@pytest.fixture(scope="module")
def static_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return collect_static(tmp_path_factory.mktemp("redis-hang") / "var")


@pytest.mark.django_db(transaction=True)
def test_with_redis_hung_pages_stay_fast_and_keep_half_their_throughput(
    settings, redis_server: RedisServer, static_var_dir: Path, tmp_path: Path
):
    store = Retailer.objects.create(name="Hang Range", slug="hang-range")
    golfer = UserFactory.create()
    session = SessionStore()
    session[SESSION_KEY] = str(golfer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = golfer.get_session_auth_hash()
    session.create()
    session_key = session.session_key or ""

    with gunicorn_instance(
        tmp_path,
        workers=2,
        REDIS_URL=redis_server.url(2),
        SECRET_KEY=settings.SECRET_KEY,  # the session above is signed with it
        VAR_DIR=str(static_var_dir),
    ) as web:
        urls = [
            f"{web.url}/",
            f"{web.url}/s/{store.slug}/",
            f"{web.url}/shots/",
            f"{web.url}/leaderboards/",
        ]
        served_in(2, urls, session_key)  # warm both workers and the cache
        normal = served_in(8, urls, session_key)
        try:
            redis_server.pause()
            hung = served_in(8, urls, session_key)
            logged_in = log_in(web.url, golfer.username, DEFAULT_PASSWORD)
            own_page = fetch(f"{web.url}/shots/", logged_in[2])
        finally:
            redis_server.resume()
        log = web.log()

    assert {status for status, _ in normal} == {200}
    # Log-in works: the session is written to the database (cached_db).
    assert logged_in[0] == 302, logged_in
    assert logged_in[1] < 1.5
    assert own_page[0] == 200
    assert {status for status, _ in hung} == {200}, hung
    slowest = max(seconds for _, seconds in hung)
    assert slowest < 1.5, sorted(seconds for _, seconds in hung)
    print(f"normal: {len(normal)} requests in 8 s; hung: {len(hung)}; slowest {slowest:.2f} s")
    assert len(hung) >= 0.5 * len(normal), (len(hung), len(normal))
    # One line per worker when Redis stops answering, not a traceback per call.
    assert log.count("unreachable (") <= 4
    assert "Traceback" not in log
