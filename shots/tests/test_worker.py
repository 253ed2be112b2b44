"""The analysis task in a real Celery worker, on the local Redis, killed and all.

Each test starts ``celery worker`` as a subprocess configured by environment
only (as in production), pointed at the pytest database and at the fake
OpenAI server. The tests are transactional so the worker sees committed rows.
The broker is REDIS_URL's database, purged before and after each test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from golfshots.celery import app as celery_app
from golfshots.tests.servers import free_port, pytest_database_url
from shots import services
from shots.images import shrink_upload
from shots.models import AnalysisOutcome, Shot, ShotAnalysis, ShotStatus
from shots.tasks import analyze_shot
from shots.tests import fake_openai as fake
from shots.tests.photos import screen_photo, shrunk_screen_photo
from shots.tests.screens import phone_photo, render_screen, spec_for_case

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_READY_SECONDS = 30
ANALYSIS_SECONDS = 20
# Kombu's Redis keys for our queues and for messages delivered but not yet acknowledged.
BROKER_KEY_PATTERNS = ("analysis*", "default*", "unacked*")
SUCCEEDED = re.compile(r"Task shots\.tasks\.analyze_shot\[[^\]]+\] succeeded in [^:]+: '([\w-]+)'")

SCREEN = fake.screen_answer(
    {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240.0, "yds")},
    club="Driver",
)


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def outcomes(self) -> list[str]:
        """What each finished analyze_shot returned, in order."""
        return SUCCEEDED.findall(self.log())

    def pool_children(self) -> list[int]:
        """The pids of the main process's children (the prefork pool)."""
        pids: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        return pids

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool child."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, worker: Worker | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    log = worker.log()[-4000:] if worker is not None else ""
    pytest.fail(f"Timed out after {timeout:g} s waiting for {what}.\n--- worker log ---\n{log}")


def purge_broker(broker_url: str) -> None:
    client = redis.Redis.from_url(broker_url)
    try:
        for pattern in BROKER_KEY_PATTERNS:
            keys = list(client.scan_iter(match=pattern))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def point_celery_at(*, broker_url: str, eager: bool) -> None:
    celery_app.conf.broker_url = broker_url
    celery_app.conf.task_always_eager = eager
    # Celery caches its producer pool for the broker of the first publish.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="module", autouse=True)
def no_stray_workers() -> None:
    """Fail early if a worker from an aborted run still consumes from this broker.

    It would take the tests' tasks with a stale configuration and make them
    fail in confusing ways.
    """
    url = django_settings.REDIS_URL
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    point_celery_at(broker_url=url, eager=False)
    try:
        replies = celery_app.control.ping(timeout=0.5)
    finally:
        point_celery_at(broker_url=previous[0], eager=previous[1])
    if replies:
        names = ", ".join(name for reply in replies for name in reply)
        pytest.fail(f"Celery workers are already consuming from {url}: {names}. Stop them first.")


@pytest.fixture
def broker_url(settings) -> Iterator[str]:
    """REDIS_URL's database as the broker, for this process's delay() and the worker."""
    url = settings.REDIS_URL
    if not url:
        pytest.fail("The worker tests need REDIS_URL, e.g. redis://127.0.0.1:6379/6.")
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    purge_broker(url)
    point_celery_at(broker_url=url, eager=False)
    yield url
    point_celery_at(broker_url=previous[0], eager=previous[1])
    # A killed worker's message waits in "unacked" for an hour; drop it with the test.
    purge_broker(url)


