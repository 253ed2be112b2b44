"""Launch-monitor screens drawn with Pillow, and phone photos of them.

The OCR analyser has to read real phone photos of Trackman, Garmin, Mevo+
and Rapsodo screens. We cannot ship vendor screenshots, so this module draws
look-alikes in the layouts those devices use, with several fonts, themes and
unit systems, and then degrades them the way a phone does (perspective,
blur, glare, noise, a 12 MP JPEG with an EXIF rotation). Everything is
deterministic from a seed, so a failing case can be reproduced exactly.

``render_screen(spec)`` returns the screen and the canonical values it shows;
``phone_photo(screen, rng)`` returns the JPEG bytes a phone would upload.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from shots.analysis.units import to_canonical

LAYOUTS = ("tiles", "list", "caption", "table")
THEMES = ("light", "dark")
UNIT_SYSTEMS = ("imperial", "metric_kmh", "metric_ms")
# How a lateral value shows its side: "12.4 L", "L12.4", "12.4L", "-12.4".
SIDE_STYLES = ("suffix", "prefix", "tight", "signed")

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
# Font key -> file name; "default" is Pillow's bundled font and always exists.
_FONT_FILES = {
    "dejavu-sans": "DejaVuSans.ttf",
    "dejavu-sans-bold": "DejaVuSans-Bold.ttf",
    "dejavu-condensed-bold": "DejaVuSansCondensed-Bold.ttf",
    "liberation-sans": "LiberationSans-Regular.ttf",
    "liberation-sans-bold": "LiberationSans-Bold.ttf",
    "liberation-narrow": "LiberationSansNarrow-Regular.ttf",
}

SCREEN_SIZE = (1600, 900)


def available_fonts() -> tuple[str, ...]:
    """Font keys usable on this machine: Pillow's own font plus the TTFs that are installed."""
    found = ["default"]
    for key, file_name in _FONT_FILES.items():
        if _font_path(file_name) is not None:
            found.append(key)
    return tuple(found)


def _font_path(file_name: str) -> Path | None:
    for directory in _FONT_DIRS:
        path = Path(directory) / file_name
        if path.exists():
            return path
    return None


# Pillow's bundled font is a bitmap ImageFont when Pillow lacks FreeType.
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=128)
def load_font(key: str, size: int) -> Font:
    if key == "default":
        return ImageFont.load_default(size=size)
    path = _font_path(_FONT_FILES[key])
    if path is None:
        raise LookupError(f"font {key!r} is not installed")
    return ImageFont.truetype(str(path), size)


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ClubProfile:
    """Typical full-swing numbers for a club family, all inside the validator's warn ranges."""

    club_speed: tuple[float, float]
    smash: tuple[float, float]
    launch: tuple[float, float]
    spin: tuple[float, float]
    carry_per_mph: float  # rough carry (yd) per mph of ball speed
    roll: tuple[float, float]
    apex: tuple[float, float]
    descent: tuple[float, float]
    attack: tuple[float, float]
    loft_over_launch: tuple[float, float]
    hang_time: tuple[float, float]


_PROFILES = {
    "driver": _ClubProfile(
        (92, 115),
        (1.44, 1.49),
        (9, 15),
        (1900, 3000),
        1.65,
        (12, 30),
        (85, 115),
        (34, 42),
        (-2, 4),
        (2, 5),
        (6.0, 7.5),
    ),
    "wood": _ClubProfile(
        (88, 105),
        (1.42, 1.47),
        (10, 14),
        (3000, 4000),
        1.55,
        (8, 20),
        (80, 105),
        (38, 45),
        (-3, 1),
        (3, 6),
        (5.8, 7.0),
    ),
    "hybrid": _ClubProfile(
        (82, 98),
        (1.38, 1.43),
        (12, 16),
        (3800, 4800),
        1.5,
        (5, 15),
        (75, 100),
        (42, 48),
        (-4, 0),
        (3, 6),
        (5.6, 6.8),
    ),
    "long_iron": _ClubProfile(
        (80, 95),
        (1.33, 1.39),
        (11, 16),
        (4000, 5500),
        1.45,
        (4, 12),
        (70, 95),
        (42, 48),
        (-5, -1),
        (3, 6),
        (5.4, 6.6),
    ),
    "mid_iron": _ClubProfile(
        (72, 90),
        (1.30, 1.37),
        (15, 19),
        (5500, 7200),
        1.38,
        (3, 9),
        (75, 100),
        (45, 51),
        (-6, -2),
        (4, 7),
        (5.4, 6.5),
    ),
    "short_iron": _ClubProfile(
        (70, 85),
        (1.26, 1.32),
        (18, 23),
        (7000, 8600),
        1.3,
        (1, 6),
        (75, 95),
        (47, 53),
        (-6, -2),
        (4, 7),
        (5.2, 6.2),
    ),
    "wedge": _ClubProfile(
        (66, 82),
        (1.12, 1.25),
        (24, 32),
        (8200, 10500),
        1.18,
        (-3, 4),
        (65, 90),
        (48, 55),
        (-7, -3),
        (5, 9),
        (5.0, 6.0),
    ),
}


def _profile_for(club: str) -> _ClubProfile:
    if club == "driver":
        return _PROFILES["driver"]
    if club.endswith("w") and club[0].isdigit():
        return _PROFILES["wood"]
    if club.endswith("h"):
        return _PROFILES["hybrid"]
    if club in ("2i", "3i", "4i", "5i"):
        return _PROFILES["long_iron"]
    if club in ("6i", "7i"):
        return _PROFILES["mid_iron"]
    if club in ("8i", "9i"):
        return _PROFILES["short_iron"]
    if club in ("pw", "gw", "sw", "lw"):
        return _PROFILES["wedge"]
    raise ValueError(f"no full-swing numbers for club {club!r}")


