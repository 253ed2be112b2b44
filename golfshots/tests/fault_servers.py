"""Throwaway PostgreSQL and Redis servers that a fault test may stop, hang and restart.

The shared services on 5432 and 6379 are never touched: each helper starts
its own server on a free port, in a temporary directory, and removes it at
the end, killing only the processes it started, by PID. Use them as context
managers, from a fixture or directly; ``make chaos`` reuses them::

    with throwaway_postgres() as postgres, throwaway_redis() as redis:
        postgres.migrate()
        env = {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url(db=0)}
        ...
        postgres.stop()          # PostgreSQL down (pg_ctl stop -m fast)
        postgres.start()         # and back, same data
        with redis.paused():     # Redis hung (SIGSTOP, then SIGCONT)
            ...

PostgreSQL refuses to run as root, so under root (CI, this machine) initdb
and pg_ctl run as the ``postgres`` system user, which owns the data directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from golfshots.tests.servers import REPO, free_port

START_SECONDS = 30
DATABASE_NAME = "golfshots"
# Pass to gunicorn_instance and to PostgresServer.manage alike: sessions and
# tokens made on one side are signed with it and checked on the other.
SECRET_KEY = "fault-test-key-" + "x" * 40


def collect_static(var_dir: Path) -> Path:
    """collectstatic into ``var_dir`` as production does, for a gunicorn instance with
    ``VAR_DIR=var_dir``: with DEBUG off, pages need the hashed-names manifest (about 10 s)."""
    environment = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"):
        environment.pop(name, None)  # collectstatic needs neither
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return var_dir


def postgres_binary(name: str) -> str:
    """initdb, pg_ctl…: from PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server package")
    return candidates[-1]


def _postgres_user() -> str | None:
    """The system user that runs a throwaway cluster: ``postgres`` under root, else ourselves."""
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class PostgresServer:
    """A PostgreSQL cluster of its own: trust authentication, no fsync, one port."""

    port: int
    home: Path
    user: str | None
    log_path: Path = field(init=False)
    data_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir = self.home / "data"
        self.log_path = self.home / "postgres.log"

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            cwd=self.home,
        )

    def init(self) -> None:
        self._run(
            postgres_binary("initdb"),
            "--pgdata",
            str(self.data_dir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        """Start (or start again) and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            postgres_binary("pg_ctl"),
            "start",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_path),
            "--options",
            options,
            "--wait",
            f"--timeout={START_SECONDS}",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop it: ``fast`` ends every session at once, as a crashed or stopped server would."""
        self._run(
            postgres_binary("pg_ctl"),
            "stop",
            "--pgdata",
            str(self.data_dir),
            "--mode",
            mode,
            "--wait",
            f"--timeout={START_SECONDS}",
        )

    @property
    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def create_database(self, name: str = DATABASE_NAME) -> None:
        self._run(
            postgres_binary("createdb"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--username",
            "postgres",
            name,
        )

    def manage(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """``manage.py <args>`` against this server's database (its stdout)."""
        environment = {
            **os.environ,
            "DATABASE_URL": self.url(),
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "true",  # a management command, not a server: no ALLOWED_HOSTS needed
            **(env or {}),
        }
        environment.pop("DATABASE_REPLICA_URL", None)
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def migrate(self, env: Mapping[str, str] | None = None) -> None:
        self.manage("migrate", "--noinput", env=env)


@contextmanager
def throwaway_postgres(*, database: str = DATABASE_NAME) -> Iterator[PostgresServer]:
    """A fresh cluster on a free port with an empty ``database``; stopped and deleted after."""
    home = Path(tempfile.mkdtemp(prefix="golfshots-pg-"))
    user = _postgres_user()
    if user is not None:
        # mkdtemp makes the directory 0700 for root; the server runs as postgres.
        shutil.chown(home, user=user)
    server = PostgresServer(port=free_port(), home=home, user=user)
    try:
        server.init()
        server.start()
        server.create_database(database)
        yield server
    finally:
        if server.running:
            try:
                server.stop(mode="immediate")
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                _kill_postmaster(server.data_dir)
        shutil.rmtree(home, ignore_errors=True)


def _kill_postmaster(data_dir: Path) -> None:
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class RedisServer:
    """A redis-server of its own (no persistence) that a test can hang with SIGSTOP."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def pause(self) -> None:
        """Hang it: connections stay open and connects still succeed, but nothing answers."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()


@contextmanager
def throwaway_redis() -> Iterator[RedisServer]:
    """``redis-server --port <free> --save ''`` in a temporary directory; killed by PID after."""
    home = Path(tempfile.mkdtemp(prefix="golfshots-redis-"))
    port = free_port()
    log_path = home / "redis.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(home),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RedisServer(port=port, process=process, log_path=log_path)
    try:
        _wait_for_port(port, process, log_path)
        yield server
    finally:
        # A paused server ignores SIGTERM until it runs again.
        for signal_number in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(process.pid, signal_number)
            except ProcessLookupError:
                break
        process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{log_path.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on {port} within {START_SECONDS} s")
