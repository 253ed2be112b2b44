"""Club names as exports write them, mapped to our clubs (``shots.models.Club``).

Builds on the screen vocabulary (``shots.analysis.labels.club_from_text``)
and adds what only files say: German Garmin names (``Eisen 7``, ``Holz 3``,
``Hybrid 4``), Foresight's ``1w``/``7i`` and Rapsodo's ``Dr``/``d``/``7i``/``sw``
codes, and custom names that start with the club (``3W SIM2 TI``, ``D BioCell+``). A name that maps to nothing gives ""; the
preview then asks which club it is, it never guesses from the distance.
"""

from __future__ import annotations

import functools
import re

from shots.analysis.labels import club_from_text

_GERMAN = (
    (re.compile(r"^eisen\s*([2-9])$"), "{}i"),
    (re.compile(r"^([2-9])\s*er\s*eisen$"), "{}i"),
    (re.compile(r"^holz\s*([357])$"), "{}w"),
    (re.compile(r"^hybrid\s*([2-5])$"), "{}h"),
)
_GERMAN_NAMES = {
    "treiber": "driver",
    "holz 1": "driver",
    "sandwedge": "sw",
    "sand wedge": "sw",
    "lobwedge": "lw",
    "lob wedge": "lw",
    "gapwedge": "gw",
    "gap wedge": "gw",
    "pitchingwedge": "pw",
    "pitching wedge": "pw",
    "approach wedge": "gw",
}
# A custom club name whose first word is the club: "D BioCell+", "3W SIM2 TI".
# Rapsodo writes the driver as "d" on its own, too.
_FIRST_WORD_ONLY = {"d": "driver", "dr": "driver", "drv": "driver"}


@functools.lru_cache(maxsize=1024)
def club_for_text(text: str) -> str:
    """Our club for an export's club name, or "" when it is no club we know.

    Cached: a file repeats its few club names on every row.
    """
    name = " ".join(text.strip().lower().split())
    if not name:
        return ""
    if name in _GERMAN_NAMES:
        return _GERMAN_NAMES[name]
    if name in _FIRST_WORD_ONLY:
        return _FIRST_WORD_ONLY[name]
    for pattern, template in _GERMAN:
        match = pattern.match(name)
        if match:
            return template.format(match[1])
    club = club_from_text(name, is_club_caption=True)
    if club:
        return club
    first = name.split(" ", 1)[0]
    if first != name:
        if first in _FIRST_WORD_ONLY:
            return _FIRST_WORD_ONLY[first]
        club = club_from_text(first, is_club_caption=False)
        if club:
            return club
    return ""
