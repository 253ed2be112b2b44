from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from shots import services
from shots.models import PersonalBest, Shot, ShotStatus


@pytest.fixture
def golfer(db) -> User:
    return User.objects.create_user("pat", "pat@example.com", "correct horse battery")


def record(golfer: User, club: str, metric: str) -> PersonalBest | None:
    return PersonalBest.objects.filter(golfer=golfer, club=club, metric=metric).first()


def add(golfer: User, club: str = "driver", **metrics: float) -> Shot:
    shot, _ = services.shot_create_manual(golfer=golfer, club=club, metrics=metrics)
    return shot


def test_it_sets_a_personal_best_for_each_measured_record_metric(golfer):
    shot = add(golfer, carry=240, total=262, ball_speed=150, club_speed=103)

    assert record(golfer, "driver", "carry").value == 240
    assert record(golfer, "driver", "total").shot == shot
    assert record(golfer, "driver", "ball_speed").value == 150
    assert record(golfer, "driver", "smash_factor").value == pytest.approx(1.46)


def test_it_keeps_records_per_club(golfer):
    add(golfer, "driver", carry=240)
    add(golfer, "7i", carry=150)

    assert record(golfer, "driver", "carry").value == 240
    assert record(golfer, "7i", "carry").value == 150


def test_a_better_shot_takes_the_record(golfer):
    add(golfer, carry=240)
    better = add(golfer, carry=251.5)

    assert record(golfer, "driver", "carry").shot == better
    assert PersonalBest.objects.filter(golfer=golfer, metric="carry").count() == 1


def test_a_tie_goes_to_the_earlier_shot(golfer):
    earlier, _ = services.shot_create_manual(
        golfer=golfer,
        club="driver",
        metrics={"carry": 240},
        hit_at=timezone.now() - timedelta(days=2),
    )
    add(golfer, carry=240)

    assert record(golfer, "driver", "carry").shot == earlier


def test_deleting_the_record_shot_rolls_back_to_the_next_best(golfer):
    second = add(golfer, carry=230)
    best = add(golfer, carry=245)

    services.shot_delete(shot=best)

    assert record(golfer, "driver", "carry").shot == second
    assert record(golfer, "driver", "carry").value == 230


def test_deleting_the_only_shot_removes_the_record(golfer):
    only = add(golfer, carry=230)

    services.shot_delete(shot=only)

    assert not PersonalBest.objects.filter(golfer=golfer).exists()


def test_correcting_a_misread_down_rolls_the_record_back(golfer):
    other = add(golfer, carry=235)
    misread = add(golfer, carry=293)

    services.shot_update(shot=misread, club="driver", metrics={"carry": 229})

    assert record(golfer, "driver", "carry").shot == other


def test_moving_a_shot_to_another_club_moves_its_record(golfer):
    shot = add(golfer, "driver", carry=200)

    services.shot_update(shot=shot, club="3w", metrics={"carry": 200})

    assert record(golfer, "driver", "carry") is None
    assert record(golfer, "3w", "carry").shot == shot


def test_shots_that_do_not_count_never_hold_a_record(golfer):
    add(golfer, carry=220)
    excluded = add(golfer, carry=260)
    Shot.objects.filter(pk=excluded.pk).update(is_excluded=True)
    pending = add(golfer, carry=270)
    Shot.objects.filter(pk=pending.pk).update(status=ShotStatus.NEEDS_REVIEW)

    services.personal_bests_recompute(golfer_id=golfer.pk, club="driver")

    assert record(golfer, "driver", "carry").value == 220


def test_a_typed_smash_factor_without_both_speeds_is_not_a_record(golfer):
    add(golfer, smash_factor=1.55)

    assert record(golfer, "driver", "smash_factor") is None


def test_another_golfers_shots_do_not_affect_my_records(golfer):
    other = User.objects.create_user("kim", "kim@example.com", "correct horse battery")
    add(golfer, carry=220)
    add(other, carry=300)

    assert record(golfer, "driver", "carry").value == 220


def test_an_implausible_smash_factor_is_not_a_record(golfer):
    # A soft chip (ball 40, club 50: 0.8) is a real shot but no smash record.
    add(golfer, "sw", ball_speed=40, club_speed=50)

    assert record(golfer, "sw", "ball_speed").value == 40
    assert record(golfer, "sw", "smash_factor") is None
