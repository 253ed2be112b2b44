"""The commit's COPY rows (no model instance per shot) store what a model instance would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from shots import services
from shots.models import Shot, ShotImport
from shots.services import imports as import_services
from shots.tests.import_files import garmin_session

pytestmark = pytest.mark.django_db

# Set by the database or by each write, not by the importer's choices.
NOT_COMPARED = {"id", "created_at", "updated_at"}


def test_every_stored_field_is_what_the_shot_the_plan_describes_has(golfer):
    shot_import, plan = services.import_upload(
        golfer=golfer,
        uploaded_by=golfer,
        retailer=None,
        file_name="DrivingRange-2026-11-14.csv",
        content=garmin_session(4),
    )
    planned = {shot.fingerprint: shot for shot in plan.new_shots}

    outcome = services.import_commit(shot_import=shot_import, background=False)

    assert outcome.created == 4
    shot_import.refresh_from_db()
    fields = [f for f in Shot._meta.concrete_fields if f.attname not in NOT_COMPARED]
    for stored in Shot.objects.filter(golfer=golfer):
        expected = import_services._shot_for(
            shot_import,
            planned[stored.import_fingerprint],
            plan.result.device or plan.result.vendor,
            stored.session,
            timezone.now(),
        )
        for field in fields:
            assert getattr(stored, field.attname) == getattr(expected, field.attname), field.name


def test_the_file_is_kept_byte_for_byte_until_the_commit(golfer):
    content = garmin_session(3) + "\u00e9".encode()  # any byte survives
    shot_import, _plan = services.import_upload(
        golfer=golfer, uploaded_by=golfer, retailer=None, file_name="x.csv", content=content
    )

    assert bytes(ShotImport.objects.get(pk=shot_import.pk).content) == content
    assert bytes(shot_import.content) == content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LZ4 is PostgreSQL's compression")
def test_the_stored_file_is_compressed_with_lz4_where_the_server_has_it(golfer):
    content = garmin_session(400)  # big enough for PostgreSQL to compress
    shot_import, _plan = services.import_upload(
        golfer=golfer, uploaded_by=golfer, retailer=None, file_name="x.csv", content=content
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        (has_lz4,) = cursor.fetchone()
        cursor.execute(
            "SELECT pg_column_compression(content) FROM shots_shotimport WHERE id = %s",
            [shot_import.pk],
        )
        (method,) = cursor.fetchone()
    assert method == ("lz4" if has_lz4 else "pglz")
