"""The production-like stack the fault suite runs against, started from nothing.

A throwaway PostgreSQL cluster (initdb/pg_ctl under a temporary directory) and
redis-server, each on a free port; gunicorn with the repository's
gunicorn.conf.py; a Celery worker (``python -m golfshots.worker``) and beat; and
the fake OpenAI server as the analyser. DEBUG is off and every process gets the
environment a deployment would (SECRET_KEY, ALLOWED_HOSTS, JSON logs). The
shared PostgreSQL and Redis of the machine are never touched.

This process sets Django up against the same database, to seed it and to
count shots at the end; nothing else here needs the ORM.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

import psycopg
import redis

from shots.tests import fake_openai as fake

BASE_DIR = Path(__file__).resolve().parent.parent
START_SECONDS = 60.0
STOP_SECONDS = 30.0
DATABASE_NAME = "golfshots"
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp

# What the fake model reads on every photo: a driver shot with confident numbers.
SCREEN = fake.screen_answer(
    {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240, "yds")},
    club="Driver",
)

# Passed through to every server process; everything else comes from server_environment.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accept_queue_length(port: int) -> int:
    """Connections waiting to be accepted by whatever listens on ``port`` (Linux, IPv4).

    For a listening socket /proc/net/tcp reports the accept queue's length as rx_queue.
    """
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == LISTEN:
            return int(fields[4].split(":")[1], 16)
    return 0


def _wait(condition: Any, what: str, *, seconds: float = START_SECONDS, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            tail = ""
            if log is not None and log.exists():
                tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise SystemExit(f"chaos: gave up after {seconds:.0f} s waiting for {what}.{tail}")
        time.sleep(0.1)


# --- PostgreSQL ------------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them out of PATH)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("chaos: PostgreSQL's initdb is not installed (apt-get install postgresql).")


class Postgres:
    """A cluster of its own under ``root``: trust auth, no fsync, stopped and started at will."""

    def __init__(self, root: Path) -> None:
        self.home = root / "postgres"
        self.data = self.home / "data"
        self.log_path = self.home / "postgres.log"
        self.port = free_port()
        self.bin = postgres_bin_dir()
        # initdb refuses to run as root; CI runs as root, a developer usually not.
        self.user = "postgres" if os.geteuid() == 0 else None

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        done = subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]], user=self.user, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"chaos: {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")

    def create(self) -> None:
        self.home.mkdir(parents=True)
        if self.user:
            shutil.chown(self.home, self.user, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.home}",
                # A throwaway cluster: durability costs time and proves nothing here.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


# --- Redis -----------------------------------------------------------------------


class Redis:
    """redis-server on a free port with no persistence: a restart starts empty, like a crash."""

    def __init__(self, root: Path) -> None:
        self.home = root / "redis"
        self.log_path = self.home / "redis.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise SystemExit("chaos: redis-server is not installed (apt-get install redis-server).")
        self.process = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.home),
                "--logfile",
                str(self.log_path),
            ],
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        _wait(lambda: self._answers(client), "redis-server", log=self.log_path)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: what an out-of-memory kill or a lost host looks like to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server ignores SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# --- The fake OpenAI -------------------------------------------------------------


@dataclass(frozen=True)
class OpenAICall:
    arrived: float  # time.monotonic()
    delay: float  # how long the fake waited before answering
    image: str  # sha256 of the photo's data URL: which photo was paid for


class ChaosOpenAI(fake.FakeOpenAI):
    """The tests' fake OpenAI, answering every call with SCREEN after ``delay`` seconds.

    The tests queue one reply per expected call; a load generator cannot know
    how many calls there will be, so each call queues its own answer first.
    """

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.calls: list[OpenAICall] = []
        self._calls_lock = threading.Lock()

    def _next_reply(self, request: fake.RecordedRequest) -> fake.FakeReply:
        delay = self.delay
        self.enqueue(fake.slow(fake.good_answer(SCREEN), delay))
        reply = super()._next_reply(request)
        with self._calls_lock:
            self.calls.append(
                OpenAICall(arrived=time.monotonic(), delay=delay, image=_photo_digest(request))
            )
        return reply

    def calls_since(self, moment: float) -> list[OpenAICall]:
        with self._calls_lock:
            return [call for call in self.calls if call.arrived >= moment]


def _photo_digest(request: fake.RecordedRequest) -> str:
    try:
        sent = request.json()
    except ValueError:
        return ""
    for message in sent.get("messages", []):
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "image_url":
                return sha256(part["image_url"]["url"].encode()).hexdigest()
    return ""


# --- Server processes ------------------------------------------------------------


class Service:
    """One server process (and its children) in a process group of its own."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, sig: signal.Signals) -> None:
        os.kill(self.pid, sig)

    def wait_exit(self, seconds: float) -> bool:
        assert self.process is not None
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill_group(self) -> None:
        """SIGKILL the process and every child it started: a crashed instance."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            if not self.wait_exit(STOP_SECONDS):
                self.kill_group()
        # Children a crashed parent left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


@dataclass
class Stack:
    root: Path
    postgres: Postgres
    redis: Redis
    openai: ChaosOpenAI
    env: dict[str, str]
    web: Service
    worker: Service
    beat: Service
    web_port: int
    # Set when a scenario fails, so the servers' logs outlive the run.
    keep_logs: bool = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start_web(self) -> None:
        self.web.start()
        _wait(self._web_answers, "gunicorn to answer /healthz", log=self.web.log_path)

    def _web_answers(self) -> bool:
        if not self.web.running():
            raise SystemExit(f"chaos: gunicorn exited; its log is {self.web.log_path}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def revive(self) -> list[str]:
        """Restart the worker or beat if it exited, as the platform would; say why it went.

        A fault that makes a process exit is a finding, and the scenarios after
        it must not inherit a stack with a piece missing.
        """
        found = []
        for service in (self.worker, self.beat):
            if service.process is not None and not service.running():
                last = last_log_line(service.log_path, ("CRITICAL", "ERROR"))
                found.append(
                    f"the {service.name} exited ({service.process.returncode}): {last}; restarted"
                )
                service.stop()
                if service is self.worker:
                    self.start_worker()
                else:
                    service.start()
        return found

    def start_worker(self) -> None:
        """Start the worker and return once it consumes (Celery logs "<name> ready.")."""
        ready_before = self.worker.log().count(" ready.")
        self.worker.start()
        _wait(
            lambda: self.worker.log().count(" ready.") > ready_before,
            "the Celery worker to be ready",
            log=self.worker.log_path,
        )


def server_environment(
    *, root: Path, postgres: Postgres, redis_server: Redis, openai_url: str
) -> dict[str, str]:
    """What a deployment sets (docs/operations.md), pointed at the throwaway servers."""
    environment = {name: os.environ[name] for name in INHERITED if name in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="golfshots.settings",
        DATABASE_URL=postgres.url(),
        REDIS_URL=redis_server.url(0),
        # As in render.yaml, the broker is not the cache's database.
        CELERY_BROKER_URL=redis_server.url(1),
        SECRET_KEY=secrets.token_urlsafe(48),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        VAR_DIR=str(root / "var"),
        # Web and worker share this disk; production shares an S3 bucket.
        MEDIA_ROOT=str(root / "media"),
        SHOT_ANALYSER="openai",
        OPENAI_API_KEY="sk-chaos-not-a-real-key",
        OPENAI_BASE_URL=openai_url,
        METRICS_TOKEN=secrets.token_urlsafe(24),
        # A recycled worker would restart mid-measurement and show up as a
        # slow phase that has nothing to do with the fault (bench/ does the same).
        GUNICORN_MAX_REQUESTS="0",
        PYTHONUNBUFFERED="1",
    )
    return environment


def _setup_django(environment: dict[str, str]) -> None:
    """This process: the same settings, quieter (the servers' logs are in files).

    Nothing of the caller's environment but INHERITED is kept, so a developer's
    DATABASE_URL (or any other setting) cannot point this process elsewhere.
    """
    kept = {name: os.environ[name] for name in INHERITED if name in os.environ}
    os.environ.clear()
    os.environ.update(kept)
    os.environ.update(environment)
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # DEBUG off serves the collected, hashed files (whitenoise), as production does.
    call_command("collectstatic", interactive=False, verbosity=0)


def close_database_pools() -> None:
    """Give this process's pooled connections back before PostgreSQL goes away.

    The pool would otherwise keep reconnecting in the background and log each try.
    """
    from django.db import connections

    for connection in connections.all():
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


@contextlib.contextmanager
def started_stack(*, keep: bool, gunicorn_config: str = "gunicorn.conf.py") -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="golfshots-chaos-"))
    if os.geteuid() == 0:
        root.chmod(0o755)  # the postgres user must reach its cluster inside
    logs = root / "logs"
    logs.mkdir()
    postgres = Postgres(root)
    redis_server = Redis(root)
    openai = ChaosOpenAI()
    stack: Stack | None = None
    failed = True
    began = time.monotonic()
    try:
        postgres.create()
        redis_server.start()
        openai.__enter__()
        environment = server_environment(
            root=root, postgres=postgres, redis_server=redis_server, openai_url=openai.url
        )
        databases_up = time.monotonic()
        _setup_django(environment)
        migrated = time.monotonic()
        web_port = free_port()
        python = sys.executable
        for metrics in ("metrics-web", "metrics-worker"):
            # Made here too: importing golfshots loads prometheus_client, which
            # opens its files there before golfshots.worker would make the directory.
            (root / metrics).mkdir()
        stack = Stack(
            root=root,
            postgres=postgres,
            redis=redis_server,
            openai=openai,
            env=environment,
            web=Service(
                "web",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "golfshots.wsgi",
                    "-c",
                    gunicorn_config,
                    "--bind",
                    f"127.0.0.1:{web_port}",
                ],
                {
                    **environment,
                    "PORT": str(web_port),
                    "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics-web"),
                },
                logs / "web.log",
            ),
            worker=Service(
                "worker",
                [python, "-m", "golfshots.worker"],
                {**environment, "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics-worker")},
                logs / "worker.log",
            ),
            beat=Service(
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "golfshots",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(root / "beat-schedule"),
                    "--pidfile",
                    str(root / "beat.pid"),
                ],
                environment,
                logs / "beat.log",
            ),
            web_port=web_port,
        )
        stack.start_web()
        stack.start_worker()
        stack.beat.start()
        print(
            f"chaos: PostgreSQL and Redis up in {databases_up - began:.0f} s, "
            f"migrate and collectstatic {migrated - databases_up:.0f} s, "
            f"gunicorn and the worker {time.monotonic() - migrated:.0f} s",
            flush=True,
        )
        yield stack
        failed = False
    finally:
        stopping = time.monotonic()
        if stack is not None:
            for service in (stack.beat, stack.worker, stack.web):
                service.stop()
        openai.__exit__(None, None, None)
        if "django" in sys.modules:
            with contextlib.suppress(Exception):
                close_database_pools()
        redis_server.stop()
        if postgres.is_running():
            with contextlib.suppress(SystemExit):
                postgres.stop("immediate")
        shutil.rmtree(postgres.home, ignore_errors=True)
        print(f"chaos: stack stopped in {time.monotonic() - stopping:.0f} s", flush=True)
        if keep or failed or (stack is not None and stack.keep_logs):
            print(f"chaos: logs kept in {logs}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def last_log_line(path: Path, levels: tuple[str, ...]) -> str:
    """The last JSON log line of ``path`` at the first of ``levels`` that has one."""
    last: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("level") in levels:
                    last[record["level"]] = f"{record.get('logger')}: {record.get('message')}"
    for level in levels:
        if level in last:
            return f"{level} {last[level]}"[:300]
    return "no error logged"
