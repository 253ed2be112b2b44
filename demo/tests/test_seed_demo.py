from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Max

from accounts.models import Units, User
from demo.seed import (
    DEMO_GOLFERS,
    DEMO_PASSWORD,
    DEMO_STORE_TIMEZONE,
    generate_history,
    generate_session,
    rng_for,
)
from retailers.models import CustomerLink, Retailer
from shots.metrics import METRICS_BY_NAME
from shots.models import PersonalBest, PracticeSession, Shot, ShotSource, ShotStatus, ShotTrust
from shots.validation import check_values

NOW = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)
STORE_ZONE = ZoneInfo(DEMO_STORE_TIMEZONE)
PROFILES = {profile.username: profile for profile in DEMO_GOLFERS}


def history(username: str) -> list[dict]:
    profile = PROFILES[username]
    return generate_history(rng_for(profile), profile, now=NOW, zone=STORE_ZONE)


def by_club(shots: list[dict]) -> dict[str, list[dict[str, float]]]:
    grouped: dict[str, list[dict[str, float]]] = defaultdict(list)
    for shot in shots:
        grouped[shot["club"]].append(shot["metrics"])
    return grouped


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "retailers": Retailer.objects.count(),
        "users": User.objects.count(),
        "links": CustomerLink.objects.count(),
        "shots": Shot.objects.count(),
        "personal_bests": PersonalBest.objects.count(),
    }


@pytest.fixture
def demo_settings(settings):
    settings.DEBUG = True
    # Hashing four passwords with the production hasher dominates the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


# --- The generator ---------------------------------------------------------


@pytest.mark.parametrize("username", PROFILES)
def test_every_generated_value_is_within_its_hard_range(username):
    shots = history(username)

    assert shots
    for shot in shots:
        assert check_values(shot["metrics"], club=shot["club"]).rejected == {}
        for name, value in shot["metrics"].items():
            assert METRICS_BY_NAME[name].is_within_hard_range(value), (name, value)


@pytest.mark.parametrize(
    ("username", "club", "low", "high"),
    [
        ("demo", "driver", 200, 260),
        ("demo", "7i", 130, 170),
        ("demo", "pw", 95, 135),
        ("alex", "driver", 235, 290),
        ("alex", "7i", 150, 185),
        ("sam", "driver", 140, 195),
        ("sam", "7i", 90, 130),
    ],
)
def test_median_carry_per_club_is_plausible(username, club, low, high):
    carries = [metrics["carry"] for metrics in by_club(history(username))[club]]

    assert low <= statistics.median(carries) <= high


@pytest.mark.parametrize(
    ("club", "launch", "spin", "smash"),
    [
        ("driver", (10, 14), (2300, 3000), (1.42, 1.48)),
        ("7i", (16, 20), (6000, 7500), (1.30, 1.38)),
        ("pw", (24, 28), (8500, 10500), (1.19, 1.29)),
    ],
)
def test_launch_spin_and_smash_follow_the_club(club, launch, spin, smash):
    shots = by_club(history("demo"))[club]

    assert launch[0] <= statistics.median(m["launch_angle"] for m in shots) <= launch[1]
    assert spin[0] <= statistics.median(m["spin_rate"] for m in shots) <= spin[1]
    assert smash[0] <= statistics.median(m["smash_factor"] for m in shots) <= smash[1]


def test_the_numbers_agree_with_each_other():
    for shot in history("demo"):
        metrics = shot["metrics"]
        assert metrics["smash_factor"] == pytest.approx(
            metrics["ball_speed"] / metrics["club_speed"], abs=0.01
        )
        assert metrics["face_to_path"] == pytest.approx(
            metrics["face_angle"] - metrics["club_path"], abs=0.11
        )
        assert metrics["carry"] - 10 <= metrics["total"] <= metrics["carry"] + 80
        assert metrics["back_spin"] ** 2 + metrics["side_spin"] ** 2 == pytest.approx(
            metrics["spin_rate"] ** 2, rel=0.01
        )


