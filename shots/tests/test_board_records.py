"""The board records: kept by every shot write, equal to a rebuild, and what bumps which board."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from accounts.models import User
from golfshots.cache_scopes import ALL_STORES_BOARDS_VERSION_KEY, boards_version_key
from retailers.models import CustomerLink, Retailer
from shots import services
from shots.models import ANY_CLUB, BoardRecord, Shot, ShotSource, ShotTrust

pytestmark = pytest.mark.django_db


def _records() -> set[tuple]:
    return set(
        BoardRecord.objects.values_list(
            "golfer_id",
            "retailer_id",
            "club",
            "metric",
            "verified_only",
            "value",
            "shot_id",
            "shot_club",
            "hit_at",
            "trust",
        )
    )


def _golfer(name: str) -> User:
    # No password: hashing one per golfer would dominate the run time.
    return User.objects.create(username=name)


def _measured(golfer: User, store: Retailer | None, *, club: str = "driver", **metrics) -> Shot:
    shot, _ = services.shot_create_manual(
        golfer=golfer,
        club=club,
        retailer=store,
        metrics=metrics or {"carry": 240.0, "ball_speed": 150.0, "club_speed": 103.0},
        source=ShotSource.CSV,  # from the launch monitor's file: measured, so it ranks
    )
    assert shot.trust == ShotTrust.MEASURED
    return shot


@pytest.mark.parametrize("seed", range(4))
def test_the_records_every_write_keeps_are_the_records_a_rebuild_makes(seed):
    rng = random.Random(seed)
    stores = [
        Retailer.objects.create(slug="fairway", name="Fairway"),
        Retailer.objects.create(slug="hudson", name="Hudson", leaderboard_verified_only=True),
    ]
    staff = _golfer("staff")
    golfers = [_golfer(f"golfer-{index}") for index in range(4)]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    shots: list[Shot] = []
    for _ in range(60):
        action = rng.choice(
            ["create", "create", "create", "verify", "exclude", "include"] * 2
            + ["correct", "delete", "typed"]
        )
        store = rng.choice([*stores, None])
        metrics = {
            "carry": rng.choice([None, 180.0, 200.0, 200.0, 240.0]),
            "ball_speed": rng.choice([None, 140.0, 150.0]),
            "club_speed": rng.choice([None, 100.0, 103.0]),
        }
        if action in ("create", "typed") or not shots:
            shot, _ = services.shot_create_manual(
                golfer=rng.choice(golfers),
                club=rng.choice(["driver", "driver", "7i"]),
                retailer=store,
                metrics=metrics,
                hit_at=start + timedelta(minutes=rng.choice([0, 0, 5, 60, 600])),
                source=ShotSource.MANUAL if action == "typed" else ShotSource.CSV,
            )
            shots.append(shot)
            continue
        shot = rng.choice(shots)
        shot.refresh_from_db()
        if action == "verify" and shot.retailer_id and shot.club:
            if any(value is not None for value in shot.metric_values().values()):
                services.shot_verify(shot=shot, staff=staff)
        elif action == "exclude" and not shot.is_excluded:
            services.shot_exclude(shot=shot, staff=staff, reason="Not a real swing")
        elif action == "include" and shot.is_excluded:
            services.shot_include(shot=shot, staff=staff)
        elif action == "correct" and shot.retailer_id:
            services.shot_correct_by_staff(
                shot=shot, staff=staff, club="3w", metrics=metrics, reason="Misread"
            )
        elif action == "delete":
            services.shot_delete(shot=shot)
            shots.remove(shot)
    kept = _records()

    services.board_records_rebuild()

    assert kept == _records()
    assert len(kept) > 10  # the writes made records, not just empty tables


def test_a_record_has_a_row_per_club_and_one_for_any_club_under_each_rule():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    driver = _measured(pat, store, carry=250.0)
    iron = _measured(pat, store, club="7i", carry=160.0)

    carry = BoardRecord.objects.filter(golfer=pat, metric="carry")

    assert sorted(carry.values_list("club", "verified_only", "shot_id")) == [
        (ANY_CLUB, False, driver.pk),
        ("7i", False, iron.pk),
        ("driver", False, driver.pk),
    ]
    # Verified shots only: measured ones are not records under that rule yet.
    services.shot_verify(shot=iron, staff=_golfer("staff"))
    assert carry.get(club=ANY_CLUB, verified_only=True).shot_id == iron.pk
    assert carry.get(club=ANY_CLUB, verified_only=False).shot_id == driver.pk


def test_a_typed_shot_and_a_home_shot_make_no_records():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")

    services.shot_create_manual(golfer=pat, club="driver", retailer=store, metrics={"carry": 350.0})
    _measured(pat, None, carry=260.0)

    assert not BoardRecord.objects.exists()


def test_deleting_the_record_shot_hands_the_record_to_the_next_best():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    second = _measured(pat, store, carry=230.0)
    best = _measured(pat, store, carry=250.0)

    services.shot_delete(shot=best)

    assert BoardRecord.objects.get(golfer=pat, club="driver", metric="carry").shot_id == second.pk


def test_the_rebuild_command_rebuilds_one_store_or_refuses_an_unknown_one(capsys):
    fairway = Retailer.objects.create(slug="fairway", name="Fairway")
    hudson = Retailer.objects.create(slug="hudson", name="Hudson")
    pat = _golfer("pat")
    _measured(pat, fairway)
    _measured(pat, hudson)
    BoardRecord.objects.all().delete()

    call_command("rebuild_board_records", "--store", "fairway")

    assert set(BoardRecord.objects.values_list("retailer_id", flat=True)) == {fairway.pk}
    assert "Rebuilt" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No store with the slug nowhere"):
        call_command("rebuild_board_records", "--store", "nowhere")


# --- Which cached boards a write makes stale ----------------------------------------


@pytest.fixture
def versions():
    """Read the board version keys as they are now (the real Redis of the tests)."""
    cache.clear()

    def read(store: Retailer) -> tuple[object, object]:
        return cache.get(boards_version_key(store.pk)), cache.get(ALL_STORES_BOARDS_VERSION_KEY)

    return read


def _start_versions(store: Retailer) -> None:
    cache.set(boards_version_key(store.pk), 1, timeout=None)
    cache.set(ALL_STORES_BOARDS_VERSION_KEY, 1, timeout=None)


def test_a_typed_shot_makes_no_board_stale(versions, django_capture_on_commit_callbacks):
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    CustomerLink.objects.create(golfer=pat, retailer=store, leaderboard_consent=True)
    _start_versions(store)

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_create_manual(
            golfer=pat, club="driver", retailer=store, metrics={"carry": 350.0}
        )

    assert versions(store) == (1, 1)


def test_a_measured_shot_makes_its_stores_boards_and_all_stores_boards_stale(
    versions, django_capture_on_commit_callbacks
):
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    CustomerLink.objects.create(golfer=pat, retailer=store, leaderboard_consent=True)
    _start_versions(store)

    with django_capture_on_commit_callbacks(execute=True):
        _measured(pat, store)

    assert versions(store) == (2, 2)


def test_a_golfer_who_agreed_to_no_board_leaves_the_all_stores_boards_cached(
    versions, django_capture_on_commit_callbacks
):
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    CustomerLink.objects.create(golfer=pat, retailer=store, leaderboard_consent=False)
    _start_versions(store)

    with django_capture_on_commit_callbacks(execute=True):
        _measured(pat, store)

    # The store's own version still moves: an event ranks its entrants without consent.
    assert versions(store) == (2, 1)


def test_excluding_a_ranked_shot_makes_its_boards_stale(
    versions, django_capture_on_commit_callbacks
):
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    CustomerLink.objects.create(golfer=pat, retailer=store, leaderboard_consent=True)
    shot = _measured(pat, store)
    _start_versions(store)

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_exclude(shot=shot, staff=_golfer("staff"), reason="Not a real swing")

    assert versions(store) == (2, 2)
    assert not BoardRecord.objects.exists()


def test_a_staff_correction_makes_the_corrected_shot_a_verified_record():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    shot = _measured(pat, store, carry=240.0)

    services.shot_correct_by_staff(
        shot=shot, staff=_golfer("staff"), club="driver", metrics={"carry": 245.0}, reason="Misread"
    )

    record = BoardRecord.objects.get(golfer=pat, club="driver", metric="carry", verified_only=True)
    assert (record.shot_id, record.value, record.trust) == (shot.pk, 245.0, ShotTrust.VERIFIED)


def test_a_corrected_time_moves_the_record_with_it():
    store = Retailer.objects.create(slug="fairway", name="Fairway")
    pat = _golfer("pat")
    shot = _measured(pat, store)
    earlier = datetime(2025, 6, 11, 15, 0, tzinfo=UTC)

    services.shot_update(shot=shot, club="driver", metrics=shot.metric_values(), hit_at=earlier)

    assert set(BoardRecord.objects.filter(golfer=pat).values_list("hit_at", flat=True)) == {earlier}
