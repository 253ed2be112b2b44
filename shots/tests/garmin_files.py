"""Small Garmin Golf "Export as CSV" files written for the import page tests.

The layout is Garmin's (a header row, a units row, one shot a row, US dates);
the numbers are made up. ``garmin_csv()`` gives three good shots (a driver
and two 7-irons) and one row whose ball speed is not a number.
"""

from __future__ import annotations

HEADER = (
    "Date,Player,Club Name,Club Type,Club Speed,Ball Speed,Smash Factor,Launch Angle,"
    "Spin Rate,Spin Rate Type,Apex Height,Carry Distance,Carry Deviation Distance,"
    "Total Distance,Total Deviation Distance"
)
UNITS = ",,,,[mph],[mph],,[deg],[rpm],,[ft],[yds],[yds],[yds],[yds]"
ROWS = (
    "03/14/25 6:01:10 PM,Pat,,Driver,104.2,151.0,1.45,12.1,2650,Measured,98,245.3,-6.2,268.1,-8.0",
    "03/14/25 6:02:40 PM,Pat,,7 Iron,84.0,118.5,1.41,17.9,6900,Measured,88,162.4,3.1,171.0,3.9",
    "03/14/25 6:03:55 PM,Pat,,7 Iron,83.1,117.2,1.41,18.2,7010,Estimated,86,160.9,-1.4,169.5,-2.0",
    "03/14/25 6:05:02 PM,Pat,,7 Iron,83.5,abc,1.40,18.0,6950,Measured,87,161.0,0.8,170.0,1.1",
)
# The line (1-based, as the preview numbers rows) of the row with the bad ball speed.
REJECTED_ROW = 6
GOOD_ROWS = 3


def garmin_csv(rows: tuple[str, ...] = ROWS, *, units: str = UNITS) -> bytes:
    return "\r\n".join((HEADER, units, *rows)).encode() + b"\r\n"


def garmin_csv_without_dates() -> bytes:
    """The same shots with no Date column: the preview has to ask when the session was."""
    header = HEADER.split(",", 1)[1]
    units = UNITS.split(",", 1)[1]
    rows = tuple(row.split(",", 1)[1] for row in ROWS[:GOOD_ROWS])
    return "\n".join((header, units, *rows)).encode() + b"\n"
