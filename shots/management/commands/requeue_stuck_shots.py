"""Re-enqueue shot photos whose analysis stalled: what the beat sweeper does, by hand.

Useful after a broker outage (photos left ``received``) or when beat is not
running: ``manage.py requeue_stuck_shots --older-than 0`` re-enqueues every
pending photo at once.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from shots import services


def _seconds(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds.") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError("--older-than cannot be negative.")
    return seconds


class Command(BaseCommand):
    help = (
        "Re-enqueue shot photos stuck in received/queued/analyzing; those out of attempts "
        "are left for the golfer as needs_review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=_seconds,
            default=None,
            metavar="SECONDS",
            help="Only shots unchanged for this long "
            f"(default: ANALYSIS_STUCK_AFTER_SECONDS, {settings.ANALYSIS_STUCK_AFTER_SECONDS}).",
        )

    def handle(self, *args: Any, older_than: int | None, **options: Any) -> None:
        stuck_for = timedelta(seconds=older_than) if older_than is not None else None
        requeued = services.shots_requeue_stuck(stuck_for=stuck_for)
        self.stdout.write(f"Re-enqueued {requeued} stuck shot{'' if requeued == 1 else 's'}.")
