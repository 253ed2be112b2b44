"""The layout-aware parser, fed hand-made OCR boxes (no OCR model needed)."""

from __future__ import annotations

import json
import math

import pytest

from shots.analysis.labels import CLUB_CAPTION, club_from_text, metric_for_label
from shots.analysis.screen_parser import Rect, parse_number, parse_screen, tokens_from_box
from shots.metrics import METRIC_NAMES


def box(x: float, y: float, text: str, *, height: float = 20, width: float | None = None):
    """An OCR result for ``text`` with its top-left corner at (x, y), ~0.55 height per letter."""
    width = width if width is not None else 0.55 * height * len(text)
    points = [[x, y], [x + width, y], [x + width, y + height], [x, y + height]]
    return points, text, 0.98


def rotated(results, degrees: float, centre=(600.0, 400.0)):
    """The same boxes as photographed with the phone turned by ``degrees``."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    turned = []
    for points, text, confidence in results:
        moved = [
            [
                centre[0] + (x - centre[0]) * cos - (y - centre[1]) * sin,
                centre[1] + (x - centre[0]) * sin + (y - centre[1]) * cos,
            ]
            for x, y in points
        ]
        turned.append((moved, text, confidence))
    return turned


def values_of(results):
    output = parse_screen(results)
    return {name: value for name, value in output.values.items() if value is not None}


# --- layouts --------------------------------------------------------------------------------


def tiles_screen():
    """2×3 tiles: small label on top, big value (and a unit in its own box) underneath."""
    results = []
    tiles = [
        ("Club Speed", "105.2", "mph"),
        ("Ball Speed", "152.3 mph", None),
        ("Smash Factor", "1.45", None),
        ("Carry", "245.1", "yds"),
        ("Total", "262.8 yds", None),
        ("Side", "12.4 L", "yds"),
    ]
    for index, (label, value, unit) in enumerate(tiles):
        x, y = 40 + (index % 3) * 300, 40 + (index // 3) * 220
        results.append(box(x + 40, y, label))
        results.append(box(x + 20, y + 40, value, height=50))
        if unit:
            results.append(box(x + 20 + 0.55 * 50 * len(value) + 8, y + 62, unit, height=26))
    return results


def test_it_reads_tiles_with_the_label_above_the_value():
    assert values_of(tiles_screen()) == {
        "club_speed": 105.2,
        "ball_speed": 152.3,
        "smash_factor": 1.45,
        "carry": 245.1,
        "total": 262.8,
        "carry_side": -12.4,
    }


def list_screen():
    """A Garmin-style list: label left, value right-aligned far away, unit column, tight rows."""
    rows = [
        ("Club Speed", "105.2", "mph"),
        ("Ball Speed", "152.3", "mph"),
        ("Launch Angle", "12.1", "°"),
        ("Spin Rate", "2,650", "rpm"),
        ("Spin Axis", "3.5R", "°"),
        ("Carry Distance", "245.1", "yds"),
        ("Total Distance", "262.8", "yds"),
        ("Apex Height", "98", "ft"),
    ]
    results = []
    for index, (label, value, unit) in enumerate(rows):
        y = 100 + index * 28  # rows only 8 px apart: a small tilt would swap them
        results.append(box(80, y, label))
        results.append(box(900 - 11 * len(value), y, value))
        results.append(box(920, y, unit))
    return results


EXPECTED_LIST = {
    "club_speed": 105.2,
    "ball_speed": 152.3,
    "launch_angle": 12.1,
    "spin_rate": 2650.0,
    "spin_axis": 3.5,
    "carry": 245.1,
    "total": 262.8,
    "apex": 98.0,
}


def test_it_reads_a_list_with_the_value_right_of_the_label():
    assert values_of(list_screen()) == EXPECTED_LIST


@pytest.mark.parametrize("degrees", [-4, -2, 2, 4])
def test_it_keeps_list_rows_together_when_the_photo_is_tilted(degrees):
    # Over the 800 px between label and value a 2° tilt is 28 px: a whole row.
    read = values_of(rotated(list_screen(), degrees))
    assert read == pytest.approx(EXPECTED_LIST, abs=1e-6)


def caption_screen():
    """Mevo+-style: big values with small captions under them, two rows of three."""
    cells = [
        ("231.4", "Carry"),
        ("248.0", "Total"),
        ("150.6 mph", "Ball Speed"),
        ("2450 rpm", "Spin"),
        ("11.8°", "Launch Angle"),
        ("96 ft", "Apex"),
    ]
    results = []
    for index, (value, caption) in enumerate(cells):
        x, y = 60 + (index % 3) * 380, 80 + (index // 3) * 160
        results.append(box(x, y, value, height=60))
        results.append(box(x + 20, y + 64, caption, height=22))
    return results


def test_it_reads_big_values_with_a_caption_underneath():
    assert values_of(caption_screen()) == {
        "carry": 231.4,
        "total": 248.0,
        "ball_speed": 150.6,
        "spin_rate": 2450.0,
        "launch_angle": 11.8,
        "apex": 96.0,
    }


def test_it_reads_a_table_with_units_in_the_labels():
    rows = [
        ("Club", "7i"),
        ("Ball (mph)", "121.5"),
        ("Club (mph)", "87.0"),
        ("Carry (m)", "150.0"),
        ("Height (yds)", "30"),
        ("Time (s)", "6.1"),
        ("Launch H (°)", "L2.2"),
    ]
    results = []
    for index, (label, value) in enumerate(rows):
        results.append(box(100, 50 + index * 40, label))
        results.append(box(500, 50 + index * 40, value))
    output = parse_screen(results)
    assert output.club == "7i"
    read = {name: value for name, value in output.values.items() if value is not None}
    assert read == pytest.approx(
        {
            "ball_speed": 121.5,
            "club_speed": 87.0,
            "carry": 150.0 * 1.09361,
            "apex": 90.0,
            "hang_time": 6.1,
            "launch_direction": -2.2,
        }
    )
    assert output.units_seen["carry"] == "m"
    assert output.units_seen["apex"] == "yds"


def test_it_prefers_each_screens_own_layout_when_neighbours_are_closer():
    # Caption layout with rows so close that row 1's caption is nearer to row 2's
    # value than to its own: the layout that explains every label wins.
    results = [
        box(60, 100, "231.4", height=60),
        box(70, 162, "Carry"),
        box(460, 100, "150.6", height=60),
        box(470, 162, "Ball Speed"),
        box(60, 186, "2450", height=60),
        box(70, 248, "Spin"),
        box(460, 186, "96", height=60),
        box(470, 248, "Apex"),
    ]
    assert values_of(results) == {
        "carry": 231.4,
        "ball_speed": 150.6,
        "spin_rate": 2450.0,
        "apex": 96.0,
    }


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_text", "label", "metric", "expected", "unit_seen"),
    [
        ("152.3 mph", "Ball Speed", "ball_speed", 152.3, "mph"),
        ("152.3mph", "Ball Speed", "ball_speed", 152.3, "mph"),
        ("245.0 km/h", "Ball Speed", "ball_speed", 245.0 * 0.621371, "km/h"),
        ("245.0 kph", "Ball Speed", "ball_speed", 245.0 * 0.621371, "kph"),
        ("68.1 m/s", "Ball Speed", "ball_speed", 68.1 * 2.236936, "m/s"),
        ("200.0 m", "Carry", "carry", 200.0 * 1.09361, "m"),
        ("200.0 meters", "Carry", "carry", 200.0 * 1.09361, "meters"),
        ("200.0 yards", "Carry", "carry", 200.0, "yards"),
        ("30.0 m", "Apex", "apex", 30.0 * 3.28084, "m"),
        ("30 yds", "Apex", "apex", 90.0, "yds"),
        ("95 feet", "Apex", "apex", 95.0, "feet"),
        ("2650 rpm", "Spin Rate", "spin_rate", 2650.0, "rpm"),
        ("-2.1°", "Attack Angle", "attack_angle", -2.1, "°"),
        ("-2.1 deg", "Attack Angle", "attack_angle", -2.1, "deg"),
        ("6.4 s", "Hang Time", "hang_time", 6.4, "s"),
    ],
)
def test_it_converts_the_unit_written_beside_the_value(
    value_text, label, metric, expected, unit_seen
):
    output = parse_screen([box(50, 50, label), box(400, 50, value_text)])
    assert output.values[metric] == pytest.approx(expected, rel=1e-5)
    assert output.units_seen[metric] == unit_seen


def test_it_takes_a_unit_from_its_own_box_beside_the_value():
    output = parse_screen(
        [box(50, 50, "Carry"), box(400, 45, "183.0", height=40), box(512, 60, "m")]
    )
    assert output.values["carry"] == pytest.approx(183.0 * 1.09361)
    assert output.units_seen["carry"] == "m"


def test_a_speed_shown_without_a_unit_is_kept_as_read_but_uncertain():
    output = parse_screen([box(50, 50, "Ball Speed"), box(400, 50, "152.3")])
    assert output.values["ball_speed"] == 152.3
    assert output.units_seen["ball_speed"] == ""
    assert "mph, km/h and m/s" in output.uncertain["ball_speed"]


def test_it_does_not_guess_metres_from_the_size_of_the_number():
    # 95 would be a short carry in yards and a typical one in metres: no unit, no conversion.
    output = parse_screen([box(50, 50, "Carry"), box(400, 50, "95.0")])
    assert output.values["carry"] == 95.0


def test_a_distance_whose_unit_could_not_be_read_is_uncertain_never_taken_for_yards():
    output = parse_screen([box(50, 50, "Carry"), box(400, 50, "97")])
    assert "yards and metres" in output.uncertain["carry"]


def test_a_number_with_its_unit_read_is_not_uncertain():
    output = parse_screen(
        [box(50, 50, "Carry"), box(400, 50, "97 m"), box(50, 90, "Ball (mph)"), box(400, 90, "82")]
    )
    assert output.uncertain == {}


@pytest.mark.parametrize("metric", ["spin_rate", "smash_factor", "launch_angle"])
def test_a_metric_with_only_one_unit_needs_none_shown(metric):
    label, text = {
        "spin_rate": ("Spin Rate", "5638"),
        "smash_factor": ("Smash", "1.26"),
        "launch_angle": ("Launch Angle", "22.0"),
    }[metric]
    output = parse_screen([box(50, 50, label), box(400, 50, text)])
    assert output.values[metric] is not None
    assert metric not in output.uncertain


def test_a_poorly_read_number_is_uncertain():
    (label_points, label, _), (value_points, value, _) = (
        box(50, 50, "Carry"),
        box(400, 50, "152.3 yds"),
    )
    output = parse_screen([(label_points, label, 0.97), (value_points, value, 0.55)])
    assert output.values["carry"] == 152.3
    assert "hard to read" in output.uncertain["carry"]


def test_confidence_is_the_lowest_score_of_the_label_the_number_and_its_unit():
    (label_points, label, _) = box(50, 50, "Carry")
    (value_points, value, _) = box(400, 45, "183.0", height=40)
    (unit_points, unit, _) = box(512, 60, "m")
    output = parse_screen(
        [(label_points, label, 0.99), (value_points, value, 0.95), (unit_points, unit, 0.9)]
    )
    assert output.confidence["carry"] == pytest.approx(0.9)
    assert "carry" not in output.uncertain


def test_it_reads_a_unit_turned_90_degrees_inside_the_numbers_box():
    # Rapsodo prints "METERS" upright beside the number; the detector's box for the
    # number already reaches over it, so the unit's own box overlaps the number's.
    results = [
        box(40, 0, "CARRY", height=14),
        box(30, 20, "97", height=34, width=42),
        ([[62, 24], [70, 24], [70, 52], [62, 52]], "METERS", 0.93),
    ]
    output = parse_screen(results)
    assert output.values["carry"] == pytest.approx(97 * 1.09361)
    assert output.units_seen["carry"] == "METERS"
    assert output.uncertain == {}


def test_metres_and_mph_on_one_screen_are_each_converted():
    output = parse_screen(
        [
            box(50, 50, "Carry"),
            box(400, 50, "97 METERS"),
            box(50, 90, "Ball Speed"),
            box(400, 90, "82 MPH"),
        ]
    )
    assert output.values["carry"] == pytest.approx(97 * 1.09361)
    assert output.values["ball_speed"] == 82.0


def test_a_number_without_a_unit_takes_the_unit_the_rest_of_the_screen_uses():
    output = parse_screen(
        [
            box(50, 50, "Carry"),
            box(400, 50, "183.0"),  # the small "m" was not read here...
            box(50, 90, "Total"),
            box(400, 90, "190.2 m"),  # ...but it was here
        ]
    )
    assert output.values["carry"] == pytest.approx(183.0 * 1.09361)
    assert output.units_seen["carry"] == "m"
    assert output.raw["units_from_screen"] == {"carry": "m"}


def test_a_unit_that_does_not_suit_the_metric_is_not_paired():
    assert values_of([box(50, 50, "Carry"), box(400, 50, "152.3 mph")]) == {}


# --- left and right -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.4 L", -12.4),
        ("L12.4", -12.4),
        ("L 12.4", -12.4),
        ("12.4L", -12.4),
        ("3.5R", 3.5),
        ("R 3.5", 3.5),
        ("-2.1", -2.1),
        ("12.4 L yds", -12.4),
        ("12.4 yds L", -12.4),
        ("12.4Lm", -12.4 * 1.09361),
    ],
)
def test_a_left_value_is_negative(text, expected):
    output = parse_screen([box(50, 50, "Carry Side"), box(400, 50, text)])
    assert output.values["carry_side"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6.2L", -6.2), ("L 6.2", -6.2), ("3.0°L", -3.0), ("R 1.8°", 1.8), ("2.1°R", 2.1)],
)
def test_an_angle_reads_its_side_before_or_after_the_degree_sign(text, expected):
    output = parse_screen([box(50, 50, "Club Path"), box(400, 50, text)])
    assert output.values["club_path"] == pytest.approx(expected)


def test_a_side_marker_in_its_own_box_belongs_to_the_number_beside_it():
    output = parse_screen([box(50, 50, "Launch Direction"), box(400, 50, "2.2"), box(450, 50, "L")])
    assert output.values["launch_direction"] == -2.2


def test_a_value_whose_side_marker_is_garbled_is_not_read():
    # Reading 2.4 here could report a left shot as a right one.
    assert values_of([box(50, 50, "Launch Direction"), box(400, 50, "2.4#L")]) == {}


def test_a_small_letter_beside_a_big_number_is_not_a_side_marker():
    # OCR read the small unit "m" as "L": not a reason to drop (or negate) the apex.
    output = parse_screen(
        [box(50, 50, "Apex"), box(400, 40, "28.7", height=50), box(512, 78, "L", height=10)]
    )
    assert output.values["apex"] == 28.7


def test_a_club_caption_and_club_speed_in_one_table():
    results = [
        box(50, 50, "Club"),
        box(400, 50, "Dr"),
        box(50, 90, "Club (m/s)"),
        box(400, 90, "46.7"),
    ]
    output = parse_screen(results)
    assert output.club == "driver"
    assert output.values["club_speed"] == pytest.approx(46.7 * 2.236936)


def test_a_side_marker_is_not_read_for_a_metric_that_has_no_side():
    assert values_of([box(50, 50, "Carry"), box(400, 50, "152.3 L")]) == {}


# --- clubs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "club"),
    [
        ("Driver", "driver"),
        ("DRIVER", "driver"),
        ("Dr", "driver"),
        ("7i", "7i"),
        ("7 Iron", "7i"),
        ("7-Iron", "7i"),
        ("I7", "7i"),
        ("Iron 7", "7i"),
        ("61ron", "6i"),  # OCR's "1" for the "I" of Iron
        ("PW", "pw"),
        ("Pitching Wedge", "pw"),
        ("Gap Wedge", "gw"),
        ("AW", "gw"),
        ("SW", "sw"),
        ("Lob Wedge", "lw"),
        ("52° Wedge", "gw"),
        ("56 Wedge", "sw"),
        ("60° Wedge", "lw"),
        ("46° Wedge", "pw"),
        ("3 Wood", "3w"),
        ("3W", "3w"),
        ("5 Wood", "5w"),
        ("4 Hybrid", "4h"),
        ("4H", "4h"),
        ("Putter", "putter"),
        ("Club: 7 Iron", "7i"),
        ("Club: 52°", "gw"),
        ("Club Type: Driver", "driver"),
    ],
)
def test_it_knows_the_club_names_screens_use(text, club):
    assert club_from_text(text) == club


@pytest.mark.parametrize(
    "text", ["52°", "53° Wedge", "57° Wedge", "Club Speed", "Club", "Shot 4", "16", "Carry"]
)
def test_it_does_not_take_other_text_for_a_club(text):
    assert club_from_text(text) is None


def test_it_reads_the_club_from_a_title():
    results = [box(40, 10, "DRIVER", height=40), *list_screen()]
    assert parse_screen(results).club == "driver"


def test_it_reads_the_club_from_a_club_line():
    results = [box(40, 10, "Club: 7 Iron"), *list_screen()]
    assert parse_screen(results).club == "7i"


def test_a_club_caption_with_a_loft_names_the_wedge():
    output = parse_screen(
        [box(50, 50, "Club"), box(400, 50, "52°"), box(50, 90, "Carry"), box(400, 90, "98.0")]
    )
    assert output.club == "gw"
    assert output.values["carry"] == 98.0
    assert output.values["club_speed"] is None


def test_a_club_caption_with_a_speed_is_club_speed():
    output = parse_screen([box(50, 50, "Club (mph)"), box(400, 50, "87.0")])
    assert output.values["club_speed"] == 87.0
    assert output.club is None


def test_no_club_on_the_screen_is_none():
    assert parse_screen(list_screen()).club is None


@pytest.mark.parametrize("word", ["Approach", "Sand", "Gap", "Lob", "Pitching"])
def test_a_wedges_first_word_alone_is_not_a_club(word):
    # FS Golf prints "Approach" as a practice mode beside the club name.
    assert club_from_text(word) is None


@pytest.mark.parametrize(("text", "club"), [("BIron", "8i"), ("8lron", "8i"), ("gIron", "9i")])
def test_a_digit_read_as_a_letter_before_iron_is_still_that_iron(text, club):
    assert club_from_text(text) == club


def test_it_reads_8_iron_beside_a_mode_bar():
    results = [box(40, 10, "8 Iron", height=30), box(400, 14, "Approach"), *list_screen()]
    output = parse_screen(results)
    assert output.club == "8i"
    assert "club" not in output.uncertain


def test_two_different_club_names_are_uncertain():
    results = [box(40, 10, "8 Iron", height=40), box(600, 10, "PW", height=40), *list_screen()]
    output = parse_screen(results)
    assert "more than one club" in output.uncertain["club"]


def test_a_short_club_code_in_small_print_is_not_taken_for_the_club():
    # Rapsodo's corner badge "3h" is as tall as the tile labels, far smaller than the numbers.
    results = [
        box(600, 0, "3h", height=12),
        box(40, 20, "CARRY", height=12),
        box(30, 36, "97 m", height=32),
        box(40, 90, "TOTAL", height=12),
        box(30, 106, "106 m", height=32),
    ]
    assert parse_screen(results).club is None


def test_a_club_title_in_big_letters_is_the_club():
    results = [box(40, 0, "7i", height=40), *tiles_screen()]
    assert parse_screen(results).club == "7i"


# --- OCR's mistakes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "value", "metric", "expected"),
    [
        ("5MASH FACT0R", "1.45", "smash_factor", 1.45),
        ("SmashFactor", "1.45", "smash_factor", 1.45),
        ("A0A", "-2.1", "attack_angle", -2.1),
        ("Land.Angle", "45.2", "descent_angle", 45.2),
        ("Launch Angie", "12.1", "launch_angle", 12.1),
        ("Cary", "152.0", "carry", 152.0),
        ("Club Path", "LO.2", "club_path", -0.2),
        ("Ball Speed", "1O5.2", "ball_speed", 105.2),
        ("Ball Speed", "l52.3", "ball_speed", 152.3),
        ("Ball Speed", "152.3 rnph", "ball_speed", 152.3),
        ("Ball Speed", "68.0 ms", "ball_speed", 68.0 * 2.236936),
        ("Spin (rpm)", "2650", "spin_rate", 2650.0),
        ("Spin Axis (9)", "L1.1", "spin_axis", -1.1),  # "(°)" read as "(9)" is a unit, not a value
        ("Side Carry", "R4.4,", "carry_side", 4.4),
        ("Launch Direction", "−1.2", "launch_direction", -1.2),
        ("Launch Direction", "2.4%L", "launch_direction", -2.4),  # "°" read as "%"
        ("Apex Height", "76f", "apex", 76.0),  # "ft" lost its "t"
    ],
)
def test_it_reads_through_common_ocr_mistakes(label, value, metric, expected):
    output = parse_screen([box(50, 50, label), box(400, 50, value)])
    assert output.values[metric] == pytest.approx(expected)


def test_it_joins_a_label_split_over_two_boxes():
    results = [
        box(50, 50, "Spin"),
        box(110, 50, "Rate"),
        box(400, 50, "2650"),
        box(50, 90, "Carry"),
        box(400, 90, "150.0"),
    ]
    assert values_of(results) == {"spin_rate": 2650.0, "carry": 150.0}


def test_it_joins_a_label_wrapped_onto_two_lines():
    results = [box(50, 50, "Launch"), box(50, 73, "Direction"), box(45, 100, "2.1 R", height=40)]
    assert values_of(results) == {"launch_direction": 2.1}


def test_it_splits_a_label_and_value_ocr_read_as_one_box():
    assert values_of([box(50, 50, "Carry 152.3 yds"), box(50, 90, "Smash 1.45")]) == {
        "carry": 152.3,
        "smash_factor": 1.45,
    }


def test_it_merges_two_boxes_found_over_the_same_digits():
    # The detector found "82" and also "2ft", sharing the "2".
    results = [
        box(50, 50, "Apex Height"),
        box(400, 50, "82", width=30),
        box(420, 50, "2ft", width=40),
    ]
    output = parse_screen(results)
    assert output.values["apex"] == 82.0
    assert output.units_seen["apex"] == "ft"


@pytest.mark.parametrize(
    ("text", "number"), [("2,650", 2650.0), ("1,45", 1.45), ("12,450.5", 12450.5), ("152.3", 152.3)]
)
def test_it_reads_thousands_separators_and_decimal_commas(text, number):
    assert parse_number(text) == number


# --- what is not there ----------------------------------------------------------------------


def test_a_label_without_a_value_is_none():
    results = [
        box(50, 50, "Ball Speed"),
        box(400, 50, "152.3"),
        box(50, 90, "Spin Rate"),
        box(400, 90, "—"),
    ]
    output = parse_screen(results)
    assert output.values["ball_speed"] == 152.3
    assert output.values["spin_rate"] is None
    assert set(output.values) == set(METRIC_NAMES)


def test_a_number_without_a_label_is_ignored():
    results = [box(900, 10, "Shot 4"), box(600, 400, "77"), *tiles_screen()]
    assert values_of(results) == values_of(tiles_screen())


def test_a_number_under_an_ignored_label_is_not_given_to_a_neighbour():
    results = [
        box(40, 40, "Carry"),
        box(30, 80, "245.1", height=50),
        box(340, 40, "Roll"),
        box(330, 80, "17.7", height=50),
        box(640, 40, "Total"),
    ]
    assert values_of(results) == {"carry": 245.1}


def test_practice_tiles_give_no_metric():
    # Trackman's wedge practice: only CARRY is a shot metric.
    results = [
        box(60, 0, "DISTANCE TO PIN", height=24),
        box(100, 30, "64", height=60),
        box(110, 95, "yds", height=16),
        box(90, 140, "CARRY", height=24),
        box(80, 170, "68.1", height=60),
        box(110, 235, "yds", height=16),
        box(10, 215, "Avg", height=16),
        box(10, 235, "58.5", height=16),
        box(220, 215, "+/-", height=16),
        box(220, 235, "9.5", height=16),
        box(80, 280, "FROM PIN", height=24),
        box(100, 310, "19", height=60),
        box(120, 375, "ft", height=16),
        box(60, 420, "STROKES GAINED", height=24),
        box(70, 450, "-0.33", height=60),
    ]
    assert values_of(results) == {"carry": 68.1}


def test_a_label_whose_own_number_is_unread_does_not_take_the_practice_tile_below():
    # CARRY's number hidden (an iOS overlay over it): FROM PIN's "19 ft" below must
    # not become a 6.3-yard carry.
    results = [
        box(90, 140, "CARRY", height=24),
        box(80, 280, "FROM PIN", height=24),
        box(100, 310, "19 ft", height=60),
    ]
    assert values_of(results) == {}


def test_an_overlay_label_in_another_colour_is_not_read():
    # A connector tool captions its ROI box "Ball Speed" in blue, right above the club
    # speed's number, between it and the screen's own white "CLUB SPEED" label.
    white, blue = (245, 245, 245), (20, 20, 220)
    results = [
        box(40, 0, "BALL SPEED", height=12),
        box(40, 16, "82 mph", height=30),
        box(40, 70, "CLUB SPEED", height=12),
        box(44, 84, "Ball Speed", height=12),
        box(40, 98, "65 mph", height=30),
        box(40, 150, "SMASH FACTOR", height=12),
        box(40, 166, "1.26", height=30),
    ]
    inks = [white, white, white, blue, white, white, white]
    output = parse_screen(results, ink_colours=inks)
    assert output.values["ball_speed"] == 82.0
    assert output.values["club_speed"] == 65.0
    assert output.raw["overlay_labels"] == ["Ball Speed"]


def test_no_text_reads_nothing():
    output = parse_screen([])
    assert output.values == dict.fromkeys(METRIC_NAMES)
    assert output.club is None


def test_the_raw_output_is_json_with_boxes_and_pairs():
    output = parse_screen(tiles_screen())
    raw = json.loads(json.dumps(output.raw))
    assert len(raw["boxes"]) == len(tiles_screen())
    assert {
        "metric": "carry",
        "label": "Carry",
        "value": "245.1",
        "relation": "below",
    }.items() <= next(pair for pair in raw["pairs"] if pair["metric"] == "carry").items()


# --- the label vocabulary -------------------------------------------------------------------

# Every name in the "names seen" column of shared/reference/launch-monitor-data.md.
REFERENCE_NAMES = {
    "ball_speed": ["Ball Speed", "Ball (mph)", "BallSpeed_MS", "Speed"],
    "club_speed": ["Club Speed", "Club head Speed (m/s)", "ClubSpeed_MS"],
    "smash_factor": ["Smash Factor", "Smash", "Efficiency"],
    "launch_angle": ["Launch Angle", "Launch V", "VLA", "Launch Ang."],
    "launch_direction": ["Launch Direction", "Launch H", "HLA", "Azimuth", "Side Angle"],
    "spin_rate": ["Spin Rate", "Total Spin", "Spin (rpm)", "TotalSpin_RPM"],
    "back_spin": ["Backspin", "Back Spin"],
    "side_spin": ["Sidespin", "Side Spin"],
    "spin_axis": ["Spin Axis", "Spin Axis Tilt", "rawSpinAxis"],
    "attack_angle": ["Attack Angle", "AOA", "AoA", "Angle of Attack"],
    "club_path": ["Club Path", "Path", "Swing H"],
    "face_angle": ["Face Angle", "Club Face", "Face to Target", "FTT"],
    "face_to_path": ["Face To Path", "FTP"],
    "dynamic_loft": ["Dyn. Loft", "Dynamic Loft", "Loft"],
    "carry": ["Carry", "Carry Distance", "Carry Flat - Length", "Carry (yds)", "CarryDistance_M"],
    "total": ["Total", "Total Distance", "Est. Total Flat - Length"],
    "carry_side": [
        "Side",
        "Carry Side",
        "Side Carry",
        "Offline",
        "Lateral",
        "Carry Deviation Distance",
    ],
    "total_side": ["Side Total", "Total Side", "Total Deviation Distance"],
    "apex": ["Apex", "Apex Height", "Height", "Max Height", "Peak Height"],
    "descent_angle": ["Descent Angle", "Land. Angle", "Landing Angle", "Decent"],
    "hang_time": ["Hang Time", "Flight Time", "Time (s)"],
    CLUB_CAPTION: ["Club", "Club Type", "Club Name"],
}


@pytest.mark.parametrize(
    ("name", "metric"),
    [(name, metric) for metric, names in REFERENCE_NAMES.items() for name in names],
)
def test_every_name_in_the_reference_is_a_label(name, metric):
    (token,) = tokens_from_box(name, Rect(0, 0, 200, 20))
    assert token.kind == "label"
    assert token.metric == metric


def test_labels_are_matched_whatever_the_case_and_spacing():
    assert metric_for_label("CARRY DEVIATION DISTANCE") == "carry_side"
    assert metric_for_label("carrydeviationdistance") == "carry_side"
    assert metric_for_label("Ball  Speed:") == "ball_speed"
