"""Benchmark the offline OCR analyser on generated launch-monitor photos, by image size.

    .venv/bin/python bench/ocr.py [--photos 20] [--warmup 2] [--sizes 640,960,1440,1920]
                                  [--reference ../shared/reference/screens]
    OCR_THREADS=2 .venv/bin/python bench/ocr.py      # the model on two threads instead of one

The photos come from the test generator (shots/tests/screens.py: every
layout, theme, font and unit system, photographed at 12 MP with perspective,
blur, glare and noise). Each is brought to every ``--sizes`` long side: 1440
is the upload's own ``shrink_upload`` (1440×1080, what the analyser sees in
production), the others the same photo resized and saved as a JPEG of the
upload's quality. The real screenshots in ``--reference`` (skipped when the
folder is absent; read in place, never copied) are shrunk as uploads too.

A fresh Python process then loads the model and analyses every image after
``--warmup`` untimed runs. Per size it prints the text boxes found, CPU time
(``time.process_time``: every thread of the process, so with the default
``OCR_THREADS=1`` the time of one core) and wall time, p50 and p95
(nearest rank), and the CPU spent in the detection model and in recognition
(every recogniser call, turned units included); the rest is decoding,
cropping, ink colours and the parser. CPU barely moves when other processes
share the cores; wall time does, so the load average is printed before and
after. Memory is resident set size: before the model, after loading it, and
the peak while analysing (Linux's VmHWM, reset through /proc/self/clear_refs
so the parent's peak does not carry over). Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
FIRST_SEED = 500  # away from the test suite's cases, so the bench is not tuned to them
UPLOAD_SIDE = 1440  # shrink_upload's long side for a phone's 4:3 photo
DEFAULT_REFERENCE = BASE_DIR.parent / "shared" / "reference" / "screens"
REFERENCE_GROUP = "reference"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def write_photos(directory: Path, count: int, sizes: list[int]) -> None:
    """Generate ``count`` phone photos at every size, each with its answers."""
    from PIL import Image, ImageOps

    from shots.images import JPEG_QUALITY, shrink_upload
    from shots.tests.screens import phone_photo, render_screen, spec_for_case

    for seed in range(FIRST_SEED, FIRST_SEED + count):
        screen = render_screen(spec_for_case(seed))
        photo = phone_photo(screen.image, random.Random(seed))
        answer = {"expected": screen.expected, "tolerance": screen.tolerance, "club": screen.club}
        (directory / f"{seed}.json").write_text(json.dumps(answer))
        with Image.open(io.BytesIO(photo)) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
        for side in sizes:
            folder = directory / str(side)
            folder.mkdir(exist_ok=True)
            if side == UPLOAD_SIDE:
                content = shrink_upload(io.BytesIO(photo)).content
            else:
                scale = side / max(upright.size)
                resized = upright.resize(
                    (round(upright.width * scale), round(upright.height * scale)),
                    Image.Resampling.LANCZOS,
                )
                output = io.BytesIO()
                resized.save(output, "JPEG", quality=JPEG_QUALITY)
                content = output.getvalue()
            (folder / f"{seed}.jpg").write_bytes(content)


def _rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak_rss() -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _fields_read_right(output: Any, answer: dict) -> tuple[int, int]:
    right = 0
    for metric, expected in answer["expected"].items():
        got = output.values.get(metric)
        right += got is not None and abs(got - expected) <= answer["tolerance"][metric]
    right += output.club == answer["club"]
    return right, len(answer["expected"]) + 1


class _Timed:
    """A callable of the engine's, counting the CPU time spent in it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _reference_images(folder: Path) -> list[tuple[str, bytes]]:
    from shots.analysis.accuracy import find_truth_images
    from shots.images import shrink_upload

    images, _ = find_truth_images(folder)
    return [(path.name, shrink_upload(io.BytesIO(path.read_bytes())).content) for path in images]


