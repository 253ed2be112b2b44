"""Peak memory of decoding one photo, per format, at 12 MP and 49 MP.

    .venv/bin/python bench/decode_memory.py
    .venv/bin/python bench/decode_memory.py --compare-with /tmp/images_before.py

For each case a photo is generated (a screen-like picture: soft colour fields
and flat shapes, so a 49 MP PNG stays under the 20 MB upload cap; the RGBA
cases add a gradient alpha), then fresh Python processes measure:

- **open+load**: plain ``Image.open(...).load()``, the reference: what any
  code that decodes the file at full size pays.
- **shrink**: ``shots.images.shrink_upload`` with the default budget
  (``SHOT_UPLOAD_MAX_DECODE_BYTES``); a refused photo shows its message.
- **unbudgeted**: ``shrink_upload`` with the budget lifted, to compare what
  the shrink really takes with the estimate the budget is checked against.
- **estimate**: ``shots.images.decode_peak_bytes`` for the file's header.
- with ``--compare-with FILE``, **other**: ``shrink_upload`` of another copy
  of shots/images.py (e.g. ``git show HEAD:shots/images.py > FILE``), to
  measure a change against the code before it in the same run.

"Peak" is the peak resident memory while decoding minus the resident memory
just before (Django set up, the upload's bytes already read): Linux's VmHWM,
reset through /proc/self/clear_refs, as in bench/upload_shrink.py. Results go
in docs/performance.md ("Memory per photo format").
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MEBIBYTE = 1024 * 1024
UNBUDGETED = 1 << 40


@dataclass(frozen=True)
class Case:
    name: str
    image_format: str
    mode: str
    options: tuple[tuple[str, object], ...] = ()


CASES = [
    Case("JPEG", "JPEG", "RGB", (("quality", 90),)),
    Case("JPEG progressive", "JPEG", "RGB", (("quality", 90), ("progressive", True))),
    Case("PNG RGB", "PNG", "RGB"),
    Case("PNG RGBA", "PNG", "RGBA"),
    Case("WebP", "WEBP", "RGB", (("quality", 80),)),
    Case("WebP alpha", "WEBP", "RGBA", (("quality", 80),)),
    # Tiled in 512-pixel squares like an iPhone's; x265's "fast" preset
    # decodes like the default one but encodes in a third of the time.
    Case("HEIC", "HEIF", "RGB", (("quality", 50), ("enc_params", {"preset": "fast"}))),
]
SIZES = {"12 MP": (4000, 3000), "49 MP": (7000, 7000)}
METHODS = ("open+load", "shrink", "unbudgeted")


def screen_like(size: tuple[int, int], *, mode: str, seed: int):
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = size
    coarse = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
    image = coarse.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        right, bottom = x + rng.randrange(20, width // 8), y + rng.randrange(20, height // 8)
        draw.rectangle((x, y, right, bottom), fill=tuple(rng.randrange(256) for _ in range(3)))
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size))
    return image


def write_case_file(case: Case, size: tuple[int, int], directory: Path) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    pillow_heif.options.GRID_TILE_SIZE = 512
    slug = case.name.lower().replace(" ", "-")
    path = directory / f"{slug}-{size[0]}x{size[1]}.img"
    screen_like(size, mode=case.mode, seed=size[0]).save(
        path, case.image_format, **dict(case.options)
    )
    return path


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location("images_compared", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def measure(path: Path, method: str, compare_with: Path | None) -> dict:
    """Runs in the child process: decode the file once and report the peak."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from PIL import Image

    from shots import images

    original = path.read_bytes()
    result: dict = {}
    if method == "estimate":
        image = Image.open(io.BytesIO(original))
        full_size = image.size
        if image.format == "JPEG":
            image.draft("RGB", images._fitted_size(image.size))
        result["estimate_mib"] = (
            images.decode_peak_bytes(image, data=original, full_size=full_size) / MEBIBYTE
        )
        return result
    shrink = (_load_module(compare_with) if method == "other" else images).shrink_upload
    baseline_kib = _proc_status_kib("VmRSS")
    # "5" resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    try:
        if method == "open+load":
            Image.open(io.BytesIO(original)).load()
        elif method == "unbudgeted":
            shrink(io.BytesIO(original), max_decode_bytes=UNBUDGETED)
        else:
            shrink(io.BytesIO(original))
    except Exception as rejection:  # the compared module has its own ImageRejected
        if not hasattr(rejection, "message"):
            raise
        result["refused"] = rejection.message
    result["seconds"] = time.perf_counter() - started
    result["peak_mib"] = (_proc_status_kib("VmHWM") - baseline_kib) / 1024
    return result


def run_child(path: Path, method: str, compare_with: Path | None) -> dict:
    command = [sys.executable, __file__, "--measure", str(path), "--method", method]
    if compare_with:
        command += ["--compare-with", str(compare_with)]
    child = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-with", type=Path, help="another copy of shots/images.py")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure, args.method, args.compare_with)))
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings

    budget = settings.SHOT_UPLOAD_MAX_DECODE_BYTES / MEBIBYTE
    methods = (*METHODS, "other") if args.compare_with else METHODS
    print(f"Peak extra RSS per decode (MiB); budget {budget:.0f} MiB; {os.cpu_count()} CPUs")
    columns = ["case", "file", "open+load", "estimate", "unbudgeted", "shrink"]
    if args.compare_with:
        columns.append(f"shrink ({args.compare_with.name})")
    print(" | ".join(columns))
    refusals: list[str] = []
    with tempfile.TemporaryDirectory(prefix="decode-memory-") as directory:
        for size_name, size in SIZES.items():
            for case in CASES:
                path = write_case_file(case, size, Path(directory))
                results = {method: run_child(path, method, args.compare_with) for method in methods}
                estimate = run_child(path, "estimate", None)["estimate_mib"]
                cells = [
                    f"{size_name} {case.name}",
                    f"{path.stat().st_size / 1e6:.1f} MB",
                    f"{results['open+load']['peak_mib']:.0f}",
                    f"{estimate:.0f}",
                    _cell(results["unbudgeted"]),
                    _cell(results["shrink"]),
                ]
                if args.compare_with:
                    cells.append(_cell(results["other"]))
                print(" | ".join(cells), flush=True)
                if "refused" in results["shrink"]:
                    refusals.append(f"{size_name} {case.name}: {results['shrink']['refused']}")
    print("\nRefused:")
    for line in refusals:
        print(f"  {line}")


def _cell(result: dict) -> str:
    text = f"{result['peak_mib']:.0f} ({result['seconds'] * 1000:.0f} ms)"
    return f"refused, {text}" if "refused" in result else text


if __name__ == "__main__":
    main()
