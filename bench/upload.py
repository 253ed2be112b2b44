"""Upload to analysed, end to end, on the embedded default.

Runs the real stack in one process the way `make run` does: SQLite in a
throw-away VAR_DIR, local-memory cache, eager Celery, the local OCR
analyser. Generated 12 MP phone photos of launch-monitor screens are posted
to the upload form; with eager Celery the response returns once the shot is
analysed, so the request time is the upload-to-analysed time.

Also reports the resident memory of a web process that has served pages but
never analysed (the OCR model must not be loaded there) and of the process
after analysing (where the model lives).

    .venv/bin/python bench/upload.py            # 20 photos after 2 warm-up
    .venv/bin/python bench/upload.py --photos 40

Shrink time per format: bench/upload_shrink.py; OCR alone: bench/ocr.py.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


WEB_ONLY = """
import os, django
django.setup()
from django.test import Client
from accounts.models import User
from django.core.management import call_command
call_command("migrate", verbosity=0)
user, _ = User.objects.get_or_create(username="bench-web")
client = Client()
client.force_login(user)
for path in ("/shots/", "/shots/upload/", "/bag/", "/shots/new/"):
    assert client.get(path).status_code == 200, path
import sys
loaded = [name for name in ("rapidocr_onnxruntime", "onnxruntime", "cv2", "openai") if name in sys.modules]
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
print(f"{rss:.0f} {','.join(loaded) or '-'}")
"""


def web_process_rss(env: dict[str, str]) -> tuple[float, str]:
    result = subprocess.run(
        [sys.executable, "-c", WEB_ONLY],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rss, loaded = result.stdout.split()
    return float(rss), loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="golfshots-bench-")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "OPENAI_API_KEY"}
    }
    env.update(
        VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="golfshots.settings",
        DEBUG="true",
        ALLOWED_HOSTS="testserver,127.0.0.1",
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(REPO))

    web_rss, web_loaded = web_process_rss(env)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from shots.models import Shot, ShotStatus
    from shots.tests.screens import phone_photo, render_screen, spec_for_case

    call_command("migrate", verbosity=0)
    golfer = User.objects.create_user("bench", password="bench-password-123")
    client = Client()
    client.force_login(golfer)

    rng = random.Random(2026)
    photos = []
    for index in range(args.photos + args.warmup):
        screen = render_screen(spec_for_case(index))
        photos.append(phone_photo(screen.image, rng, megapixels=12))

    timings: list[float] = []
    cpu_timings: list[float] = []
    statuses: dict[str, int] = {}
    for index, photo in enumerate(photos):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(f"screen-{index}.jpg", photo, content_type="image/jpeg")
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post("/shots/upload/", {"image": upload, "client_token": f"t{index}"})
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        assert response.status_code == 302, response.status_code
        shot = Shot.objects.latest("id")
        if index >= args.warmup:
            timings.append(elapsed)
            cpu_timings.append(cpu)
            statuses[shot.status] = statuses.get(shot.status, 0) + 1
        assert shot.status not in (ShotStatus.RECEIVED, ShotStatus.QUEUED, ShotStatus.ANALYZING)

    analysing_rss = rss_mib()
    mean_size = statistics.mean(len(photo) for photo in photos) / 1e6
    print(
        f"photos: {len(timings)} timed (+{args.warmup} warm-up), 12 MP JPEG, mean {mean_size:.1f} MB"
    )
    print(
        "upload to analysed: "
        f"p50 {percentile(timings, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(timings, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(timings, 0.99) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms"
    )
    print(
        "CPU time per upload (all threads; load-independent): "
        f"p50 {percentile(cpu_timings, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(cpu_timings, 0.95) * 1000:.0f} ms"
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"outcomes: {statuses}")
    print(f"web process RSS (pages only): {web_rss:.0f} MiB; analysis modules loaded: {web_loaded}")
    print(f"process RSS after analysing (OCR model loaded): {analysing_rss:.0f} MiB")


if __name__ == "__main__":
    main()
