"""Benchmark importing a launch-monitor export: preview and commit of 10,000-row files on PostgreSQL.

    .venv/bin/python bench/imports.py [--rows 10000] [--runs 3]

Needs DATABASE_URL (a database for benchmarks; default golfshots_bench, the
script refuses golfshots) and REDIS_URL. It migrates the database, writes a
Garmin CSV (imperial units row, 14 clubs, shots 20 s apart over several
days) and a Rapsodo MLM2PRO CSV (metric, no units: the reader guesses them)
with ``--rows`` rows each, then for each file, ``--runs`` times with a new
golfer each time:

- reference: ``csv.reader`` over the decoded text, the floor any reader pays;
- read: ``shots.imports.read_export`` (decode, detect, map, convert);
- preview: ``services.import_upload`` (read, plan with the duplicate look-up,
  the ShotImport row), what the upload request costs;
- commit: ``services.import_commit`` in the request (no background job),
  with its SQL statements counted and timed.

It prints wall time and this process's CPU time (``time.process_time``; the
median of the runs each), rows/s, SQL count and time, and the peak RSS growth
of each phase (Linux VmHWM, reset before each phase). The
goal (issue 13): preview ≤ 1 s and commit ≤ 5 s for 10,000 rows. Results go
in docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import harness

GARMIN_HEADER = (
    "Date,Player,Club Name,Club Type,Club Speed,Attack Angle,Club Path,Club Face,Face to Path,"
    "Ball Speed,Smash Factor,Launch Angle,Launch Direction,Backspin,Sidespin,Spin Rate,"
    "Spin Rate Type,Spin Axis,Apex Height,Carry Distance,Carry Deviation Angle,"
    "Carry Deviation Distance,Total Distance,Total Deviation Angle,Total Deviation Distance,"
    "Note,Tag,Air Density,Temperature,Air Pressure,Relative Humidity"
)
GARMIN_UNITS = (
    ",,,,[mph],[deg],[deg],[deg],[deg],[mph],,[deg],[deg],[rpm],[rpm],[rpm],,[deg],[ft],"
    "[Yards],[deg],[Yards],[Yards],[deg],[Yards],,,[g/L],[deg F],[kPa],[%]"
)
# (Garmin club name, Rapsodo club code, typical ball speed mph, typical carry yd)
CLUBS = [
    ("Driver", "Dr", 150, 240),
    ("3 Wood", "3w", 140, 215),
    ("4 Hybrid", "4h", 130, 190),
    ("5 Iron", "5i", 122, 175),
    ("6 Iron", "6i", 117, 165),
    ("7 Iron", "7i", 112, 155),
    ("8 Iron", "8i", 106, 145),
    ("9 Iron", "9i", 100, 135),
    ("Pitching Wedge", "pw", 94, 120),
    ("Gap Wedge", "gw", 88, 105),
    ("Sand Wedge", "sw", 80, 90),
    ("Lob Wedge", "lw", 70, 70),
    ("5 Wood", "5w", 136, 205),
    ("4 Iron", "4i", 126, 185),
]


def garmin_file(rows: int, *, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, 9, 0, 0)
    lines = [GARMIN_HEADER, GARMIN_UNITS]
    for index in range(rows):
        name, _code, ball, carry = CLUBS[index // 50 % len(CLUBS)]
        moment = start + timedelta(seconds=20 * index)
        ball_speed = ball * rng.uniform(0.9, 1.05)
        club_speed = ball_speed / rng.uniform(1.3, 1.45)
        carry_yd = carry * rng.uniform(0.85, 1.05)
        # As in a real Garmin export, backspin and sidespin are the spin rate's
        # components along its axis (the files agree to the rpm): independent
        # random values would make nine rows in ten warn, which no real file does.
        spin, axis = rng.uniform(2500, 8000), rng.uniform(-10, 10)
        backspin, sidespin = (
            spin * math.cos(math.radians(axis)),
            spin * math.sin(math.radians(axis)),
        )
        lines.append(
            f"{moment:%m/%d/%y %I:%M:%S %p},Pat,,{name},{club_speed!r},-2.1,1.4,0.6,-0.8,"
            f"{ball_speed!r},{ball_speed / club_speed!r},{rng.uniform(10, 30)!r},"
            f"{rng.uniform(-4, 4)!r},{backspin!r},{sidespin!r},"
            f"{spin!r},Measured,{axis!r},"
            f"{rng.uniform(60, 110)!r},{carry_yd!r},-1.0,{rng.uniform(-15, 15)!r},"
            f"{carry_yd * 1.07!r},-1.1,{rng.uniform(-18, 18)!r},,,1.19,70.0,101.3,50"
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def rapsodo_file(rows: int, *, seed: int = 2) -> bytes:
    rng = random.Random(seed)
    header = (
        '"Club Type","Club Brand","Club Model","Carry Distance","Total Distance","Ball Speed",'
        '"Launch Angle","Launch Direction","Apex","Side Carry","Club Speed","Smash Factor",'
        '"Descent Angle","Attack Angle","Club Path","Club Data Est Type","Spin Rate","Spin Axis"'
    )
    lines = [header]
    for index in range(rows):
        _name, code, ball, carry = CLUBS[index // 50 % len(CLUBS)]
        ball_kmh = ball * rng.uniform(0.9, 1.05) * 1.609344
        club_kmh = ball_kmh / rng.uniform(1.3, 1.45)
        carry_m = carry * rng.uniform(0.85, 1.05) / 1.09361
        lines.append(
            f'"{code}",,,"{carry_m:.1f}","{carry_m * 1.08:.1f}","{ball_kmh:.1f}",'
            f'"{rng.uniform(10, 30):.1f}","{rng.uniform(-4, 4):.1f}","{rng.uniform(15, 35):.1f}",'
            f'"{rng.uniform(-12, 12):.1f}","{club_kmh:.1f}","{ball_kmh / club_kmh:.2f}",'
            f'"{rng.uniform(30, 50):.1f}","{rng.uniform(-5, 3):.1f}","{rng.uniform(-4, 4):.1f}",'
            f'0,"{rng.uniform(2500, 8000):.0f}","{rng.uniform(-10, 10):.1f}"'
        )
    return ("\n".join(lines) + "\n").encode()


def _reset_peak_rss() -> int:
    # "5" resets VmHWM (the peak resident set) to the current resident set.
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall
    cpu_seconds: float  # this process only: the database server's work is in the wall time
    rss_mib: float
    result: Any


def measure(action: Callable[[], Any]) -> Measured:
    """Wall and CPU seconds, peak RSS growth in MiB and the result of one call.

    The CPU time is the figure to compare on a busy machine: other processes
    stretch the wall time, not this process's own CPU time.
    """
    before = _reset_peak_rss()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = action()
    cpu = time.process_time() - cpu_started
    elapsed = time.perf_counter() - started
    return Measured(elapsed, cpu, (_status_kib("VmHWM") - before) / 1024, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_database_arguments(parser)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    harness.refuse_default_database(args.database_url)
    import subprocess
    import sys
    import tempfile

    var_dir = Path(tempfile.mkdtemp(prefix="golfshots-bench-imports-"))
    environment = harness.server_environment(
        database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
    )
    manage = [sys.executable, str(harness.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, check=True)
    harness.setup_django(environment)

    files = {
        "Garmin CSV": (garmin_file(args.rows), "DrivingRange-2026-10-01 09_00_00 +0000.csv"),
        "Rapsodo CSV": (rapsodo_file(args.rows), "mlm2pro_shotexport_100126.csv"),
    }
    print(f"{args.rows:,} rows per file, {args.runs} runs, median; PostgreSQL {args.database_url}")
    print(
        f"{'file':<12} {'phase':<10} {'wall s':>8} {'CPU s':>7} {'rows/s':>10} {'SQL':>6} "
        f"{'SQL ms':>8} {'+RSS MiB':>9}"
    )
    for label, (content, name) in files.items():
        phases: dict[str, list[Phase]] = {}
        for run in range(args.runs):
            for phase in bench_file(content, name, rows=args.rows, run=run):
                phases.setdefault(phase.name, []).append(phase)
        for phase_name, runs in phases.items():
            wall = statistics.median(r.seconds for r in runs)
            cpu = statistics.median(r.cpu_seconds for r in runs)
            print(
                f"{label:<12} {phase_name:<10} {wall:>8.3f} {cpu:>7.3f} {args.rows / wall:>10,.0f} "
                f"{statistics.median(r.queries for r in runs):>6.0f} "
                f"{statistics.median(r.sql_ms for r in runs):>8.1f} "
                f"{statistics.median(r.rss_mib for r in runs):>9.1f}"
            )


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float
    cpu_seconds: float
    rss_mib: float
    queries: int = 0
    sql_ms: float = 0.0

    @classmethod
    def of(cls, name: str, measured: Measured, queries: Any = None) -> Phase:
        if queries is None:
            return cls(name, measured.seconds, measured.cpu_seconds, measured.rss_mib)
        return cls(
            name,
            measured.seconds,
            measured.cpu_seconds,
            measured.rss_mib,
            len(queries),
            _sql_ms(queries),
        )


def bench_file(content: bytes, name: str, *, rows: int, run: int) -> list[Phase]:
    """One run of every phase on one file, for a new golfer (deleted afterwards)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from shots import services
    from shots.imports import plan, read_export
    from shots.imports.tables import decode_text

    golfer = User.objects.create(username=f"bench-import-{time.time_ns()}-{run}")
    phases = []
    measured = measure(lambda: sum(1 for _ in csv.reader(io.StringIO(decode_text(content)))))
    phases.append(Phase.of("reference", measured))
    measured = measure(lambda: read_export(content, filename=name))
    phases.append(Phase.of("read", measured))

    # Each phase reads the file cold, as a request on another worker would.
    plan._read.cache_clear()
    with CaptureQueriesContext(connection) as queries:
        measured = measure(
            lambda: services.import_upload(
                golfer=golfer, uploaded_by=golfer, retailer=None, file_name=name, content=content
            )
        )
    shot_import, preview = measured.result
    phases.append(Phase.of("preview", measured, queries))
    if preview.problems:  # the Rapsodo file has only a date: take the session's start
        services.import_choices_update(
            shot_import=shot_import, session_started_at=preview.session_started_at
        )
    plan._read.cache_clear()
    with CaptureQueriesContext(connection) as queries:
        measured = measure(
            lambda: services.import_commit(shot_import=shot_import, background=False)
        )
    assert measured.result.created == rows, measured.result
    phases.append(Phase.of("commit", measured, queries))
    golfer.delete()
    return phases


def _sql_ms(queries: Any) -> float:
    return sum(float(query["time"]) for query in queries.captured_queries) * 1000


if __name__ == "__main__":
    main()
