"""Launch-monitor export files for the import tests, written here in the vendors' formats.

Our own fixtures: the real third-party files stay in ../shared/reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GARMIN_HEADER = (
    "Date,Player,Club Name,Club Type,Club Speed,Attack Angle,Club Path,Club Face,Face to Path,"
    "Ball Speed,Smash Factor,Launch Angle,Launch Direction,Backspin,Sidespin,Spin Rate,"
    "Spin Rate Type,Spin Axis,Apex Height,Carry Distance,Carry Deviation Angle,"
    "Carry Deviation Distance,Total Distance,Total Deviation Angle,Total Deviation Distance,"
    "Note,Tag,Air Density,Temperature,Air Pressure,Relative Humidity"
)
GARMIN_UNITS_IMPERIAL = (
    ",,,,[mph],[deg],[deg],[deg],[deg],[mph],,[deg],[deg],[rpm],[rpm],[rpm],,[deg],[ft],"
    "[Yards],[deg],[Yards],[Yards],[deg],[Yards],,,[g/L],[deg F],[kPa],[%]"
)


@dataclass(frozen=True)
class GarminShot:
    """One row of a Garmin file, in the file's units (imperial unless the test says)."""

    when: str = "11/14/26 4:12:04 PM"
    club: str = "7 Iron"
    club_speed: str = "82.5"
    ball_speed: str = "112.0"
    smash: str = "1.3575757575"
    carry: str = "160.4"
    total: str = "171.2"
    spin_type: str = "Measured"
    spin: str = "6200"


def garmin_csv(
    shots: Sequence[GarminShot], *, units_row: str = GARMIN_UNITS_IMPERIAL, bom: bool = True
) -> bytes:
    lines = [GARMIN_HEADER, units_row]
    for shot in shots:
        lines.append(
            f"{shot.when},Pat,,{shot.club},{shot.club_speed},-3.1,1.2,0.8,-0.4,{shot.ball_speed},"
            f"{shot.smash},17.5,-1.2,6100,-350,{shot.spin},{shot.spin_type},-3.3,88.0,"
            f"{shot.carry},-1.0,-2.8,{shot.total},-1.1,-3.3,,,1.19,70.0,101.3,50"
        )
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def garmin_session(count: int, *, club: str = "7 Iron", start_minute: int = 0) -> bytes:
    """A Garmin file of ``count`` shots 20 s apart, from 14 Nov 2026 4 pm (phone time)."""
    start = datetime(2026, 11, 14, 16, 0, 4) + timedelta(minutes=start_minute)
    shots = []
    for index in range(count):
        moment = start + timedelta(seconds=20 * index)
        when = f"{moment:%m/%d/%y %I:%M:%S %p}".lstrip("0").replace("/0", "/")
        carry = 150 + (index % 20)
        shots.append(GarminShot(when=when, club=club, carry=f"{carry}.0", total=f"{carry + 11}.0"))
    return garmin_csv(shots)
