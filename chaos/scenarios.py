"""The faults of issue 15, replayed against the stack, each with its target.

Every scenario returns an Outcome: what the clients saw (requests, errors,
p95 before/during/after the fault), the figure its target is about, and the
uploads it made. Shots lost and duplicated are counted for all of them at
the end, from the database (``shots_accounting``), and a scenario passes only
with none of either.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from chaos.load import (
    Client,
    Golfer,
    Load,
    Photos,
    Probe,
    Sample,
    UploadRecord,
    between,
    golfers_create,
    p95,
)
from chaos.stack import Stack, accept_queue_length, close_database_pools

BEFORE_SECONDS = 10.0
AFTER_SECONDS = 10.0
REDIS_HANG_SECONDS = 20.0
REDIS_DOWN_SECONDS = 8.0
POSTGRES_DOWN_SECONDS = 10.0
# Targets (issue 15).
HUNG_THROUGHPUT_SHARE = 0.5
OUTAGE_ANSWER_SECONDS = 1.0
READYZ_FALSE_SECONDS = 2.0
DUPLICATE_PAIRS = 20
CRASH_SHOTS = 4
SLOW_OPENAI_SECONDS = 6.0
RECOVERY_SECONDS = 60.0
SIGTERM_UPLOADS = 12
PENDING = ("received", "queued", "analyzing")


@dataclass
class Context:
    stack: Stack
    golfers: list[Golfer]
    photos: Photos
    seed: int


@dataclass
class Outcome:
    scenario: str
    target: str
    requests: int = 0
    errors: int = 0
    p95_before: float | None = None
    p95_during: float | None = None
    p95_after: float | None = None
    measured: str = ""
    met: bool = False
    uploads: list[UploadRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lost: int | None = None
    duplicated: int | None = None

    @property
    def passed(self) -> bool:
        return self.met and self.lost == 0 and self.duplicated == 0


@dataclass(frozen=True)
class Timeline:
    start: float
    fault: float
    heal: float
    end: float


def _breakdown(samples: list[Sample]) -> str:
    """What the requests were answered, most common first: "3× upload 503, 2× page 200"."""
    kinds = Counter(f"{sample.kind} {sample.status or sample.failure}" for sample in samples)
    return ", ".join(f"{count}× {kind}" for kind, count in kinds.most_common())


def _slowest(samples: list[Sample]) -> str:
    worst = sorted(samples, key=lambda sample: sample.seconds, reverse=True)[:3]
    return ", ".join(f"{s.path} {s.status or s.failure} {s.seconds:.1f} s" for s in worst)


@contextlib.contextmanager
def _load(ctx: Context, *, probes: tuple[str, ...] = ()) -> Iterator[tuple[Load, list[Probe]]]:
    with (
        Load(ctx.stack.base_url, ctx.golfers, ctx.photos, seed=ctx.seed) as load,
        contextlib.ExitStack() as running,
    ):
        started = [running.enter_context(Probe(ctx.stack.base_url, path)) for path in probes]
        yield load, started


def _under_load(
    ctx: Context,
    *,
    fault: Callable[[], None],
    heal: Callable[[], None],
    during: float,
    probes: tuple[str, ...] = (),
) -> tuple[Load, list[Probe], Timeline]:
    with _load(ctx, probes=probes) as (load, started):
        start = time.monotonic()
        time.sleep(BEFORE_SECONDS)
        fault()
        faulted = time.monotonic()
        time.sleep(during)
        heal()
        healed = time.monotonic()
        time.sleep(AFTER_SECONDS)
        end = time.monotonic()
    return load, started, Timeline(start, faulted, healed, end)


def _phases(samples: list[Sample], timeline: Timeline) -> tuple[list[Sample], ...]:
    return (
        between(samples, timeline.start, timeline.fault),
        between(samples, timeline.fault, timeline.heal),
        between(samples, timeline.heal, timeline.end),
    )


def _fill(outcome: Outcome, load: Load, timeline: Timeline) -> tuple[list[Sample], ...]:
    before, during, after = _phases(load.samples, timeline)
    outcome.requests = len(before) + len(during) + len(after)
    outcome.p95_before, outcome.p95_during, outcome.p95_after = p95(before), p95(during), p95(after)
    outcome.uploads = list(load.uploads)
    return before, during, after


# --- Redis -----------------------------------------------------------------------


def redis_hung(ctx: Context) -> Outcome:
    outcome = Outcome(
        "Redis hung 20 s (SIGSTOP)", f"≥ {HUNG_THROUGHPUT_SHARE:.0%} throughput, 0 errors"
    )
    redis_server = ctx.stack.redis
    load, _, timeline = _under_load(
        ctx,
        fault=lambda: redis_server.signal(signal.SIGSTOP),
        heal=lambda: redis_server.signal(signal.SIGCONT),
        during=REDIS_HANG_SECONDS,
    )
    before, during, after = _fill(outcome, load, timeline)
    failed = [sample for sample in before + during + after if not sample.ok]
    outcome.errors = len(failed)
    rate_before = sum(s.ok for s in before) / (timeline.fault - timeline.start)
    rate_during = sum(s.ok for s in during) / (timeline.heal - timeline.fault)
    share = rate_during / rate_before if rate_before else 0.0
    outcome.met = share >= HUNG_THROUGHPUT_SHARE and not failed
    outcome.measured = (
        f"throughput {share:.0%} of normal ({rate_before:.1f} -> {rate_during:.1f} req/s)"
    )
    if failed:
        outcome.notes.append(f"failed: {_breakdown(failed)}")
    outcome.notes.append(f"slowest during: {_slowest(during)}")
    return outcome


def redis_dead(ctx: Context) -> Outcome:
    outcome = Outcome("Redis dead 8 s (SIGKILL, restart)", "0 errors")
    redis_server = ctx.stack.redis
    load, _, timeline = _under_load(
        ctx, fault=redis_server.kill, heal=redis_server.start, during=REDIS_DOWN_SECONDS
    )
    before, during, after = _fill(outcome, load, timeline)
    failed = [sample for sample in before + during + after if not sample.ok]
    outcome.errors = len(failed)
    outcome.met = not failed
    outcome.measured = f"{len(failed)} failed of {outcome.requests}"
    if failed:
        outcome.notes.append(f"failed: {_breakdown(failed)}")
    return outcome


# --- PostgreSQL ------------------------------------------------------------------


def postgres_down(ctx: Context) -> Outcome:
    outcome = Outcome(
        "PostgreSQL down 10 s (stop -m fast)",
        "503+Retry-After ≤ 1 s, /healthz ok, /readyz false ≤ 2 s, 0 failed after",
    )
    postgres = ctx.stack.postgres

    def stop() -> None:
        close_database_pools()  # this process's own, before they start complaining
        postgres.stop("fast")

    load, (healthz, readyz), timeline = _under_load(
        ctx,
        fault=stop,
        heal=postgres.start,
        during=POSTGRES_DOWN_SECONDS,
        probes=("/healthz", "/readyz"),
    )
    _, during, after = _fill(outcome, load, timeline)

    def clean_refusal(sample: Sample) -> bool:
        return (
            sample.status == 503 and sample.retry_after and sample.seconds <= OUTAGE_ANSWER_SECONDS
        )

    refused = [sample for sample in during if clean_refusal(sample)]
    bad_during = [sample for sample in during if not sample.ok and not clean_refusal(sample)]
    bad_after = [sample for sample in after if not sample.ok]
    health = between(healthz.samples, timeline.fault, timeline.heal)
    bad_health = [s for s in health if s.status != 200 or s.seconds > OUTAGE_ANSWER_SECONDS]
    unready = [
        s.answered_at - timeline.fault
        for s in readyz.samples
        if s.status == 503 and s.answered_at >= timeline.fault
    ]
    readyz_after = min(unready) if unready else None
    outcome.errors = len(bad_during) + len(bad_after) + len(bad_health)
    outcome.met = (
        not outcome.errors and readyz_after is not None and readyz_after <= READYZ_FALSE_SECONDS
    )
    health_max = max((s.seconds for s in health), default=0.0)
    outcome.measured = (
        f"{len(refused)}/{len(during)} answered 503+Retry-After ≤ 1 s; "
        f"/healthz max {health_max:.1f} s; /readyz false after "
        + (f"{readyz_after:.1f} s" if readyz_after is not None else "never")
        + f"; {len(bad_after)} failed after"
    )
    if bad_during:
        outcome.notes.append(f"during, not a quick 503: {_breakdown(bad_during)}")
        outcome.notes.append(f"slowest during: {_slowest(bad_during)}")
    if bad_after:
        outcome.notes.append(f"after, failed: {_breakdown(bad_after)}")
    if bad_health:
        outcome.notes.append(f"/healthz during: {_breakdown(bad_health)}; {_slowest(bad_health)}")
    return outcome


# --- Duplicates --------------------------------------------------------------------


def _at_once(calls: list[Callable[[], None]]) -> None:
    """Run the calls on threads released together, and wait for all of them."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], None]) -> None:
        gate.wait()
        call()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def duplicates(ctx: Context) -> Outcome:
    outcome = Outcome(
        f"Duplicates: {DUPLICATE_PAIRS} pairs at once", "0 duplicates, 0 errors", met=True
    )
    golfer = golfers_create(1, prefix="twin")[0]
    clients = [Client(ctx.stack.base_url, golfer), Client(ctx.stack.base_url, golfer)]
    samples: list[Sample] = []

    def send(client: Client, photo: bytes) -> None:
        sample, record = client.upload(photo)
        samples.append(sample)
        outcome.uploads.append(record)

    for _ in range(DUPLICATE_PAIRS):
        photo = ctx.photos.make()
        _at_once([functools.partial(send, client, photo) for client in clients])
    for client in clients:
        client.close()
    failed = [sample for sample in samples if not sample.ok]
    outcome.requests, outcome.errors = len(samples), len(failed)
    outcome.p95_during = p95(samples)
    outcome.met = not failed
    outcome.measured = "answers: " + _breakdown(samples)
    return outcome


