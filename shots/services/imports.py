"""Importing a launch-monitor export: upload and preview, the preview's choices, the commit.

1. ``import_upload`` reads the file; a file no reader can take raises
   ``ImportFileError`` and leaves nothing behind. A readable one becomes a
   ``ShotImport`` waiting for confirmation (the file's bytes kept with it).
2. ``import_choices_update`` stores the preview's choices (units, clubs,
   the session's start); the preview is ``shots.imports.plan`` re-run.
3. ``import_commit`` stores the planned shots in one transaction, all or
   none: ``measured`` shots (source csv) inserted in batches with their
   import session already set (one per session in the file), personal
   bests and board versions brought up to date once. A
   fingerprint per shot (and a unique index behind it) makes importing the
   same file, or an overlapping export, twice create nothing twice.
   Files over ``IMPORT_IN_BACKGROUND_ROWS`` rows are committed by a Celery
   task (``shots.tasks.import_shots``) while the page shows its progress.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import User
from retailers.models import Retailer
from shots.imports.plan import ImportChoices, ImportPlan, PlannedShot, plan_import
from shots.imports.result import ImportFileError
from shots.imports.tables import MAX_IMPORT_BYTES
from shots.models import (
    ImportStatus,
    PracticeSession,
    Shot,
    ShotImport,
    ShotSource,
    ShotStatus,
)
from shots.services.records import ShotPlace, counted_shot_changed
from shots.services.sessions import session_create_for_import
from shots.trust import ShotFacts, trust_level_for

logger = logging.getLogger(__name__)

# Above this many rows the commit runs as a background job with progress.
IMPORT_IN_BACKGROUND_ROWS = 2000
BULK_BATCH = 1000
PROGRESS_TTL_SECONDS = 3600


class ImportNotReady(ValueError):
    """The import cannot be confirmed yet (a club or the session time to choose); message for the user."""


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    duplicates: int
    sessions: list[int]
    in_background: bool = False


def import_zone(*, golfer: User, retailer: Retailer | None) -> zoneinfo.ZoneInfo:
    """Where the file's naive times were written: the store's zone for a store import, else the golfer's."""
    if retailer is not None:
        return retailer.zone
    try:
        return zoneinfo.ZoneInfo(golfer.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def import_plan(*, shot_import: ShotImport) -> ImportPlan:
    """The preview of an import waiting for confirmation, with its stored choices."""
    return plan_import(
        content=bytes(shot_import.content),
        file_name=shot_import.file_name,
        golfer_id=shot_import.golfer_id,
        zone=import_zone(golfer=shot_import.golfer, retailer=shot_import.retailer),
        choices=ImportChoices(
            units=shot_import.units,
            clubs=shot_import.clubs,
            session_started_at=shot_import.session_started_at,
        ),
    )


def import_upload(
    *,
    golfer: User,
    uploaded_by: User,
    retailer: Retailer | None,
    file_name: str,
    content: bytes,
) -> tuple[ShotImport, ImportPlan]:
    """Read an uploaded export and keep it for its preview; ImportFileError when it can't be read.

    Nothing is stored for a file that cannot be read, and nothing but the
    ``ShotImport`` (no shot) for one that can.
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"The file is over {MAX_IMPORT_BYTES // 1024 // 1024} MB; export one session at a time."
        )
    name = (file_name or "export.csv").rsplit("/", 1)[-1][:200]
    plan = plan_import(
        content=content,
        file_name=name,
        golfer_id=golfer.pk,
        zone=import_zone(golfer=golfer, retailer=retailer),
        choices=ImportChoices(),
    )
    shot_import = ShotImport.objects.create(
        golfer=golfer,
        retailer=retailer,
        uploaded_by=uploaded_by,
        file_name=name,
        file_size=len(content),
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        vendor=plan.result.vendor,
        file_format=plan.result.format,
        rows_to_import=len(plan.new_shots),
    )
    return shot_import, plan


def import_choices_update(
    *,
    shot_import: ShotImport,
    units: dict[str, str] | None = None,
    clubs: dict[str, str] | None = None,
    session_started_at: datetime | None = None,
) -> ImportPlan:
    """Store the preview's choices (only those given) and return the preview they give."""
    if shot_import.status != ImportStatus.PREVIEW:
        raise ImportNotReady("This file has been imported already.")
    if units is not None:
        shot_import.units = {**shot_import.units, **units}
    if clubs is not None:
        shot_import.clubs = {**shot_import.clubs, **clubs}
    if session_started_at is not None:
        shot_import.session_started_at = session_started_at
    plan = import_plan(shot_import=shot_import)
    shot_import.rows_to_import = len(plan.new_shots)
    shot_import.save(
        update_fields=["units", "clubs", "session_started_at", "rows_to_import", "updated_at"]
    )
    return plan


def import_commit(*, shot_import: ShotImport, background: bool | None = None) -> ImportOutcome:
    """Confirm the import with its stored choices: every planned shot, in one transaction.

    ``background``: None decides by size (``IMPORT_IN_BACKGROUND_ROWS``). A
    repeated confirm of an import already done returns what it did.
    Raises ``ImportNotReady`` when the preview still asks for a choice.
    """
    if shot_import.status == ImportStatus.IMPORTED:
        return _outcome_of(shot_import)
    if shot_import.status == ImportStatus.IMPORTING:
        return ImportOutcome(created=0, duplicates=0, sessions=[], in_background=True)
    if background is None:
        # The size the last preview counted; the commit plans again under the lock.
        background = shot_import.rows_to_import > IMPORT_IN_BACKGROUND_ROWS
    if background:
        # Checked here too, so the golfer hears of a missing choice now, not from the job.
        plan = import_plan(shot_import=shot_import)
        if plan.problems:
            raise ImportNotReady(" ".join(plan.problems))
        # Imported here: the task module imports this one.
        from shots.tasks import import_enqueue

        claimed = ShotImport.objects.filter(pk=shot_import.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.IMPORTING, updated_at=timezone.now()
        )
        if claimed and import_enqueue(shot_import_id=shot_import.pk):
            shot_import.status = ImportStatus.IMPORTING
            return ImportOutcome(created=0, duplicates=0, sessions=[], in_background=True)
        # No broker: import in this request instead of leaving the file waiting.
        ShotImport.objects.filter(pk=shot_import.pk).update(status=ImportStatus.PREVIEW)
        shot_import.status = ImportStatus.PREVIEW
    return _commit_now(shot_import_id=shot_import.pk)


def import_run(*, shot_import_id: int) -> ImportOutcome:
    """The background job's work: commit an import claimed by ``import_commit``."""
    return _commit_now(shot_import_id=shot_import_id, claimed=True)


def import_progress(*, shot_import: ShotImport) -> tuple[int, int]:
    """(rows written so far, rows to write) of an import running in the background."""
    done = cache.get(_progress_key(shot_import.pk)) or 0
    return int(done), shot_import.rows_to_import


def _progress_key(shot_import_id: int) -> str:
    return f"shot-import:{shot_import_id}:progress"


def _commit_now(*, shot_import_id: int, claimed: bool = False) -> ImportOutcome:
    expected = ImportStatus.IMPORTING if claimed else ImportStatus.PREVIEW
    try:
        with transaction.atomic():
            shot_import = (
                ShotImport.objects.select_for_update(of=("self",)).select_related(
                    "golfer", "retailer"
                )
            ).get(pk=shot_import_id)
            if shot_import.status == ImportStatus.IMPORTED:
                return _outcome_of(shot_import)
            if shot_import.status != expected:
                return ImportOutcome(created=0, duplicates=0, sessions=[], in_background=True)
            plan = import_plan(shot_import=shot_import)
            if plan.problems:
                raise ImportNotReady(" ".join(plan.problems))
            sessions = _create_sessions(shot_import, plan)
            shots = _create_shots(shot_import, plan, sessions)
            counted_shot_changed(places={ShotPlace.of(shot) for shot in shots})
            shot_import.status = ImportStatus.IMPORTED
            shot_import.created_count = len(shots)
            shot_import.duplicate_count = len(plan.duplicates)
            shot_import.rows_to_import = len(shots)
            shot_import.session = next(iter(sessions.values()), None)
            shot_import.committed_at = timezone.now()
            shot_import.error = ""
            # The shots are in; the third-party file is not kept longer than needed.
            shot_import.content = b""
            shot_import.save()
    except IntegrityError:
        # The same rows went in through another import of this golfer at the
        # same moment: the unique fingerprints refused them; nothing was stored.
        logger.info("Import %s raced another import of the same rows", shot_import_id)
        ShotImport.objects.filter(pk=shot_import_id).update(status=ImportStatus.PREVIEW)
        raise ImportNotReady(
            "Some of these shots were imported a moment ago by another upload; "
            "open the import again to see what is left."
        ) from None
    except Exception:
        if claimed:
            ShotImport.objects.filter(pk=shot_import_id).update(
                status=ImportStatus.PREVIEW, error="The import failed; nothing was saved."
            )
        raise
    finally:
        cache.delete(_progress_key(shot_import_id))
    return ImportOutcome(
        created=len(shots),
        duplicates=len(plan.duplicates),
        sessions=[session.pk for session in sessions.values()],
    )


def _create_sessions(shot_import: ShotImport, plan: ImportPlan) -> dict[str, PracticeSession]:
    """One import session per session in the file (a FlightScope cloud export holds many)."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for planned in plan.new_shots:
        times[planned.session_key].append(planned.hit_at)
    reference = f"Import #{shot_import.pk}: {shot_import.file_name}"[:100]
    return {
        key: session_create_for_import(
            golfer_id=shot_import.golfer_id,
            retailer_id=shot_import.retailer_id,
            hit_times=hit_times,
            import_reference=reference,
        )
        for key, hit_times in sorted(times.items(), key=lambda item: min(item[1]))
    }


def _create_shots(
    shot_import: ShotImport, plan: ImportPlan, sessions: dict[str, PracticeSession]
) -> list[Shot]:
    """Insert the planned shots in batches, counting progress for the background page."""
    device = plan.result.device or plan.result.vendor
    now = timezone.now()
    shots = [
        _shot_for(shot_import, planned, device, sessions[planned.session_key], now)
        for planned in plan.new_shots
    ]
    for start in range(0, len(shots), BULK_BATCH):
        _insert(shots[start : start + BULK_BATCH])
        # The cache, not the row: the transaction hides the row's updates until it ends.
        cache.set(_progress_key(shot_import.pk), start + BULK_BATCH, PROGRESS_TTL_SECONDS)
    return shots


def _insert(shots: list[Shot]) -> None:
    """COPY on PostgreSQL, bulk_create elsewhere (SQLite, the embedded default).

    COPY takes 10,000 shots in about a quarter of bulk_create's time
    (docs/performance.md, bench/imports.py): Django's per-field preparation
    of 40 fields is most of bulk_create's cost at that size. The rows are
    the same model instances either way; only nothing comes back (the
    importer needs no ids: bests and boards are recomputed from the table).
    """
    if connection.vendor != "postgresql":
        Shot.objects.bulk_create(shots)
        return
    fields = [field for field in Shot._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    json_fields = {field.attname for field in fields if field.get_internal_type() == "JSONField"}
    file_fields = {field.attname for field in fields if field.get_internal_type() == "FileField"}
    names = [field.attname for field in fields]
    # wrap_database_errors: psycopg's own errors become Django's (a unique
    # fingerprint refused is an IntegrityError, as from bulk_create).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(Shot._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for shot in shots:
            row = []
            for name in names:
                value = getattr(shot, name)
                if name in json_fields:
                    value = Jsonb(value)
                elif name in file_fields:
                    value = value.name or ""
                row.append(value)
            copy.write_row(row)


def _shot_for(
    shot_import: ShotImport,
    planned: PlannedShot,
    device: str,
    session: PracticeSession,
    now: datetime,
) -> Shot:
    trust = trust_level_for(
        ShotFacts(
            is_excluded=False, verified_at=None, source=ShotSource.CSV, metric_flags=planned.flags
        )
    )
    return Shot(
        golfer_id=shot_import.golfer_id,
        retailer_id=shot_import.retailer_id,
        club=planned.club,
        hit_at=planned.hit_at,
        source=ShotSource.CSV,
        source_device=device[:60],
        status=ShotStatus.CONFIRMED,
        trust=trust,
        metric_flags=planned.flags,
        shot_import=shot_import,
        import_fingerprint=planned.fingerprint,
        session=session,
        # Set here: COPY does not run the fields' auto_now.
        created_at=now,
        updated_at=now,
        **planned.values,
    )


def _outcome_of(shot_import: ShotImport) -> ImportOutcome:
    sessions = list(
        PracticeSession.objects.filter(shots__shot_import=shot_import)
        .values_list("pk", flat=True)
        .distinct()
    )
    return ImportOutcome(
        created=shot_import.created_count,
        duplicates=shot_import.duplicate_count,
        sessions=sorted(sessions),
    )