def realistic_shot_values(rng: random.Random, club: str) -> dict[str, float]:
    """Canonical values for one plausible shot with ``club``, consistent with each other.

    Smash is ball ÷ club speed, total is carry plus a club-typical roll and the
    spin components add up, so a correctly read screen passes validation.
    """
    profile = _profile_for(club)

    def between(bounds: tuple[float, float]) -> float:
        return rng.uniform(*bounds)

    club_speed = round(between(profile.club_speed), 1)
    smash = round(between(profile.smash), 2)
    ball_speed = round(club_speed * smash, 1)
    smash = round(ball_speed / club_speed, 2)
    launch_angle = round(between(profile.launch), 1)
    spin_rate = round(between(profile.spin))
    spin_axis = round(rng.uniform(-12, 12), 1)
    carry = round(ball_speed * profile.carry_per_mph * rng.uniform(0.95, 1.03), 1)
    carry_side = round(rng.uniform(-20, 20), 1)
    club_path = round(rng.uniform(-5, 5), 1)
    face_angle = round(rng.uniform(-4, 4), 1)
    attack_angle = round(between(profile.attack), 1)
    return {
        "ball_speed": ball_speed,
        "club_speed": club_speed,
        "smash_factor": smash,
        "launch_angle": launch_angle,
        "launch_direction": round(rng.uniform(-4, 4), 1),
        "spin_rate": spin_rate,
        "spin_axis": spin_axis,
        "back_spin": round(spin_rate * math.cos(math.radians(spin_axis))),
        "side_spin": round(spin_rate * math.sin(math.radians(spin_axis))),
        "carry": carry,
        "total": round(carry + between(profile.roll), 1),
        "carry_side": carry_side,
        "total_side": round(carry_side * rng.uniform(1.0, 1.3), 1),
        "apex": round(between(profile.apex)),
        "descent_angle": round(between(profile.descent), 1),
        "attack_angle": attack_angle,
        "club_path": club_path,
        "face_angle": face_angle,
        "face_to_path": round(face_angle - club_path, 1),
        "dynamic_loft": round(launch_angle + between(profile.loft_over_launch), 1),
        "hang_time": round(between(profile.hang_time), 1),
    }


# --- what a screen shows ------------------------------------------------------------------

# metric -> (unit shown per unit system, decimals shown). The unit text is what the
# screen prints; the canonical value is recomputed from the printed number.
_SHOWN_UNITS: dict[str, dict[str, str]] = {
    "speed": {"imperial": "mph", "metric_kmh": "km/h", "metric_ms": "m/s"},
    "distance": {"imperial": "yds", "metric_kmh": "m", "metric_ms": "m"},
    "height": {"imperial": "ft", "metric_kmh": "m", "metric_ms": "m"},
}
_QUANTITY = {
    "ball_speed": "speed",
    "club_speed": "speed",
    "carry": "distance",
    "total": "distance",
    "carry_side": "distance",
    "total_side": "distance",
    "apex": "height",
    "smash_factor": "ratio",
    "spin_rate": "spin",
    "back_spin": "spin",
    "side_spin": "spin",
    "hang_time": "time",
}
_LATERAL = {
    "launch_direction",
    "spin_axis",
    "side_spin",
    "carry_side",
    "total_side",
    "club_path",
    "face_angle",
    "face_to_path",
}

# Labels per layout, as the devices that use the layout print them. Units in
# parentheses are filled in per unit system for the table layout.
_TILE_LABELS = {
    "club_speed": "Club Speed",
    "ball_speed": "Ball Speed",
    "smash_factor": "Smash Factor",
    "launch_angle": "Launch Angle",
    "launch_direction": "Launch Direction",
    "spin_rate": "Spin Rate",
    "spin_axis": "Spin Axis",
    "carry": "Carry",
    "total": "Total",
    "carry_side": "Side",
    "apex": "Height",
    "descent_angle": "Land. Angle",
}
_LIST_LABELS = {
    "club_speed": "Club Speed",
    "ball_speed": "Ball Speed",
    "smash_factor": "Smash Factor",
    "launch_angle": "Launch Angle",
    "launch_direction": "Launch Direction",
    "back_spin": "Backspin",
    "side_spin": "Sidespin",
    "spin_rate": "Spin Rate",
    "spin_axis": "Spin Axis",
    "apex": "Apex Height",
    "carry": "Carry Distance",
    "total": "Total Distance",
    "carry_side": "Carry Deviation Distance",
    "attack_angle": "Attack Angle",
    "club_path": "Club Path",
    "face_angle": "Club Face",
    "face_to_path": "Face to Path",
}
_CAPTION_LABELS = {
    "carry": "Carry",
    "total": "Total",
    "ball_speed": "Ball Speed",
    "club_speed": "Club Speed",
    "launch_angle": "Launch Angle",
    "spin_rate": "Spin",
    "apex": "Apex",
    "carry_side": "Side Carry",
    "descent_angle": "Descent Angle",
}
_TABLE_LABELS = {
    "ball_speed": "Ball ({unit})",
    "club_speed": "Club ({unit})",
    "smash_factor": "Smash",
    "carry": "Carry ({unit})",
    "total": "Total ({unit})",
    "spin_rate": "Spin (rpm)",
    "apex": "Height ({unit})",
    "hang_time": "Time (s)",
    "attack_angle": "AOA (°)",
    "launch_angle": "Launch V (°)",
    "launch_direction": "Launch H (°)",
    "carry_side": "Lateral ({unit})",
    "club_path": "Club Path (°)",
    "face_to_path": "FTP (°)",
    "spin_axis": "Spin Axis (°)",
}

# Other names screens use for the same numbers (all in shots.analysis.labels), so the
# photos exercise the vocabulary and not just one device's words.
_SYNONYMS = {
    "ball_speed": ("Ball Speed", "Ball Spd", "Speed"),
    "club_speed": ("Club Speed", "Clubhead Speed", "Swing Speed"),
    "smash_factor": ("Smash Factor", "Smash", "Efficiency"),
    "launch_angle": ("Launch Angle", "VLA", "Launch V"),
    "launch_direction": ("Launch Direction", "HLA", "Azimuth"),
    "spin_rate": ("Spin Rate", "Total Spin", "Spin"),
    "spin_axis": ("Spin Axis", "Axis", "Spin Tilt"),
    "back_spin": ("Backspin", "Back Spin"),
    "side_spin": ("Sidespin", "Side Spin"),
    "carry": ("Carry", "Carry Distance", "Carry Dist."),
    "total": ("Total", "Total Distance", "Total Dist."),
    "carry_side": ("Side", "Offline", "Lateral"),
    "apex": ("Height", "Apex", "Max Height", "Peak Height"),
    "descent_angle": ("Land. Angle", "Descent Angle", "Landing Angle"),
    "attack_angle": ("Attack Angle", "AOA", "Angle of Attack"),
    "club_path": ("Club Path", "Path"),
    "face_angle": ("Club Face", "Face Angle", "Face to Target"),
    "face_to_path": ("Face to Path", "FTP"),
}