# --- The Celery worker -----------------------------------------------------------


def _pipeline_drained(*, seconds: float) -> int:
    """Wait until no shot waits for analysis; how many still do after ``seconds``."""
    from shots.models import Shot

    deadline = time.monotonic() + seconds
    while (waiting := Shot.objects.filter(status__in=PENDING).count()) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.5)
    return waiting


def worker_sigkill(ctx: Context) -> Outcome:
    from shots.models import Shot

    outcome = Outcome(
        "Worker SIGKILL mid-analysis",
        f"all analysed ≤ {RECOVERY_SECONDS:.0f} s after restart, 0 double-paid",
    )
    stack = ctx.stack
    waiting = _pipeline_drained(seconds=30)
    if waiting:
        outcome.notes.append(f"{waiting} earlier shot(s) still waited for analysis")
    client = Client(stack.base_url, ctx.golfers[0])
    begun = time.monotonic()
    stack.openai.delay = SLOW_OPENAI_SECONDS
    try:
        samples = []
        for _ in range(CRASH_SHOTS):
            sample, record = client.upload(ctx.photos.make())
            samples.append(sample)
            outcome.uploads.append(record)
        client.close()
        shot_ids = [record.shot_id for record in outcome.uploads if record.shot_id]
        if not shot_ids:
            outcome.requests, outcome.errors = len(samples), len(samples)
            outcome.measured = f"no upload was accepted ({_breakdown(samples)}): nothing to analyse"
            return outcome
        deadline = time.monotonic() + 30
        while not stack.openai.calls_since(begun) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # well inside the slow answer: the call is in flight
        killed = time.monotonic()
        stack.worker.kill_group()
        time.sleep(3.0)
        stack.start_worker()
        returned = time.monotonic()
        statuses: dict[str, int] = {}
        recovered_at = None
        while time.monotonic() < returned + RECOVERY_SECONDS:
            statuses = dict(
                Counter(Shot.objects.filter(pk__in=shot_ids).values_list("status", flat=True))
            )
            if not any(statuses.get(status) for status in PENDING):
                recovered_at = time.monotonic()
                break
            time.sleep(0.5)
    finally:
        stack.openai.delay = 0.0
    calls = stack.openai.calls_since(begun)
    cut_off = [call for call in calls if call.arrived <= killed < call.arrived + call.delay]
    answered = Counter(call.image for call in calls if call not in cut_off)
    double_paid = sum(count - 1 for count in answered.values() if count > 1)
    analysed = statuses.get("analyzed", 0)
    failed = [sample for sample in samples if not sample.ok]
    outcome.requests, outcome.errors = len(samples), len(failed)
    outcome.p95_during = p95(samples)
    outcome.met = (
        recovered_at is not None
        and analysed == len(shot_ids) == CRASH_SHOTS
        and double_paid == 0
        and not failed
    )
    recovery = (
        f"{recovered_at - returned:.0f} s after restart"
        if recovered_at is not None
        else f"not within {RECOVERY_SECONDS:.0f} s"
    )
    outcome.measured = (
        f"{analysed}/{CRASH_SHOTS} analysed, {recovery}; {double_paid} double-paid; "
        f"{len(cut_off)} call(s) cut off by the kill"
    )
    outcome.notes.append(
        f"shot statuses at the end: {statuses}; OpenAI calls: {len(calls)} "
        f"for {len(answered)} photo(s) answered"
    )
    return outcome


