"""Unit text seen on a launch-monitor screen, turned into canonical units.

Both analysers read the unit next to a value ("km/h", "[yds]", "m/s") and
convert here, with the factors of ``shots.metrics``, so a screen in metres
and one in yards land on the same numbers. A unit that does not belong to
the metric (carry in "mph") is an error, never a guess.
"""

from __future__ import annotations

from shots.metrics import (
    FEET_PER_METRE,
    METRICS_BY_NAME,
    MPH_PER_KMH,
    YARDS_PER_METRE,
    Quantity,
)

KMH_PER_METRE_PER_SECOND = 3.6

_SPEED = {
    **dict.fromkeys(("mph", "mi/h", "mi/hr", "miles/h"), 1.0),
    **dict.fromkeys(("km/h", "km/hr", "kmh", "kph", "kmph"), MPH_PER_KMH),
    **dict.fromkeys(("m/s", "m/sec", "mps"), MPH_PER_KMH * KMH_PER_METRE_PER_SECOND),
}
_YARDS = ("yd", "yds", "yard", "yards", "y")
_METRES = ("m", "mtr", "mtrs", "metre", "metres", "meter", "meters")
_FEET = ("ft", "feet", "foot", "'")
_DISTANCE = {
    **dict.fromkeys(_YARDS, 1.0),
    **dict.fromkeys(_METRES, YARDS_PER_METRE),
    **dict.fromkeys(_FEET, 1 / 3),
}
_HEIGHT = {
    **dict.fromkeys(_FEET, 1.0),
    **dict.fromkeys(_YARDS, 3.0),
    **dict.fromkeys(_METRES, FEET_PER_METRE),
}
_SPIN = dict.fromkeys(("rpm", "r/min", "rev/min", "revs/min", "u/min"), 1.0)
# "º" (ordinal indicator) and "˚" (ring above) are what screens and OCR often
# show in place of a real degree sign.
_ANGLE = dict.fromkeys(("°", "º", "˚", "deg", "degs", "degree", "degrees"), 1.0)
_TIME = dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0)

FACTORS: dict[Quantity, dict[str, float]] = {
    Quantity.SPEED: _SPEED,
    Quantity.DISTANCE: _DISTANCE,
    Quantity.HEIGHT: _HEIGHT,
    Quantity.SPIN: _SPIN,
    Quantity.ANGLE: _ANGLE,
    Quantity.RATIO: {},
    Quantity.TIME: _TIME,
}


class UnknownUnitError(ValueError):
    """The unit text is not one this metric can be measured in."""


def normalise_unit_text(unit_text: str | None) -> str:
    """``" [Km / H] "`` -> ``"km/h"``; ``"(yds.)"`` -> ``"yds"``; ``None`` -> ``""``."""
    if unit_text is None:
        return ""
    text = unit_text.strip().lower().strip("[](){}").strip()
    text = "".join(text.split()).rstrip(".")
    return text


def to_canonical(metric_name: str, value: float, unit_text: str | None) -> float:
    """Convert ``value`` shown in ``unit_text`` to the metric's canonical unit.

    No unit text (``None`` or blank) means the value is taken as already
    canonical: spin and angles have only one unit, and a screen that prints
    no unit for a speed or distance is almost always in mph and yards.
    """
    try:
        metric = METRICS_BY_NAME[metric_name]
    except KeyError:
        raise UnknownUnitError(f"{metric_name!r} is not a metric.") from None
    unit = normalise_unit_text(unit_text)
    if not unit:
        return value
    factor = FACTORS[metric.quantity].get(unit)
    if factor is None:
        raise UnknownUnitError(f"{metric.label} cannot be in {unit_text!r}.")
    return value * factor
