"""What launch monitors call things: metric labels and club names, as OCR reads them.

Every name in the "names seen" column of the launch-monitor reference maps
to a canonical metric here, in one table, so the OCR parser (and anything
else that reads screen text) agrees on the vocabulary. Matching works on a
*key*: lower case, letters only, with the digits OCR puts in place of
letters turned back ("5MASH" -> "smash", "A0A" -> "aoa"), because OCR often
drops the spaces and punctuation ("SmashFactor", "Land.Angle").
"""

from __future__ import annotations

import difflib
import re

# The label "Club" alone is a caption for the club name on some screens and
# FlightScope's "Club (mph)" club speed on others; the parser decides by what
# the label is paired with.
CLUB_CAPTION = "club"
# Labels of numbers we do not store (Roll, Spin Loft...). They still take part
# in pairing, so their numbers are not handed to a neighbouring label.
IGNORED = "ignored"

_METRIC_NAMES: dict[str, tuple[str, ...]] = {
    "ball_speed": ("Ball Speed", "Ball", "Speed", "Ball Spd", "Ball Velocity"),
    "club_speed": ("Club Speed", "Club head Speed", "Clubhead Speed", "Club Spd", "Swing Speed"),
    "smash_factor": ("Smash Factor", "Smash", "Efficiency"),
    "launch_angle": (
        "Launch Angle",
        "Launch V",
        "VLA",
        "Launch Ang.",
        "Launch",
        "Vertical Launch",
        "Vert. Launch",
    ),
    "launch_direction": (
        "Launch Direction",
        "Launch H",
        "HLA",
        "Azimuth",
        "Side Angle",
        "Launch Dir.",
        "Horizontal Launch",
        "Horiz. Launch",
        "Direction",
    ),
    "spin_rate": ("Spin Rate", "Total Spin", "Spin", "TotalSpin"),
    "back_spin": ("Backspin", "Back Spin"),
    "side_spin": ("Sidespin", "Side Spin"),
    "spin_axis": ("Spin Axis", "Spin Axis Tilt", "rawSpinAxis", "Axis", "Spin Tilt"),
    "attack_angle": ("Attack Angle", "AOA", "AoA", "Angle of Attack", "Attack"),
    "club_path": ("Club Path", "Path", "Swing H"),
    "face_angle": ("Face Angle", "Club Face", "Face to Target", "FTT", "Face"),
    "face_to_path": ("Face To Path", "FTP", "Face-Path"),
    "dynamic_loft": ("Dyn. Loft", "Dynamic Loft", "Loft"),
    "carry": ("Carry", "Carry Distance", "Carry Flat - Length", "Carry Dist.", "Carry Flat"),
    "total": (
        "Total",
        "Total Distance",
        "Est. Total Flat - Length",
        "TotalDistance",
        "Total Dist.",
        "Total Flat - Length",
    ),
    "carry_side": (
        "Side",
        "Carry Side",
        "Side Carry",
        "Offline",
        "Lateral",
        "Carry Deviation Distance",
        "Carry Deviation",
        "Carry Flat - Side",
        "Carry Lateral",
    ),
    "total_side": (
        "Side Total",
        "Total Side",
        "Total Deviation Distance",
        "Total Deviation",
        "Est. Total Flat - Side",
        "Total Flat - Side",
        "Total Lateral",
    ),
    "apex": ("Apex", "Apex Height", "Height", "Max Height", "Peak Height", "Max Height - Height"),
    "descent_angle": (
        "Descent Angle",
        "Land. Angle",
        "Landing Angle",
        "Decent",
        "Descent",
        "Land Angle",
    ),
    "hang_time": ("Hang Time", "Flight Time", "Time", "Air Time"),
    CLUB_CAPTION: ("Club", "Club Name", "Club Type"),
    IGNORED: (
        "Roll",
        "Spin Loft",
        "Shot",
        "Shot No.",
        "Swing Plane",
        "Swing Direction",
        "Swing V",
        "Low Point",
        "Carry Deviation Angle",
        "Total Deviation Angle",
        "Curve",
        "Dynamic Lie",
        "Impact Height",
        "Impact Offset",
        "Closure Rate",
        "Club Data Est Type",
        "Spin Rate Type",
        # Practice and scoring tiles beside the shot's numbers (Trackman's wedge
        # practice): they are not shot metrics, and their numbers must not be
        # handed to a neighbouring label.
        "Distance to Pin",
        "To Pin",
        "From Pin",
        "Proximity",
        "Strokes Gained",
        "Score",
        "Avg",
        "Average",
        "Normalized",
        "Target",
        "Shot List",
    ),
}

