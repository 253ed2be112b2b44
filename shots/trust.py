"""The trust level of a shot, written once: every write in shots.services and the data migration use it.

The rule, first match wins:

1. **excluded**: staff took the shot off (``is_excluded``).
2. **verified**: staff checked it (``verified_at``: ``shot_verify``, a staff
   correction) or recorded it at the counter.
3. **typed**: the golfer entered the numbers by hand (source manual or api),
   or changed a measured shot's numbers: a photo's away from what the
   analyser read, an imported file's from what the file said (the changed
   metrics carry the ``edited`` flag, see ``edited_metrics``).
4. **measured**: everything else: a photo read cleanly or confirmed as read,
   and shots imported from a launch monitor's file (source csv).

The level is derived from fields the shot keeps anyway, so undoing an
exclusion (``shot_include``) restores whatever the shot was before. A photo
still being read or waiting for the golfer (``needs_review``) is measured
here but not counted (``shots.models.COUNTED``), so it ranks nowhere until
the golfer confirms it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shots.metrics import METRIC_NAMES
from shots.models import ShotSource, ShotTrust

# The flag on a photo shot's metric that the golfer changed from the value read.
EDITED_FLAG = "edited"

HAND_ENTERED_SOURCES = (ShotSource.MANUAL, ShotSource.API)
# Numbers that came from a launch monitor (its screen, or its session file).
MEASURED_SOURCES = (ShotSource.PHOTO, ShotSource.CSV)


class TrustFacts(Protocol):
    """What the rule reads: a Shot, the historical model in a migration, or ``ShotFacts``."""

    @property
    def is_excluded(self) -> bool: ...
    @property
    def verified_at(self) -> datetime | None: ...
    @property
    def source(self) -> str: ...
    @property
    def metric_flags(self) -> Any: ...


@dataclass(frozen=True)
class ShotFacts:
    """The rule's inputs without a row: bulk loads and back-fills ask it per combination."""

    is_excluded: bool
    verified_at: datetime | None
    source: str
    metric_flags: Mapping[str, list[str]] = field(default_factory=dict)


def trust_level_for(shot: TrustFacts) -> ShotTrust:
    """The shot's trust level by the rule in this module's docstring."""
    if shot.is_excluded:
        return ShotTrust.EXCLUDED
    if shot.verified_at is not None:
        return ShotTrust.VERIFIED
    if shot.source in HAND_ENTERED_SOURCES:
        return ShotTrust.TYPED
    if shot.source in MEASURED_SOURCES and edited_flagged(shot.metric_flags):
        return ShotTrust.TYPED
    return ShotTrust.MEASURED


def edited_flagged(metric_flags: Mapping[str, list[str]] | None) -> list[str]:
    """The metrics flagged as changed by the golfer after they were measured."""
    return [name for name, flags in (metric_flags or {}).items() if EDITED_FLAG in flags]


def edited_metrics(*, read: Mapping[str, Any], submitted: Mapping[str, float | None]) -> list[str]:
    """The metrics whose submitted value differs from the value the analyser read.

    A value added where nothing was read counts as an edit (it is typed); a
    smash factor the golfer left to be derived from the two speeds does not.
    """
    edited = []
    for name in METRIC_NAMES:
        was, now = read.get(name), submitted.get(name)
        if was is None and now is None:
            continue
        if was is None and name == "smash_factor" and _is_derived_smash(now, submitted):
            continue
        if was is None or now is None or not math.isclose(was, now, rel_tol=1e-9, abs_tol=1e-6):
            edited.append(name)
    return edited


def _is_derived_smash(smash: float | None, values: Mapping[str, float | None]) -> bool:
    ball, club_speed = values.get("ball_speed"), values.get("club_speed")
    if smash is None or not ball or not club_speed:
        return False
    return abs(smash - round(ball / club_speed, 2)) < 0.005
