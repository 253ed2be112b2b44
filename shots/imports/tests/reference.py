"""The real launch-monitor exports in ../shared/reference, for the readers' tests.

They are third-party files (see ../shared/reference/real-data.md): read where
they are, never copied into the project. A test asking for them skips when
the folder is absent, so the suite passes on a clone without ../shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shots.metrics import Quantity

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference"
EXPORTS = REFERENCE / "exports"

# Quantities whose numbers change with the unit: a unit mistake shows in them.
UNIT_SENSITIVE = (Quantity.SPEED, Quantity.DISTANCE, Quantity.HEIGHT, Quantity.TIME)


def reference_files(vendor: str) -> list[Path]:
    """The real exports of one vendor (its folder under exports/), or skip the test."""
    folder = EXPORTS / vendor
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (shared/reference is not beside this checkout)")
    files = sorted(path for path in folder.iterdir() if path.is_file())
    if not files:
        pytest.skip(f"{folder} holds no files")
    return files
