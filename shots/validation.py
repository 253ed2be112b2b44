"""Checks that decide whether a shot's numbers can be trusted.

Hard ranges reject a value outright; warn ranges and cross-checks flag the
shot for a human to look at. Nothing here changes a value: a misread is
reported, never silently "fixed".
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from shots.metrics import METRICS_BY_NAME

IRONS_AND_WEDGES = {"2i", "3i", "4i", "5i", "6i", "7i", "8i", "9i", "pw", "gw", "sw", "lw"}
SMASH_TOLERANCE = 0.02


# When a shot can have been hit. Launch monitors that record shots appeared in
# the 2000s, so an earlier date is a typo in the year (and year 1 breaks every
# conversion to a zone west of UTC); a phone or launch-monitor PC may run a
# little ahead of our clock, so "now" allows a few minutes.
EARLIEST_SHOT = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
TOO_EARLY_MESSAGE = "Launch monitors did not record shots before 2000: check the year."
FUTURE_MESSAGE = "That time is in the future: check the date and time zone."

# The days a shot list or analytics can be asked about: the shots' window,
# with room ahead for "until the end of next year", and far from the ends of
# the calendar (years 1 and 9999), where a day's start in a zone overflows.
EARLIEST_DAY = EARLIEST_SHOT.date()
LATEST_DAY = date(2100, 12, 31)
DAY_OUT_OF_RANGE_MESSAGE = "Enter a date from 1 January 2000 to 31 December 2100."


def hit_at_problem(hit_at: datetime, *, now: datetime | None = None) -> str | None:
    """The one check of when a shot was hit; None when it is plausible.

    Every way a shot comes in asks it: the API, the shot forms, imports and the admin.
    """
    if hit_at < EARLIEST_SHOT:
        return TOO_EARLY_MESSAGE
    if hit_at > (now or timezone.now()) + CLOCK_SKEW:
        return FUTURE_MESSAGE
    return None


def day_problem(day: date) -> str | None:
    """The check of a day a filter or a period names; None when it is within the window."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return DAY_OUT_OF_RANGE_MESSAGE
    return None


@dataclass
class CheckResult:
    rejected: dict[str, str] = field(default_factory=dict)
    # (metric name or "" for the whole shot, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.warnings

    def warn(self, name: str, message: str) -> None:
        self.warnings.append((name, message))


DERIVED_FLAG = "derived"
# What derive_exact can fill in.
DERIVABLE = ("smash_factor", "spin_rate", "face_to_path")


def derive_smash(
    values: dict[str, float | None],
    flags: dict[str, list[str]],
    *,
    untrusted: Collection[str] = (),
) -> None:
    """Fill in smash factor as ball ÷ club speed when both are known and it is not; flag it.

    Smash factor is defined as that ratio, so this is arithmetic, not a guess.
    ``untrusted``: metrics whose value is in doubt (a photo's uncertain readings);
    nothing is worked out from them, nor put in their place.
    """
    if untrusted and {"ball_speed", "club_speed", "smash_factor"} & set(untrusted):
        return
    ball, club_speed = values.get("ball_speed"), values.get("club_speed")
    if values.get("smash_factor") is None and ball and club_speed:
        smash = round(ball / club_speed, 2)
        if 0.5 <= smash <= 1.6:
            values["smash_factor"] = smash
            flags.setdefault("smash_factor", []).append(DERIVED_FLAG)


def derive_spin_rate(
    values: dict[str, float | None],
    flags: dict[str, list[str]],
    *,
    untrusted: Collection[str] = (),
) -> None:
    """Fill in total spin from back and side spin when a device gives only those; flag it.

    Back and side spin are the total's components (total² = back² + side²),
    so this too is arithmetic (SkyTrak and GSPro exports have no total).
    """
    if untrusted and {"back_spin", "side_spin", "spin_rate"} & set(untrusted):
        return
    back, side = values.get("back_spin"), values.get("side_spin")
    if values.get("spin_rate") is None and back is not None and side is not None and back > 0:
        values["spin_rate"] = round(math.hypot(back, side))
        flags.setdefault("spin_rate", []).append(DERIVED_FLAG)


