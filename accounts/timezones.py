"""Time zones as people pick and read them: grouped by region, named by city, no aliases.

``zoneinfo.available_timezones()`` holds ~600 names, many of them old aliases
("US/Eastern", "Etc/GMT+5", "Factory"). A person picks from the canonical
zones of the tz database's ``zone.tab`` (one or more per country), grouped by
region; any valid IANA name stays acceptable, so a zone stored before (or sent
by a browser) keeps working.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from pathlib import Path

from django.utils import timezone

REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# What the grouped list calls each region; "America" spans both continents.
REGION_LABELS = {"America": "Americas", "Indian": "Indian Ocean", "Atlantic": "Atlantic Ocean"}


def _zone_tab_names() -> list[str]:
    for directory in zoneinfo.TZPATH:
        tab = Path(directory) / "zone.tab"
        if tab.is_file():
            lines = tab.read_text(encoding="utf-8").splitlines()
            return [line.split("\t")[2] for line in lines if line and not line.startswith("#")]
    return []


@functools.cache
def canonical_zone_names() -> tuple[str, ...]:
    """The zones a person picks from: zone.tab's, or region zones when the file is missing."""
    known = zoneinfo.available_timezones()
    names = [name for name in _zone_tab_names() if name in known]
    if not names:  # tz data from the tzdata wheel, which ships no zone.tab
        names = [name for name in known if name.split("/", 1)[0] in REGIONS and "/" in name]
    return tuple(sorted(set(names)))


def city_name(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Buenos Aires"; "UTC" → "UTC"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def _offset(zone: zoneinfo.ZoneInfo, at: datetime) -> str:
    offset = at.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def timezone_choices_grouped(*, at: datetime | None = None) -> list[tuple[str, object]]:
    """Select choices: UTC first, then (region label, [(name, "City (UTC±hh:mm)")]) groups."""
    at = at or timezone.now()
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in canonical_zone_names():
        region = name.split("/", 1)[0]
        label = f"{city_name(name)} ({_offset(zoneinfo.ZoneInfo(name), at)})"
        groups.setdefault(REGION_LABELS.get(region, region), []).append((name, label))
    choices: list[tuple[str, object]] = [("UTC", "UTC")]
    for region in sorted(groups):
        choices.append((region, sorted(groups[region], key=lambda choice: choice[1])))
    return choices


def zone_label(zone: zoneinfo.ZoneInfo | str, *, at: datetime | None = None) -> str:
    """How a page says which zone its times are in: "New York time (EST)", "UTC"."""
    name = zone if isinstance(zone, str) else zone.key
    if name in {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu"}:
        return "UTC"
    try:
        info = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return name
    abbreviation = (at or timezone.now()).astimezone(info).tzname() or ""
    # Some zones have no letters, only "+03"; the offset then says it all.
    if not abbreviation or abbreviation[0] in "+-":
        return f"{city_name(name)} time ({_offset(info, at or timezone.now())})"
    return f"{city_name(name)} time ({abbreviation})"
