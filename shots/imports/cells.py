"""Turning one exported cell into a number, or into "not measured".

Launch-monitor apps write "not measured" in many ways: a blank, ``--``,
``-``, ``N/A``, ``16777215`` (2**24 - 1, Foresight), a negative smash factor
(Garmin writes the ball speed in m/s, negated, when club data is missing) and
``0`` for club data the device did not see. None of them may be stored as a
value: ``parse_number`` returns None for the text ones and ``is_sentinel``
names the numbers; ``parse_number`` raises ``CellError`` (a message for the
preview) for text that is no number at all.

A unit written inside a cell (``152 mph``, ``6.0 s``, ``29.4°``) is dropped:
the column's unit comes from the header or the units row, never from one cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import cast

from shots.metrics import METRICS_BY_NAME

NOT_MEASURED_TEXT = frozenset(
    # Garmin writes "inf" for a smash factor over a club speed of 0.
    {"", "-", "--", "---", "—", "–", "n/a", "na", "nan", "null", "none", "x", "inf", "-inf"}
    | {"infinity", "-infinity", "+inf"}
)
# "Center" is a lateral value of 0 (FS Golf, some screens), not text.
CENTRE_TEXT = frozenset({"center", "centre"})
# Foresight FSX writes 2**24 - 1 where it has no data.
FORESIGHT_NO_DATA = 16777215.0
# Club-head data a device writes as 0 when it did not see the club.
CLUB_DATA_METRICS = frozenset(
    {"club_speed", "attack_angle", "club_path", "face_angle", "face_to_path", "dynamic_loft"}
)

# A number as exports write it: "152.3", "-3", ".5", "1,45" (decimal comma), "1e-05" (C#, repr).
_NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
# Units and signs written inside cells: "29.4°", "6.0 s", "152 mph", "12 yds".
_UNIT = r"(?:°|º|˚|degs?|s|secs?|mph|km/h|kmh|kph|m/s|rpm|yds?|yards?|m|ft)\.?"
# The side before or after the number ("L 6.2", "6.2L", "R 1.8°", "3.0°L", "12 yds R").
_CELL = re.compile(
    rf"^(?P<before>[LR])?\s*(?P<number>{_NUMBER})\s*(?:{_UNIT})?\s*(?P<after>[LR])?$",
    re.IGNORECASE,
)
# Digits grouped in thousands: "7,920" rpm; "7.920" in a decimal-comma file.
_THOUSANDS_COMMA = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_POINT = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
# The shape of a signed number, however its digits are grouped ("-1.234,5", "-7,920 rpm").
_SIGNED_NUMBER_SHAPE = re.compile(
    rf"^[-+]\s*[\d.,]*\d[\d.,]*(?:[eE][-+]?\d+)?\s*(?:{_UNIT})?\s*[LR]?$", re.IGNORECASE
)


class CellError(ValueError):
    """The cell holds text that is not a number; the message names it for the preview."""


def looks_like_formula(text: str) -> bool:
    """``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``, ``-2+3``: a cell a spreadsheet would run.

    A leading ``+`` or ``-`` is a formula unless the rest is a number: ``-2.5``,
    ``-3.1°``, ``+3``, ``-7,920`` and ``-`` (not measured) are data.
    """
    cell = text.strip()
    if not cell:
        return False
    if cell[0] in "=@":
        return True
    if cell[0] in "+-":
        return cell.lower() not in NOT_MEASURED_TEXT and not _SIGNED_NUMBER_SHAPE.match(cell)
    return False


PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\Z")


def parse_number(text: str, *, decimal_comma: bool = False) -> float | None:
    """The number in ``text`` with L/R sides, units and sentinels handled; None = not measured.

    ``"L 6.2"`` and ``"6.2L"`` are -6.2, ``"R 1.8°"`` is 1.8, ``"6.0 s"`` is 6.0,
    ``"Center"`` is 0; ``decimal_comma``: the file writes ``1,45`` for 1.45 and
    ``7.920`` for 7920 (a ``;``- or tab-separated export from a European locale).
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    # The common case first (nearly every cell of a real export): a plain
    # number, which float() reads fastest. A 10,000-row file has some 300,000.
    # "7.920" in a decimal-comma file is 7920, so those take the long way.
    if not (decimal_comma and "." in cleaned) and "_" not in cleaned:
        try:
            number = float(cleaned)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
            # "nan" and "inf" read as floats: a device writes them for "no value";
            # anything else that overflows ("1e999") is no number at all.
            if cleaned.lower() in NOT_MEASURED_TEXT:
                return None
            raise CellError(f"{cleaned!r} is not a number")
    cleaned = cleaned.strip('"').strip()
    if cleaned.lower() in NOT_MEASURED_TEXT:
        return None
    if cleaned.lower() in CENTRE_TEXT:
        return 0.0
    cleaned = _ungrouped(cleaned, decimal_comma=decimal_comma)
    match = _CELL.match(cleaned)
    if not match:
        raise CellError(f"{text.strip()!r} is not a number")
    number = float(match["number"].replace(",", "."))
    side = (match["before"] or match["after"] or "").upper()
    if match["before"] and match["after"]:
        raise CellError(f"{text.strip()!r} has a side before and after the number")
    if side and number < 0:
        raise CellError(f"{text.strip()!r} has both a minus sign and a side")
    if not math.isfinite(number):
        raise CellError(f"{text.strip()!r} is not a number")
    return -number if side == "L" else number


