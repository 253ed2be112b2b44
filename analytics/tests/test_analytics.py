"""The analytics selector against straightforward Python computations."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.queries import (
    SUMMARY_METRICS,
    golfer_analytics,
    period_between,
    period_last_days,
)
from retailers.models import Retailer
from shots.models import Club, ShotStatus
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 17, 15, 0, tzinfo=UTC)  # a Wednesday


def reference_quantile(values: list[float], fraction: float) -> float:
    """percentile_cont, written the plain way: rank = fraction * (n - 1), interpolated."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(fraction * 100) - 1]


def reference_stock(values: list[float]) -> float:
    ordered = sorted(values)
    return sum(ordered[len(ordered) // 4 :]) / len(ordered[len(ordered) // 4 :])


def all_time(now: datetime = NOW):
    return period_last_days(None, tz=UTC, now=now)


def test_it_matches_python_statistics_on_random_data():
    rng = random.Random(6)
    golfer = UserFactory()
    # Per club, each shot's metric values (None: the shot lacks that metric).
    values_by_club = {}
    for club, base in ((Club.DRIVER, 240), (Club.IRON_7, 150), (Club.PITCHING_WEDGE, 115)):
        values_by_club[club] = []
        for _ in range(rng.randint(5, 40)):
            values = {
                "carry": round(rng.gauss(base, 12), 1),
                "total": round(rng.gauss(base + 15, 12), 1),
                "ball_speed": round(rng.gauss(base * 0.6, 4), 1),
                "club_speed": round(rng.gauss(base * 0.42, 3), 1),
                "smash_factor": round(rng.uniform(1.2, 1.5), 2),
                "launch_angle": round(rng.uniform(8, 30), 1),
                # Some shots lack a metric: it is left out, not counted as zero.
                "spin_rate": None if rng.random() < 0.3 else round(rng.uniform(2000, 9000)),
                "carry_side": round(rng.gauss(0, 8), 1),
            }
            values_by_club[club].append(values)
            ShotFactory(golfer=golfer, club=club, hit_at=NOW - timedelta(days=3), **values)

    result = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC)

    assert [row.club for row in result.clubs] == ["driver", "7i", "pw"]
    for row in result.clubs:
        shots = values_by_club[row.club]
        assert row.shots == len(shots)
        for name in SUMMARY_METRICS:
            values = [shot[name] for shot in shots if shot[name] is not None]
            summary = row.metrics[name]
            assert summary.mean == pytest.approx(statistics.fmean(values))
            assert summary.median == pytest.approx(statistics.median(values))
            assert summary.stdev == pytest.approx(statistics.stdev(values))
            assert summary.max == pytest.approx(max(values))
        carries = [shot["carry"] for shot in shots]
        assert row.carry.stock == pytest.approx(reference_stock(carries))
        assert row.carry.p25 == pytest.approx(reference_quantile(carries, 0.25))
        assert row.carry.p75 == pytest.approx(reference_quantile(carries, 0.75))
        sides = [shot["carry_side"] for shot in shots]
        assert row.dispersion.side_mean == pytest.approx(statistics.fmean(sides))
        assert row.dispersion.side_stdev == pytest.approx(statistics.stdev(sides))
        assert row.dispersion.box["side_high"] == pytest.approx(
            statistics.fmean(sides) + 2 * statistics.stdev(sides)
        )


def test_a_golfer_without_shots_gets_no_clubs_and_no_gaps():
    result = golfer_analytics(golfer=UserFactory(), period=all_time(), tz=UTC)
    assert result.clubs == []
    assert result.gaps == []


def test_a_single_shot_has_no_spread():
    golfer = UserFactory()
    ShotFactory(golfer=golfer, carry=200.0, carry_side=3.0, hit_at=NOW)

    (row,) = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).clubs

    assert row.shots == 1
    assert row.carry.mean == row.carry.median == row.carry.stock == row.carry.max == 200.0
    assert row.carry.p25 == row.carry.p75 == 200.0
    assert row.carry.stdev is None
    assert row.dispersion.box is None


def test_all_equal_values_have_zero_spread():
    golfer = UserFactory()
    for _ in range(4):
        ShotFactory(golfer=golfer, carry=150.0, carry_side=-2.0, hit_at=NOW)

    (row,) = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).clubs

    assert row.carry.stock == 150.0
    assert row.carry.stdev == pytest.approx(0.0)
    assert row.dispersion.box == pytest.approx(
        {"carry_low": 150.0, "carry_high": 150.0, "side_low": -2.0, "side_high": -2.0}
    )


def test_a_club_with_no_carry_still_counts_its_shots():
    golfer = UserFactory()
    ShotFactory(golfer=golfer, club=Club.IRON_5, carry=None, total=None, hit_at=NOW)

    (row,) = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).clubs

    assert row.shots == 1
    assert row.carry.mean is None
    assert row.carry.stock is None
    assert row.carry.p25 is None
    assert row.metrics["ball_speed"].mean == 150.0
    assert golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).gaps == []


def test_it_counts_only_counted_shots_in_the_period_of_this_golfer():
    golfer = UserFactory()
    ShotFactory(golfer=golfer, carry=200.0, hit_at=NOW - timedelta(days=2))
    ShotFactory(golfer=golfer, carry=300.0, hit_at=NOW - timedelta(days=2), is_excluded=True)
    ShotFactory(
        golfer=golfer, carry=300.0, hit_at=NOW - timedelta(days=2), status=ShotStatus.NEEDS_REVIEW
    )
    ShotFactory(golfer=golfer, carry=100.0, hit_at=NOW - timedelta(days=40))
    ShotFactory(carry=300.0, hit_at=NOW - timedelta(days=2))  # someone else

    (row,) = golfer_analytics(
        golfer=golfer, period=period_last_days(30, tz=UTC, now=NOW), tz=UTC
    ).clubs

    assert row.shots == 1
    assert row.carry.max == 200.0


