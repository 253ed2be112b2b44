"""The analysis worker yields the CPU to the web (golfshots/worker.py).

A niceness cannot be lowered again by an ordinary process, so each check runs
in a child Python process and leaves the test process as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from golfshots.env import Env
from golfshots.worker import DEFAULT_NICE, default_concurrency, worker_nice

REPO = Path(__file__).resolve().parents[2]

# Lowers its own priority, then reports its niceness and that of a process it starts,
# as the worker's pool children are started after lower_priority.
REPORT_NICENESS = textwrap.dedent(
    """
    import os, subprocess, sys
    from golfshots.worker import lower_priority
    answered = lower_priority(niceness=int(sys.argv[1]))
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.nice(0))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print(answered, os.nice(0), child)
    """
)


def niceness_after_lowering(target: int, *, starting_at: int) -> list[int]:
    """[what lower_priority answered, the process's niceness, its child's]."""
    result = subprocess.run(
        [sys.executable, "-c", REPORT_NICENESS, str(target)],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "golfshots.settings"},
        preexec_fn=lambda: os.nice(starting_at - os.nice(0)),
        capture_output=True,
        text=True,
        check=True,
    )
    return [int(word) for word in result.stdout.split()]


@pytest.fixture
def base_niceness() -> int:
    base = os.nice(0)
    if base > 14:
        pytest.skip("the test process already runs at the lowest priorities")
    return base


def test_it_lowers_the_priority_of_the_process_and_of_what_it_starts(base_niceness) -> None:
    target = base_niceness + 4

    assert niceness_after_lowering(target, starting_at=base_niceness) == [target] * 3


def test_it_never_raises_the_priority_of_a_process_started_lower(base_niceness) -> None:
    # Started by an operator with `nice -n 15`, say: WORKER_NICE=10 keeps it at 15.
    started = base_niceness + 4

    assert niceness_after_lowering(base_niceness + 2, starting_at=started) == [started] * 3


def test_the_worker_runs_at_niceness_10_unless_told() -> None:
    assert DEFAULT_NICE == 10
    assert worker_nice(Env({})) == 10
    assert worker_nice(Env({"WORKER_NICE": "0"})) == 0
    assert worker_nice(Env({"WORKER_NICE": "19"})) == 19


@pytest.mark.parametrize("value", ["20", "-5", "low"])
def test_a_niceness_outside_0_to_19_is_refused_with_its_name(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="WORKER_NICE"):
        worker_nice(Env({"WORKER_NICE": value}))


def test_a_small_machine_reads_one_photo_at_a_time() -> None:
    assert [default_concurrency(cores) for cores in (1, 2, 4, 8)] == [1, 1, 2, 4]