# --- gunicorn SIGTERM ------------------------------------------------------------


def gunicorn_sigterm(ctx: Context) -> Outcome:
    outcome = Outcome(
        f"gunicorn SIGTERM, {SIGTERM_UPLOADS} uploads in flight", "0 reset uploads", met=False
    )
    stack = ctx.stack
    clients = [
        Client(stack.base_url, ctx.golfers[index % len(ctx.golfers)])
        for index in range(SIGTERM_UPLOADS)
    ]
    # Photo-sized files, so each upload takes a worker long enough for a queue to form.
    photos = [ctx.photos.make(size=(2400, 1800), noise=True) for _ in clients]
    samples: list[Sample] = []
    gate = threading.Barrier(len(clients) + 1)

    def send(client: Client, photo: bytes) -> None:
        gate.wait()
        sample, record = client.upload(photo)
        samples.append(sample)
        outcome.uploads.append(record)

    threads = [
        threading.Thread(target=send, args=(client, photo))
        for client, photo in zip(clients, photos, strict=True)
    ]
    for thread in threads:
        thread.start()
    gate.wait()
    # A platform stops routing to the instance, then sends SIGTERM: every upload is
    # already in a worker or waiting in the accept queue, and no new one comes.
    queued = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(samples) < len(clients):
        queued = accept_queue_length(stack.web_port)
        if queued >= len(clients) - 2 - len(samples):
            break
        time.sleep(0.002)
    stack.web.signal(signal.SIGTERM)
    for thread in threads:
        thread.join()
    exited = stack.web.wait_exit(35)
    for client in clients:
        client.close()

    no_answer = [sample for sample in samples if sample.status is None]
    refused = [sample for sample in samples if sample.status is not None and not sample.ok]
    outcome.requests, outcome.errors = len(samples), len(no_answer)
    outcome.p95_during = p95(samples)
    outcome.met = not no_answer and queued > 0 and exited
    outcome.measured = (
        f"{sum(s.ok for s in samples)} completed, {len(refused)} refused with a status, "
        f"{len(no_answer)} without an answer; {queued} queued at SIGTERM"
    )
    if no_answer or refused:
        outcome.notes.append(f"answers: {_breakdown(samples)}")
    if queued == 0:
        outcome.notes.append("nothing was waiting in the accept queue: the scenario proved nothing")
    if not exited:
        outcome.notes.append("gunicorn did not exit within 35 s of SIGTERM")
    stack.web.stop()
    stack.start_web()  # for whatever runs next
    return outcome