def test_an_explicit_range_includes_both_end_days():
    golfer = UserFactory()
    ShotFactory(golfer=golfer, carry=201.0, hit_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    ShotFactory(golfer=golfer, carry=202.0, hit_at=datetime(2026, 3, 7, 23, 59, tzinfo=UTC))
    ShotFactory(golfer=golfer, carry=999.0, hit_at=datetime(2026, 3, 8, 0, 0, tzinfo=UTC))

    period = period_between(date(2026, 3, 1), date(2026, 3, 7), tz=UTC)
    (row,) = golfer_analytics(golfer=golfer, period=period, tz=UTC).clubs

    assert row.shots == 2


def test_the_retailer_filter_keeps_only_shots_hit_at_that_store():
    golfer = UserFactory()
    store = Retailer.objects.create(name="Range", slug="range")
    ShotFactory(golfer=golfer, carry=200.0, retailer=store, hit_at=NOW)
    ShotFactory(golfer=golfer, carry=250.0, hit_at=NOW)

    (row,) = golfer_analytics(golfer=golfer, period=all_time(), retailer=store, tz=UTC).clubs

    assert row.shots == 1
    assert row.carry.max == 200.0


def test_gaps_are_flagged_when_too_small_too_large_or_overlapping():
    golfer = UserFactory()
    for club, carries in (
        (Club.IRON_6, [174.0, 174.0, 175.0, 176.0]),  # stock 175
        (Club.IRON_7, [160.0, 166.0, 170.0, 178.0]),  # stock 171.33, p25 164.5, p75 172
        (Club.IRON_8, [140.0, 150.0, 166.0, 168.0]),  # stock 161.33, p75 166.5
    ):
        for carry in carries:
            ShotFactory(golfer=golfer, club=club, carry=carry, hit_at=NOW)

    gaps = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).gaps

    assert [(gap.club, gap.next_club) for gap in gaps] == [("6i", "7i"), ("7i", "8i")]
    six_seven, seven_eight = gaps
    assert six_seven.gap == pytest.approx(175.0 - 514.0 / 3)
    assert six_seven.too_small
    assert not six_seven.too_large
    assert not six_seven.overlaps
    assert seven_eight.gap == pytest.approx(10.0)
    assert not seven_eight.too_small
    assert not seven_eight.too_large
    # The 8-iron's long shots (p75 166.5) reach past the 7-iron's short ones (p25 164.5).
    assert seven_eight.overlaps


def test_a_gap_over_fifteen_yards_is_flagged_too_large():
    golfer = UserFactory()
    for club, carry in ((Club.DRIVER, 250.0), (Club.WOOD_3, 225.0)):
        ShotFactory(golfer=golfer, club=club, carry=carry, hit_at=NOW)

    (gap,) = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).gaps

    assert gap.gap == 25.0
    assert gap.too_large
    assert not gap.overlaps


def test_the_weekly_trend_has_the_median_per_week():
    golfer = UserFactory()
    monday = datetime(2026, 6, 8, 10, 0, tzinfo=UTC)
    for carry, speed in ((150.0, 110.0), (160.0, 112.0), (170.0, 114.0)):
        ShotFactory(golfer=golfer, club=Club.IRON_7, carry=carry, ball_speed=speed, hit_at=monday)
    ShotFactory(
        golfer=golfer,
        club=Club.IRON_7,
        carry=180.0,
        ball_speed=None,
        hit_at=monday + timedelta(days=8),
    )

    (row,) = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC).clubs

    assert row.trend == [
        {"week": date(2026, 6, 8), "carry": 160.0, "ball_speed": 112.0},
        {"week": date(2026, 6, 15), "carry": 180.0, "ball_speed": None},
    ]


def test_it_answers_the_same_on_both_query_paths(monkeypatch):
    """The Python path (SQLite) gives what the database path gives on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("compares against PostgreSQL's percentile_cont")
    rng = random.Random(7)
    golfer = UserFactory()
    for _ in range(23):
        ShotFactory(
            golfer=golfer,
            carry=round(rng.uniform(200, 260), 1),
            carry_side=round(rng.uniform(-20, 20), 1),
            hit_at=NOW - timedelta(days=rng.randint(0, 40)),
        )
    from_database = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC)

    # What the selector asks to choose its path; the SQL itself still runs on PostgreSQL.
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    from_python = golfer_analytics(golfer=golfer, period=all_time(), tz=UTC)
    assert connection.vendor == "sqlite"

    assert _close(from_python.as_dict(), from_database.as_dict())


def _close(left: Any, right: Any) -> bool:
    if isinstance(left, dict):
        assert left.keys() == right.keys()
        return all(_close(left[key], right[key]) for key in left)
    if isinstance(left, list):
        assert len(left) == len(right)
        return all(_close(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float):
        assert left == pytest.approx(right, abs=1e-9)
        return True
    assert left == right
    return True


def test_a_period_of_the_last_days_ends_at_the_end_of_today():
    period = period_last_days(7, tz=UTC, now=NOW)
    assert period.end == datetime(2026, 6, 18, tzinfo=UTC)
    assert period.start == datetime(2026, 6, 11, tzinfo=UTC)
    assert period.key == "7d@2026-06-18"
    assert timezone.is_aware(period.start)
