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
from typing import Any

import psycopg
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import User
from retailers.models import Retailer
from shots.imports.plan import (
    ImportChoices,
    ImportPlan,
    PlannedShot,
    collector_paused,
    plan_import,
)
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
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        shot_import = ShotImport.objects.create(
            golfer=golfer,
            retailer=retailer,
            uploaded_by=uploaded_by,
            file_name=name,
            file_size=len(content),
            file_sha256=hashlib.sha256(content).hexdigest(),
            content=b"" if postgresql else content,
            vendor=plan.result.vendor,
            file_format=plan.result.format,
            rows_to_import=len(plan.new_shots),
        )
        if postgresql:
            _store_content(shot_import, content)
    return shot_import, plan


def _store_content(shot_import: ShotImport, content: bytes) -> None:
    """The file's bytes into the import's row on PostgreSQL, the fast way (inside a transaction).

    Sent as one binary parameter (the ORM writes a bytea as a hex literal
    twice its size, composed on the client), and compressed with LZ4 where
    the server has it: pglz takes some 0.15 s over a 3 MB export, LZ4 0.02 s.
    PostgreSQL decompresses either on read; the stored bytes are the same.
    """
    table = connection.ops.quote_name(ShotImport._meta.db_table)
    column = connection.ops.quote_name(str(ShotImport._meta.get_field("content").column))
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
            "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        # A server-side-bound psycopg cursor: Django's own binds on the client.
        with psycopg.Cursor(connection.connection) as binary:
            binary.execute(
                f"UPDATE {table} SET {column} = %b WHERE id = %s", [content, shot_import.pk]
            )
    shot_import.content = content


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
            places = _create_shots(shot_import, plan, sessions)
            counted_shot_changed(places=set(places))
            shot_import.status = ImportStatus.IMPORTED
            shot_import.created_count = len(places)
            shot_import.duplicate_count = len(plan.duplicates)
            shot_import.rows_to_import = len(places)
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
        created=len(places),
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
) -> list[ShotPlace]:
    """Insert the planned shots in batches, counting progress for the background page.

    Returns where each shot counts. COPY on PostgreSQL, ``bulk_create``
    elsewhere (SQLite, the embedded default): COPY takes 10,000 shots in a
    fraction of bulk_create's time (docs/performance.md, bench/imports.py),
    and the rows it writes are made without a model instance per shot
    (``_CopyRows``): Django's ``Model.__init__`` of 40 fields was most of the
    commit. Nothing comes back either way: the importer needs no ids (bests
    and boards are recomputed from the table).
    """
    device = plan.result.device or plan.result.vendor
    now = timezone.now()
    planned_shots = plan.new_shots
    if connection.vendor != "postgresql":
        shots = [
            _shot_for(shot_import, planned, device, sessions[planned.session_key], now)
            for planned in planned_shots
        ]
        for start in range(0, len(shots), BULK_BATCH):
            Shot.objects.bulk_create(shots[start : start + BULK_BATCH])
            _progress(shot_import, start + BULK_BATCH)
        return [ShotPlace.of(shot) for shot in shots]
    rows = _CopyRows(_shot_for(shot_import, None, device, None, now))
    # wrap_database_errors: psycopg's own errors become Django's (a unique
    # fingerprint refused is an IntegrityError, as from bulk_create).
    with (
        collector_paused(),
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(rows.statement) as copy,
    ):
        for start in range(0, len(planned_shots), BULK_BATCH):
            for planned in planned_shots[start : start + BULK_BATCH]:
                copy.write_row(rows.row(planned, sessions[planned.session_key]))
            _progress(shot_import, start + BULK_BATCH)
    return [
        ShotPlace(
            golfer_id=shot_import.golfer_id, club=planned.club, retailer_id=shot_import.retailer_id
        )
        for planned in planned_shots
    ]


def _progress(shot_import: ShotImport, done: int) -> None:
    # The cache, not the row: the transaction hides the row's updates until it ends.
    cache.set(_progress_key(shot_import.pk), done, PROGRESS_TTL_SECONDS)


class _CopyRows:
    """COPY rows for ``shots_shot``: a template shot's values, with each planned shot's own.

    The template is a real ``Shot`` (every default as the model has it);
    a planned shot sets only what differs: club, time, values, flags, trust,
    fingerprint and session. The same values ``_shot_for`` would give a
    model instance, without making 10,000 of them.
    """

    def __init__(self, template: Shot) -> None:
        fields = [field for field in Shot._meta.concrete_fields if not field.primary_key]
        columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        table = connection.ops.quote_name(Shot._meta.db_table)
        self.statement = f"COPY {table} ({columns}) FROM STDIN"
        self.template: list[Any] = []
        for field in fields:
            value = getattr(template, field.attname)
            if field.get_internal_type() == "JSONField":
                value = Jsonb(value)
            elif field.get_internal_type() in ("FileField", "ImageField"):
                value = value.name or ""
            self.template.append(value)
        self.position = {field.attname: index for index, field in enumerate(fields)}
        # A callable default (hit_at's timezone.now) is overwritten below for every shot.
        self.club, self.hit_at = self.position["club"], self.position["hit_at"]
        self.trust, self.flags = self.position["trust"], self.position["metric_flags"]
        self.fingerprint = self.position["import_fingerprint"]
        self.session = self.position["session_id"]

    def row(self, planned: PlannedShot, session: PracticeSession) -> list[Any]:
        row = self.template.copy()
        row[self.club] = planned.club
        row[self.hit_at] = planned.hit_at
        row[self.trust] = _trust(planned)
        row[self.flags] = Jsonb(planned.flags)
        row[self.fingerprint] = planned.fingerprint
        row[self.session] = session.pk
        for name, value in planned.values.items():
            row[self.position[name]] = value
        return row


def _shot_for(
    shot_import: ShotImport,
    planned: PlannedShot | None,
    device: str,
    session: PracticeSession | None,
    now: datetime,
) -> Shot:
    """The shot for ``planned``; without one, the template ``_CopyRows`` fills in per shot."""
    shot = Shot(
        golfer_id=shot_import.golfer_id,
        retailer_id=shot_import.retailer_id,
        source=ShotSource.CSV,
        source_device=device[:60],
        status=ShotStatus.CONFIRMED,
        shot_import=shot_import,
        session=session,
        # Set here: COPY does not run the fields' auto_now.
        created_at=now,
        updated_at=now,
        **(planned.values if planned is not None else {}),
    )
    if planned is not None:
        shot.club = planned.club
        shot.hit_at = planned.hit_at
        shot.trust = _trust(planned)
        shot.metric_flags = planned.flags
        shot.import_fingerprint = planned.fingerprint
    return shot


def _trust(planned: PlannedShot) -> str:
    return trust_level_for(
        ShotFacts(
            is_excluded=False, verified_at=None, source=ShotSource.CSV, metric_flags=planned.flags
        )
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
