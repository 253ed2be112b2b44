"""The leaderboard selector: checked against a brute-force Python computation.

The plain helpers at the top (store, golfer, consent, shot, brute_force_board)
are shared with the other board tests.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from leaderboards.boards import (
    BOARD_METRICS,
    BOARD_PERIODS,
    BoardParameterError,
    BoardSpec,
    period_window,
)
from leaderboards.selectors import BoardRow, board_me, leaderboard
from retailers.models import CustomerLink, Retailer
from shots import services
from shots.models import Shot, ShotSource, ShotStatus, ShotTrust

NEW_YORK = ZoneInfo("America/New_York")


# --- Helpers shared by the board tests --------------------------------------------


def spec(
    retailer: Retailer | None,
    *,
    club: str | None = None,
    metric: str = "carry",
    period: str = "all",
) -> BoardSpec:
    """A board, all time and carry with any club unless told otherwise."""
    return BoardSpec(retailer=retailer, club=club, metric=metric, period=period)


def store(slug: str = "fairway", **fields: object) -> Retailer:
    fields.setdefault("name", slug.title())
    return Retailer.objects.create(slug=slug, **fields)


def golfer(name: str = "", **fields: object) -> User:
    # No password: hashing one per golfer would dominate these tests' run time.
    fields.setdefault("username", f"golfer-{next(_usernames)}")
    return User.objects.create(display_name=name, **fields)


_usernames = itertools.count(1)


def consent(golfer: User, retailer: Retailer, *, name: str = "", agreed: bool = True):
    return CustomerLink.objects.create(
        golfer=golfer, retailer=retailer, leaderboard_consent=agreed, leaderboard_name=name
    )


def shot(golfer: User, retailer: Retailer | None, **fields: object) -> Shot:
    """A counted, measured driver shot at the store (change any field to make it not count)."""
    values = {
        "club": "driver",
        "status": ShotStatus.CONFIRMED,
        # Imported from the launch monitor's file, so measured: it ranks unless
        # the store is verified-only.
        "source": ShotSource.CSV,
        "trust": ShotTrust.MEASURED,
        "hit_at": datetime(2025, 6, 11, 15, 0, tzinfo=UTC),
        "ball_speed": 150.0,
        "club_speed": 103.0,
        "smash_factor": 1.46,
        "carry": 240.0,
        "total": 265.0,
    }
    values.update(fields)
    made = Shot.objects.create(golfer=golfer, retailer=retailer, **values)
    # What every write does after it: all-time boards read the board records.
    services.counted_shot_changed(places=[services.ShotPlace.of(made)])
    return made


def is_counted(shot: Shot) -> bool:
    return (
        shot.status in (ShotStatus.ANALYZED, ShotStatus.CONFIRMED)
        and not shot.has_rejected_values
        and not shot.is_excluded
        and shot.club != ""
    )


def in_period(hit_at: datetime, period: str, tz: ZoneInfo, now: datetime) -> bool:
    """Written differently from period_window on purpose: compare calendar fields."""
    hit, today = hit_at.astimezone(tz).date(), now.astimezone(tz).date()
    if period == "today":
        return hit == today
    if period == "week":
        return hit.isocalendar()[:2] == today.isocalendar()[:2]
    if period == "month":
        return (hit.year, hit.month) == (today.year, today.month)
    if period == "year":
        return hit.year == today.year
    return True


@dataclass
class Snapshot:
    """Everything a board is computed from, read once."""

    shots: list[Shot]
    links: list[CustomerLink]
    stores: dict[int, Retailer]
    golfers: dict[int, User]

    @classmethod
    def take(cls) -> Snapshot:
        return cls(
            shots=list(Shot.objects.all()),
            links=list(CustomerLink.objects.order_by("joined_at", "pk")),
            stores={store.pk: store for store in Retailer.objects.all()},
            golfers={user.pk: user for user in User.objects.all()},
        )


def brute_force_board(
    *,
    retailer: Retailer | None,
    club: str | None,
    metric: str,
    period: str,
    now: datetime,
    snapshot: Snapshot | None = None,
) -> list[BoardRow]:
    """Every row of the board, computed the slow and obvious way in Python."""
    snapshot = snapshot or Snapshot.take()
    shots, links = snapshot.shots, snapshot.links
    stores, golfers = snapshot.stores, snapshot.golfers
    tz = ZoneInfo(retailer.timezone if retailer else settings.TIME_ZONE)

    def name_of(golfer_id: int) -> str | None:
        consenting = [
            link
            for link in links
            if link.golfer_id == golfer_id
            and link.leaderboard_consent
            and (retailer is None or link.retailer_id == retailer.pk)
        ]
        if not consenting:
            return None  # not on this board
        return consenting[0].leaderboard_name or golfers[golfer_id].public_name

    def eligible(candidate: Shot) -> bool:
        value = getattr(candidate, metric)
        if not is_counted(candidate) or value is None or candidate.retailer_id is None:
            return False
        if retailer is not None and candidate.retailer_id != retailer.pk:
            return False
        # Verified shots rank everywhere, measured ones unless the store is
        # verified-only, typed (and excluded) ones nowhere.
        verified_only = stores[candidate.retailer_id].leaderboard_verified_only
        if candidate.trust != ShotTrust.VERIFIED and (
            candidate.trust != ShotTrust.MEASURED or verified_only
        ):
            return False
        if club is not None and candidate.club != club:
            return False
        if metric == "smash_factor" and (
            candidate.ball_speed is None
            or candidate.club_speed is None
            or not 1.0 <= candidate.smash_factor <= 1.6
        ):
            return False
        return in_period(candidate.hit_at, period, tz, now) and (
            name_of(candidate.golfer_id) is not None
        )

    def order(candidate: Shot) -> tuple:
        return (-getattr(candidate, metric), candidate.hit_at, candidate.pk)

    best: dict[int, Shot] = {}
    for candidate in filter(eligible, shots):
        current = best.get(candidate.golfer_id)
        if current is None or order(candidate) < order(current):
            best[candidate.golfer_id] = candidate
    return [
        BoardRow(
            rank=rank,
            golfer_id=winner.golfer_id,
            name=name_of(winner.golfer_id) or "",  # every winner has a name: eligible()
            value=getattr(winner, metric),
            club=winner.club,
            shot_id=winner.pk,
            hit_at=winner.hit_at,
            trust=winner.trust,
        )
        for rank, winner in enumerate(sorted(best.values(), key=order), start=1)
    ]


# --- Randomised comparison with the brute force -------------------------------------


@dataclass
class Dataset:
    stores: list[Retailer]
    golfers: list[User]
    now: datetime


STATUSES = [ShotStatus.CONFIRMED] * 5 + [ShotStatus.ANALYZED] * 3 + list(ShotStatus)
# Few distinct values, so ties on value (and on time) happen often.
VALUES = {
    "carry": [None, 180.0, 200.0, 200.0, 215.5, 240.0],
    "total": [None, 190.0, 230.0, 230.0, 251.0],
    "ball_speed": [None, 120.0, 141.5, 150.0, 150.0],
    "club_speed": [None, 85.0, 99.0, 103.0],
    "smash_factor": [None, 0.95, 1.0, 1.3, 1.45, 1.45, 1.6, 1.65],
}


def random_dataset(seed: int) -> Dataset:
    rng = random.Random(seed)
    stores = [
        store("fairway", timezone="UTC"),
        store("hudson", timezone="America/New_York", leaderboard_verified_only=rng.random() < 0.5),
        store("links", timezone="Australia/Sydney"),
    ]
    # Made directly, without hashing a password each: these golfers never log in.
    golfers = [
        User.objects.create(
            username=f"golfer-{seed}-{index}",
            display_name=rng.choice(["", f"Player {index}"]),
            first_name=rng.choice(["", "Ann"]),
            last_name=rng.choice(["", f"Lee{index}"]),
        )
        for index in range(7)
    ]
    for person in golfers:
        for place in stores:
            if rng.random() < 0.7:
                link = consent(
                    person,
                    place,
                    agreed=rng.random() < 0.7,
                    name=rng.choice(["", "", f"{person.username}@{place.slug}"]),
                )
                # Links made in random order, so "the earliest consenting link" is tested.
                CustomerLink.objects.filter(pk=link.pk).update(
                    joined_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 300))
                )

    # A random "now" in 2025 (with some Mondays, month and year starts), and shot
    # times clustered around the period edges of every store's timezone.
    now = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
        days=rng.choice([0, 5, 6, 31, 59, 68, 69, 150, 300, 364]), hours=rng.randint(0, 23)
    )
    edges = [now]
    for place in stores:
        for period in ("today", "week", "month", "year"):
            start, end = period_window(period, ZoneInfo(place.timezone), now)
            assert start is not None  # only "all" has no window
            assert end is not None
            edges += [start, end]
    offsets = [timedelta(0), timedelta(seconds=-1), timedelta(minutes=1), timedelta(hours=-5)]
    offsets += [timedelta(days=-3), timedelta(days=-40), timedelta(days=-400)]

    # Mostly levels that rank, so boards have rows to order; the rest never rank.
    TRUST_LEVELS = [ShotTrust.MEASURED] * 4 + [ShotTrust.VERIFIED] * 3 + [ShotTrust.TYPED]
    shots = []
    for _ in range(rng.randint(30, 70)):
        shots.append(
            Shot(
                golfer=rng.choice(golfers),
                retailer=rng.choice([*stores, *stores, None]),
                club=rng.choice(["driver", "driver", "7i", ""]),
                status=rng.choice(STATUSES),
                has_rejected_values=rng.random() < 0.1,
                is_excluded=rng.random() < 0.1,
                verified_at=now if rng.random() < 0.5 else None,
                hit_at=rng.choice(edges) + rng.choice(offsets),
                **{metric: rng.choice(choices) for metric, choices in VALUES.items()},
                trust=rng.choice(TRUST_LEVELS),
            )
        )
    Shot.objects.bulk_create(shots)
    # bulk_create skips the service, as a restore or a bulk SQL write would:
    # all-time boards then read what the rebuild makes of the shots.
    services.board_records_rebuild()
    return Dataset(stores=stores, golfers=golfers, now=now)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_every_board_matches_the_brute_force_computation(seed):
    data = random_dataset(seed)
    snapshot = Snapshot.take()
    rng = random.Random(seed)
    boards_with_rows = 0
    for retailer in [None, *data.stores]:
        for club in [None, "driver"]:
            for metric in BOARD_METRICS:
                for period in BOARD_PERIODS:
                    board = {"retailer": retailer, "club": club, "metric": metric, "period": period}
                    expected = brute_force_board(**board, now=data.now, snapshot=snapshot)
                    viewer = rng.choice(data.golfers)
                    boards_with_rows += len(expected) > 1
                    built = BoardSpec(**board)
                    window = built.window(data.now)

                    assert leaderboard(built, window, limit=3).rows == expected[:3], board
                    assert board_me(built, window, viewer=viewer) == next(
                        (row for row in expected if row.golfer_id == viewer.pk), None
                    ), board
    assert boards_with_rows >= 10  # the data exercises ranking, not just empty boards


# --- Periods and timezones ---------------------------------------------------------


def test_a_week_starts_on_monday_at_local_midnight():
    wednesday = datetime(2025, 6, 11, 15, 0, tzinfo=UTC)

    start, end = period_window("week", NEW_YORK, wednesday)

    assert start == datetime(2025, 6, 9, 0, 0, tzinfo=NEW_YORK)
    assert start.weekday() == 0
    assert end == datetime(2025, 6, 16, 0, 0, tzinfo=NEW_YORK)


def test_today_follows_the_store_clock_not_utc():
    # 02:00 UTC on the 12th is still the 11th in New York.
    start, end = period_window("today", NEW_YORK, datetime(2025, 6, 12, 2, 0, tzinfo=UTC))

    assert (start, end) == (
        datetime(2025, 6, 11, tzinfo=NEW_YORK),
        datetime(2025, 6, 12, tzinfo=NEW_YORK),
    )


def test_a_day_of_the_spring_clock_change_is_23_hours_long():
    start, end = period_window("today", NEW_YORK, datetime(2025, 3, 9, 18, 0, tzinfo=UTC))

    # In UTC: subtracting two times in one zone ignores the offset change.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("month", datetime(2025, 12, 1), datetime(2026, 1, 1)),
        ("year", datetime(2025, 1, 1), datetime(2026, 1, 1)),
    ],
)
def test_months_and_years_run_from_local_midnight_to_local_midnight(period, start, end):
    window = period_window(period, NEW_YORK, datetime(2025, 12, 31, 23, 0, tzinfo=NEW_YORK))

    assert window == (start.replace(tzinfo=NEW_YORK), end.replace(tzinfo=NEW_YORK))


def test_all_time_has_no_window():
    assert period_window("all", NEW_YORK, datetime(2025, 6, 11, tzinfo=UTC)) == (None, None)


@pytest.mark.django_db
def test_a_board_reads_its_window_on_the_stores_clock_and_all_stores_on_the_sites():
    hudson = store("hudson", timezone="America/New_York")
    now = datetime(2025, 6, 12, 2, 0, tzinfo=UTC)  # still the 11th in New York

    in_hudson = spec(hudson, period="today").window(now)
    everywhere = spec(None, period="today").window(now)

    assert spec(hudson).zone == NEW_YORK
    assert spec(None).zone == ZoneInfo(settings.TIME_ZONE)
    assert (in_hudson.now, in_hudson.start, in_hudson.key) == (
        now,
        datetime(2025, 6, 11, tzinfo=NEW_YORK),
        "2025-06-11",
    )
    assert everywhere.start == datetime.combine(
        now.astimezone(ZoneInfo(settings.TIME_ZONE)).date(),
        datetime.min.time(),
        tzinfo=ZoneInfo(settings.TIME_ZONE),
    )


def test_a_boards_key_parts_name_the_board_and_only_the_rendering_they_are_given():
    board = BoardSpec(retailer=None, club="driver", metric="ball_speed", period="all")
    window = board.window(datetime(2025, 6, 11, tzinfo=UTC))

    assert board.key_parts(window) == ["driver", "ball_speed", "all", "all"]
    assert board.key_parts(window, metric_units=True, limit=10) == [
        "driver",
        "ball_speed",
        "all",
        "all",
        "metric",
        "10",
    ]
    week = spec(None, period="week")
    assert week.key_parts(week.window(datetime(2025, 6, 11, tzinfo=UTC))) == [
        "any",
        "carry",
        "week",
        "2025-06-09",
    ]
    assert (board.title, board.scope_label) == ("Ball speed · Driver · All time", "all stores")


@pytest.mark.django_db
def test_today_takes_a_shot_at_0001_store_time_and_not_one_at_2359_the_day_before():
    hudson = store("hudson", timezone="America/New_York")
    late, early = golfer("Late Lou"), golfer("Early Eve")
    consent(late, hudson)
    consent(early, hudson)
    shot(late, hudson, carry=260.0, hit_at=datetime(2025, 6, 10, 23, 59, tzinfo=NEW_YORK))
    shot(early, hudson, carry=200.0, hit_at=datetime(2025, 6, 11, 0, 1, tzinfo=NEW_YORK))
    now = datetime(2025, 6, 11, 12, 0, tzinfo=NEW_YORK)

    today_board, week_board = spec(hudson, period="today"), spec(hudson, period="week")

    today = leaderboard(today_board, today_board.window(now))
    week = leaderboard(week_board, week_board.window(now))

    assert [row.name for row in today.rows] == ["Early Eve"]
    assert [row.name for row in week.rows] == ["Late Lou", "Early Eve"]


@pytest.mark.django_db
def test_the_week_board_drops_sunday_night_before_monday():
    hudson = store("hudson", timezone="America/New_York")
    sunday, monday = golfer("Sunday"), golfer("Monday")
    consent(sunday, hudson)
    consent(monday, hudson)
    shot(sunday, hudson, hit_at=datetime(2025, 6, 8, 23, 59, 59, tzinfo=NEW_YORK))
    shot(monday, hudson, hit_at=datetime(2025, 6, 9, 0, 0, tzinfo=NEW_YORK))

    week = spec(hudson, period="week")

    board = leaderboard(week, week.window(datetime(2025, 6, 11, 12, 0, tzinfo=NEW_YORK)))

    assert [row.name for row in board.rows] == ["Monday"]


# --- Rules ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_golfer_appears_once_with_their_best_shot():
    fairway = store()
    ann = golfer("Ann")
    consent(ann, fairway)
    shot(ann, fairway, carry=230.0)
    best = shot(ann, fairway, carry=251.0)

    board = leaderboard(spec(fairway))

    assert [(row.rank, row.name, row.value, row.shot_id) for row in board.rows] == [
        (1, "Ann", 251.0, best.pk)
    ]


@pytest.mark.django_db
def test_a_tie_goes_to_the_earlier_shot_then_the_lower_shot_id():
    fairway = store()
    first, second, third = golfer("First"), golfer("Second"), golfer("Third")
    for person in (first, second, third):
        consent(person, fairway)
    noon = datetime(2025, 6, 11, 12, 0, tzinfo=UTC)
    shot(third, fairway, carry=240.0, hit_at=noon)
    shot(second, fairway, carry=240.0, hit_at=noon)  # same time, higher id than third's
    shot(first, fairway, carry=240.0, hit_at=noon - timedelta(minutes=1))

    board = leaderboard(spec(fairway))

    assert [(row.rank, row.name) for row in board.rows] == [
        (1, "First"),
        (2, "Third"),
        (3, "Second"),
    ]


@pytest.mark.django_db
def test_a_golfer_who_withdraws_consent_drops_off():
    fairway = store()
    ann, bob = golfer("Ann"), golfer("Bob")
    consent(ann, fairway)
    link = consent(bob, fairway)
    shot(ann, fairway, carry=230.0)
    shot(bob, fairway, carry=250.0)

    link.leaderboard_consent = False
    link.save()
    board = leaderboard(spec(fairway))

    assert [row.name for row in board.rows] == ["Ann"]
    assert board_me(spec(fairway), viewer=bob) is None


@pytest.mark.django_db
def test_consent_at_another_store_does_not_put_a_golfer_on_this_one():
    fairway, hudson = store("fairway"), store("hudson")
    ann = golfer("Ann")
    consent(ann, hudson)
    shot(ann, fairway)

    assert leaderboard(spec(fairway)).rows == []
    assert [row.name for row in leaderboard(spec(None)).rows] == ["Ann"]


@pytest.mark.django_db
def test_a_corrected_misread_drops_the_golfer_down_the_board():
    fairway = store()
    ann, bob = golfer("Ann"), golfer("Bob")
    consent(ann, fairway)
    consent(bob, fairway)
    misread = shot(ann, fairway, carry=390.0)
    shot(bob, fairway, carry=250.0)

    staff = golfer("Staff")
    services.shot_correct_by_staff(
        shot=misread, staff=staff, club="driver", metrics={"carry": 239.0}, reason="Misread"
    )
    board = leaderboard(spec(fairway))

    assert [(row.name, row.value) for row in board.rows] == [("Bob", 250.0), ("Ann", 239.0)]


@pytest.mark.django_db
def test_a_shot_corrected_to_another_club_leaves_the_club_board():
    fairway = store()
    ann = golfer("Ann")
    consent(ann, fairway)
    misread = shot(ann, fairway, carry=240.0)

    services.shot_update(shot=misread, club="3w", metrics=misread.metric_values())

    assert leaderboard(spec(fairway, club="driver")).rows == []
    assert len(leaderboard(spec(fairway, club="3w")).rows) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"status": ShotStatus.NEEDS_REVIEW},
        {"status": ShotStatus.FAILED},
        {"has_rejected_values": True},
        {"is_excluded": True},
        {"club": ""},
        {"carry": None},
    ],
)
def test_shots_that_do_not_count_stay_off_the_board(change):
    fairway = store()
    ann = golfer("Ann")
    consent(ann, fairway)
    shot(ann, fairway, **change)

    assert leaderboard(spec(fairway)).rows == []


@pytest.mark.django_db
def test_home_practice_is_on_no_board():
    fairway = store()
    ann = golfer("Ann")
    consent(ann, fairway)
    shot(ann, None)

    assert leaderboard(spec(None)).rows == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "counts"),
    [
        ({"smash_factor": 1.0}, True),
        ({"smash_factor": 1.6}, True),
        ({"smash_factor": 1.61}, False),
        ({"smash_factor": 0.99}, False),
        ({"club_speed": None}, False),
        ({"ball_speed": None}, False),
    ],
)
def test_a_smash_board_needs_both_speeds_and_a_possible_ratio(fields, counts):
    fairway = store()
    ann = golfer("Ann")
    consent(ann, fairway)
    shot(ann, fairway, **fields)

    board = leaderboard(spec(fairway, metric="smash_factor"))

    assert len(board.rows) == (1 if counts else 0)


@pytest.mark.django_db
def test_a_verified_only_store_counts_verified_shots_on_its_board_and_on_all_stores():
    strict = store("strict", leaderboard_verified_only=True)
    ann, bob = golfer("Ann"), golfer("Bob")
    consent(ann, strict)
    consent(bob, strict)
    shot(ann, strict, carry=280.0)
    shot(
        bob,
        strict,
        carry=240.0,
        verified_at=datetime(2025, 6, 11, tzinfo=UTC),
        trust=ShotTrust.VERIFIED,
    )

    for scope in (strict, None):
        board = leaderboard(spec(scope))
        assert [row.name for row in board.rows] == ["Bob"]


@pytest.mark.django_db
def test_names_come_from_the_store_link_then_the_account():
    fairway = store("fairway")
    nick, plain, named, bare = (
        golfer("Nick"),
        golfer("Plain"),
        golfer("", first_name="Ann", last_name="Lee"),
        golfer("", username="bare"),
    )
    consent(nick, fairway, name="Big Hitter")
    for person in (plain, named, bare):
        consent(person, fairway)
    for carry, person in enumerate((nick, plain, named, bare)):
        shot(person, fairway, carry=200.0 + carry)

    board = leaderboard(spec(fairway))

    assert [row.name for row in board.rows] == ["bare", "Ann Lee", "Plain", "Big Hitter"]


@pytest.mark.django_db
def test_all_stores_uses_the_name_from_the_earliest_consenting_link():
    fairway, hudson, links = store("fairway"), store("hudson"), store("links")
    ann = golfer("Ann")
    early = consent(ann, fairway, name="Early Name")
    consent(ann, hudson, name="Later Name")
    consent(ann, links, name="Refused Name", agreed=False)
    CustomerLink.objects.filter(retailer=links).update(joined_at=datetime(2020, 1, 1, tzinfo=UTC))
    shot(ann, hudson)

    board = leaderboard(spec(None))

    assert [row.name for row in board.rows] == ["Early Name"]
    early.leaderboard_consent = False
    early.save()
    board = leaderboard(spec(None))
    assert [row.name for row in board.rows] == ["Later Name"]


@pytest.mark.django_db
def test_me_is_the_viewers_row_even_outside_the_top_n():
    fairway = store()
    golfers = [golfer(f"G{index}") for index in range(5)]
    for index, person in enumerate(golfers):
        consent(person, fairway)
        shot(person, fairway, carry=250.0 - index)
    viewer = golfers[3]

    board = leaderboard(spec(fairway), limit=2)
    me = board_me(spec(fairway), viewer=viewer)

    assert [row.name for row in board.rows] == ["G0", "G1"]
    assert me is not None
    assert (me.rank, me.name, me.value) == (4, "G3", 247.0)


@pytest.mark.django_db
def test_me_is_empty_for_golfers_not_on_the_board_and_for_visitors():
    from django.contrib.auth.models import AnonymousUser

    fairway = store()
    shy = golfer("Shy")
    consent(shy, fairway, agreed=False)
    shot(shy, fairway)
    board = spec(fairway)

    assert board_me(board, viewer=shy) is None
    assert board_me(board, viewer=AnonymousUser()) is None
    assert board_me(board, viewer=golfer("No shots")) is None


@pytest.mark.django_db
def test_the_rows_take_one_query_and_me_one_more_and_none_for_a_visitor():
    from django.contrib.auth.models import AnonymousUser

    fairway = store()
    golfers = [golfer(f"G{index}") for index in range(4)]
    for index, person in enumerate(golfers):
        consent(person, fairway)
        shot(person, fairway, carry=250.0 - index)
    board = spec(fairway, period="week")
    window = board.window(datetime(2025, 6, 11, 18, 0, tzinfo=UTC))

    with CaptureQueriesContext(connection) as rows_only:
        leaderboard(board, window, limit=2)
    with CaptureQueriesContext(connection) as mine:
        me = board_me(board, window, viewer=golfers[3])
    with CaptureQueriesContext(connection) as visitors:
        board_me(board, window, viewer=AnonymousUser())

    assert (len(rows_only), len(mine), len(visitors)) == (1, 1, 0)
    assert "ROW_NUMBER() OVER (PARTITION BY" in rows_only.captured_queries[0]["sql"]
    assert me is not None
    assert me.rank == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("board", "field", "allowed"),
    [
        ({"metric": "spin_rate"}, "metric", "carry, total, ball_speed, club_speed, smash_factor"),
        ({"period": "decade"}, "period", "today, week, month, year, all"),
        ({"club": "banana"}, "club", "driver, 3w"),
    ],
)
def test_an_unknown_metric_period_or_club_is_refused_with_the_allowed_values(board, field, allowed):
    arguments = {"retailer": None, "club": None, "metric": "carry", "period": "week", **board}

    with pytest.raises(BoardParameterError) as refused:
        BoardSpec(**arguments)

    assert refused.value.field == field
    assert isinstance(refused.value, ValueError)
    assert "Allowed: " + allowed in str(refused.value)
