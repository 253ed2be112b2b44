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


# --- A short sample for the page, console and browser tests ------------------------------------
# Garmin's layout (a header row, a units row, one shot a row, US dates): three
# good shots (a driver and two 7-irons) and one row whose ball speed is not a number.
SAMPLE_HEADER = (
    "Date,Player,Club Name,Club Type,Club Speed,Ball Speed,Smash Factor,Launch Angle,"
    "Spin Rate,Spin Rate Type,Apex Height,Carry Distance,Carry Deviation Distance,"
    "Total Distance,Total Deviation Distance"
)
SAMPLE_UNITS = ",,,,[mph],[mph],,[deg],[rpm],,[ft],[yds],[yds],[yds],[yds]"
SAMPLE_ROWS = (
    "03/14/25 6:01:10 PM,Pat,,Driver,104.2,151.0,1.45,12.1,2650,Measured,98,245.3,-6.2,268.1,-8.0",
    "03/14/25 6:02:40 PM,Pat,,7 Iron,84.0,118.5,1.41,17.9,6900,Measured,88,162.4,3.1,171.0,3.9",
    "03/14/25 6:03:55 PM,Pat,,7 Iron,83.1,117.2,1.41,18.2,7010,Estimated,86,160.9,-1.4,169.5,-2.0",
    "03/14/25 6:05:02 PM,Pat,,7 Iron,83.5,abc,1.40,18.0,6950,Measured,87,161.0,0.8,170.0,1.1",
)
# The line (1-based, as the preview numbers rows) of the row with the bad ball speed.
REJECTED_ROW = 6
GOOD_ROWS = 3


def garmin_sample_csv(rows: tuple[str, ...] = SAMPLE_ROWS, *, units: str = SAMPLE_UNITS) -> bytes:
    return "\r\n".join((SAMPLE_HEADER, units, *rows)).encode() + b"\r\n"


def garmin_sample_csv_without_dates() -> bytes:
    """The same shots with no Date column: the preview has to ask when the session was."""
    header = SAMPLE_HEADER.split(",", 1)[1]
    units = SAMPLE_UNITS.split(",", 1)[1]
    rows = tuple(row.split(",", 1)[1] for row in SAMPLE_ROWS[:GOOD_ROWS])
    return "\n".join((header, units, *rows)).encode() + b"\n"
