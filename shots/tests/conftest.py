from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from accounts.models import User
from golfshots.celery import app as celery_app
from shots.tests.fake_openai import FakeOpenAI

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_internet(monkeypatch) -> list[str]:
    """Refuse (and list) every look-up or connection to anything but loopback.

    PostgreSQL, Redis and the fake servers live on 127.0.0.1, so tests keep
    working; a stray call to api.openai.com fails at once instead of leaving.
    """
    outside: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            outside.append(f"lookup {host}")
            raise socket.gaierror(socket.EAI_NONAME, f"no_internet: refused to look up {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def refuse(sock: socket.socket, address: object) -> None:
        if (
            sock.family in (socket.AF_INET, socket.AF_INET6)
            and isinstance(address, tuple)
            and not _is_loopback(address[0])
        ):
            outside.append(f"connect {address[0]}:{address[1]}")
            raise ConnectionRefusedError(f"no_internet: refused to connect to {address}")

    def guarded_connect(sock, address):
        refuse(sock, address)
        return real_connect(sock, address)

    def guarded_connect_ex(sock, address):
        refuse(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    return outside


@pytest.fixture
def fake_openai(no_internet, settings) -> Iterator[FakeOpenAI]:
    """A fake OpenAI server, with settings pointing the OpenAI analyser at it.

    After the test it checks that nothing outside this machine was contacted
    and that every request found a reply queued for it.
    """
    with FakeOpenAI() as server:
        settings.SHOT_ANALYSER = "openai"
        settings.OPENAI_API_KEY = "sk-test-not-a-real-key"
        settings.OPENAI_BASE_URL = server.url
        settings.OPENAI_MODEL = "gpt-4o-mini"
        settings.OPENAI_TIMEOUT = 5.0
        yield server
    assert no_internet == [], f"tests must not leave this machine: {no_internet}"
    assert server.unanswered == [], "the SDK sent more requests than the test queued replies for"


@pytest.fixture
def eager_analysis(eager_tasks):
    """Run analysis in-process after commit, as the embedded default does (the root conftest)."""


@pytest.fixture
def superuser(db, settings) -> User:
    # The production hasher is slow, and the admin tests make users by the dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_superuser("root", "root@example.com", "admin password")


@pytest.fixture
def admin_client(client, superuser):
    """``client`` logged in as ``superuser`` (in place of pytest-django's admin_client)."""
    client.force_login(superuser)
    return client


# A broker address where nothing listens: delay() fails at once.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def point_celery_at():
    """Reconfigure this process's Celery app (eager or not, which broker); undone after."""
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)

    def point_celery_at(*, eager: bool, broker_url: str) -> None:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.broker_url = broker_url
        # Celery caches its producer pool for the broker of the first publish;
        # drop it so the next delay() connects to this URL.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    yield point_celery_at
    point_celery_at(eager=previous[0], broker_url=previous[1])