def derive_face_to_path(
    values: dict[str, float | None],
    flags: dict[str, list[str]],
    *,
    untrusted: Collection[str] = (),
) -> None:
    """Fill in face to path as face angle − club path when both are known and it is not; flag it.

    Face to path is defined as that difference (both + = right/open, in degrees
    from the target line), so it is arithmetic. Only this one of the three is
    worked out: a screen that shows face to path and one of the others is
    rare, and a misread sign there would invent the third.
    """
    if untrusted and {"face_angle", "club_path", "face_to_path"} & set(untrusted):
        return
    face, path = values.get("face_angle"), values.get("club_path")
    if values.get("face_to_path") is None and face is not None and path is not None:
        face_to_path = round(face - path, 1)
        if METRICS_BY_NAME["face_to_path"].is_within_hard_range(face_to_path):
            values["face_to_path"] = face_to_path
            flags.setdefault("face_to_path", []).append(DERIVED_FLAG)


def derive_exact(
    values: dict[str, float | None],
    flags: dict[str, list[str]],
    *,
    untrusted: Collection[str] = (),
) -> list[str]:
    """Every derivation that is arithmetic from the definitions; returns the metrics filled in."""
    missing = [name for name in DERIVABLE if values.get(name) is None]
    if not missing:
        return []  # most shots: the screen or file showed them all
    derive_smash(values, flags, untrusted=untrusted)
    derive_spin_rate(values, flags, untrusted=untrusted)
    derive_face_to_path(values, flags, untrusted=untrusted)
    return sorted(name for name in missing if values.get(name) is not None)


def hard_range_message(name: str) -> str:
    metric = METRICS_BY_NAME[name]
    low, high = metric.hard
    unit = metric.unit(metric=False)
    return f"{metric.label} must be between {low:g} and {high:g}{f' {unit}' if unit else ''}."


# name -> (hard low, hard high, warn low, warn high); no warning range warns never.
_RANGES = {
    metric.name: (*metric.hard, *(metric.warn or (-math.inf, math.inf)))
    for metric in METRICS_BY_NAME.values()
}


def check_values(values: dict[str, float | None], *, club: str) -> CheckResult:
    """Check canonical values against the reference ranges and each other."""
    result = CheckResult()
    present = {name: value for name, value in values.items() if value is not None}
    full_swing = club != "putter"

    # An importer checks 10,000 rows in one preview, so the ranges come from a
    # table made once; a NaN fails every comparison and an infinity the hard
    # range, so both are rejected as math.isfinite would.
    for name, value in present.items():
        low, high, warn_low, warn_high = _RANGES[name]
        if not low <= value <= high:
            result.rejected[name] = hard_range_message(name)
            continue
        if name == "smash_factor":
            warn_high = 1.45 if club in IRONS_AND_WEDGES else 1.52
        if full_swing and not warn_low <= value <= warn_high:
            # As the shot page rounds it: an export's 16.2351 reads 16.2.
            metric = METRICS_BY_NAME[name]
            shown = round(value, metric.decimals)
            result.warn(name, f"{metric.label} {shown:g} is unusual for a full swing.")

    usable = (
        {name: value for name, value in present.items() if name not in result.rejected}
        if result.rejected
        else present
    )
    ball, club_speed, smash = (usable.get(n) for n in ("ball_speed", "club_speed", "smash_factor"))
    if ball and club_speed and smash:
        expected = ball / club_speed
        if abs(expected - smash) > SMASH_TOLERANCE:
            result.warn(
                "smash_factor",
                f"Smash factor {smash:.2f} does not match ball ÷ club speed ({expected:.2f}).",
            )

    carry, total = usable.get("carry"), usable.get("total")
    if carry is not None and total is not None and not carry - 10 <= total <= carry + 80:
        result.warn("total", f"Total {total:g} yd is far from carry {carry:g} yd.")

    spin, back, side = (usable.get(n) for n in ("spin_rate", "back_spin", "side_spin"))
    if spin and back is not None and side is not None:
        components = math.hypot(back, side)
        if abs(components - spin) > max(100.0, 0.05 * spin):
            result.warn(
                "spin_rate",
                f"Spin rate {spin:g} rpm does not match back and side spin ({components:.0f} rpm).",
            )
    return result