# Export-style names that carry their unit in the name (Foresight, GSPro JSON).
_NAMES_WITH_UNITS: dict[str, tuple[str, str]] = {
    "BallSpeed_MS": ("ball_speed", "m/s"),
    "ClubSpeed_MS": ("club_speed", "m/s"),
    "TotalSpin_RPM": ("spin_rate", "rpm"),
    "CarryDistance_M": ("carry", "m"),
    "TotalDistance_M": ("total", "m"),
    "LaunchAngle_DEG": ("launch_angle", "°"),
}

# OCR reads these digits where the screen shows letters; in a label they are letters.
_DIGITS_AS_LETTERS = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b", "|": "l", "$": "s"})
_FUZZY_CUTOFF = 0.88
_FUZZY_MIN_LENGTH = 7
_SHORT_FUZZY_MIN_LENGTH = 4


def label_key(text: str) -> str:
    """``"Land. Angle"`` -> ``"landangle"``; ``"5MASH"`` -> ``"smash"``: what labels are compared by."""
    return re.sub(r"[^a-z]", "", text.lower().translate(_DIGITS_AS_LETTERS))


LABELS: dict[str, str] = {
    **{label_key(name): metric for metric, names in _METRIC_NAMES.items() for name in names},
    **{label_key(name): metric for name, (metric, _) in _NAMES_WITH_UNITS.items()},
}
# Label key -> the unit its name implies ("BallSpeed_MS" is in m/s).
UNITS_IN_NAMES: dict[str, str] = {
    label_key(name): unit for name, (_, unit) in _NAMES_WITH_UNITS.items()
}


def metric_for_label(text: str) -> str | None:
    """The canonical metric (or CLUB_CAPTION / IGNORED) a label names, or None if it is no label.

    Exact key first; then a close spelling, for the letter OCR got wrong:
    one letter lost or doubled in a word of four or more ("Cary"), or any
    near spelling of a long label ("Launch Angie"), where one wrong letter
    cannot turn one label into another. A spelling equally close to two
    labels matches neither.
    """
    key = label_key(text)
    if not key:
        return None
    if key in LABELS:
        return LABELS[key]
    if len(key) >= _SHORT_FUZZY_MIN_LENGTH:
        # A short word with one letter lost or doubled ("Cary") is still that word;
        # a changed letter is not ("Path" and "Bath" are one letter apart too).
        near = [known for known in LABELS if _one_letter_dropped(key, known)]
        if len(near) == 1:
            return LABELS[near[0]]
    if len(key) >= _FUZZY_MIN_LENGTH:
        close = difflib.get_close_matches(key, LABELS, n=2, cutoff=_FUZZY_CUTOFF)
        # Two labels equally close ("launchv" / "launchh") is a guess, not a match.
        if len(close) == 1 or (
            len(close) == 2
            and difflib.SequenceMatcher(None, key, close[0]).ratio()
            > difflib.SequenceMatcher(None, key, close[1]).ratio()
        ):
            return LABELS[close[0]]
    return None


