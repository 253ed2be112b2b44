"""Benchmark the offline OCR analyser on generated launch-monitor photos.

    .venv/bin/python bench/ocr.py [--photos 20] [--warmup 2]

The photos come from the test generator (shots/tests/screens.py: every
layout, theme, font and unit system, photographed at 12 MP with perspective,
blur, glare and noise) and are shrunk by the upload's own ``shrink_upload``,
so the analyser sees exactly what it sees in production. A fresh Python
process then loads the model and analyses each photo after ``--warmup``
untimed runs. Wall time is what a golfer waits for; CPU time (all threads)
is shown beside it because it barely moves when other processes share the
cores. Memory is resident set size: before the model, after loading it, and
the peak while analysing (Linux's VmHWM, reset through /proc/self/clear_refs
so the parent's peak does not carry over). Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FIRST_SEED = 500  # away from the test suite's cases, so the bench is not tuned to them


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def write_photos(directory: Path, count: int) -> list[Path]:
    """Generate ``count`` phone photos, shrink them like an upload, and save them with their answers."""
    from shots.images import shrink_upload
    from shots.tests.screens import phone_photo, render_screen, spec_for_case

    paths = []
    for seed in range(FIRST_SEED, FIRST_SEED + count):
        screen = render_screen(spec_for_case(seed))
        photo = phone_photo(screen.image, random.Random(seed))
        path = directory / f"{seed}.jpg"
        path.write_bytes(shrink_upload(io.BytesIO(photo)).content)
        answer = {"expected": screen.expected, "tolerance": screen.tolerance, "club": screen.club}
        path.with_suffix(".json").write_text(json.dumps(answer))
        paths.append(path)
    return paths


def _rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak_rss() -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _fields_read_right(output, answer: dict) -> tuple[int, int]:
    right = 0
    for metric, expected in answer["expected"].items():
        got = output.values.get(metric)
        right += got is not None and abs(got - expected) <= answer["tolerance"][metric]
    right += output.club == answer["club"]
    return right, len(answer["expected"]) + 1


def measure(directory: Path, *, warmup: int) -> dict:
    """Runs in the child process: load the model, analyse every photo, report the figures."""
    _setup_django()
    from shots.analysis.ocr import OcrAnalyser, ocr_engine

    photos = sorted(directory.glob("*.jpg"))
    rss_before_model = _rss_mib()
    _reset_peak_rss()
    started = time.perf_counter()
    ocr_engine()
    load_seconds = time.perf_counter() - started
    rss_after_model = _rss_mib()

    analyser = OcrAnalyser()
    for path in photos[:warmup]:
        analyser.analyse(path.read_bytes())
    wall_ms, cpu_ms = [], []
    right = total = 0
    for path in photos:
        image = path.read_bytes()
        started, started_cpu = time.perf_counter(), time.process_time()
        output = analyser.analyse(image)
        wall_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - started_cpu) * 1000)
        photo_right, photo_total = _fields_read_right(
            output, json.loads(path.with_suffix(".json").read_text())
        )
        right += photo_right
        total += photo_total
    return {
        "photos": len(photos),
        "load_seconds": load_seconds,
        "rss_before_model_mib": rss_before_model,
        "rss_after_model_mib": rss_after_model,
        "peak_rss_mib": _rss_mib("VmHWM"),
        "p50_ms": statistics.median(wall_ms),
        "p95_ms": statistics.quantiles(wall_ms, n=20, method="inclusive")[18],
        "max_ms": max(wall_ms),
        "cpu_p50_ms": statistics.median(cpu_ms),
        "fields_right": right,
        "fields_total": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure, warmup=args.warmup)))
        return

    _setup_django()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as directory:
        started = time.perf_counter()
        write_photos(Path(directory), args.photos)
        generated_in = time.perf_counter() - started
        command = [sys.executable, __file__, "--measure", directory, "--warmup", str(args.warmup)]
        child = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])

    print(
        f"OCR analyser on {result['photos']} generated photos shrunk to 1440×1080, {os.cpu_count()} CPUs"
    )
    print(f"  (photos generated and shrunk in {generated_in:.1f} s, not counted below)")
    print(f"model load (first analyse):   {result['load_seconds'] * 1000:7.0f} ms")
    print(
        f"analysis per photo (warm):    p50 {result['p50_ms']:5.0f} ms   p95 {result['p95_ms']:5.0f} ms   "
        f"max {result['max_ms']:5.0f} ms   CPU p50 {result['cpu_p50_ms']:5.0f} ms"
    )
    print(
        f"RSS: before the model {result['rss_before_model_mib']:4.0f} MiB, "
        f"after loading it {result['rss_after_model_mib']:4.0f} MiB, "
        f"peak while analysing {result['peak_rss_mib']:4.0f} MiB"
    )
    print(
        f"fields read right: {result['fields_right']}/{result['fields_total']} "
        f"({result['fields_right'] / result['fields_total']:.1%})"
    )


if __name__ == "__main__":
    main()
