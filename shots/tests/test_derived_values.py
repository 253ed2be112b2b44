"""Values worked out from others by their definition, on every path: photo, typed, import.

Smash factor is ball ÷ club speed, total spin has back and side spin as its
components, face to path is face angle − club path. A photo that shows the
parts but not the whole gets the whole, flagged ``derived``, as typed shots
and imports already do; nothing is worked out from a reading in doubt.
The photo is read by the OpenAI analyser through the real SDK against the
fake server from conftest.
"""

from __future__ import annotations

import math

import pytest

from leaderboards.boards import BoardSpec
from leaderboards.selectors import leaderboard
from retailers.models import CustomerLink
from shots import services
from shots.models import PersonalBest, Shot, ShotStatus, ShotTrust
from shots.tests import fake_openai as fake
from shots.tests.photos import shrunk_screen_photo
from shots.validation import derive_exact, derive_face_to_path, derive_smash, derive_spin_rate

DOUBTFUL = 0.3  # a confidence under the OpenAI analyser's MIN_CONFIDENCE


# --- The arithmetic ----------------------------------------------------------------


def test_it_works_out_face_to_path_as_face_angle_minus_club_path():
    values: dict[str, float | None] = {"face_angle": 1.5, "club_path": -3.2, "face_to_path": None}
    flags: dict[str, list[str]] = {}

    derive_face_to_path(values, flags)

    assert values["face_to_path"] == 4.7  # open to an out-to-in path: + is right
    assert flags == {"face_to_path": ["derived"]}


def test_it_keeps_a_face_to_path_the_screen_shows():
    values: dict[str, float | None] = {"face_angle": 1.5, "club_path": -3.2, "face_to_path": 4.0}
    flags: dict[str, list[str]] = {}

    derive_face_to_path(values, flags)

    assert values["face_to_path"] == 4.0
    assert flags == {}


def test_it_works_out_nothing_past_a_hard_range():
    values: dict[str, float | None] = {"face_angle": 15.0, "club_path": -15.0}
    flags: dict[str, list[str]] = {}

    derive_face_to_path(values, flags)

    assert values.get("face_to_path") is None
    assert flags == {}


@pytest.mark.parametrize(
    ("doubted", "metric"),
    [
        ("ball_speed", "smash_factor"),
        ("club_speed", "smash_factor"),
        ("smash_factor", "smash_factor"),
        ("back_spin", "spin_rate"),
        ("side_spin", "spin_rate"),
        ("face_angle", "face_to_path"),
        ("club_path", "face_to_path"),
    ],
)
def test_it_works_nothing_out_from_or_in_place_of_a_doubtful_value(doubted, metric):
    values: dict[str, float | None] = {
        "ball_speed": 150.0,
        "club_speed": 103.0,
        "back_spin": 2500.0,
        "side_spin": -400.0,
        "face_angle": 1.0,
        "club_path": 2.0,
    }
    flags: dict[str, list[str]] = {}

    derived = derive_exact(values, flags, untrusted={doubted})

    assert metric not in derived
    assert values.get(metric) is None
    assert len(derived) == 2  # the other two still are


def test_the_typed_and_import_helpers_keep_working_without_doubts():
    values: dict[str, float | None] = {
        "ball_speed": 150.0,
        "club_speed": 103.0,
        "back_spin": 2500.0,
        "side_spin": -400.0,
    }
    flags: dict[str, list[str]] = {}

    derive_smash(values, flags)
    derive_spin_rate(values, flags)

    assert values["smash_factor"] == 1.46
    assert values["spin_rate"] == round(math.hypot(2500, -400))
    assert flags == {"smash_factor": ["derived"], "spin_rate": ["derived"]}


# --- A photo that shows the parts ---------------------------------------------------------


def analysed_photo_shot(golfer, answer: dict, fake_openai, **fields) -> Shot:
    fake_openai.enqueue(fake.good_answer(answer))
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo(), **fields)
    services.shot_analyze(shot_id=shot.pk)
    shot.refresh_from_db()
    return shot


def test_a_photo_with_both_speeds_gets_a_derived_smash_that_counts_where_typed_smash_counts(
    golfer, store, fake_openai
):
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    answer = fake.screen_answer(
        {"ball_speed": (160.0, "mph"), "club_speed": (110.0, "mph"), "carry": (250, "yds")},
        club="Driver",
    )

    shot = analysed_photo_shot(golfer, answer, fake_openai, retailer=store)

    assert shot.status == ShotStatus.ANALYZED
    assert shot.smash_factor == 1.45
    assert shot.flags_for("smash_factor") == ["derived"]
    assert shot.trust == ShotTrust.MEASURED
    record = PersonalBest.objects.get(golfer=golfer, club="driver", metric="smash_factor")
    assert (record.shot_id, record.value) == (shot.pk, 1.45)
    board = leaderboard(
        BoardSpec(retailer=store, club="driver", metric="smash_factor", period="all")
    )
    assert [(row.shot_id, row.value) for row in board.rows] == [(shot.pk, 1.45)]

    # A typed shot's derived smash counts the same way for the golfer's record.
    typed, _ = services.shot_create_manual(
        golfer=golfer, club="driver", metrics={"ball_speed": 165.0, "club_speed": 112.0}
    )
    assert typed.flags_for("smash_factor") == ["derived"]
    record.refresh_from_db()
    assert (record.shot_id, record.value) == (typed.pk, 1.47)


def test_a_photo_with_spin_parts_and_face_and_path_gets_total_spin_and_face_to_path(
    golfer, fake_openai
):
    answer = fake.screen_answer(
        {
            "ball_speed": (120.0, "mph"),
            "carry": (165, "yds"),
            "back_spin": (6800, "rpm"),
            "side_spin": (-900, "rpm"),
            "face_angle": (-1.2, "°"),
            "club_path": (2.4, "°"),
        },
        club="7 Iron",
    )

    shot = analysed_photo_shot(golfer, answer, fake_openai)

    assert shot.status == ShotStatus.ANALYZED
    assert shot.spin_rate == round(math.hypot(6800, -900))
    assert shot.face_to_path == -3.6
    assert shot.flags_for("spin_rate") == ["derived"]
    assert shot.flags_for("face_to_path") == ["derived"]
    assert shot.smash_factor is None  # no club speed on the screen
    assert shot.is_counted


def test_nothing_is_worked_out_from_a_doubtful_speed(golfer, fake_openai):
    answer = fake.screen_answer(
        {
            "ball_speed": (150.0, "mph", DOUBTFUL),
            "club_speed": (103.0, "mph"),
            "carry": (240, "yds"),
        },
        club="Driver",
    )

    shot = analysed_photo_shot(golfer, answer, fake_openai)

    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert shot.smash_factor is None
    assert "smash_factor" not in shot.metric_flags
    assert shot.flags_for("ball_speed") == ["uncertain"]


def test_correcting_only_the_club_leaves_derived_values_measured(golfer, fake_openai):
    answer = fake.screen_answer(
        {
            "ball_speed": (120.0, "mph"),
            "club_speed": (87.0, "mph"),
            "back_spin": (6800, "rpm"),
            "side_spin": (-900, "rpm"),
            "carry": (165, "yds"),
        },
        club="7 Iron",
    )
    shot = analysed_photo_shot(golfer, answer, fake_openai)

    # The correction form sends every value back as shown, derived ones included.
    services.shot_update(shot=shot, club="6i", metrics=shot.metric_values())

    shot.refresh_from_db()
    assert shot.club == "6i"
    assert not any("edited" in flags for flags in shot.metric_flags.values())
    assert shot.trust == ShotTrust.MEASURED
