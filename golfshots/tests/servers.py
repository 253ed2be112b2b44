"""Real gunicorn instances for tests, started as the Procfile's `web` does.

Each instance is configured by environment only and pointed at the pytest
database, so a test marked ``django_db(transaction=True)`` can share rows with it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_database_url() -> str:
    """The pytest database (test_…), which a server must use instead of DATABASE_URL's."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Instance:
    port: int
    log_path: Path
    var_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def gunicorn_instance(tmp_path: Path, *, workers: int = 1, **env: str) -> Iterator[Instance]:
    """A production-like web instance (DEBUG off) with its own VAR_DIR and metrics dir."""
    port = free_port()
    home = tmp_path / f"instance-{port}"
    instance = Instance(port=port, log_path=home / "gunicorn.log", var_dir=home / "var")
    instance.var_dir.mkdir(parents=True)
    environment = {
        **os.environ,
        "DATABASE_URL": pytest_database_url(),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "SECRET_KEY": "gunicorn-test-key-" + "x" * 40,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(home / "metrics"),
        "VAR_DIR": str(instance.var_dir),
        **env,
    }
    with instance.log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "golfshots.wsgi", "-c", "gunicorn.conf.py"],
            cwd=REPO,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answering(f"{instance.url}/healthz", server, instance.log_path, what="gunicorn")
        yield instance
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_answering(url: str, process: subprocess.Popen, log_path: Path, *, what: str) -> None:
    """Poll ``url`` until it answers, failing with the server's log if it exits or never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace")
            pytest.fail(f"{what} exited with {process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    log = log_path.read_text(errors="replace")
    pytest.fail(f"{what} did not answer within {START_SECONDS} s:\n{log}")