def test_a_beginner_scatters_more_and_sometimes_mishits():
    demo_drives = by_club(history("demo"))["driver"]
    sam_drives = by_club(history("sam"))["driver"]

    def spread(shots: list[dict[str, float]], name: str) -> float:
        return statistics.pstdev(m[name] for m in shots)

    assert spread(sam_drives, "smash_factor") > spread(demo_drives, "smash_factor")
    assert spread(sam_drives, "launch_angle") > spread(demo_drives, "launch_angle")
    assert min(m["smash_factor"] for m in sam_drives) < 1.30


def test_the_same_seed_gives_the_same_shots():
    assert history("alex") == history("alex")


def test_history_covers_the_last_90_days_a_few_times_a_week():
    shots = history("demo")
    session_days = {shot["hit_at"].astimezone(STORE_ZONE).date() for shot in shots}

    assert all(NOW - timedelta(days=91) <= shot["hit_at"] <= NOW for shot in shots)
    assert 20 <= len(session_days) <= 60
    assert [shot["hit_at"] for shot in shots] == sorted(shot["hit_at"] for shot in shots)


def test_a_session_has_15_to_40_shots_with_several_clubs():
    profile = PROFILES["demo"]
    rng = rng_for(profile)
    for day in range(20):
        session = generate_session(rng, profile, NOW + timedelta(days=day))
        assert 15 <= len(session) <= 40
        assert len({shot["club"] for shot in session}) >= 3
        assert len({shot["source_device"] for shot in session}) == 1


# --- The command -----------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_creates_the_store_golfers_links_shots_and_personal_bests(demo_settings):
    output = seed()

    store = Retailer.objects.get(slug="demo")
    assert store.name == "Fairway Lab Golf Studio"
    assert store.timezone == "America/New_York"
    assert store.units == Units.IMPERIAL

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)

    for profile in DEMO_GOLFERS:
        golfer = User.objects.get(username=profile.username)
        assert golfer.check_password(DEMO_PASSWORD)
        link = CustomerLink.objects.get(golfer=golfer, retailer=store)
        assert link.leaderboard_consent
        assert link.leaderboard_name
        shots = Shot.objects.filter(golfer=golfer)
        assert shots.count() > 300
        assert not shots.exclude(retailer=store).exists()
        assert not shots.exclude(status=ShotStatus.CONFIRMED).exists()
        # Sessions: mostly imported from the bay's launch monitor (measured),
        # some recorded by the owner (verified), a few typed in (typed).
        assert set(shots.values_list("source", flat=True)) == {ShotSource.CSV, ShotSource.MANUAL}
        trust = Counter(shots.values_list("trust", flat=True))
        assert set(trust) == {ShotTrust.MEASURED, ShotTrust.VERIFIED, ShotTrust.TYPED}
        assert trust[ShotTrust.MEASURED] > trust[ShotTrust.VERIFIED] + trust[ShotTrust.TYPED]
        verified = shots.filter(trust=ShotTrust.VERIFIED)
        assert not verified.exclude(verified_by__username="owner").exists()
        assert not shots.filter(trust=ShotTrust.TYPED).exclude(source=ShotSource.MANUAL).exists()
        assert set(shots.values_list("source_device", flat=True)) <= {"Trackman 4", "Garmin R10"}
        assert shots.counted().count() == shots.count()
        assert PersonalBest.objects.filter(golfer=golfer, metric="carry").count() == len(
            set(shots.values_list("club", flat=True))
        )
    assert User.objects.filter(units=Units.METRIC, username__in=PROFILES).exists()

    for username in ("admin", "demo", "alex", "sam"):
        assert username in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_stored_shots_are_within_their_hard_ranges(demo_settings):
    seed("--quiet")

    metric_names = list(METRICS_BY_NAME)
    for row in Shot.objects.values("club", *metric_names):
        club = row.pop("club")
        assert check_values(row, club=club).rejected == {}


