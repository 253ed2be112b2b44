"""Benchmark shots.images.shrink_upload on phone-sized photos.

    .venv/bin/python bench/upload_shrink.py [--runs 30] [--warmup 3]

For each case the photo is generated (photo-like: soft colour fields, shapes
and sensor grain, so the JPEG sizes are realistic), then a fresh Python process
shrinks it ``--warmup`` times untimed and ``--runs`` times timed. Wall time is
what a golfer waits for; CPU time (``time.process_time``, all threads) is
shown beside it because it barely moves when other processes share the two
cores. "Extra RSS" is the peak resident memory while shrinking minus the
resident memory just before (Django set up, the upload's bytes already read).
The peak is Linux's VmHWM, reset through /proc/self/clear_refs, because
``ru_maxrss`` carries over the parent's peak into a child started with exec.
Results go in docs/performance.md. Memory per format at 12 and 49 MP, against
the decode budget: bench/decode_memory.py.
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
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    name: str
    size: tuple[int, int]
    image_format: str
    quality: int
    disable_draft: bool = False


CASES = [
    Case("12 MP JPEG (4000×3000)", (4000, 3000), "JPEG", 92),
    Case("48 MP JPEG (8000×6000)", (8000, 6000), "JPEG", 88),
    Case("12 MP HEIC (4032×3024)", (4032, 3024), "HEIF", 50),
    Case("12 MP JPEG, draft mode off (comparison)", (4000, 3000), "JPEG", 92, disable_draft=True),
]


def photo_like(size: tuple[int, int], *, seed: int):
    """Soft colour fields, hard-edged shapes and sensor grain: compresses like a photo."""
    from PIL import Image, ImageChops, ImageDraw

    rng = random.Random(seed)
    width, height = size
    coarse_size = (width // 80 + 2, height // 80 + 2)
    coarse = Image.frombytes("RGB", coarse_size, rng.randbytes(3 * coarse_size[0] * coarse_size[1]))
    image = coarse.resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(300):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(10, width // 10)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + radius, y + radius), fill=colour)
        else:
            draw.rectangle((x, y, x + radius, y + radius // 2), outline=colour, width=6)
    grain = Image.effect_noise(size, 10)
    return ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), offset=-128)


def write_case_file(case: Case, directory: Path) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    # Tiled in 512-pixel squares like an iPhone's HEIC; x265's "fast" preset
    # decodes like the default one but encodes in a third of the time.
    pillow_heif.options.GRID_TILE_SIZE = 512
    path = directory / f"{case.image_format.lower()}-{case.size[0]}x{case.size[1]}.img"
    if not path.exists():
        options = {"enc_params": {"preset": "fast"}} if case.image_format == "HEIF" else {}
        photo = photo_like(case.size, seed=case.size[0])
        photo.save(path, case.image_format, quality=case.quality, **options)
    return path


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak_rss() -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def measure(path: Path, *, runs: int, warmup: int, disable_draft: bool) -> dict:
    """Runs in the child process: shrink the file and report timings and peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from PIL.JpegImagePlugin import JpegImageFile

    from shots.images import shrink_upload

    if disable_draft:
        JpegImageFile.draft = lambda self, mode, size: None

    original = path.read_bytes()
    baseline_kib = _proc_status_kib("VmRSS")
    _reset_peak_rss()
    for _ in range(warmup):
        shrink_upload(io.BytesIO(original))
    timings_ms = []
    cpu_ms = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        shrunk = shrink_upload(io.BytesIO(original))
        timings_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - started_cpu) * 1000)
    peak_kib = _proc_status_kib("VmHWM")
    return {
        "input_bytes": len(original),
        "output_bytes": len(shrunk.content),
        "output_size": [shrunk.width, shrunk.height],
        "p50_ms": statistics.median(timings_ms),
        "p95_ms": statistics.quantiles(timings_ms, n=20, method="inclusive")[18],
        "max_ms": max(timings_ms),
        "cpu_p50_ms": statistics.median(cpu_ms),
        "extra_rss_mib": (peak_kib - baseline_kib) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--disable-draft", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(
            args.measure, runs=args.runs, warmup=args.warmup, disable_draft=args.disable_draft
        )
        print(json.dumps(result))
        return

    print(
        f"shrink_upload, {args.runs} timed runs after {args.warmup} warm-up, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'case':42} {'input':>8} {'p50':>7} {'p95':>7} {'max':>7} {'CPU p50':>8} "
        f"{'extra RSS':>10} {'output':>16}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="upload-shrink-") as directory:
        for case in CASES:
            path = write_case_file(case, Path(directory))
            command = [sys.executable, __file__, "--measure", str(path)]
            command += ["--runs", str(args.runs), "--warmup", str(args.warmup)]
            if case.disable_draft:
                command.append("--disable-draft")
            child = subprocess.run(command, capture_output=True, text=True, check=True)
            result = json.loads(child.stdout.strip().splitlines()[-1])
            width, height = result["output_size"]
            print(
                f"{case.name:42} {result['input_bytes'] / 1e6:6.1f}MB "
                f"{result['p50_ms']:5.0f}ms {result['p95_ms']:5.0f}ms {result['max_ms']:5.0f}ms "
                f"{result['cpu_p50_ms']:6.0f}ms {result['extra_rss_mib']:7.0f}MiB "
                f"{width}×{height} {result['output_bytes'] / 1e3:4.0f}KB"
            )


if __name__ == "__main__":
    main()
