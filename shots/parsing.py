"""Turning the text people and screens write into numbers.

Launch monitors write lateral values as "12.4 L", "L12.4" or "3.5R"; the
canonical form is a signed number with negative meaning left.
"""

from __future__ import annotations

import re

_SIDE_VALUE = re.compile(
    r"^\s*(?P<before>[LR])?\s*(?P<number>[-+]?\d+(?:[.,]\d+)?)\s*(?P<after>[LR])?\s*$",
    re.IGNORECASE,
)
CENTRE_WORDS = {"center", "centre", "c", "straight"}


def parse_signed_number(text: str) -> float:
    """Parse ``-5``, ``5 L``, ``L5``, ``3.5R`` or ``Center``; raise ValueError otherwise."""
    if text.strip().lower() in CENTRE_WORDS:
        return 0.0
    match = _SIDE_VALUE.match(text)
    if not match or (match["before"] and match["after"]):
        raise ValueError(f"{text!r} is not a number")
    number = float(match["number"].replace(",", "."))
    side = (match["before"] or match["after"] or "").upper()
    if side and number < 0:
        raise ValueError(f"{text!r} has both a minus sign and a side")
    if side == "L":
        return -number
    return number
