"""Mixed traffic on the million-shot data: golfers, photo uploads, API clients, staff and kiosks.

    .venv/bin/python manage.py generate_bench_data      # once: 1M shots, 20 stores, 20k golfers
    .venv/bin/python bench/load.py --users 200 --run-time 60s
    .venv/bin/python bench/load.py --users 100,200,300,500    # one fresh stack per level
    .venv/bin/python bench/load.py --users 200 --photo-weight 0   # no uploads
    .venv/bin/python bench/load.py --users 200 --worker-nice 0    # the worker at the web's priority

The stack is production's on one machine: gunicorn with the repository's
gunicorn.conf.py (2 sync workers, DEBUG off, workers never recycled:
GUNICORN_MAX_REQUESTS=0), one Celery worker started as the Procfile does
(``python -m golfshots.worker``: WORKER_CONCURRENCY and WORKER_NICE at their
defaults unless --worker-concurrency/--worker-nice say otherwise) reading
photos with the local OCR analyser (SHOT_ANALYSER=ocr), PostgreSQL and Redis
from DATABASE_URL and REDIS_URL (default golfshots_bench and db 1; the
default golfshots database is refused). locust drives it headless from
bench/locustfile.py, which describes the people and their think times.

Set-up, before each run, through the ORM (nothing here is a fixture of the
app): sessions for golfers of the bench data (picked by a random sample of
their shots, so a golfer who practises more is likelier to be online), as if
they had logged in before, since most arrive with a session; ``load-golfer-*``
accounts with a password for those who sign in (LOAD_SIGN_IN_SHARE of the
arrivals; the real PBKDF2 hasher, one hash computed once and given to all);
a ``load-staff-<store>`` staff member per store with sessions for the console
and the kiosks; JWT refresh tokens for the API clients; and 16 generated 12 MP
phone photos of launch-monitor screens (bench/write_screens.py, cached under
the system temp dir). It writes to the bench database: sessions, the
load-* accounts and the shots the simulated people record; and before each
run it empties the analysis queue and sets shots left received, queued or
analysing to failed (see clear_backlog), so every run starts with no backlog.

Printed at the end, and written as JSON beside gunicorn's log: requests per
second and p50/p95/p99 per request name and per group (pages, htmx
fragments, API, writes, sign-ins), failures, page p95 per 10 s of the run,
CPU seconds per process from /proc/<pid>/stat (gunicorn master and workers,
the Celery worker and its pool, PostgreSQL's backends for this database,
Redis, locust, and the machine as a whole), the load average, and the
analysis backlog (photos uploaded and read during the run, the analysis
queue's length in Redis, upload-to-read times). Results go in
docs/performance.md ("Mixed traffic").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import harness
from harness import BASE_DIR

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PHOTO_CACHE = Path(tempfile.gettempdir()) / "golfshots-load-photos"
LOAD_PASSWORD = "Fairway-load-test-2026-bench"  # the bench database's load-golfer-* only
SIGN_IN_GOLFERS = 200
STAFF_SESSIONS_PER_STORE = 5
PENDING = ("received", "queued", "analyzing")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# bench/locustfile.py's classes by the names --weights uses.
USER_CLASSES = {"golfer": "Golfer", "api": "ApiClient", "staff": "StoreStaff", "kiosk": "Kiosk"}
DEFAULT_WEIGHTS = "golfer=75,api=10,staff=8,kiosk=7"
GROUPS = ("page", "console", "fragment", "api", "write", "sign-in")


# --- /proc -------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    comm: str
    own_seconds: float  # utime + stime
    reaped_children_seconds: float  # cutime + cstime: children that exited and were waited for
    nice: int


def proc_stat(pid: int) -> ProcStat | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    # Fields 3 onwards of proc(5), after the parenthesised name (which may hold spaces).
    rest = text[text.rindex(")") + 2 :].split()
    return ProcStat(
        pid=pid,
        ppid=int(rest[1]),
        comm=comm,
        own_seconds=(int(rest[11]) + int(rest[12])) / CLOCK_TICKS,
        reaped_children_seconds=(int(rest[13]) + int(rest[14])) / CLOCK_TICKS,
        nice=int(rest[16]),
    )


def all_processes() -> list[ProcStat]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None:
                found.append(stat)
    return found


def resident_kib(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a process, KiB (empty once it has gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    return {
        line.split(":")[0]: int(line.split()[1])
        for line in lines
        if line.startswith(("VmHWM:", "VmRSS:"))
    }


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idle and I/O wait, since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def family_seconds(parent: int, processes: list[ProcStat]) -> tuple[float, float, list[int]]:
    """(the parent's CPU, its children's incl. those already reaped, the live children's pids)."""
    by_pid = {stat.pid: stat for stat in processes}
    own = by_pid[parent].own_seconds if parent in by_pid else 0.0
    reaped = by_pid[parent].reaped_children_seconds if parent in by_pid else 0.0
    children = [stat for stat in processes if stat.ppid == parent]
    live = sum(child.own_seconds + child.reaped_children_seconds for child in children)
    return own, reaped + live, [child.pid for child in children]


@dataclass
class CpuWatch:
    """CPU per process group over the run, sampled so that backends that come and go count."""

    gunicorn: int
    worker: int
    redis: int | None
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    backend_first: dict[int, float] = field(default_factory=dict)
    backend_last: dict[int, float] = field(default_factory=dict)
    worker_children: set[int] = field(default_factory=set)
    web_workers: set[int] = field(default_factory=set)
    # The largest peak (VmHWM) and current (VmRSS) resident memory of a pool child, KiB.
    worker_child_kb: dict[str, int] = field(default_factory=lambda: {"VmHWM": 0, "VmRSS": 0})
    niceness: dict[str, int] = field(default_factory=dict)
    # Every process's CPU when first and last seen, to name what else used the machine.
    seen: dict[int, tuple[str, float, float]] = field(default_factory=dict)

    def sample(self, *, backends: list[int], initial: bool = False) -> None:
        processes = all_processes()
        by_pid = {stat.pid: stat for stat in processes}
        for stat in processes:
            total = stat.own_seconds + stat.reaped_children_seconds
            first = self.seen[stat.pid][1] if stat.pid in self.seen else (total if initial else 0)
            self.seen[stat.pid] = (stat.comm, first, total)
        web_master, web_workers, web_pids = family_seconds(self.gunicorn, processes)
        self.web_workers.update(web_pids)
        worker_main, worker_pool, pool_pids = family_seconds(self.worker, processes)
        self.worker_children.update(pool_pids)
        for pid in pool_pids:
            for key, kib in resident_kib(pid).items():
                self.worker_child_kb[key] = max(self.worker_child_kb[key], kib)
        values = {
            "gunicorn master": web_master,
            "gunicorn workers": web_workers,
            "celery worker, main process": worker_main,
            "celery worker, pool children": worker_pool,
            "machine, all processes": machine_busy_seconds(),
        }
        if self.redis is not None and self.redis in by_pid:
            values["redis-server (shared)"] = by_pid[self.redis].own_seconds
        for key, value in values.items():
            if initial:
                self.first[key] = value
            self.last[key] = value
        for pid in backends:
            stat = by_pid.get(pid)
            if stat is None:
                continue
            if initial:
                self.backend_first[pid] = stat.own_seconds
            self.backend_first.setdefault(pid, 0.0)  # born during the run: all of it counts
            self.backend_last[pid] = stat.own_seconds
        if self.gunicorn in by_pid:
            workers = [s for s in processes if s.ppid == self.gunicorn]
            self.niceness["gunicorn workers"] = workers[0].nice if workers else 0
        pool = [by_pid[pid] for pid in pool_pids if pid in by_pid]
        if pool:
            self.niceness["celery worker, pool children"] = pool[0].nice
        if self.worker in by_pid:
            self.niceness["celery worker, main process"] = by_pid[self.worker].nice

    def busiest_others(self, ours: set[int], count: int = 4) -> list[tuple[str, float]]:
        """The processes outside the stack that used the most CPU during the run, by name."""
        used: dict[str, float] = defaultdict(float)
        for pid, (comm, first, last) in self.seen.items():
            if pid not in ours:
                used[comm] += last - first
        return sorted(used.items(), key=lambda item: -item[1])[:count]

    def seconds(self) -> dict[str, float]:
        used = {key: self.last[key] - self.first.get(key, 0.0) for key in self.last}
        used["postgres backends of gunicorn and the worker"] = sum(
            self.backend_last[pid] - self.backend_first[pid] for pid in self.backend_last
        )
        return used


def redis_server_pid() -> int | None:
    for stat in all_processes():
        if stat.comm == "redis-server":
            return stat.pid
    return None


# --- set-up through the ORM --------------------------------------------------


def load_photos() -> list[str]:
    """The test suite's 16 generated phone photos (bench/write_screens.py), made once and kept."""
    PHOTO_CACHE.mkdir(parents=True, exist_ok=True)
    from write_screens import truth_for

    from shots.tests.test_ocr_analyser import CASES

    paths = []
    for index in CASES:
        path = PHOTO_CACHE / f"generated-case-{index:02d}.jpg"
        if not path.exists():
            photo, _truth = truth_for(index)
            path.write_bytes(photo)
        paths.append(str(path))
    return paths


def session_for(user) -> str:
    """A session key as a log-in in a browser would leave (no password check: done before)."""
    from django.test import Client

    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return browser.cookies["sessionid"].value


def active_golfers(count: int) -> list[tuple[int, int, str]]:
    """(golfer id, store id, store slug) of bench golfers, likelier the more they practise.

    Drawn from a random sample of store shots, so a golfer is picked about in
    proportion to their shots, at the store they hit them at.
    """
    from django.db import connection

    from demo.management.commands.generate_bench_data import GOLFER_USERNAME_PREFIX

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (shot.golfer_id) shot.golfer_id, store.id, store.slug
            FROM shots_shot AS shot TABLESAMPLE SYSTEM (2)
            JOIN accounts_user AS golfer ON golfer.id = shot.golfer_id
            JOIN retailers_retailer AS store ON store.id = shot.retailer_id
            JOIN retailers_customerlink AS link
              ON link.golfer_id = shot.golfer_id AND link.retailer_id = shot.retailer_id
            WHERE golfer.username LIKE %s
            """,
            [GOLFER_USERNAME_PREFIX + "%"],
        )
        rows = cursor.fetchall()
    random.shuffle(rows)
    return rows[:count]


def prepare_people(*, golfer_sessions: int, api_clients: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from demo.management.commands.generate_bench_data import STORE_SLUG_PREFIX
    from retailers.models import CustomerLink, Membership, Retailer, Role
    from retailers.services import customer_join

    stores = list(Retailer.objects.filter(slug__startswith=STORE_SLUG_PREFIX).order_by("slug"))
    if not stores:
        raise SystemExit("No bench data: run `manage.py generate_bench_data` first.")

    staff_keys, store_entries = [], []
    for store in stores:
        staff, _ = User.objects.get_or_create(
            username=f"load-staff-{store.slug}",
            defaults={"display_name": f"Load staff {store.slug}"},
        )
        Membership.objects.get_or_create(user=staff, retailer=store, defaults={"role": Role.STAFF})
        keys = [session_for(staff) for _ in range(STAFF_SESSIONS_PER_STORE)]
        staff_keys.append([{"session_key": key, "store_slug": store.slug} for key in keys])
        store_entries.append({"slug": store.slug, "id": store.pk, "staff_session_key": keys[0]})
    # Store after store (one member at each, then a second at each, ...), so a
    # handful of staff users are spread over the stores, the busiest included.
    staff_sessions = [session for round_ in zip(*staff_keys, strict=True) for session in round_]

    # One PBKDF2 hash for every load golfer: computing 200 would take a minute of CPU.
    password_hash = make_password(LOAD_PASSWORD)
    sign_in = []
    for index in range(SIGN_IN_GOLFERS):
        store = stores[index % len(stores)]
        golfer, created = User.objects.get_or_create(
            username=f"load-golfer-{index:04d}",
            defaults={"display_name": f"Load golfer {index}", "password": password_hash},
        )
        if not created and not golfer.check_password(LOAD_PASSWORD):
            golfer.password = password_hash
            golfer.save(update_fields=["password"])
        if not CustomerLink.objects.filter(golfer=golfer, retailer=store).exists():
            customer_join(
                golfer=golfer,
                retailer=store,
                joined_via="signup",
                leaderboard_consent=True,
                leaderboard_name=f"Load {index}",
                marketing_consent=False,
            )
        sign_in.append(
            {"username": golfer.username, "store_slug": store.slug, "store_id": store.pk}
        )

    picked = active_golfers(golfer_sessions + api_clients)
    users = User.objects.in_bulk([golfer_id for golfer_id, _, _ in picked])
    with_sessions, with_tokens = picked[:golfer_sessions], picked[golfer_sessions:]
    golfers = [
        {"session_key": session_for(users[golfer_id]), "store_id": store_id, "store_slug": slug}
        for golfer_id, store_id, slug in with_sessions
    ]
    tokens = [
        {"refresh": str(RefreshToken.for_user(users[golfer_id])), "store_slug": slug}
        for golfer_id, _store_id, slug in with_tokens
    ]
    return {
        "stores": store_entries,
        "staff_sessions": staff_sessions,
        "sign_in_golfers": sign_in,
        "password": LOAD_PASSWORD,
        "golfer_sessions": golfers,
        "api_refresh_tokens": tokens,
    }


# --- the worker --------------------------------------------------------------


@contextlib.contextmanager
def analysis_worker(environment: Mapping[str, str], var_dir: Path) -> Iterator[subprocess.Popen]:
    """``python -m golfshots.worker`` as the Procfile starts it; ready when Celery says so."""
    log_path = var_dir / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "golfshots.worker", "--hostname", f"load-{os.getpid()}@%h"],
            cwd=BASE_DIR,
            env=dict(environment),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The worker did not start; its log is {log_path}.")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def clear_backlog(redis_url: str) -> tuple[int, int]:
    """Start with no backlog: (messages dropped from the queues, pending shots set failed).

    A worker that starts sends every shot still received, queued or
    analysing back to the queue (shots.tasks, the take-over after a
    restart). The bench data has about 8,000 such shots without a photo
    file, and a run leaves its own unread photos behind; without this the
    worker would spend the next run on them. Failed is what the worker
    would make of a shot without a photo; none of them counted before.
    """
    import redis

    from shots.models import Shot, ShotStatus

    client = redis.Redis.from_url(redis_url)
    dropped = sum(client.llen(name) for name in ("analysis", "default"))
    client.delete("analysis", "default")
    failed = Shot.objects.filter(status__in=PENDING).update(status=ShotStatus.FAILED)
    return dropped, failed


def queue_length(redis_url: str) -> int:
    import redis

    return int(redis.Redis.from_url(redis_url).llen("analysis"))


# libpq's application_name for the servers' connections, so that their backends
# are told apart from anyone else's on the same database.
APPLICATION_NAME = f"golfshots-load-{os.getpid()}"


def database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME]
        )
        return [pid for (pid,) in cursor.fetchall()]


def warm_up(base_url: str, fixture: dict) -> None:
    """Each store's boards and kiosk once, so the run starts from a warm cache as a live site does."""
    for store in fixture["stores"]:
        cookie = {"Cookie": f"sessionid={store['staff_session_key']}"}
        for path in (f"/s/{store['slug']}/", f"/s/{store['slug']}/kiosk/slide/"):
            with contextlib.suppress(OSError):
                harness.fetch(base_url, path, headers=cookie)


# --- figures -----------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float
    failures: int

    @classmethod
    def of(cls, name: str, samples: list[list], seconds: float) -> Row:
        times = [sample[2] for sample in samples]
        return cls(
            name=name,
            requests=len(samples),
            per_second=len(samples) / seconds,
            p50=percentile(times, 0.50),
            p95=percentile(times, 0.95),
            p99=percentile(times, 0.99),
            max=max(times, default=float("nan")),
            failures=sum(1 for sample in samples if not sample[4]),
        )

    def line(self) -> str:
        return (
            f"| {self.name} | {self.requests} | {self.per_second:.1f} | {self.p50:.0f} | "
            f"{self.p95:.0f} | {self.p99:.0f} | {self.max:.0f} | {self.failures} |"
        )


def group_of(name: str) -> str:
    return name.split(":", 1)[0]


def analysis_figures(started_at: datetime) -> dict[str, float]:
    from shots.models import Shot, ShotSource

    uploaded = Shot.objects.filter(source=ShotSource.PHOTO, created_at__gte=started_at)
    # Nobody confirms or edits these shots during the run, so the last write is the reading's.
    read_seconds = [
        (updated - created).total_seconds()
        for created, updated in uploaded.exclude(status__in=PENDING).values_list(
            "created_at", "updated_at"
        )
    ]
    return {
        "photos uploaded": uploaded.count(),
        "photos read": len(read_seconds),
        "photos still waiting at the end": uploaded.filter(status__in=PENDING).count(),
        "upload to read p50 (s)": percentile(read_seconds, 0.5),
        "upload to read p95 (s)": percentile(read_seconds, 0.95),
        "typed shots recorded": Shot.objects.filter(created_at__gte=started_at)
        .exclude(source=ShotSource.PHOTO)
        .count(),
    }


# --- one run -----------------------------------------------------------------


def run_seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def people_classes(weights: str) -> list[str]:
    """The locustfile's classes with a weight above 0 (locust runs only those named)."""
    chosen = []
    for pair in weights.split(","):
        kind, weight = pair.split("=")
        if kind not in USER_CLASSES:
            raise SystemExit(f"--weights: no such kind {kind!r}; use {', '.join(USER_CLASSES)}")
        if int(weight) > 0:
            chosen.append(USER_CLASSES[kind])
    return chosen


def run_level(args: argparse.Namespace, users: int, environment: dict[str, str], var_dir: Path):
    from django.utils import timezone

    duration = run_seconds(args.run_time)
    run_dir = var_dir / f"users-{users}"
    run_dir.mkdir()
    fixture = prepare_people(golfer_sessions=users, api_clients=users // 4 + 10)
    fixture["photos"] = load_photos()
    fixture_path = run_dir / "fixture.json"
    fixture_path.write_text(json.dumps(fixture))
    samples_path = run_dir / "samples.json"
    dropped, set_failed = clear_backlog(args.redis_url)

    worker_environment = dict(environment, PROMETHEUS_MULTIPROC_DIR=str(run_dir / "worker-metrics"))
    if args.worker_nice is not None:
        worker_environment["WORKER_NICE"] = str(args.worker_nice)
    if args.worker_concurrency is not None:
        worker_environment["WORKER_CONCURRENCY"] = str(args.worker_concurrency)
    if args.worker_max_memory_kb is not None:
        worker_environment["WORKER_MAX_MEMORY_KB"] = str(args.worker_max_memory_kb)

    with (
        harness.gunicorn_server(environment, run_dir) as server,
        analysis_worker(worker_environment, run_dir) as worker,
    ):
        warm_up(server.base_url, fixture)
        watch = CpuWatch(gunicorn=server.process.pid, worker=worker.pid, redis=redis_server_pid())
        queue_samples: list[int] = []
        load_before = os.getloadavg()
        started_at = timezone.now()
        watch.sample(backends=database_backends(), initial=True)
        own_before = os.times()
        wall_started = time.monotonic()
        locust = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "locust"),
                "--locustfile",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                f"{users / args.ramp_seconds:.2f}",
                "--run-time",
                args.run_time,
                "--host",
                server.base_url,
                "--only-summary",
                "--loglevel",
                "WARNING",
                *people_classes(args.weights),
            ],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "LOAD_FIXTURE": str(fixture_path),
                "LOAD_SAMPLES": str(samples_path),
                "LOAD_SIGN_IN_SHARE": str(args.sign_in_share),
                "LOAD_PHOTO_WEIGHT": str(args.photo_weight),
                "LOAD_WEIGHTS": args.weights,
            },
            stdout=(run_dir / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        load_peak = list(load_before)
        rusage = None
        try:
            while rusage is None:
                finished, exit_status, usage = os.wait4(locust.pid, os.WNOHANG)
                if finished:
                    rusage = usage
                    locust.returncode = exit_status  # reaped here: Popen must not wait again
                    break
                time.sleep(2)
                watch.sample(backends=database_backends())
                queue_samples.append(queue_length(args.redis_url))
                load_peak = [max(a, b) for a, b in zip(load_peak, os.getloadavg(), strict=True)]
        finally:
            if rusage is None:  # interrupted: stop locust with the servers
                locust.kill()
                locust.wait()
        wall = time.monotonic() - wall_started
        own_after = os.times()
        watch.sample(backends=database_backends())
        load_after = os.getloadavg()
        queue_at_end = queue_length(args.redis_url)
        analysis = analysis_figures(started_at)

    if not samples_path.exists():
        log = (run_dir / "locust.log").read_text()
        raise SystemExit(f"locust recorded nothing; the end of its log:\n{log[-3000:]}")
    recorded = json.loads(samples_path.read_text())
    samples = recorded["samples"]
    cpu = watch.seconds()
    ours = {
        os.getpid(),
        locust.pid,
        server.process.pid,
        worker.pid,
        *watch.worker_children,
        *watch.web_workers,
        *watch.backend_last,
        *(pid for pid, (comm, _, _) in watch.seen.items() if comm == "redis-server"),
    }
    cpu["locust (load generator)"] = rusage.ru_utime + rusage.ru_stime
    cpu["bench/load.py (sampling /proc, Redis, PostgreSQL)"] = (
        own_after.user + own_after.system
    ) - (own_before.user + own_before.system)
    listed = sum(value for key, value in cpu.items() if key != "machine, all processes")
    cpu["everything else on the machine"] = cpu["machine, all processes"] - listed
    return {
        "users": users,
        "run_seconds": duration,
        "wall_seconds": wall,
        "started_at": started_at.isoformat(),
        "samples": samples,
        "locust_cpu_warning": recorded["cpu_warning"],
        "cpu_seconds": cpu,
        "niceness": watch.niceness,
        "worker_children_seen": len(watch.worker_children),
        "worker_child_kb": watch.worker_child_kb,
        "busiest_others": watch.busiest_others(ours),
        "load_before": load_before,
        "load_peak": load_peak,
        "load_after": load_after,
        "queue_dropped_before": dropped,
        "pending_set_failed_before": set_failed,
        "queue_max": max(queue_samples, default=0),
        "queue_at_end": queue_at_end,
        "analysis": analysis,
        "settings": {
            "web_workers": args.web_workers,
            "photo_weight": args.photo_weight,
            "sign_in_share": args.sign_in_share,
            "worker_nice": args.worker_nice,
            "worker_concurrency": args.worker_concurrency,
            "worker_max_memory_kb": args.worker_max_memory_kb,
            "ramp_seconds": args.ramp_seconds,
            "weights": args.weights,
        },
        "log_dir": str(run_dir),
    }


def report(result: dict) -> str:
    seconds = result["run_seconds"]
    samples = result["samples"]
    by_name: dict[str, list] = defaultdict(list)
    by_group: dict[str, list] = defaultdict(list)
    for sample in samples:
        by_name[sample[1]].append(sample)
        by_group[group_of(sample[1])].append(sample)
    settings = result["settings"]
    lines = [
        f"\n## {result['users']} users, {seconds} s (ramp {settings['ramp_seconds']} s), "
        f"{settings.get('web_workers', 2)} gunicorn workers, "
        f"people {settings['weights']}, "
        f"photo weight {settings['photo_weight']}, sign-in share {settings['sign_in_share']}, "
        f"worker nice {result['niceness'].get('celery worker, pool children', '?')}, "
        f"started {result['started_at'][:19]}Z",
        "",
        "load average before {:.2f} {:.2f} {:.2f}, peak 1-min {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *result["load_before"], result["load_peak"][0], *result["load_after"]
        ),
    ]
    if result["locust_cpu_warning"]:
        lines.append("WARNING: locust itself ran out of CPU; its times include its own queueing.")
    lines += [
        "",
        "| request | n | req/s | p50 ms | p95 ms | p99 ms | max ms | failures |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(by_name, key=lambda n: (GROUPS.index(group_of(n)), n)):
        lines.append(Row.of(name, by_name[name], seconds).line())
    lines += ["", "| group | n | req/s | p50 ms | p95 ms | p99 ms | max ms | failures |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for group in GROUPS:
        if by_group[group]:
            lines.append(Row.of(f"**{group}**", by_group[group], seconds).line())
    pages = by_group["page"] + by_group["console"]
    lines.append(Row.of("**page + console (every full page)**", pages, seconds).line())
    html_gets = pages + by_group["fragment"]
    lines.append(Row.of("**every HTML GET (with fragments)**", html_gets, seconds).line())
    settled = after_ramp(result, pages)
    lines.append(
        Row.of("**full pages after the ramp**", settled, seconds - settings["ramp_seconds"]).line()
    )
    lines.append(Row.of("**all**", samples, seconds).line())
    reasons: dict[tuple[str, str], int] = defaultdict(int)
    for sample in samples:
        if not sample[4]:
            reasons[(sample[1], sample[5])] += 1
    for (name, reason), count in sorted(reasons.items(), key=lambda item: -item[1])[:10]:
        lines.append(f"failed: {name}: {reason} (×{count})")
    start = min((s[0] for s in samples), default=0)
    windows: dict[int, list[float]] = defaultdict(list)
    for sample in pages:
        windows[int((sample[0] - start) // 10)].append(sample[2])
    lines += [
        "",
        "page p95 per 10 s: "
        + ", ".join(f"{percentile(windows[w], 0.95):.0f}" for w in sorted(windows))
        + " ms",
        "",
        "| process | CPU s | % of one core | nice |",
        "|---|---|---|---|",
    ]
    for name, used in result["cpu_seconds"].items():
        nice = result["niceness"].get(name, "")
        lines.append(
            f"| {name} | {used:.1f} | {100 * used / result['wall_seconds']:.0f} | {nice} |"
        )
    others = ", ".join(f"{comm} {used:.1f} s" for comm, used in result.get("busiest_others", []))
    lines.append(f"\nbusiest other processes (CPU s during the run): {others}")
    analysis = result["analysis"]
    lines += [
        "",
        "analysis: "
        + ", ".join(
            f"{key} {value:.1f}" if isinstance(value, float) else f"{key} {value}"
            for key, value in analysis.items()
        ),
        f"analysis queue in Redis: max {result['queue_max']} during the run, "
        f"{result['queue_at_end']} at the end; before the run {result['queue_dropped_before']} "
        f"messages dropped and {result['pending_set_failed_before']} pending shots set failed; "
        f"worker pool children seen: {result['worker_children_seen']}, the largest peak RSS "
        f"{result.get('worker_child_kb', {}).get('VmHWM', 0) // 1024} MiB (sampled every 2 s)",
        f"logs: {result['log_dir']}",
    ]
    return "\n".join(lines)


def after_ramp(result: dict, samples: list[list]) -> list[list]:
    """The samples answered once every user had started (a steadier figure than the whole run)."""
    if not result["samples"]:
        return []
    start = min(sample[0] - sample[2] / 1000 for sample in result["samples"])
    settled_from = start + result["settings"]["ramp_seconds"]
    return [sample for sample in samples if sample[0] - sample[2] / 1000 >= settled_from]


SUMMARY_HEADER = (
    "| users | req/s | page p50 ms | page p95 ms | page p99 ms | page p95 after ramp | "
    "golfer page p95 | console p95 | HTML GET p95 | failures | photos up / read | "
    "queue at end | load peak |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def summary_line(result: dict) -> str:
    """One row per run; "page" is every full page, a golfer's or the console's."""

    def times(*groups: str) -> list[float]:
        return [s[2] for s in result["samples"] if group_of(s[1]) in groups]

    pages = times("page", "console")
    page_samples = [s for s in result["samples"] if group_of(s[1]) in {"page", "console"}]
    failures = sum(1 for s in result["samples"] if not s[4])
    analysis = result["analysis"]
    cells = [
        result["users"],
        f"{len(result['samples']) / result['run_seconds']:.1f}",
        f"{percentile(pages, 0.5):.0f}",
        f"{percentile(pages, 0.95):.0f}",
        f"{percentile(pages, 0.99):.0f}",
        f"{percentile([s[2] for s in after_ramp(result, page_samples)], 0.95):.0f}",
        f"{percentile(times('page'), 0.95):.0f}",
        f"{percentile(times('console'), 0.95):.0f}",
        f"{percentile(times('page', 'console', 'fragment'), 0.95):.0f}",
        failures,
        f"{analysis['photos uploaded']} / {analysis['photos read']}",
        result["queue_at_end"],
        f"{result['load_peak'][0]:.1f}",
    ]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_database_arguments(parser)
    parser.add_argument(
        "--users",
        default="200",
        help="Simulated people, or several levels separated by commas (each its own run).",
    )
    parser.add_argument("--run-time", default="60s", help="locust's --run-time for each level.")
    parser.add_argument(
        "--ramp-seconds", type=float, default=10, help="Seconds to start all the users."
    )
    parser.add_argument(
        "--photo-weight",
        type=int,
        default=2,
        help="Weight of a photo upload among a golfer's actions (about 70 in all) and an "
        "API client's (about 40); 0 = no uploads.",
    )
    parser.add_argument(
        "--sign-in-share",
        type=float,
        default=0.05,
        help="Share of arrivals that sign in with a password instead of a kept session/token.",
    )
    parser.add_argument(
        "--weights",
        default=DEFAULT_WEIGHTS,
        help="How many of each kind of person, relatively; a kind at 0 is left out.",
    )
    parser.add_argument(
        "--web-workers",
        type=int,
        default=harness.WORKERS,
        help="WEB_CONCURRENCY: gunicorn's sync workers.",
    )
    parser.add_argument("--worker-nice", type=int, help="WORKER_NICE for the worker.")
    parser.add_argument("--worker-concurrency", type=int, help="WORKER_CONCURRENCY for it.")
    parser.add_argument("--worker-max-memory-kb", type=int, help="WORKER_MAX_MEMORY_KB for it.")
    parser.add_argument("--output", type=Path, help="Also append the results (JSON lines) here.")
    parser.add_argument(
        "--report-from",
        type=Path,
        nargs="+",
        help="Print the tables again from earlier runs' result.json files and stop.",
    )
    args = parser.parse_args()
    if args.report_from:
        earlier = [json.loads(path.read_text()) for path in args.report_from]
        for result in earlier:
            print(report(result))
        print("\n" + SUMMARY_HEADER)
        for result in earlier:
            print(summary_line(result))
        return
    levels = [int(level) for level in args.users.split(",")]

    harness.refuse_default_database(args.database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="golfshots-load-"))
    environment = harness.server_environment(
        database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
    )
    for name in ("OPENAI_API_KEY", "CELERY_TASK_ALWAYS_EAGER", "ANALYSIS_IN_BACKGROUND"):
        environment.pop(name, None)
    environment.update(
        CELERY_BROKER_URL=args.redis_url, SHOT_ANALYSER="ocr", WEB_CONCURRENCY=str(args.web_workers)
    )
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=environment, check=True)
    harness.setup_django(environment)
    # Set after this process's own set-up, so only gunicorn's and the worker's connections carry it.
    environment["PGAPPNAME"] = APPLICATION_NAME

    results = []
    for users in levels:
        print(f"Setting up and running {users} users for {args.run_time} ...", flush=True)
        result = run_level(args, users, environment, var_dir)
        print(report(result), flush=True)
        results.append(result)
        if args.output:
            with args.output.open("a") as output:
                output.write(json.dumps({**result, "samples": len(result["samples"])}) + "\n")
        (var_dir / f"users-{users}" / "result.json").write_text(json.dumps(result))

    print("\n" + SUMMARY_HEADER)
    for result in results:
        print(summary_line(result))
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M}Z; logs and JSON under {var_dir}")


if __name__ == "__main__":
    main()
