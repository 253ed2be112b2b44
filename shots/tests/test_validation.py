import pytest

from shots.parsing import parse_signed_number
from shots.validation import check_values


def test_it_accepts_a_plausible_driver_shot():
    result = check_values(
        {"ball_speed": 150, "club_speed": 103, "smash_factor": 1.46, "carry": 245, "total": 268},
        club="driver",
    )
    assert result.ok


def test_it_rejects_a_value_outside_the_hard_range():
    result = check_values({"carry": 460}, club="driver")
    assert result.rejected == {"carry": "Carry must be between 0 and 450 yd."}


def test_it_rejects_infinity_and_nan():
    result = check_values({"carry": float("inf"), "total": float("nan")}, club="driver")
    assert set(result.rejected) == {"carry", "total"}


def test_it_warns_when_smash_does_not_match_the_speeds():
    result = check_values(
        {"ball_speed": 150, "club_speed": 103, "smash_factor": 1.36}, club="driver"
    )
    assert [name for name, _ in result.warnings] == ["smash_factor"]


def test_it_uses_a_lower_smash_ceiling_for_irons():
    assert not check_values({"smash_factor": 1.49}, club="driver").warnings
    assert check_values({"smash_factor": 1.49}, club="7i").warnings


def test_it_warns_when_total_is_far_from_carry():
    result = check_values({"carry": 150, "total": 260}, club="7i")
    assert result.warnings[0][0] == "total"


def test_it_warns_when_spin_components_disagree():
    result = check_values({"spin_rate": 3000, "back_spin": 2000, "side_spin": 300}, club="driver")
    assert result.warnings[0][0] == "spin_rate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5.0),
        ("-5", -5.0),
        ("12.4 L", -12.4),
        ("L12.4", -12.4),
        ("3.5R", 3.5),
        ("Center", 0.0),
        ("2,5 l", -2.5),
    ],
)
def test_it_parses_side_values(text, expected):
    assert parse_signed_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "L5R", "-5 L", "5..2"])
def test_it_refuses_text_that_is_not_a_side_value(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the message is for people, not asserted
        parse_signed_number(text)