@pytest.mark.django_db
def test_personal_bests_equal_the_best_carry_per_club(demo_settings):
    seed("--quiet")

    best_carries = Shot.objects.counted().values("golfer", "club").annotate(best=Max("carry"))
    assert best_carries
    for row in best_carries:
        record = PersonalBest.objects.get(golfer=row["golfer"], club=row["club"], metric="carry")
        assert record.value == row["best"]
        assert record.shot.carry == row["best"]


def test_a_session_in_progress_ends_at_now():
    # The demo golfer may be at the range as the demo is seeded: that session
    # holds only the shots hit so far, so nothing is dated in the future.
    # On 1 June 2025 the demo golfer's session starts at 15:11 in the store's zone.
    profile = PROFILES["demo"]
    session_start = datetime(2025, 6, 1, 15, 11, tzinfo=STORE_ZONE)
    end_of_day = datetime(2025, 6, 1, 23, 59, tzinfo=STORE_ZONE)
    mid_session = session_start + timedelta(minutes=5)

    whole = generate_history(rng_for(profile), profile, now=end_of_day, zone=STORE_ZONE)
    cut = generate_history(rng_for(profile), profile, now=mid_session, zone=STORE_ZONE)

    assert len([shot for shot in whole if shot["hit_at"] >= session_start]) >= 15
    in_progress = [shot for shot in cut if shot["hit_at"] >= session_start]
    assert 1 <= len(in_progress) < 15
    assert max(shot["hit_at"] for shot in cut) <= mid_session


@pytest.mark.django_db
def test_every_seeded_shot_is_in_a_practice_session(demo_settings):
    # Seeded on a Tuesday at 07:00 in the store's zone, before any session of
    # the day starts, so each session is whole (one seeded in the evening may
    # cut the day's session short, see the test above).
    with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=STORE_ZONE), tick=False):
        seed("--quiet")

    assert not Shot.objects.filter(session__isnull=True).exists()
    sessions = PracticeSession.objects.all()
    assert sessions.count() >= 20 * len(DEMO_GOLFERS)  # a few sessions a week for 90 days
    for session in sessions.filter(golfer__username="demo"):
        assert 15 <= session.shot_count <= 40  # one generated session each


@pytest.mark.django_db
def test_a_second_run_creates_nothing_and_still_prints_the_logins(demo_settings):
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "nothing created" in output
    for username in ("admin", "demo", "alex", "sam"):
        assert username in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_a_second_run_keeps_a_changed_password(demo_settings):
    seed("--quiet")
    golfer = User.objects.get(username="demo")
    golfer.set_password("my own password")
    golfer.save()

    seed("--quiet")

    golfer.refresh_from_db()
    assert golfer.check_password("my own password")


@pytest.mark.django_db
def test_it_adds_shots_only_for_golfers_who_have_none(demo_settings):
    seed("--quiet")
    Shot.objects.filter(golfer__username="sam").delete()
    demo_shots = Shot.objects.filter(golfer__username="demo").count()

    seed("--quiet")

    assert Shot.objects.filter(golfer__username="sam").exists()
    assert Shot.objects.filter(golfer__username="demo").count() == demo_shots


@pytest.mark.django_db
def test_quiet_prints_nothing(demo_settings):
    assert seed("--quiet") == ""


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed("--quiet")

    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_it_runs_without_debug_when_told_to(demo_settings):
    demo_settings.DEBUG = False

    seed("--quiet", "--allow-production")

    assert Retailer.objects.filter(slug="demo").exists()


@pytest.mark.django_db
def test_it_gives_the_store_an_owner_a_public_kiosk_and_events_with_boards(
    demo_settings, awkward_moment
):
    from leaderboards.events.selectors import event_board
    from leaderboards.models import Event
    from retailers.models import Membership, Retailer, Role

    seed()
    seed()

    store = Retailer.objects.get(slug="demo")
    assert store.kiosk_public
    assert Membership.objects.get(retailer=store, user__username="owner").role == Role.OWNER
    events = Event.objects.filter(retailer=store).order_by("starts_at")
    assert events.count() == 2
    assert all(event.entries.count() == 3 for event in events)
    assert event_board(events.last())  # the running long drive already has rows
