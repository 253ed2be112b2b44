"""`make chaos`: start the stack, replay the faults, print the table; exit 1 if a target fails.

    .venv/bin/python -m chaos                      # every scenario (about 5 minutes)
    .venv/bin/python -m chaos --only redis-hung    # one or a few
    .venv/bin/python -m chaos --keep               # keep the servers' logs

Linux only (it reads accept queues from /proc/net/tcp). Needs PostgreSQL's
binaries (initdb, pg_ctl) and redis-server installed, none of them running:
the suite starts its own on free ports and removes them afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections import Counter

from chaos.load import Photos, golfers_create
from chaos.scenarios import SCENARIOS, Context, Outcome, shots_accounting
from chaos.stack import started_stack

LOAD_CLIENTS = 4


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def table(outcomes: list[Outcome]) -> str:
    """The results as a Markdown table (it goes into docs/operations.md as it is)."""
    header = [
        "scenario", "requests", "errors", "p95 before (s)", "p95 during (s)", "p95 after (s)",
        "shots lost", "shots duplicated", "target", "measured", "result",
    ]  # fmt: skip
    rows = [header, ["---"] * len(header)]
    for outcome in outcomes:
        rows.append(
            [
                outcome.scenario,
                str(outcome.requests),
                str(outcome.errors),
                _seconds(outcome.p95_before),
                _seconds(outcome.p95_during),
                _seconds(outcome.p95_after),
                _count(outcome.lost),
                _count(outcome.duplicated),
                outcome.target,
                outcome.measured,
                "PASS" if outcome.passed else "FAIL",
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), metavar="SCENARIO")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    parser.add_argument("--seed", type=int, default=2026, help="the load mix's random seed")
    parser.add_argument(
        "--gunicorn-config",
        default="gunicorn.conf.py",
        help="another gunicorn config to try against the faults (default: the repository's)",
    )
    args = parser.parse_args(argv)
    chosen = [name for name in SCENARIOS if not args.only or name in args.only]

    began = time.monotonic()
    outcomes: list[Outcome] = []
    with started_stack(keep=args.keep, gunicorn_config=args.gunicorn_config) as stack:
        from demo.seed import demo_data_seed

        demo_data_seed()  # a store, its board and three golfers with 90 days of shots
        context = Context(
            stack=stack,
            golfers=golfers_create(LOAD_CLIENTS, prefix="chaos"),
            photos=Photos(),
            seed=args.seed,
        )
        print(f"chaos: stack up in {time.monotonic() - began:.0f} s ({stack.base_url})", flush=True)
        for name in chosen:
            started = time.monotonic()
            print(f"chaos: {name} ...", flush=True)
            outcome = SCENARIOS[name](context)
            gone = stack.revive()
            if gone:
                outcome.met = False
                outcome.measured += "; " + "; ".join(line.split(":")[0] for line in gone)
                outcome.notes.extend(gone)
            outcomes.append(outcome)
            print(
                f"chaos: {name}: {outcome.measured} ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
            for note in outcome.notes:
                print(f"         {note}", flush=True)
        shots_accounting(outcomes)
        for outcome in outcomes:
            if outcome.lost is None:
                print(f"chaos: {outcome.scenario}: {outcome.notes[-1]}", flush=True)
        if not all(outcome.passed for outcome in outcomes):
            stack.keep_logs = True
        paid = Counter(call.image for call in stack.openai.calls_since(0.0))
        spend = (
            f"OpenAI calls over the run: {paid.total()} for {len(paid)} photos; "
            f"{sum(count > 1 for count in paid.values())} photo(s) sent more than once "
            "(a call cut off by the worker crash counts)."
        )

    print()
    print(f"Fault suite, {datetime.date.today().isoformat()}, {time.monotonic() - began:.0f} s:")
    print()
    print(table(outcomes))
    print()
    print(spend)
    failed = [outcome.scenario for outcome in outcomes if not outcome.passed]
    print()
    print(f"FAILED: {'; '.join(failed)}" if failed else "All targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