def _one_letter_dropped(first: str, second: str) -> bool:
    """Whether removing one letter from the longer of two words gives the shorter."""
    shorter, longer = sorted((first, second), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


# --- clubs --------------------------------------------------------------------------------

# Lofts printed instead of a wedge's name. Deliberately gappy: a 49°, 53° or
# 57° wedge could be either neighbour, so it maps to nothing.
_WEDGE_LOFTS = {
    **dict.fromkeys(range(46, 49), "pw"),
    **dict.fromkeys(range(50, 53), "gw"),
    **dict.fromkeys(range(54, 57), "sw"),
    **dict.fromkeys(range(58, 65), "lw"),
}

# A wedge's first word alone ("Approach", "Sand", "Gap") is not a club: apps
# print those words as practice modes, lies and menu items ("Approach" in FS
# Golf's mode bar turned an "8 Iron" screen into a gap wedge).
_NAMED_CLUBS = {
    **dict.fromkeys(("driver", "drv", "1w", "1wood"), "driver"),
    **dict.fromkeys(("pitchingwedge", "pwedge"), "pw"),
    **dict.fromkeys(("gapwedge", "approachwedge", "uw"), "gw"),
    **dict.fromkeys(("sandwedge", "swedge"), "sw"),
    **dict.fromkeys(("lobwedge", "lwedge"), "lw"),
    **dict.fromkeys(("putter", "putt"), "putter"),
}
# Two-letter names that are only a club when they are the whole text: "SW" in a
# sentence is more likely something else.
_SHORT_NAMES = {
    "dr": "driver",
    "pw": "pw",
    "gw": "gw",
    "aw": "gw",
    "sw": "sw",
    "lw": "lw",
    "pt": "putter",
}

_IRON_WORD = r"(?:iron|lron|1ron|iran|irom|i)"
# Small print read at low resolution turns the digit before "Iron" into a letter
# ("BIron" for "8 Iron"); with the whole word "Iron" after it, it is still that digit.
_DIGIT_LOOKALIKES = {"b": "8", "g": "9", "s": "5", "z": "2"}
_CLUB_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^([2-9]){_IRON_WORD}$"), "{}i"),
    (re.compile(r"^([bgsz])(?:iron|lron|1ron)$"), "lookalike-iron"),
    (re.compile(rf"^{_IRON_WORD}([2-9])$"), "{}i"),
    (re.compile(r"^([357])(?:wood|w|fw)$"), "{}w"),
    (re.compile(r"^(?:wood|w|fw)([357])$"), "{}w"),
    (re.compile(r"^([2-5])(?:hybrid|hyb|hy|h)$"), "{}h"),
    (re.compile(r"^(?:hybrid|hyb|hy|h)([2-5])$"), "{}h"),
)
_CLUB_PREFIX = re.compile(r"^(?:club(?:name|type)?)")
_LOFT = re.compile(r"^(\d{2})(?:°|º|˚|o|deg|degree|degrees)?(?:wedge|w)?$")
_LOFT_WEDGE = re.compile(r"^(?:wedge|w)(\d{2})(?:°|º|˚|o|deg)?$")


def club_key(text: str) -> str:
    """Lower case without spaces or punctuation, but keeping digits and the degree sign."""
    return re.sub(r"[^a-z0-9°º˚]", "", text.lower())


def club_from_text(text: str, *, is_club_caption: bool = False) -> str | None:
    """``"7 Iron"`` -> ``"7i"``, ``"Club: Driver"`` -> ``"driver"``, ``"56° Wedge"`` -> ``"sw"``.

    The text must be nothing but a club name (optionally after "Club:"), so a
    label such as "Club Speed" or a sentence is never taken for a club. A bare
    loft ("52°") is a club only when the caption says so (``is_club_caption``,
    or the "Club:" prefix): on its own it is just an angle.
    """
    key = club_key(text)
    prefixed = _CLUB_PREFIX.match(key)
    if prefixed and prefixed.end() < len(key):
        key = key[prefixed.end() :]
        is_club_caption = True
    elif prefixed:
        return None
    if key in _NAMED_CLUBS:
        return _NAMED_CLUBS[key]
    if key in _SHORT_NAMES:
        return _SHORT_NAMES[key]
    for pattern, template in _CLUB_PATTERNS:
        match = pattern.match(key)
        if match and template == "lookalike-iron":
            return f"{_DIGIT_LOOKALIKES[match[1]]}i"
        if match:
            return template.format(match[1])
    loft = _LOFT_WEDGE.match(key) or _LOFT.match(key)
    if loft and ("w" in key or is_club_caption):
        return _WEDGE_LOFTS.get(int(loft[1]))
    return None
