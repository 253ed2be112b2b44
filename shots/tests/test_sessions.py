"""Grouping shots into practice sessions: the 60-minute rule, merges, splits, imports."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection

from shots import services
from shots.models import PracticeSession, SessionKind, Shot
from shots.tests.factories import ShotFactory
from shots.tests.photos import shrunk_screen_photo

T0 = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def typed(golfer, at: datetime, *, club: str = "driver", carry: float = 230.0) -> Shot:
    shot, _ = services.shot_create_manual(
        golfer=golfer, club=club, metrics={"carry": carry}, hit_at=at
    )
    return shot


def sessions_of(golfer) -> list[tuple[datetime, datetime, int]]:
    """(started, ended, shot count) of each session, oldest first, checked against the shots."""
    result = []
    for session in PracticeSession.objects.filter(golfer=golfer).order_by("started_at"):
        times = sorted(session.shots.values_list("hit_at", flat=True))
        assert session.shot_count == len(times)
        assert (session.started_at, session.ended_at) == (times[0], times[-1])
        result.append((session.started_at, session.ended_at, session.shot_count))
    return result


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.mark.django_db
class TestTheSixtyMinuteRule:
    def test_it_joins_a_shot_59_minutes_after_the_last(self, golfer):
        first = typed(golfer, T0)
        second = typed(golfer, T0 + minutes(59))

        assert second.session_id == first.session_id
        assert sessions_of(golfer) == [(T0, T0 + minutes(59), 2)]

    def test_it_still_joins_a_shot_exactly_60_minutes_after_the_last(self, golfer):
        first = typed(golfer, T0)
        second = typed(golfer, T0 + minutes(60))

        assert second.session_id == first.session_id

    def test_it_starts_a_new_session_61_minutes_after_the_last(self, golfer):
        first = typed(golfer, T0)
        second = typed(golfer, T0 + minutes(61))

        assert second.session_id != first.session_id
        assert sessions_of(golfer) == [(T0, T0, 1), (T0 + minutes(61), T0 + minutes(61), 1)]

    def test_it_extends_a_session_backwards_too(self, golfer):
        later = typed(golfer, T0)
        earlier = typed(golfer, T0 - minutes(45))

        assert earlier.session_id == later.session_id
        assert sessions_of(golfer) == [(T0 - minutes(45), T0, 2)]

    def test_it_keeps_each_golfers_sessions_apart(self, golfer):
        other = ShotFactory.create().golfer
        mine = typed(golfer, T0)
        theirs = typed(other, T0 + minutes(5))

        assert mine.session_id != theirs.session_id
        assert PracticeSession.objects.get(pk=theirs.session_id).golfer == other

    def test_it_merges_two_sessions_when_a_shot_lands_between_them(self, golfer):
        morning = typed(golfer, T0)
        later = typed(golfer, T0 + minutes(100))
        assert morning.session_id != later.session_id

        between = typed(golfer, T0 + minutes(50))

        assert sessions_of(golfer) == [(T0, T0 + minutes(100), 3)]
        # The earlier session keeps its id (and its URL); the later one is gone.
        assert between.session_id == morning.session_id
        assert not PracticeSession.objects.filter(pk=later.session_id).exists()

    def test_it_does_not_merge_when_the_shot_is_too_far_from_one_side(self, golfer):
        typed(golfer, T0)
        typed(golfer, T0 + minutes(130))

        typed(golfer, T0 + minutes(50))  # 80 minutes before the later one

        assert [count for *_, count in sessions_of(golfer)] == [2, 1]

    def test_it_sets_the_session_store_from_its_first_shot(self, golfer, store):
        services.shot_create_manual(
            golfer=golfer, club="7i", metrics={"carry": 150}, hit_at=T0, retailer=store
        )
        typed(golfer, T0 + minutes(10))

        (session,) = PracticeSession.objects.filter(golfer=golfer)
        assert session.retailer == store


@pytest.mark.django_db
class TestChangesToShots:
    def test_it_deletes_the_session_of_its_only_shot(self, golfer):
        shot = typed(golfer, T0)
        session_id = shot.session_id

        services.shot_delete(shot=shot)

        assert not PracticeSession.objects.filter(pk=session_id).exists()

    def test_it_shrinks_the_session_when_its_last_shot_goes(self, golfer):
        typed(golfer, T0)
        last = typed(golfer, T0 + minutes(30))

        services.shot_delete(shot=last)

        assert sessions_of(golfer) == [(T0, T0, 1)]

    def test_it_splits_a_session_when_the_shot_holding_it_together_goes(self, golfer):
        first = typed(golfer, T0)
        middle = typed(golfer, T0 + minutes(50))
        typed(golfer, T0 + minutes(100))

        services.shot_delete(shot=middle)

        assert sessions_of(golfer) == [(T0, T0, 1), (T0 + minutes(100), T0 + minutes(100), 1)]
        assert Shot.objects.get(pk=first.pk).session_id == middle.session_id  # kept its id

    def test_it_moves_a_shot_whose_time_is_edited(self, golfer):
        first = typed(golfer, T0)
        moved = typed(golfer, T0 + minutes(20))
        assert moved.session_id == first.session_id

        services.shot_update(
            shot=moved, club="driver", metrics={"carry": 230}, hit_at=T0 + timedelta(hours=5)
        )

        assert moved.session_id != first.session_id
        assert Shot.objects.get(pk=moved.pk).session_id == moved.session_id
        assert sessions_of(golfer) == [
            (T0, T0, 1),
            (T0 + timedelta(hours=5), T0 + timedelta(hours=5), 1),
        ]

    def test_it_merges_sessions_when_an_edit_moves_a_shot_between_them(self, golfer):
        typed(golfer, T0)
        typed(golfer, T0 + minutes(100))
        stray = typed(golfer, T0 + timedelta(days=1))

        services.shot_update(
            shot=stray, club="driver", metrics={"carry": 230}, hit_at=T0 + minutes(50)
        )

        assert sessions_of(golfer) == [(T0, T0 + minutes(100), 3)]

    def test_it_puts_a_photo_in_the_session_of_its_upload_time(self, golfer):
        typed(golfer, datetime.now(tz=UTC) - minutes(10))

        photo, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo())

        assert photo.session_id is not None
        assert len(sessions_of(golfer)) == 1

    def test_it_takes_no_more_queries_to_join_a_long_session(
        self, golfer, django_assert_max_num_queries
    ):
        for index in range(40):
            ShotFactory.create(golfer=golfer, hit_at=T0 + minutes(index))
        services.sessions_regroup_for_golfer(golfer_id=golfer.pk)
        shot = ShotFactory.create(golfer=golfer, hit_at=T0 + minutes(45))

        # Lock, sessions near, sessions, shots, session bounds, the one shot moved
        # (and a savepoint around them), however long the session is.
        with django_assert_max_num_queries(8):
            services.session_for_shot(shot=shot)

        assert sessions_of(golfer) == [(T0, T0 + minutes(45), 41)]


def imported(golfer, hit_times) -> PracticeSession:
    """Shots of one imported file, written as the importer writes them: session first."""
    session = services.session_create_for_import(
        golfer_id=golfer.pk, retailer_id=None, hit_times=hit_times, import_reference="garmin.csv"
    )
    for hit_at in hit_times:
        ShotFactory.create(golfer=golfer, hit_at=hit_at, session=session)
    return session


@pytest.mark.django_db
class TestImports:
    def test_it_keeps_a_whole_file_in_one_session_that_the_gap_rule_leaves_alone(self, golfer):
        session = imported(golfer, [T0, T0 + timedelta(hours=3)])

        nearby = typed(golfer, T0 + minutes(20))  # a typed shot near the file's first shot

        assert nearby.session_id != session.pk
        session.refresh_from_db()
        assert session.kind == SessionKind.IMPORT
        assert (session.started_at, session.ended_at, session.shot_count) == (
            T0,
            T0 + timedelta(hours=3),
            2,
        )

    def test_it_deletes_an_import_session_with_its_last_shot(self, golfer):
        session = imported(golfer, [T0])

        services.shot_delete(shot=Shot.objects.get(session=session))

        assert not PracticeSession.objects.filter(pk=session.pk).exists()


def _history(golfer) -> None:
    """Three sessions: 09:00–09:55 (gaps of 55 min at most), 11:00, then 12:01–12:30."""
    for offset in (0, 20, 55, 120, 181, 210):
        ShotFactory.create(golfer=golfer, hit_at=T0 + minutes(offset))


EXPECTED_HISTORY = [
    (T0, T0 + minutes(55), 3),
    (T0 + minutes(120), T0 + minutes(120), 1),
    (T0 + minutes(181), T0 + minutes(210), 2),
]


@pytest.mark.django_db
class TestRegrouping:
    def test_it_rebuilds_a_golfers_sessions_after_a_bulk_create(self, golfer):
        _history(golfer)

        assert services.sessions_regroup_for_golfer(golfer_id=golfer.pk) == 3

        assert sessions_of(golfer) == EXPECTED_HISTORY

    def test_the_data_migration_groups_existing_shots_by_the_same_rule(self, golfer):
        _history(golfer)
        other = ShotFactory.create(hit_at=T0).golfer
        migration = importlib.import_module("shots.migrations.0008_practice_sessions")

        with connection.schema_editor() as schema_editor:
            migration.group_shots_into_sessions(apps, schema_editor)

        assert sessions_of(golfer) == EXPECTED_HISTORY
        assert sessions_of(other) == [(T0, T0, 1)]

    def test_the_data_migration_reads_in_chunks(self, golfer, monkeypatch):
        _history(golfer)
        migration = importlib.import_module("shots.migrations.0008_practice_sessions")
        monkeypatch.setattr(migration, "SHOTS_PER_CHUNK", 2)
        monkeypatch.setattr(migration, "GOLFERS_PER_CHUNK", 1)

        with connection.schema_editor() as schema_editor:
            migration.group_shots_into_sessions(apps, schema_editor)

        assert sessions_of(golfer) == EXPECTED_HISTORY
