"""Club names as Garmin (English and German) and Rapsodo write them."""

import pytest

from shots.imports.clubs import club_for_text


@pytest.mark.parametrize(
    ("text", "club"),
    [
        ("Eisen 7", "7i"),
        ("Eisen 9", "9i"),
        ("Holz 3", "3w"),
        ("Holz 1", "driver"),
        ("Hybrid 4", "4h"),
        ("Hybrid 5", "5h"),
        ("Sandwedge", "sw"),
    ],
)
def test_it_maps_german_garmin_club_names(text, club):
    assert club_for_text(text) == club


@pytest.mark.parametrize(
    ("text", "club"),
    [
        ("Driver", "driver"),
        ("3 Wood", "3w"),
        ("4 Hybrid", "4h"),
        ("7 Iron", "7i"),
        ("Pitching Wedge", "pw"),
        ("Gap Wedge", "gw"),
        ("Sand Wedge", "sw"),
        ("Lob Wedge", "lw"),
        ("Putter", "putter"),
    ],
)
def test_it_maps_english_garmin_club_types(text, club):
    assert club_for_text(text) == club


@pytest.mark.parametrize(
    ("text", "club"),
    [
        ("Dr", "driver"),
        ("d", "driver"),
        ("3w", "3w"),
        ("4h", "4h"),
        ("7i", "7i"),
        ("pw", "pw"),
        ("gw", "gw"),
        ("sw", "sw"),
        ("lw", "lw"),
        ("Pt", "putter"),
    ],
)
def test_it_maps_rapsodo_club_codes(text, club):
    assert club_for_text(text) == club


@pytest.mark.parametrize("text", ["Holz 4", "Hybrid 7", "Eisen 1", "Ot", "Other", "", "Carry"])
def test_it_maps_clubs_it_does_not_know_to_nothing(text):
    # We have no 4-wood or 1-iron; the preview asks instead of guessing.
    assert club_for_text(text) == ""