def measure(directory: Path, *, warmup: int, reference: Path | None) -> dict:
    """Runs in the child process: load the model, analyse every image, report the figures."""
    _setup_django()
    from django.conf import settings

    from shots.analysis.ocr import OcrAnalyser, ocr_engine

    groups: dict[str, list[tuple[str, bytes]]] = {}
    for folder in sorted((p for p in directory.iterdir() if p.is_dir()), key=lambda p: int(p.name)):
        groups[folder.name] = [(p.stem, p.read_bytes()) for p in sorted(folder.glob("*.jpg"))]
    if reference is not None:
        groups[REFERENCE_GROUP] = _reference_images(reference)

    rss_before_model = _rss_mib()
    _reset_peak_rss()
    started, started_cpu = time.perf_counter(), time.process_time()
    engine = ocr_engine()
    load = {"wall": time.perf_counter() - started, "cpu": time.process_time() - started_cpu}
    rss_after_model = _rss_mib()
    detection = engine.text_det.infer = _Timed(engine.text_det.infer)
    recognition = engine.text_rec = _Timed(engine.text_rec)

    analyser = OcrAnalyser()
    warm_group = groups.get(str(UPLOAD_SIDE)) or next(iter(groups.values()))
    for _, image in warm_group[:warmup]:
        analyser.analyse(image)
    runs = []
    for group, images in groups.items():
        for name, image in images:
            detection.seconds = recognition.seconds = 0.0
            started, started_cpu = time.perf_counter(), time.process_time()
            output = analyser.analyse(image)
            run = {
                "group": group,
                "image": name,
                "wall": time.perf_counter() - started,
                "cpu": time.process_time() - started_cpu,
                "detection_cpu": detection.seconds,
                "recognition_cpu": recognition.seconds,
                "boxes": len(output.raw["boxes"]),
                "size": output.raw["image_size"],
            }
            answer_path = directory / f"{name}.json"
            if group != REFERENCE_GROUP and answer_path.exists():
                run["right"], run["total"] = _fields_read_right(
                    output, json.loads(answer_path.read_text())
                )
            runs.append(run)
    return {
        "threads": settings.OCR_THREADS,
        "load": load,
        "rss_before_model_mib": rss_before_model,
        "rss_after_model_mib": rss_after_model,
        "peak_rss_mib": _rss_mib("VmHWM"),
        "runs": runs,
    }


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: with 20 values p95 is the 19th, with 7 it is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _row(label: str, runs: list[dict]) -> str:
    boxes = [run["boxes"] for run in runs]
    cpu = [run["cpu"] for run in runs]
    wall = [run["wall"] for run in runs]
    right = sum(run.get("right", 0) for run in runs)
    total = sum(run.get("total", 0) for run in runs)
    fields = f"{right}/{total}" if total else "-"
    return (
        f"{label:<22}{len(runs):>4}  {f'{min(boxes)}-{statistics.median(boxes):.0f}-{max(boxes)}':<12}"
        f"{_percentile(cpu, 0.5):>8.2f}{_percentile(cpu, 0.95):>6.2f}"
        f"{_percentile(wall, 0.5):>9.2f}{_percentile(wall, 0.95):>6.2f}"
        f"{statistics.mean(run['detection_cpu'] for run in runs):>7.2f}"
        f"{statistics.mean(run['recognition_cpu'] for run in runs):>7.2f}{fields:>10}"
    )


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--sizes", default="640,960,1440,1920", help="long sides, comma-separated (1440: upload)"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help="real screenshots with truth files (default ../shared/reference/screens)",
    )
    parser.add_argument("--no-reference", action="store_true", help="generated photos only")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    reference = None if args.no_reference or not args.reference.is_dir() else args.reference

    if args.measure:
        result = measure(args.measure, warmup=args.warmup, reference=reference)
        print(json.dumps(result))
        return

    sizes = [int(side) for side in args.sizes.split(",")]
    _setup_django()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as directory:
        started = time.perf_counter()
        write_photos(Path(directory), args.photos, sizes)
        generated_in = time.perf_counter() - started
        load_before = _load_average()
        command = [sys.executable, __file__, "--measure", directory, "--warmup", str(args.warmup)]
        command += ["--reference", str(reference)] if reference else ["--no-reference"]
        child = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])

    runs = result["runs"]
    print(
        f"OCR analyser, {args.photos} generated photos per size"
        + (
            f" + {sum(r['group'] == REFERENCE_GROUP for r in runs)} real screens"
            if reference
            else ""
        )
        + f"; OCR_THREADS={result['threads']}, {os.cpu_count()} CPUs"
    )
    if reference is None and not args.no_reference:
        print(f"(no real screens: {args.reference} is not a folder)")
    print(f"load average before {load_before}, after {_load_average()}")
    print(f"  (photos generated and resized in {generated_in:.1f} s, not counted below)")
    print(
        f"model load (first analyse): wall {result['load']['wall'] * 1000:.0f} ms, "
        f"CPU {result['load']['cpu'] * 1000:.0f} ms"
    )
    print()
    print(
        f"{'seconds per image':<22}{'n':>4}  {'boxes':<12}{'CPU p50':>8}{'p95':>6}"
        f"{'wall p50':>9}{'p95':>6}{'det':>7}{'rec':>7}{'fields':>10}"
    )
    print(f"{'':<22}{'':>4}  {'min-med-max':<12}{'':>14}{'':>15}{'model':>7}{'all':>7}")
    for group in dict.fromkeys(run["group"] for run in runs):
        group_runs = [run for run in runs if run["group"] == group]
        if group == REFERENCE_GROUP:
            label = "real screens (upload)"
        else:
            width, height = group_runs[0]["size"]
            label = f"{width}×{height}" + (" (upload)" if int(group) == UPLOAD_SIDE else "")
        print(_row(label, group_runs))

    upload_runs = [run for run in runs if run["group"] == str(UPLOAD_SIDE)]
    if upload_runs:
        print()
        print(f"by text boxes found, {UPLOAD_SIDE} (upload) photos:")
        for low, high in ((0, 29), (30, 39), (40, 10_000)):
            bucket = [run for run in upload_runs if low <= run["boxes"] <= high]
            if bucket:
                label = f"{low}-{high} boxes" if high < 10_000 else f"{low}+ boxes"
                print(_row(label, bucket))
    print()
    print(
        f"RSS: before the model {result['rss_before_model_mib']:4.0f} MiB, "
        f"after loading it {result['rss_after_model_mib']:4.0f} MiB, "
        f"peak while analysing {result['peak_rss_mib']:4.0f} MiB"
    )


if __name__ == "__main__":
    main()
