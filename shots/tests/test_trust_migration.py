"""The data migration that gives existing shots their trust level (0007_shot_trust)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.tests.factories import UserFactory
from shots.models import Shot, ShotTrust

BEFORE = [("shots", "0006_pipeline_index")]
AFTER = [("shots", "0007_shot_trust")]
READ = {"ball_speed": 150.0, "club_speed": 103.0, "smash_factor": 1.46, "carry": 240.0}


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_back_fills_every_shot_by_the_trust_rule():
    golfer = UserFactory.create()
    old = _migrate(BEFORE)
    try:
        OldShot = old.get_model("shots", "Shot")
        OldAnalysis = old.get_model("shots", "ShotAnalysis")

        def make(name: str, *, reading: dict | None = None, **fields) -> tuple[str, int]:
            values = {"golfer_id": golfer.pk, "club": "driver", "status": "confirmed", **READ}
            values.update(fields)
            shot = OldShot.objects.create(**values)
            if reading is not None:
                OldAnalysis.objects.create(
                    shot=shot, attempt=1, analyser="ocr", values=reading, outcome="analyzed"
                )
            return name, shot.pk

        now = timezone.now()
        made = dict(
            [
                make("typed", source="manual"),
                make("api", source="api"),
                make("csv", source="csv"),
                make("photo analysed", source="photo", status="analyzed", reading=READ),
                make("photo confirmed as read", source="photo", reading=READ),
                make("photo corrected", source="photo", reading=READ, carry=262.0),
                make("photo typed after a failed read", source="photo"),
                make("photo waiting for the golfer", source="photo", status="needs_review"),
                make("typed then verified", source="manual", verified_at=now),
                make(
                    "photo corrected then verified",
                    source="photo",
                    reading=READ,
                    carry=262.0,
                    verified_at=now,
                ),
                make("excluded", source="csv", is_excluded=True, verified_at=now),
            ]
        )

        _migrate(AFTER)
    finally:
        call_command("migrate", verbosity=0)

    levels = {name: Shot.objects.get(pk=pk).trust for name, pk in made.items()}
    assert levels == {
        "typed": ShotTrust.TYPED,
        "api": ShotTrust.TYPED,
        "csv": ShotTrust.MEASURED,
        "photo analysed": ShotTrust.MEASURED,
        "photo confirmed as read": ShotTrust.MEASURED,
        "photo corrected": ShotTrust.TYPED,
        "photo typed after a failed read": ShotTrust.TYPED,
        "photo waiting for the golfer": ShotTrust.MEASURED,  # not counted until confirmed
        "typed then verified": ShotTrust.VERIFIED,
        "photo corrected then verified": ShotTrust.VERIFIED,
        "excluded": ShotTrust.EXCLUDED,
    }
    corrected = Shot.objects.get(pk=made["photo corrected"])
    assert corrected.metric_flags == {"carry": ["edited"]}
    assert Shot.objects.get(pk=made["photo confirmed as read"]).metric_flags == {}