# In this order: the crash scenario times the analyses of its own shots, so it
# runs while nothing from an earlier fault waits in the pipeline.
SCENARIOS: dict[str, Callable[[Context], Outcome]] = {
    "duplicates": duplicates,
    "worker-sigkill": worker_sigkill,
    "redis-hung": redis_hung,
    "redis-dead": redis_dead,
    "postgres-down": postgres_down,
    "gunicorn-sigterm": gunicorn_sigterm,
}


# --- Shots lost and duplicated ---------------------------------------------------


def shots_accounting(outcomes: list[Outcome]) -> None:
    """Fill in every outcome's shots lost and duplicated, from the database at the end."""
    from django.db import DatabaseError

    for outcome in outcomes:
        try:
            _account(outcome)
        except DatabaseError as error:  # lost and duplicated stay unknown: the scenario fails
            outcome.notes.append(f"could not count its shots: {error}")


def _account(outcome: Outcome) -> None:
    """Lost: answered 2xx/3xx, yet not in the database. Duplicated: two shots of one photo."""
    from shots.models import Shot

    pairs = {(record.golfer_id, record.sha256) for record in outcome.uploads}
    if not pairs:
        outcome.lost = outcome.duplicated = 0
        return
    rows = list(
        Shot.objects.filter(
            golfer_id__in={golfer for golfer, _ in pairs},
            image_sha256__in={digest for _, digest in pairs},
        ).values_list("pk", "golfer_id", "image_sha256")
    )
    present = {pk for pk, _, _ in rows}
    per_photo = Counter((golfer, digest) for _, golfer, digest in rows)
    answered = [
        record
        for record in outcome.uploads
        if record.status is not None and 200 <= record.status < 400
    ]
    lost = {
        (record.golfer_id, record.sha256)
        for record in answered
        if (
            record.shot_id not in present
            if record.shot_id
            else not per_photo[(record.golfer_id, record.sha256)]
        )
    }
    outcome.lost = len(lost)
    outcome.duplicated = sum(per_photo[pair] - 1 for pair in pairs if per_photo[pair] > 1)