@pytest.fixture
def start_worker(
    transactional_db, broker_url, fake_openai, settings, tmp_path
) -> Iterator[Callable[..., Worker]]:
    """Start workers on demand; every one is killed at teardown, pass or fail."""
    workers: list[Worker] = []

    def start(*, concurrency: int = 1, procfile: bool = False, **extra_env: str) -> Worker:
        """A worker; ``procfile=True`` starts it as the Procfile does (python -m golfshots.worker)."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "golfshots.settings",
            "DATABASE_URL": pytest_database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SHOT_ANALYSER": "openai",
            "OPENAI_API_KEY": "test",
            "OPENAI_BASE_URL": fake_openai.url,
            # Longer than any reply the fake holds back: the kill, not a timeout, ends it.
            "OPENAI_TIMEOUT": "60",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "ANALYSIS_MAX_ATTEMPTS": str(settings.ANALYSIS_MAX_ATTEMPTS),
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        if procfile:
            command = [sys.executable, "-m", "golfshots.worker"]
            env["WORKER_CONCURRENCY"] = str(concurrency)
        else:
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "golfshots",
                "worker",
                "-Q",
                "analysis,default",
                "--concurrency",
                str(concurrency),
            ]
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    *command,
                    "--pool",
                    "prefork",
                    "-l",
                    "info",
                    "--hostname",
                    f"pytest-{os.getpid()}-{len(workers) + 1}@%h",
                    # No cluster chatter: one worker, and mingle alone costs a second.
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                ],
                cwd=django_settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so one killpg reaches the pool children too.
                start_new_session=True,
            )
        worker = Worker(process, log_path)
        workers.append(worker)

        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"The worker exited with {process.returncode}:\n{worker.log()}")
            return " ready." in worker.log()

        wait_for(ready, timeout=WORKER_READY_SECONDS, what="the worker to start", worker=worker)
        return worker

    yield start
    for worker in workers:
        worker.kill()


@pytest.fixture
def golfer(transactional_db):
    return UserFactory()


def upload_through_the_api(golfer, *, headers: dict[str, str] | None = None):
    api = APIClient()
    api.force_authenticate(golfer)
    return api.post(
        "/api/v1/shots/",
        {"image": SimpleUploadedFile("screen.jpg", screen_photo("teal"), "image/jpeg")},
        format="multipart",
        headers=headers or {},
    )


def status_of(shot: Shot) -> str:
    return Shot.objects.values_list("status", flat=True).get(pk=shot.pk)


def a_shot_the_worker_is_reading(golfer, fake_openai, worker: Worker) -> Shot:
    """A new photo shot, once the worker has claimed it and waits on the held OpenAI reply."""
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo())
    wait_for(
        lambda: len(fake_openai.requests) == 1 and status_of(shot) == ShotStatus.ANALYZING,
        timeout=ANALYSIS_SECONDS,
        what="the worker to be waiting on OpenAI",
        worker=worker,
    )
    return shot


def test_a_worker_analyses_a_photo_uploaded_through_the_api(start_worker, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(SCREEN, request_id="req_worker"))
    worker = start_worker()
    response = upload_through_the_api(golfer)

    assert response.status_code == 201, response.json()
    shot = Shot.objects.get(pk=response.json()["id"])
    wait_for(
        lambda: status_of(shot) == ShotStatus.ANALYZED,
        timeout=ANALYSIS_SECONDS,
        what="the worker to analyse the shot",
        worker=worker,
    )
    shot.refresh_from_db()
    assert (shot.club, shot.carry, shot.analysis_attempts) == ("driver", 240.0, 1)
    analysis = shot.analyses.get()
    assert (analysis.outcome, analysis.request_id) == (AnalysisOutcome.ANALYZED, "req_worker")
    assert len(fake_openai.requests) == 1
    wait_for(lambda: worker.outcomes() == ["analyzed"], timeout=5, what="the log", worker=worker)


def test_the_procfile_worker_serves_its_metrics_and_logs_the_uploads_request_id(
    start_worker, golfer, fake_openai, tmp_path
):
    fake_openai.enqueue(fake.good_answer(SCREEN, prompt_tokens=1000, completion_tokens=200))
    port = free_port()
    worker = start_worker(
        procfile=True,
        WORKER_METRICS_PORT=str(port),
        METRICS_TOKEN="worker-scrape-token",
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "worker-metrics"),
    )
    response = upload_through_the_api(golfer, headers={"X-Request-ID": "upload-from-the-web-0001"})

    assert response.status_code == 201, response.json()
    shot = Shot.objects.get(pk=response.json()["id"])
    wait_for(
        lambda: status_of(shot) == ShotStatus.ANALYZED,
        timeout=ANALYSIS_SECONDS,
        what="the worker to analyse the shot",
        worker=worker,
    )
    wait_for(lambda: worker.outcomes() == ["analyzed"], timeout=5, what="the log", worker=worker)
    analysis_lines = [
        json.loads(line)
        for line in worker.log().splitlines()
        if line.startswith("{") and '"golfshots.analysis"' in line
    ]
    assert [(line["request_id"], line["shot_id"]) for line in analysis_lines] == [
        ("upload-from-the-web-0001", shot.pk)
    ]

    refused = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(refused, timeout=5)
    assert error.value.code == 401
    scrape = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Authorization": "Bearer worker-scrape-token"},
    )
    with urllib.request.urlopen(scrape, timeout=5) as answer:
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.read().decode())
            for sample in family.samples
        }
    assert (
        samples[("golfshots_analyses_total", (("analyser", "openai"), ("outcome", "analyzed")))]
        == 1
    )
    assert (
        samples[("golfshots_openai_tokens_total", (("kind", "input"), ("model", "gpt-4o-mini")))]
        == 1000
    )
    memory = samples[("golfshots_process_resident_memory_bytes", (("role", "worker"),))]
    assert 20 * 2**20 < memory < 2 * 2**30


def test_an_ocr_worker_reads_photo_after_photo_in_the_same_pool_child(start_worker, golfer):
    # An OCR child peaks at about 600 MiB; were the default WORKER_MAX_MEMORY_KB
    # below that, billiard would replace the child after each photo and the
    # next would load the model again (twice the CPU per photo).
    worker = start_worker(procfile=True, SHOT_ANALYSER="ocr", OPENAI_API_KEY="")
    children_at_start = worker.pool_children()
    shots = []
    for seed in (1, 2):
        screen = render_screen(spec_for_case(seed))
        photo = shrink_upload(io.BytesIO(phone_photo(screen.image, random.Random(seed))))
        shot, _ = services.shot_create_from_photo(golfer=golfer, photo=photo)
        shots.append((shot, screen))
        wait_for(
            lambda shot=shot: status_of(shot) == ShotStatus.ANALYZED,
            timeout=ANALYSIS_SECONDS * 3,
            what="the OCR worker to read the photo",
            worker=worker,
        )
    for shot, screen in shots:
        shot.refresh_from_db()
        read = {metric: getattr(shot, metric) for metric in screen.expected}
        assert read == {
            metric: pytest.approx(value, abs=screen.tolerance[metric])
            for metric, value in screen.expected.items()
        }
    assert len(children_at_start) == 1
    assert worker.pool_children() == children_at_start, worker.log()


# A worker or pool process killed mid-analysis: test_worker_crash.py.


def test_a_task_delivered_three_times_analyses_the_shot_once(start_worker, golfer, fake_openai):
    # Held for a second so the duplicates arrive while the first is still at work.
    fake_openai.enqueue(fake.slow(fake.good_answer(SCREEN), seconds=1))
    # Two pool processes, so two deliveries really do run at the same time.
    worker = start_worker(concurrency=2)

    photo = shrunk_screen_photo()
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=photo)  # delivery 1
    duplicate = analyze_shot.delay(shot.pk)  # 2: a double enqueue
    analyze_shot.apply_async((shot.pk,), task_id=duplicate.id)  # 3: a redelivery of the same task

    wait_for(
        lambda: len(worker.outcomes()) == 3,
        timeout=ANALYSIS_SECONDS,
        what="all three deliveries to finish",
        worker=worker,
    )
    assert sorted(worker.outcomes()) == ["analyzed", "not-claimed", "not-claimed"]
    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED
    assert shot.analysis_attempts == 1
    assert shot.analyses.filter(outcome=AnalysisOutcome.ANALYZED).count() == 1
    assert shot.analyses.count() == 1
    assert len(fake_openai.requests) == 1


def test_a_shot_deleted_while_the_worker_reads_it_stays_deleted(start_worker, golfer, fake_openai):
    fake_openai.enqueue(fake.slow(fake.good_answer(SCREEN), seconds=2))
    worker = start_worker()
    shot = a_shot_the_worker_is_reading(golfer, fake_openai, worker)

    shot_id = shot.pk  # delete() clears shot.pk
    services.shot_delete(shot=shot)  # the golfer gives up on it meanwhile

    wait_for(
        lambda: len(worker.outcomes()) == 1,
        timeout=ANALYSIS_SECONDS,
        what="the task to finish",
        worker=worker,
    )
    assert not Shot.objects.filter(pk=shot_id).exists()
    assert not ShotAnalysis.objects.filter(shot_id=shot_id).exists()
    assert "Traceback" not in worker.log()