# How clubs are named on screens: a few spellings per layout family.
_CLUB_NAMES = {
    "driver": ("Driver", "DRIVER", "Dr"),
    "3w": ("3 Wood", "3W"),
    "5w": ("5 Wood", "5W"),
    "4h": ("4 Hybrid", "4H"),
    "5i": ("5 Iron", "5i"),
    # Not "I6": in fonts where "I" is a plain bar it is "16" to OCR and to people.
    "6i": ("6 Iron", "6i"),
    "7i": ("7 Iron", "7i", "7 IRON"),
    "8i": ("8 Iron", "8i"),
    "9i": ("9 Iron", "9i"),
    "pw": ("Pitching Wedge", "PW"),
    "gw": ("Gap Wedge", "GW", "50° Wedge"),
    "sw": ("Sand Wedge", "SW", "56° Wedge"),
    "lw": ("Lob Wedge", "LW"),
}
CLUBS = tuple(_CLUB_NAMES)


@dataclass(frozen=True)
class ScreenSpec:
    layout: str
    theme: str
    font: str
    units: str
    club: str
    values: dict[str, float] = field(hash=False)
    side_style: str = "suffix"
    uppercase_labels: bool = False
    club_name_choice: int = 0  # which spelling of the club name to print
    label_variant: int = 0  # 0: the layout's usual labels; otherwise a mix of other names


@dataclass
class RenderedScreen:
    image: Image.Image
    # Canonical value of each number printed on the screen, and how far a correct
    # reading may be from it: half the last printed digit, in canonical units.
    expected: dict[str, float]
    tolerance: dict[str, float]
    club: str
    shown_text: dict[str, str]  # metric -> the value text as printed, for failure messages


@dataclass(frozen=True)
class _Shown:
    metric: str
    label: str
    number: str  # the number with its side marker, e.g. "12.4 L"
    unit: str  # unit printed beside the number ("" for none or when it is in the label)


def _display(metric: str, value: float, units: str) -> tuple[float, int, str]:
    """(number as shown, decimals, unit) for ``value`` on a screen in ``units``."""
    quantity = _QUANTITY.get(metric, "angle")
    if quantity in _SHOWN_UNITS:
        unit = _SHOWN_UNITS[quantity][units]
        shown = value / to_canonical(metric, 1.0, unit)
        decimals = 1
    elif quantity == "ratio":
        return value, 2, ""
    elif quantity == "spin":
        return value, 0, "rpm"
    elif quantity == "time":
        return value, 1, "s"
    else:
        return value, 1, "°"
    if metric == "apex" and unit == "ft":
        decimals = 0
    return shown, decimals, unit


def _format_number(
    number: float, decimals: int, *, lateral: bool, side_style: str, degree: bool = False
) -> str:
    """``12.4° L``, ``L12.4``, ``12.4L`` or ``-12.4``: the number as the screen prints it."""
    text = f"{abs(number):.{decimals}f}" + ("°" if degree else "")
    if round(number, decimals) == 0:
        return text
    if not lateral or side_style == "signed":
        return f"-{text}" if number < 0 else text
    side = "L" if number < 0 else "R"
    if side_style == "prefix":
        return f"{side}{text}"
    if side_style == "tight":
        return f"{text}{side}"
    return f"{text} {side}"


def _prepare(
    spec: ScreenSpec, labels: dict[str, str], *, unit_in_label: bool, degree_inline: bool
) -> tuple[list[_Shown], dict[str, float], dict[str, float], dict[str, str]]:
    """Turn the spec's values into printed text, and the canonical values that text means."""
    shown: list[_Shown] = []
    expected: dict[str, float] = {}
    tolerance: dict[str, float] = {}
    printed: dict[str, str] = {}
    for position, (metric, label_template) in enumerate(labels.items()):
        if spec.label_variant and not unit_in_label:
            names = _SYNONYMS[metric]
            label_template = names[(spec.label_variant + position) % len(names)]
        number, decimals, unit = _display(metric, spec.values[metric], spec.units)
        rounded = round(number, decimals)
        inline = degree_inline and unit == "°"
        text = _format_number(
            rounded, decimals, lateral=metric in _LATERAL, side_style=spec.side_style, degree=inline
        )
        label = label_template.format(unit=unit)
        if spec.uppercase_labels:
            label = label.upper()
        shown.append(_Shown(metric, label, text, "" if unit_in_label or inline else unit))
        expected[metric] = to_canonical(metric, rounded, unit or None)
        tolerance[metric] = to_canonical(metric, 0.5 * 10**-decimals, unit or None) + 1e-9
        printed[metric] = text if inline else f"{text} {unit}".strip()
    return shown, expected, tolerance, printed


@dataclass(frozen=True)
class _Palette:
    background: str
    panel: str
    label: str
    value: str
    accent: str
    rule: str


_PALETTES = {
    "light": _Palette("#eef1f5", "#ffffff", "#5b6472", "#111418", "#0b6e4f", "#d3d9e0"),
    "dark": _Palette("#101317", "#1d232b", "#9aa7b8", "#f4f6f8", "#4fd1a5", "#2e3742"),
}


def render_screen(spec: ScreenSpec) -> RenderedScreen:
    """Draw the screen ``spec`` describes; return it with the canonical values it shows."""
    palette = _PALETTES[spec.theme]
    image = Image.new("RGB", SCREEN_SIZE, palette.background)
    draw = ImageDraw.Draw(image)
    names = _CLUB_NAMES[spec.club]
    club_name = names[spec.club_name_choice % len(names)]
    # layout -> (drawer, labels, units printed in the label, degree sign glued to the number)
    drawers = {
        "tiles": (_draw_tiles, _TILE_LABELS, False, True),
        "list": (_draw_list, _LIST_LABELS, False, False),
        "caption": (_draw_caption, _CAPTION_LABELS, False, True),
        "table": (_draw_table, _TABLE_LABELS, True, False),
    }
    drawer, labels, unit_in_label, degree_inline = drawers[spec.layout]
    shown, expected, tolerance, printed = _prepare(
        spec, labels, unit_in_label=unit_in_label, degree_inline=degree_inline
    )
    if spec.layout == "table":
        shown.insert(5, _roll_row(spec))
    drawer(draw, spec, palette, shown, club_name)
    return RenderedScreen(image, expected, tolerance, spec.club, printed)


def _roll_row(spec: ScreenSpec) -> _Shown:
    """FlightScope's "Roll" row: a number the analyser must skip, not hand to a neighbour."""
    roll = spec.values["total"] - spec.values["carry"]
    number, decimals, unit = _display("total", roll, spec.units)
    text = _format_number(round(number, decimals), decimals, lateral=False, side_style="signed")
    label = f"Roll ({unit})"
    return _Shown("roll", label.upper() if spec.uppercase_labels else label, text, "")


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    return draw.textlength(text, font=font)


