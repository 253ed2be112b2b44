"""Outliers (shots.services.outliers): kept by every shot write, equal to a rebuild."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from accounts.models import User
from retailers.models import Retailer
from shots import services
from shots.models import Shot, ShotOutlier, ShotSource

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 1, tzinfo=UTC)


def _outliers() -> set[tuple]:
    return {
        (shot_id, retailer_id, golfer_id, tuple(sorted(usual.items())))
        for shot_id, retailer_id, golfer_id, usual in ShotOutlier.objects.values_list(
            "shot_id", "retailer_id", "golfer_id", "usual"
        )
    }


def _measured(golfer: User, store: Retailer | None, *, minutes: int, carry: float) -> Shot:
    shot, _ = services.shot_create_manual(
        golfer=golfer,
        club="driver",
        retailer=store,
        metrics={"carry": carry, "ball_speed": 150.0},
        hit_at=START + timedelta(minutes=minutes),
        source=ShotSource.CSV,
    )
    return shot


def test_a_shot_far_above_the_golfers_usual_at_the_store_is_an_outlier():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = User.objects.create(username="pat")
    for minute, carry in enumerate((200.0, 202.0, 198.0, 201.0, 199.0)):
        _measured(pat, store, minutes=minute, carry=carry)

    long_one = _measured(pat, store, minutes=10, carry=245.0)

    outlier = ShotOutlier.objects.get()
    assert (outlier.shot_id, outlier.retailer_id, outlier.golfer_id) == (
        long_one.pk,
        store.pk,
        pat.pk,
    )
    assert outlier.usual == {"carry": pytest.approx(200.0)}


def test_an_earlier_shot_written_later_judges_the_later_shots_again():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = User.objects.create(username="pat")
    for minute, carry in enumerate((200.0, 202.0, 198.0, 201.0, 199.0)):
        _measured(pat, store, minutes=minute, carry=carry)
    _measured(pat, store, minutes=10, carry=245.0)
    assert ShotOutlier.objects.exists()

    # Typed in afterwards, dated before the long one: the long one's history
    # now spreads to 245 yd, and the new one is the unusual shot.
    earlier = _measured(pat, store, minutes=5, carry=245.0)

    assert ShotOutlier.objects.get().shot_id == earlier.pk


def test_another_store_and_home_practice_are_not_the_golfers_history_here():
    fairway = Retailer.objects.create(slug="fairway", name="Fairway")
    hudson = Retailer.objects.create(slug="hudson", name="Hudson")
    pat = User.objects.create(username="pat")
    for minute in range(6):
        _measured(pat, hudson, minutes=minute, carry=200.0)
        _measured(pat, None, minutes=minute, carry=200.0)

    _measured(pat, fairway, minutes=10, carry=245.0)  # fairway's first shot of pat's

    assert not ShotOutlier.objects.exists()


@pytest.mark.parametrize("seed", range(3))
def test_the_outliers_every_write_keeps_are_the_outliers_a_rebuild_makes(seed):
    rng = random.Random(seed)
    stores = [
        Retailer.objects.create(slug="fairway", name="Fairway"),
        Retailer.objects.create(slug="hudson", name="Hudson"),
    ]
    staff = User.objects.create(username="staff")
    golfers = [User.objects.create(username=f"golfer-{index}") for index in range(2)]
    # A steady start the random writes leave alone, so they have a usual to stand out from.
    for minute in range(8):
        _measured(golfers[0], stores[0], minutes=minute, carry=200.0 + minute % 2)
    shots: list[Shot] = []
    for _ in range(120):
        action = rng.choice(["create"] * 8 + ["exclude", "include", "correct", "delete"])
        if action == "create" or not shots:
            shot, _ = services.shot_create_manual(
                golfer=rng.choice([*golfers, golfers[0]]),
                club=rng.choice(["driver"] * 5 + ["7i"]),
                retailer=rng.choice([*stores, stores[0], stores[0], None]),
                metrics={
                    "carry": rng.choice([None, 198.0, 200.0, 200.0, 201.0, 203.0, 260.0]),
                    "ball_speed": rng.choice([None, 148.0, 150.0, 151.0, 190.0]),
                },
                hit_at=START + timedelta(minutes=rng.randrange(8, 600)),
                source=rng.choice([ShotSource.CSV, ShotSource.MANUAL]),
            )
            shots.append(shot)
            continue
        shot = rng.choice(shots)
        shot.refresh_from_db()
        if action == "exclude" and not shot.is_excluded:
            services.shot_exclude(shot=shot, staff=staff, reason="Not a real swing")
        elif action == "include" and shot.is_excluded:
            services.shot_include(shot=shot, staff=staff)
        elif action == "correct" and shot.retailer_id:
            services.shot_correct_by_staff(
                shot=shot,
                staff=staff,
                club=rng.choice(["driver", "7i"]),
                metrics={"carry": rng.choice([200.0, 262.0]), "ball_speed": 150.0},
                reason="Misread",
            )
        elif action == "delete":
            services.shot_delete(shot=shot)
            shots.remove(shot)
    kept = _outliers()

    services.outliers_rebuild()

    assert kept == _outliers()
    assert kept  # the writes made outliers, not just an empty table


def test_the_rebuild_command_rebuilds_the_outliers_too(capsys):
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = User.objects.create(username="pat")
    for minute in range(5):
        _measured(pat, store, minutes=minute, carry=200.0 + minute % 2)
    _measured(pat, store, minutes=10, carry=245.0)
    ShotOutlier.objects.all().delete()

    call_command("rebuild_board_records", "--store", "fairway")

    assert ShotOutlier.objects.count() == 1
    assert "and 1 outlier in" in capsys.readouterr().out
