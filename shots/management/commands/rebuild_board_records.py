"""Rebuild the all-time boards' table (``BoardRecord``) and the outliers (``ShotOutlier``).

Both are derived from the shots; every write keeps them current through
``counted_shot_changed``. This is for tables that drifted: rows written by SQL that skipped the service, a
restore, or a change to what ranks. ``--store SLUG`` rebuilds one store.
Boards read the old rows until the rebuild commits; the command then bumps
the rebuilt stores' cached boards, so the next request reads the new rows.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from golfshots.cache_scopes import board_versions_bump, store_shots_versions_bump_on_commit
from retailers.models import Retailer
from shots import services


class Command(BaseCommand):
    help = (
        "Recompute every golfer's best rankable shot per store, club and metric, "
        "and the shots far above their golfer's usual."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--store", action="append", default=[], metavar="SLUG", help="Only this store."
        )

    def handle(self, *args: Any, store: list[str], **options: Any) -> None:
        retailer_ids: list[int] | None = None
        if store:
            found = dict(Retailer.objects.filter(slug__in=store).values_list("slug", "pk"))
            missing = sorted(set(store) - set(found))
            if missing:
                raise CommandError(f"No store with the slug {', '.join(missing)}.")
            retailer_ids = list(found.values())
        started = time.perf_counter()
        rows = services.board_records_rebuild(retailer_ids=retailer_ids)
        outliers = services.outliers_rebuild(retailer_ids=retailer_ids)
        stores = (
            retailer_ids
            if retailer_ids is not None
            else Retailer.objects.values_list("pk", flat=True)
        )
        board_versions_bump(retailer_ids=list(stores))
        store_shots_versions_bump_on_commit(retailer_ids=list(stores))  # at once: no transaction
        self.stdout.write(
            f"Rebuilt {rows:,} board record{'' if rows == 1 else 's'} and "
            f"{outliers:,} outlier{'' if outliers == 1 else 's'} "
            f"in {time.perf_counter() - started:.1f} s."
        )
