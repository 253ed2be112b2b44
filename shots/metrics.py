"""The catalogue of launch-monitor metrics: units, ranges and display rules.

One table drives the model fields' help, form fields, API validation,
unit conversion and display, so a range is written down exactly once.
Ranges come from ``shared/reference/launch-monitor-data.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Quantity(Enum):
    """What a number measures; decides how it converts between unit systems."""

    SPEED = "speed"
    DISTANCE = "distance"
    HEIGHT = "height"
    SPIN = "spin"
    ANGLE = "angle"
    RATIO = "ratio"
    TIME = "time"


MPH_PER_KMH = 0.621371
YARDS_PER_METRE = 1.09361
FEET_PER_METRE = 3.28084

# (canonical unit, metric unit, factor: canonical value = metric value * factor)
UNITS: dict[Quantity, tuple[str, str, float]] = {
    Quantity.SPEED: ("mph", "km/h", MPH_PER_KMH),
    Quantity.DISTANCE: ("yd", "m", YARDS_PER_METRE),
    Quantity.HEIGHT: ("ft", "m", FEET_PER_METRE),
    Quantity.SPIN: ("rpm", "rpm", 1.0),
    Quantity.ANGLE: ("°", "°", 1.0),
    Quantity.RATIO: ("", "", 1.0),
    Quantity.TIME: ("s", "s", 1.0),
}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    quantity: Quantity
    hard: tuple[float, float]
    warn: tuple[float, float] | None
    decimals: int
    signed: bool = False  # lateral / directional: negative = left

    def unit(self, *, metric: bool) -> str:
        canonical, metric_unit, _ = UNITS[self.quantity]
        return metric_unit if metric else canonical

    def to_canonical(self, value: float, *, metric: bool) -> float:
        """Convert a value typed in the user's units to canonical units."""
        if not metric:
            return value
        return value * UNITS[self.quantity][2]

    def from_canonical(self, value: float, *, metric: bool) -> float:
        if not metric:
            return value
        return value / UNITS[self.quantity][2]

    def is_within_hard_range(self, value: float) -> bool:
        low, high = self.hard
        return low <= value <= high


S = Quantity
METRICS: tuple[Metric, ...] = (
    Metric("ball_speed", "Ball speed", S.SPEED, (0, 240), (40, 200), 1),
    Metric("club_speed", "Club speed", S.SPEED, (0, 160), (40, 135), 1),
    Metric("smash_factor", "Smash factor", S.RATIO, (0.5, 1.6), (1.0, 1.52), 2),
    Metric("launch_angle", "Launch angle", S.ANGLE, (-15, 70), (2, 50), 1),
    Metric("launch_direction", "Launch direction", S.ANGLE, (-30, 30), (-10, 10), 1, signed=True),
    Metric("spin_rate", "Spin rate", S.SPIN, (0, 15000), (1000, 12000), 0),
    Metric("spin_axis", "Spin axis", S.ANGLE, (-60, 60), (-30, 30), 1, signed=True),
    Metric("back_spin", "Back spin", S.SPIN, (-15000, 15000), None, 0),
    Metric("side_spin", "Side spin", S.SPIN, (-15000, 15000), None, 0, signed=True),
    Metric("carry", "Carry", S.DISTANCE, (0, 450), (20, 400), 1),
    Metric("total", "Total", S.DISTANCE, (0, 500), None, 1),
    Metric("carry_side", "Carry side", S.DISTANCE, (-150, 150), (-60, 60), 1, signed=True),
    Metric("total_side", "Total side", S.DISTANCE, (-200, 200), (-80, 80), 1, signed=True),
    Metric("apex", "Apex", S.HEIGHT, (0, 200), (15, 150), 0),
    Metric("descent_angle", "Descent angle", S.ANGLE, (0, 90), (20, 70), 1),
    Metric("attack_angle", "Attack angle", S.ANGLE, (-15, 15), (-10, 10), 1),
    Metric("club_path", "Club path", S.ANGLE, (-20, 20), (-10, 10), 1, signed=True),
    Metric("face_angle", "Face angle", S.ANGLE, (-20, 20), (-10, 10), 1, signed=True),
    Metric("face_to_path", "Face to path", S.ANGLE, (-20, 20), (-10, 10), 1, signed=True),
    Metric("dynamic_loft", "Dynamic loft", S.ANGLE, (0, 70), (5, 60), 1),
    Metric("hang_time", "Hang time", S.TIME, (0, 12), (2, 10), 1),
)
del S

METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)

# The metrics a personal best and a leaderboard can be kept for; higher is better.
RECORD_METRICS: tuple[str, ...] = ("carry", "total", "ball_speed", "club_speed", "smash_factor")

# The few metrics most golfers type in; the entry form shows these first.
PRIMARY_METRICS: tuple[str, ...] = (
    "ball_speed",
    "club_speed",
    "smash_factor",
    "launch_angle",
    "spin_rate",
    "carry",
    "total",
    "carry_side",
)


def format_value(metric: Metric, value: float | None, *, metric_units: bool) -> str:
    """Render a canonical value in the viewer's units, e.g. ``152.3 mph`` or ``12.0 L``."""
    if value is None:
        return "—"
    shown = metric.from_canonical(value, metric=metric_units)
    unit = metric.unit(metric=metric_units)
    if metric.signed and metric.quantity in (Quantity.DISTANCE, Quantity.ANGLE):
        number = f"{abs(shown):.{metric.decimals}f}"
        side = "" if round(shown, metric.decimals) == 0 else (" L" if shown < 0 else " R")
        return f"{number}{'' if unit == '°' else ' '}{unit}{side}".replace("  ", " ").strip()
    number = f"{shown:,.{metric.decimals}f}"
    if not unit:
        return number
    return f"{number}{unit}" if unit == "°" else f"{number} {unit}"
