"""Every real export in ../shared/reference/exports through preview and commit.

The files are third-party (see ../shared/reference/real-data.md): they are
read where they are, never copied, and the test skips when the folder is
absent (a fresh clone without ../shared). More files of the same formats are
used to check the importer, so the checks are about the formats' rules, not
these files' numbers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from shots import services
from shots.imports.cells import FORESIGHT_NO_DATA
from shots.metrics import METRICS, METRICS_BY_NAME, Quantity
from shots.models import Club, Shot, ShotSource, ShotTrust

EXPORTS = Path(settings.BASE_DIR).parent / "shared" / "reference" / "exports"
REAL_FILES = (
    sorted(path for path in EXPORTS.glob("*/*") if path.is_file()) if EXPORTS.is_dir() else []
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not REAL_FILES, reason=f"no real exports at {EXPORTS} (../shared is absent)"
    ),
]

# The vendor folder each file sits in, and the vendor its reader must say.
VENDOR_OF_FOLDER = {
    "garmin": "Garmin",
    "rapsodo": "Rapsodo",
    "flightscope": "FlightScope",
    "foresight": "Foresight",
    "uneekor": "Uneekor",
}
UNIT_QUANTITIES = (Quantity.SPEED, Quantity.DISTANCE, Quantity.HEIGHT)
UNIT_QUANTITIES = (Quantity.SPEED, Quantity.DISTANCE, Quantity.HEIGHT)
# A session time for files that carry none (a choice the preview asks for).
CHOSEN_SESSION_START = datetime(2026, 1, 10, 17, 0, tzinfo=UTC)


def _settle_choices(shot_import, plan):
    """Answer what the preview asks: a club for unnamed clubs, the session time if missing."""
    clubs = {found.text: Club.PITCHING_WEDGE for found in plan.clubs if not found.chosen}
    started = CHOSEN_SESSION_START if plan.session_started_at is None else None
    if clubs or started:
        plan = services.import_choices_update(
            shot_import=shot_import, clubs=clubs, session_started_at=started
        )
    return plan


@pytest.mark.parametrize(
    "path", REAL_FILES, ids=[f"{p.parent.name}/{p.name[:40]}" for p in REAL_FILES]
)
def test_it_previews_and_imports_a_real_export(path, golfer):
    content = path.read_bytes()
    shot_import, plan = services.import_upload(
        golfer=golfer, uploaded_by=golfer, retailer=None, file_name=path.name, content=content
    )
    assert plan.result.vendor == VENDOR_OF_FOLDER[path.parent.name]
    for column in plan.columns:
        # Speeds and distances come in several units: each column says (or guesses) its own.
        if METRICS_BY_NAME[column.metric].quantity in UNIT_QUANTITIES:
            assert column.unit, f"{column.header}: no unit"

    plan = _settle_choices(shot_import, plan)
    assert not plan.problems, plan.problems
    assert plan.new_shots, f"nothing to import; rejected: {plan.rejected[:5]}"
    # Most rows of a real export are shots: a reader that rejects many has a format bug.
    assert len(plan.rejected) <= max(2, len(plan.new_shots) // 20), plan.rejected[:10]
    outcome = services.import_commit(shot_import=shot_import, background=False)

    shots = Shot.objects.filter(golfer=golfer)
    assert outcome.created == len(plan.new_shots) == shots.count()
    assert set(shots.values_list("source", "trust")) == {(ShotSource.CSV, ShotTrust.MEASURED)}
    for shot in shots:
        for metric in METRICS:
            value = getattr(shot, metric.name)
            if value is None:
                continue
            # No sentinel stored: 2**24 - 1, a negative smash, inf; and nothing past a hard range.
            assert math.isfinite(value)
            assert abs(value) < FORESIGHT_NO_DATA
            assert metric.is_within_hard_range(value), (shot.pk, metric.name, value)
        if shot.smash_factor is not None:
            assert shot.smash_factor > 0

    # Importing the same file again creates nothing.
    again, plan_again = services.import_upload(
        golfer=golfer, uploaded_by=golfer, retailer=None, file_name=path.name, content=content
    )
    plan_again = _settle_choices(again, plan_again)
    assert plan_again.new_shots == []
    assert len(plan_again.duplicates) == outcome.created


def test_the_real_rapsodo_exports_are_read_as_metric():
    files = sorted(EXPORTS.glob("rapsodo/*.csv"))
    if not files:
        pytest.skip("no real Rapsodo exports")
    from shots.imports import read_export

    for path in files:
        result = read_export(path.read_bytes(), filename=path.name)
        assert result.unit_of("ball_speed").unit == "km/h", path.name
        assert result.unit_of("carry").unit == "m", path.name
        assert result.session_date is not None, path.name