def _draw_tiles(
    draw: ImageDraw.ImageDraw,
    spec: ScreenSpec,
    palette: _Palette,
    shown: list[_Shown],
    club_name: str,
) -> None:
    """Trackman/GSPro style: a grid of tiles, small label on top, big value and unit below."""
    label_font = load_font(spec.font, 30)
    value_font = load_font(spec.font, 66)
    unit_font = load_font(spec.font, 30)
    title_font = load_font(spec.font, 44)
    draw.text((60, 36), club_name, font=title_font, fill=palette.accent)
    draw.text((1300, 44), "Shot 4", font=load_font(spec.font, 32), fill=palette.label)
    columns, rows = 4, 3
    left, top, gap = 50, 130, 24
    tile_w = (SCREEN_SIZE[0] - 2 * left - (columns - 1) * gap) / columns
    tile_h = (SCREEN_SIZE[1] - top - 40 - (rows - 1) * gap) / rows
    for index, item in enumerate(shown):
        col, row = index % columns, index // columns
        x0 = left + col * (tile_w + gap)
        y0 = top + row * (tile_h + gap)
        draw.rounded_rectangle((x0, y0, x0 + tile_w, y0 + tile_h), 14, fill=palette.panel)
        centre = x0 + tile_w / 2
        label_w = _text_width(draw, item.label, label_font)
        draw.text((centre - label_w / 2, y0 + 22), item.label, font=label_font, fill=palette.label)
        number_w = _text_width(draw, item.number, value_font)
        unit_w = _text_width(draw, item.unit, unit_font) + 12 if item.unit else 0
        x = centre - (number_w + unit_w) / 2
        baseline = y0 + 150
        draw.text((x, baseline), item.number, font=value_font, fill=palette.value, anchor="ls")
        if item.unit:
            draw.text(
                (x + number_w + 12, baseline),
                item.unit,
                font=unit_font,
                fill=palette.label,
                anchor="ls",
            )


def _draw_list(
    draw: ImageDraw.ImageDraw,
    spec: ScreenSpec,
    palette: _Palette,
    shown: list[_Shown],
    club_name: str,
) -> None:
    """Garmin Golf app style: rows of label on the left, value right-aligned, unit column."""
    font = load_font(spec.font, 34)
    title_font = load_font(spec.font, 38)
    draw.text((70, 22), f"Club: {club_name}", font=title_font, fill=palette.accent)
    row_h = (SCREEN_SIZE[1] - 90) / len(shown)
    for index, item in enumerate(shown):
        y0 = 80 + index * row_h
        if index % 2:
            draw.rectangle((40, y0, SCREEN_SIZE[0] - 40, y0 + row_h), fill=palette.panel)
        middle = y0 + row_h / 2
        draw.text((70, middle), item.label, font=font, fill=palette.label, anchor="lm")
        draw.text((1160, middle), item.number, font=font, fill=palette.value, anchor="rm")
        if item.unit:
            draw.text((1190, middle), item.unit, font=font, fill=palette.label, anchor="lm")


def _draw_caption(
    draw: ImageDraw.ImageDraw,
    spec: ScreenSpec,
    palette: _Palette,
    shown: list[_Shown],
    club_name: str,
) -> None:
    """Mevo+/Rapsodo style: big numbers with a small caption underneath."""
    value_font = load_font(spec.font, 84)
    unit_font = load_font(spec.font, 34)
    caption_font = load_font(spec.font, 30)
    title_font = load_font(spec.font, 46)
    title_w = _text_width(draw, club_name, title_font)
    draw.text(((SCREEN_SIZE[0] - title_w) / 2, 30), club_name, font=title_font, fill=palette.accent)
    columns = 3
    cell_w = (SCREEN_SIZE[0] - 100) / columns
    cell_h = 250
    for index, item in enumerate(shown):
        col, row = index % columns, index // columns
        centre = 50 + col * cell_w + cell_w / 2
        baseline = 210 + row * cell_h
        number_w = _text_width(draw, item.number, value_font)
        unit_w = _text_width(draw, item.unit, unit_font) + 10 if item.unit else 0
        x = centre - (number_w + unit_w) / 2
        draw.text((x, baseline), item.number, font=value_font, fill=palette.value, anchor="ls")
        if item.unit:
            draw.text(
                (x + number_w + 10, baseline),
                item.unit,
                font=unit_font,
                fill=palette.value,
                anchor="ls",
            )
        caption_w = _text_width(draw, item.label, caption_font)
        draw.text(
            (centre - caption_w / 2, baseline + 24),
            item.label,
            font=caption_font,
            fill=palette.label,
        )


def _draw_table(
    draw: ImageDraw.ImageDraw,
    spec: ScreenSpec,
    palette: _Palette,
    shown: list[_Shown],
    club_name: str,
) -> None:
    """FlightScope export style: a two-column table, units in the label column."""
    font = load_font(spec.font, 32)
    caption = "CLUB" if spec.uppercase_labels else "Club"
    rows = [(caption, club_name), *((item.label, item.number) for item in shown)]
    row_h = (SCREEN_SIZE[1] - 40) / len(rows)
    label_x, value_x, right = 160, 820, 1440
    draw.rectangle((label_x - 30, 20, right, SCREEN_SIZE[1] - 20), fill=palette.panel)
    for index, (label, number) in enumerate(rows):
        y0 = 20 + index * row_h
        if index:
            draw.line((label_x - 30, y0, right, y0), fill=palette.rule, width=2)
        middle = y0 + row_h / 2
        draw.text((label_x, middle), label, font=font, fill=palette.label, anchor="lm")
        draw.text((value_x, middle), number, font=font, fill=palette.value, anchor="lm")
    draw.line((value_x - 40, 20, value_x - 40, SCREEN_SIZE[1] - 20), fill=palette.rule, width=2)


# --- the phone photo ----------------------------------------------------------------------