def _ungrouped(cleaned: str, *, decimal_comma: bool) -> str:
    """The number's text without thousands separators, with a decimal point."""
    number = re.match(r"^[LR]?\s*([-+]?[\d.,]+)", cleaned, re.IGNORECASE)
    if not number:
        return cleaned
    digits = number[1]
    if decimal_comma:
        if _THOUSANDS_POINT.fullmatch(digits) or "," in digits:
            digits = digits.replace(".", "").replace(",", ".")
    elif _THOUSANDS_COMMA.fullmatch(digits):
        digits = digits.replace(",", "")  # "7,920" rpm: a thousands separator
    return cleaned[: number.start(1)] + digits + cleaned[number.end(1) :]


def is_sentinel(metric: str, value: float) -> bool:
    """Whether a parsed number is a device's way of saying "not measured" for this metric."""
    if value == FORESIGHT_NO_DATA or abs(value) >= FORESIGHT_NO_DATA:
        return True
    # A smash factor is a ratio of two speeds: never negative. Garmin writes
    # minus the ball speed in m/s there when it has no club speed.
    return metric == "smash_factor" and value <= 0


def without_sentinels(metric: str, numbers: Iterable[float | None]) -> list[float | None]:
    """``numbers`` (a column of one metric) with every sentinel (``is_sentinel``) as None."""
    numbers = list(numbers)
    if None not in numbers:
        # A column without gaps (most are) is checked in one pass of C code first.
        present = cast("list[float]", numbers)
        if max(map(abs, present), default=0.0) < FORESIGHT_NO_DATA and (
            metric != "smash_factor" or min(present, default=1.0) > 0
        ):
            return numbers
    if metric == "smash_factor":
        return [
            None if number is None or number <= 0 or abs(number) >= FORESIGHT_NO_DATA else number
            for number in numbers
        ]
    return [
        None if number is None or abs(number) >= FORESIGHT_NO_DATA else number for number in numbers
    ]


def drop_unmeasured_club_data(values: dict[str, float]) -> None:
    """Club data written as 0 while no club speed was measured is "not measured", not zero.

    A real face angle of 0.0 comes with a club speed; without one, the
    device saw no club (Garmin writes Club Face 0.0, GSPro writes 0 for all).
    """
    if values.get("club_speed") in (None, 0.0):
        for name in CLUB_DATA_METRICS:
            if values.get(name) == 0.0:
                del values[name]


def drop_zero_as_unmeasured(values: dict[str, float], *, metrics: frozenset[str]) -> None:
    """For formats that write 0 for every metric they did not measure (GSPro)."""
    for name in metrics:
        if values.get(name) == 0.0:
            del values[name]


def is_known_metric(name: str) -> bool:
    return name in METRICS_BY_NAME