def _perspective_coefficients(
    source: Sequence[tuple[float, float]], target: Sequence[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping ``target`` points back to ``source``."""
    rows = []
    for (sx, sy), (tx, ty) in zip(source, target, strict=True):
        rows.append([tx, ty, 1, 0, 0, 0, -sx * tx, -sx * ty])
        rows.append([0, 0, 0, tx, ty, 1, -sy * tx, -sy * ty])
    matrix = np.array(rows, dtype=float)
    vector = np.array([coordinate for point in source for coordinate in point], dtype=float)
    return np.linalg.solve(matrix, vector).tolist()


def _camera_quad(
    rng: random.Random, screen_size: tuple[int, int], photo_size: tuple[int, int]
) -> list[tuple[float, float]]:
    """Where the screen's corners land in the photo, for a phone held slightly askew.

    The screen is turned in 3D by up to ±6° of yaw and pitch and ±4° of roll,
    then projected through a phone-like lens, so edges converge as they do
    in a real photo.
    """
    width, height = screen_size
    photo_w, photo_h = photo_size
    yaw, pitch, roll = (math.radians(rng.uniform(-limit, limit)) for limit in (6, 6, 4))
    focal = 0.8 * photo_w
    target_width = rng.uniform(0.68, 0.8) * photo_w
    distance = focal * width / target_width
    centre_x = photo_w / 2 + rng.uniform(-0.04, 0.04) * photo_w
    centre_y = photo_h / 2 + rng.uniform(-0.04, 0.04) * photo_h
    corners = []
    for x, y in (
        (-width / 2, -height / 2),
        (width / 2, -height / 2),
        (width / 2, height / 2),
        (-width / 2, height / 2),
    ):
        # roll (in the screen plane), then yaw (about y), then pitch (about x)
        x, y = x * math.cos(roll) - y * math.sin(roll), x * math.sin(roll) + y * math.cos(roll)
        x, z = x * math.cos(yaw), x * math.sin(yaw)
        y, z = y * math.cos(pitch) - z * math.sin(pitch), y * math.sin(pitch) + z * math.cos(pitch)
        scale = focal / (distance + z)
        corners.append((centre_x + x * scale, centre_y + y * scale))
    return corners


def _bay_wall(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A dim hitting-bay wall: a colour gradient with a few soft panels, drawn small and enlarged."""
    small_w, small_h = size[0] // 16, size[1] // 16
    base = np.array([rng.randint(20, 70), rng.randint(25, 75), rng.randint(20, 65)], dtype=float)
    ramp = np.linspace(1.25, 0.7, small_h)[:, None, None]
    pixels = np.clip(base[None, None, :] * ramp * np.ones((1, small_w, 1)), 0, 255).astype(np.uint8)
    wall = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(wall)
    for _ in range(3):
        x0 = rng.randint(0, small_w - 40)
        y0 = rng.randint(0, small_h - 40)
        shade = tuple(int(c * rng.uniform(0.6, 1.4)) for c in base)
        draw.rectangle((x0, y0, x0 + rng.randint(20, 80), y0 + rng.randint(20, 60)), fill=shade)
    return wall.resize(size, Image.Resampling.BILINEAR)


_BEZEL = 36


def _with_bezel(screen: Image.Image) -> Image.Image:
    """The monitor's black frame around the picture, as RGBA so the warp's edges stay clean."""
    framed = Image.new("RGBA", (screen.width + 2 * _BEZEL, screen.height + 2 * _BEZEL), "#050505")
    framed.paste(screen, (_BEZEL, _BEZEL))
    return framed


def _add_sensor_noise(photo: Image.Image, rng: random.Random) -> Image.Image:
    """Grain like a phone sensor's in a dim bay: uniform ±amplitude, seeded, in uint8 for speed."""
    amplitude = rng.randint(4, 8)
    noise_rng = np.random.default_rng(rng.getrandbits(32))
    grain = noise_rng.integers(
        128 - amplitude, 129 + amplitude, size=(photo.height, photo.width), dtype=np.uint8
    )
    noise = Image.fromarray(grain, "L").convert("RGB")
    return ImageChops.add(photo, noise, scale=1.0, offset=-128)


def _add_glare(photo: Image.Image, rng: random.Random) -> Image.Image:
    """A soft oval of reflected light, as from a bay's ceiling lamp."""
    small_w, small_h = photo.width // 16, photo.height // 16
    ys, xs = np.mgrid[0:small_h, 0:small_w]
    centre_x, centre_y = rng.uniform(0.2, 0.8) * small_w, rng.uniform(0.15, 0.6) * small_h
    radius_x, radius_y = rng.uniform(0.15, 0.3) * small_w, rng.uniform(0.1, 0.25) * small_h
    falloff = np.exp(-(((xs - centre_x) / radius_x) ** 2 + ((ys - centre_y) / radius_y) ** 2))
    strength = rng.uniform(0.18, 0.32)
    mask = Image.fromarray((falloff * strength * 255).astype(np.uint8), "L")
    mask = mask.resize(photo.size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", photo.size, "#fffdf5"), photo, mask)


# The sizes phone cameras actually write, by their advertised megapixels.
_PHONE_SENSORS = {12: (4032, 3024), 48: (8064, 6048)}


def _four_by_three(megapixels: float) -> tuple[int, int]:
    width = int(round(math.sqrt(megapixels * 1_000_000 * 4 / 3) / 16) * 16)
    return width, width * 3 // 4


def phone_photo(screen: Image.Image, rng: random.Random, megapixels: int = 12) -> bytes:
    """A JPEG as a phone would take it of ``screen`` in a hitting bay.

    4:3 landscape at ``megapixels``; sometimes stored turned on its side with
    EXIF Orientation 6, as phones do, so the upload path must apply
    ``exif_transpose`` before reading it.
    """
    photo_w, photo_h = _PHONE_SENSORS.get(megapixels) or _four_by_three(megapixels)
    photo = _bay_wall(rng, (photo_w, photo_h))
    quad = _camera_quad(rng, (screen.width + 2 * _BEZEL, screen.height + 2 * _BEZEL), photo.size)
    left = math.floor(min(x for x, _ in quad))
    top = math.floor(min(y for _, y in quad))
    box_size = (math.ceil(max(x for x, _ in quad)) - left, math.ceil(max(y for _, y in quad)) - top)
    # Out-of-focus blur, applied before enlarging (cheaper, and the wall is smooth anyway).
    enlargement = box_size[0] / (screen.width + 2 * _BEZEL)
    framed = _with_bezel(screen).filter(
        ImageFilter.GaussianBlur(rng.uniform(0.6, 1.2) / enlargement)
    )
    source = [(0, 0), (framed.width, 0), (framed.width, framed.height), (0, framed.height)]
    coefficients = _perspective_coefficients(source, [(x - left, y - top) for x, y in quad])
    warped = framed.transform(
        box_size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    photo.paste(warped, (left, top), warped)

    photo = _add_glare(photo, rng)
    photo = _add_sensor_noise(photo, rng)
    exif = Image.Exif()
    orientation = 6 if rng.random() < 0.4 else 1
    if orientation == 6:
        # Orientation 6 means "turn 90° clockwise to view": store it turned the other way.
        photo = photo.transpose(Image.Transpose.ROTATE_90)
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone"
    output = io.BytesIO()
    photo.save(output, "JPEG", quality=90, exif=exif.tobytes())
    return output.getvalue()


def spec_for_case(index: int, fonts: tuple[str, ...] | None = None) -> ScreenSpec:
    """The ``index``-th screen of a fixed mix that walks through every layout, theme,
    unit system, font and side style, with values drawn from a seeded generator."""
    fonts = fonts or available_fonts()
    rng = random.Random(1000 + index)
    club = CLUBS[(index * 5) % len(CLUBS)]
    return ScreenSpec(
        layout=LAYOUTS[index % len(LAYOUTS)],
        theme=THEMES[(index // len(LAYOUTS)) % len(THEMES)],
        font=fonts[index % len(fonts)],
        units=UNIT_SYSTEMS[index % len(UNIT_SYSTEMS)],
        club=club,
        values=realistic_shot_values(rng, club),
        side_style=SIDE_STYLES[(index // 2) % len(SIDE_STYLES)],
        uppercase_labels=index % 3 == 1,
        club_name_choice=index // len(LAYOUTS),
        label_variant=(index * 7) % 4,
    )


# --- real-app layouts ---------------------------------------------------------------------
#
# Look-alikes of app screens whose quirks broke the OCR analyser on real
# screenshots: units printed turned 90°, an overlay tool's labels drawn over
# the screen, a small mirrored app beside a terminal, practice tiles that are
# not shot metrics. Drawn at the sizes the real captures have, so the
# analyser meets the same small print.


@dataclass
class AppScreen:
    """A screenshot as a golfer would upload it, with what a correct reading gives."""

    image: Image.Image
    expected: dict[str, float]  # canonical metric values shown on the screen
    tolerance: dict[str, float]
    club: str | None
    units_shown: dict[str, str] = field(default_factory=dict)  # metric -> unit as printed

    def jpeg(self, quality: int = 92) -> bytes:
        output = io.BytesIO()
        self.image.save(output, "JPEG", quality=quality)
        return output.getvalue()


def _app_font(file_name: str, size: int) -> Font:
    path = _font_path(file_name)
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size)


def _centred(
    draw: ImageDraw.ImageDraw, centre_x: float, top: float, text: str, font: Font, fill: str
) -> None:
    draw.text((centre_x - draw.textlength(text, font=font) / 2, top), text, font=font, fill=fill)


def _turned_text(
    text: str, font: Font, fill: str, background: tuple[int, int, int, int]
) -> Image.Image:
    """``text`` turned 90° counter-clockwise, so it reads bottom to top as Rapsodo prints units."""
    left, top, right, bottom = font.getbbox(text)
    strip = Image.new("RGBA", (int(right - left) + 2, int(bottom - top) + 2), background)
    ImageDraw.Draw(strip).text((1 - left, 1 - top), text, font=font, fill=fill)
    return strip.rotate(90, expand=True)


def _expect(
    expected: dict[str, float],
    tolerance: dict[str, float],
    metric: str,
    shown: float,
    unit: str,
    decimals: int,
) -> None:
    expected[metric] = to_canonical(metric, shown, unit or None)
    tolerance[metric] = to_canonical(metric, 0.5 * 10**-decimals, unit or None) + 1e-9


def rapsodo_screen(*, overlay_label: str = "Ball Speed") -> AppScreen:
    """Rapsodo MLM2PRO's shot view mirrored into a connector's "Specify ROI" dialog.

    Ten translucent tiles over a sky, label above the number, the unit
    printed turned 90° in a narrow strip right of the number (``METERS``
    beside distances, ``MPH`` beside speeds: two unit systems on one screen).
    The connector draws blue ROI rectangles over some numbers and captions
    them in blue; one caption (``overlay_label``) sits inside the club speed
    tile, right above its number, where a parser pairing by geometry alone
    would take it for that number's label.
    """
    image = Image.new("RGB", (995, 617), "#f0f0f0")
    draw = ImageDraw.Draw(image)
    ui_font = _app_font("DejaVuSans.ttf", 12)
    draw.text((30, 10), "Specify ROI's", font=ui_font, fill="#202020")
    for x, text in (
        (14, "Zoom In"),
        (95, "Zoom Out"),
        (196, "Verify"),
        (277, "Reset"),
        (828, "Save"),
        (909, "Close"),
    ):
        draw.rectangle((x, 44, x + 72, 64), fill="#e1e1e1", outline="#adadad")
        _centred(draw, x + 36, 47, text, ui_font, "#202020")
    draw.rectangle((12, 72, 982, 604), fill="#000000")
    # The app: a sky fading into a green range.
    app = (168, 118, 826, 575)
    sky = np.linspace([196, 150, 120], [120, 170, 150], app[3] - app[1]).astype(np.uint8)
    image.paste(
        Image.fromarray(np.repeat(sky[:, None, :], app[2] - app[0], axis=1), "RGB"),
        (app[0], app[1]),
    )
    label_font = _app_font("DejaVuSans-Bold.ttf", 9)
    value_font = _app_font("DejaVuSansCondensed-Bold.ttf", 28)
    unit_font = _app_font("DejaVuSansCondensed-Bold.ttf", 7)
    tiles = [
        ("CARRY", "carry", "97", "METERS", "m", 0),
        ("TOTAL", "total", "106", "METERS", "m", 0),
        ("BALL SPEED", "ball_speed", "82", "MPH", "mph", 0),
        ("CLUB SPEED", "club_speed", "65", "MPH", "mph", 0),
        ("SMASH FACTOR", "smash_factor", "1.26", "", "", 2),
        ("LAUNCH ANGLE", "launch_angle", "22.0°", "", "°", 1),
        ("LAUNCH DIRECTION", "launch_direction", "-5.6°", "", "°", 1),
        ("DESCENT ANGLE", "descent_angle", "39.1°", "", "°", 1),
        ("SPIN RATE", "spin_rate", "5638", "RPM", "rpm", 0),
        ("SPIN AXIS", "spin_axis", "6.5°", "", "°", 1),
    ]
    expected: dict[str, float] = {}
    tolerance: dict[str, float] = {}
    units_shown: dict[str, str] = {}
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    tile_layer = ImageDraw.Draw(overlay)
    for index in range(len(tiles)):
        column, row = divmod(index, 5)
        x0 = 168 if column == 0 else 713
        y0 = 195 + row * 68
        tile_layer.rounded_rectangle((x0, y0, x0 + 113, y0 + 62), 4, fill=(70, 70, 70, 150))
    image.paste(overlay, (0, 0), overlay)
    draw = ImageDraw.Draw(image)
    for index, (label, metric, number, unit_word, unit, decimals) in enumerate(tiles):
        column, row = divmod(index, 5)
        x0 = 168 if column == 0 else 713
        y0 = 195 + row * 68
        centre = x0 + 56
        _centred(draw, centre, y0 + 5, label, label_font, "#ffffff")
        number_width = draw.textlength(number, font=value_font)
        strip = _turned_text(unit_word, unit_font, "#e8e8e8", (0, 0, 0, 0)) if unit_word else None
        strip_width = strip.width + 3 if strip else 0
        left = centre - (number_width + strip_width) / 2
        draw.text((left, y0 + 20), number, font=value_font, fill="#ffffff")
        if strip is not None:
            image.paste(strip, (int(left + number_width + 3), y0 + 26), strip)
            draw = ImageDraw.Draw(image)
        shown = float(number.rstrip("°"))
        _expect(
            expected, tolerance, metric, shown, unit if unit not in ("°", "rpm") else "", decimals
        )
        units_shown[metric] = unit_word
    # The connector's overlay: blue ROI rectangles with blue captions.
    blue = "#1010e0"
    caption_font = _app_font("DejaVuSans.ttf", 10)
    for x0, y0, caption in ((718, 209, "Launch Angle (VLA)"), (718, 415, "Spin Rate")):
        draw.rectangle((x0, y0, x0 + 96, y0 + 44), outline=blue, width=2)
        _centred(draw, x0 + 48, y0 + 46, caption, caption_font, blue)
    # A rectangle around the club speed, captioned with another metric's name
    # inside the tile, under the number (the connector's user labelled it so).
    draw.rectangle((173, 414, 270, 450), outline=blue, width=2)
    _centred(draw, 224, 451, overlay_label, caption_font, blue)
    return AppScreen(image, expected, tolerance, None, units_shown)


_TERMINAL_LINES = (
    "$ python3 connector.py --device fsgolf --port 921",
    "[15:41:02] INFO  listening on 0.0.0.0:921",
    "[15:41:05] INFO  FS Golf connected (iPad, AirPlay)",
    "[15:41:37] DEBUG frame 1204 decoded in 41 ms",
    "[15:41:38] INFO  shot 12 detected, waiting for data",
    "[15:41:39] WARN  GW 192.168.1.1 answered slowly",
    "[15:41:40] INFO  sent 7 fields to GSPro",
    "$ _",
)


def fs_golf_screen(*, club_name: str = "8 Iron") -> AppScreen:
    """FlightScope's FS Golf app mirrored small (794×400) beside a terminal on a desktop.

    The mirror is drawn large and shrunk, as AirPlay does, so its text is a
    few pixels tall and soft. Tiles put the label above the number and the
    unit under it; the header names the club and the practice modes
    ("Approach" among them, which is not a club); the terminal beside it
    prints numbers of its own and must give none.
    """
    desktop = Image.new("RGB", (1366, 768), "#2b2f36")
    draw = ImageDraw.Draw(desktop)
    mono = _app_font("DejaVuSansMono.ttf", 13)
    draw.rectangle((10, 40, 556, 700), fill="#0c0c0c")
    draw.rectangle((10, 40, 556, 62), fill="#3a3a3a")
    draw.text((20, 44), "Terminal - connector", font=mono, fill="#d0d0d0")
    for index, line in enumerate(_TERMINAL_LINES):
        draw.text(
            (20, 76 + index * 22), line, font=mono, fill="#b8e0b8" if "INFO" in line else "#c8c8c8"
        )

    # The app, drawn at twice the mirror's size and shrunk to it.
    app = Image.new("RGB", (1588, 800), "#0d1b2a")
    app_draw = ImageDraw.Draw(app)
    header_font = _app_font("DejaVuSans-Bold.ttf", 28)
    tab_font = _app_font("DejaVuSans.ttf", 22)
    app_draw.rectangle((0, 0, 1588, 90), fill="#13283d")
    app_draw.text((40, 24), club_name, font=header_font, fill="#ffffff")
    for x, tab in ((700, "Range"), (880, "Approach"), (1120, "Combine")):
        app_draw.text((x, 30), tab, font=tab_font, fill="#7f9bb5")
    label_font = _app_font("DejaVuSans-Bold.ttf", 20)
    value_font = _app_font("DejaVuSans-Bold.ttf", 50)
    unit_font = _app_font("DejaVuSans.ttf", 20)
    tiles = [
        ("CARRY", "carry", "148.6", "yds", 1),
        ("TOTAL", "total", "156.2", "yds", 1),
        ("BALL SPEED", "ball_speed", "112.4", "mph", 1),
        ("CLUB SPEED", "club_speed", "84.9", "mph", 1),
        ("LAUNCH V", "launch_angle", "17.3°", "", 1),
        ("SPIN", "spin_rate", "6412", "rpm", 0),
        ("HEIGHT", "apex", "31.8", "yds", 1),
    ]
    expected: dict[str, float] = {}
    tolerance: dict[str, float] = {}
    units_shown: dict[str, str] = {}
    for index, (label, metric, number, unit, decimals) in enumerate(tiles):
        column, row = index % 4, index // 4
        x0, y0 = 30 + column * 390, 120 + row * 335
        app_draw.rounded_rectangle((x0, y0, x0 + 370, y0 + 315), 18, fill="#1b3149")
        _centred(app_draw, x0 + 185, y0 + 30, label, label_font, "#8fb3d9")
        _centred(app_draw, x0 + 185, y0 + 100, number, value_font, "#ffffff")
        if unit:
            _centred(app_draw, x0 + 185, y0 + 170, unit, unit_font, "#8fb3d9")
        shown = float(number.rstrip("°"))
        _expect(expected, tolerance, metric, shown, unit if unit not in ("rpm",) else "", decimals)
        units_shown[metric] = unit
    mirror = app.resize((794, 400), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(0.6))
    desktop.paste(mirror, (566, 60))
    return AppScreen(desktop, expected, tolerance, club_from_name(club_name), units_shown)


def club_from_name(name: str) -> str:
    """The club value a printed name stands for, from this module's own spellings."""
    for club, names in _CLUB_NAMES.items():
        if name in names:
            return club
    raise ValueError(f"{name!r} is not one of the club names screens print here")


def metric_tiles_screen(*, club_name: str = "7 Iron") -> AppScreen:
    """A tile layout in km/h and metres: label above the number, the unit under it.

    The units are small and in their own line under each number (not beside
    it), the club is a header pill, and there is no "mph" or "yds" anywhere,
    so any speed or distance stored without reading its unit is wrong.
    """
    image = Image.new("RGB", SCREEN_SIZE, "#15181d")
    draw = ImageDraw.Draw(image)
    pill_font = _app_font("DejaVuSans-Bold.ttf", 40)
    label_font = _app_font("DejaVuSans-Bold.ttf", 28)
    value_font = _app_font("DejaVuSans-Bold.ttf", 72)
    unit_font = _app_font("DejaVuSans.ttf", 30)
    draw.rounded_rectangle((60, 30, 360, 100), 30, fill="#2d6cdf")
    _centred(draw, 210, 42, club_name, pill_font, "#ffffff")
    tiles = [
        ("BALL SPEED", "ball_speed", "196.4", "km/h", 1),
        ("CLUB SPEED", "club_speed", "143.2", "km/h", 1),
        ("CARRY", "carry", "218.5", "m", 1),
        ("TOTAL", "total", "236.0", "m", 1),
        ("LAUNCH ANGLE", "launch_angle", "12.6°", "", 1),
        ("SPIN RATE", "spin_rate", "2710", "rpm", 0),
        ("SIDE", "carry_side", "6.2 L", "m", 1),
        ("APEX", "apex", "31.4", "m", 1),
    ]
    expected: dict[str, float] = {}
    tolerance: dict[str, float] = {}
    units_shown: dict[str, str] = {}
    for index, (label, metric, number, unit, decimals) in enumerate(tiles):
        column, row = index % 4, index // 4
        x0, y0 = 50 + column * 380, 140 + row * 370
        draw.rounded_rectangle((x0, y0, x0 + 360, y0 + 340), 16, fill="#222831")
        _centred(draw, x0 + 180, y0 + 36, label, label_font, "#9aa7b8")
        _centred(draw, x0 + 180, y0 + 110, number, value_font, "#f4f6f8")
        if unit:
            _centred(draw, x0 + 180, y0 + 220, unit, unit_font, "#9aa7b8")
        shown = float(number.rstrip("°").replace(" L", ""))
        if number.endswith(" L"):
            shown = -shown
        _expect(expected, tolerance, metric, shown, unit if unit != "rpm" else "", decimals)
        units_shown[metric] = unit
    return AppScreen(image, expected, tolerance, club_from_name(club_name), units_shown)


def trackman_wedge_screen() -> AppScreen:
    """Trackman's iPad wedge practice, top view: only CARRY is a shot metric.

    DISTANCE TO PIN, FROM PIN (in feet), STROKES GAINED, the Avg and +/-
    figures, the strokes-gained panel, the pin marker and the iPad status
    bar all carry numbers that are not shot metrics. No club is shown.
    """
    image = Image.new("RGB", (1645, 1080), "#4f7a3a")
    draw = ImageDraw.Draw(image)
    status_font = _app_font("DejaVuSans.ttf", 20)
    draw.rectangle((0, 0, 1645, 115), fill="#1c1c1e")
    draw.text((22, 8), "7:41 PM  Tue Jul 1", font=status_font, fill="#e5e5e5")
    draw.text((1512, 8), "50%", font=status_font, fill="#e5e5e5")
    draw.text((150, 60), "MICHAEL MA", font=_app_font("DejaVuSans-Bold.ttf", 20), fill="#ffffff")
    draw.rectangle((1500, 50, 1630, 100), fill="#f26b21")
    draw.text((1540, 62), "CLOSE", font=_app_font("DejaVuSans-Bold.ttf", 22), fill="#ffffff")
    draw.rectangle((0, 115, 1645, 210), fill="#f2f2f2")
    draw.text((50, 140), "#21", font=_app_font("DejaVuSans.ttf", 24), fill="#333333")
    draw.text((16, 180), "Shot List", font=status_font, fill="#777777")
    draw.text((790, 180), "Top view", font=status_font, fill="#777777")
    title_font = _app_font("DejaVuSansCondensed-Bold.ttf", 34)
    big_font = _app_font("DejaVuSansCondensed-Bold.ttf", 96)
    small_font = _app_font("DejaVuSans.ttf", 20)
    orange, ink, blue = "#e8641e", "#262626", "#1e88e5"
    tiles = [
        ("DISTANCE TO PIN", "64", "yds", None),
        ("CARRY", "68.1", "yds", ("58.5", "9.5")),
        ("FROM PIN", "19", "ft", ("25", "6")),
        ("STROKES GAINED", "-0.33", "", None),
    ]
    for index, (title, number, unit, extras) in enumerate(tiles):
        y0 = 235 + index * 200
        draw.rounded_rectangle((34, y0, 356, y0 + 185), 10, fill="#ffffff")
        _centred(draw, 195, y0 + 14, title, title_font, orange)
        _centred(draw, 195, y0 + 52, number, big_font, ink)
        if unit:
            _centred(draw, 195, y0 + 152, unit, small_font, "#777777")
        if extras:
            average, spread = extras
            draw.text((44, y0 + 125), "Avg", font=small_font, fill=blue)
            draw.text((44, y0 + 150), average, font=small_font, fill=ink)
            draw.text((320, y0 + 125), "+/-", font=small_font, fill=blue)
            draw.text((320, y0 + 150), spread, font=small_font, fill=ink)
    draw.rounded_rectangle((1285, 225, 1630, 480), 10, fill="#ffffff")
    draw.text(
        (1300, 240), "STROKES GAINED", font=_app_font("DejaVuSansCondensed-Bold.ttf", 24), fill=ink
    )
    draw.text((1305, 290), "ALL", font=_app_font("DejaVuSansCondensed-Bold.ttf", 24), fill=ink)
    draw.text(
        (1515, 290), "-0.12", font=_app_font("DejaVuSansCondensed-Bold.ttf", 52), fill="#d32f2f"
    )
    draw.text((1305, 390), "50-75 yds", font=_app_font("DejaVuSans.ttf", 22), fill=ink)
    draw.text(
        (1515, 390), "-0.45", font=_app_font("DejaVuSansCondensed-Bold.ttf", 52), fill="#d32f2f"
    )
    draw.ellipse((740, 560, 900, 720), fill="#8bc34a", outline="#ffffff", width=4)
    draw.rounded_rectangle((905, 610, 960, 665), 8, fill="#ffffff")
    draw.text((912, 618), "8ft", font=_app_font("DejaVuSansCondensed-Bold.ttf", 30), fill=ink)
    draw.text(
        (750, 240), "GREEN!", font=_app_font("DejaVuSansCondensed-Bold.ttf", 60), fill="#ffffff"
    )
    expected: dict[str, float] = {}
    tolerance: dict[str, float] = {}
    _expect(expected, tolerance, "carry", 68.1, "yds", 1)
    return AppScreen(image, expected, tolerance, None, {"carry": "yds"})
