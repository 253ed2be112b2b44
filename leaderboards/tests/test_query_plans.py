"""Query plans of the hot reads at a realistic size, and the index migration itself.

The plan tests load 150,000 shots (20 stores, 3,000 golfers) with the
benchmark generator once for the module, commit them, and ask PostgreSQL
with ``EXPLAIN (FORMAT JSON)`` how it runs the queries the code really sends
(captured while calling the selectors and services). A store's weekly board
must never read the whole shots table; docs/performance.md has the timings
at a million shots.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from demo.management.commands.generate_bench_data import (
    GOLFER_USERNAME_PREFIX,
    STORE_SLUG_PREFIX,
    BenchDataSummary,
    bench_data_delete,
    bench_data_load,
)
from leaderboards.boards import BoardSpec
from leaderboards.selectors import leaderboard
from retailers.models import Retailer
from shots.selectors import shots_for_golfer
from shots.services import personal_bests_recompute

BASE_DIR = Path(__file__).resolve().parents[2]
SHOTS = "shots_shot"
BOARD_INDEXES = ("shot_board_store_club", "shot_board_store_recent", "shot_board_club_recent")


@pytest.fixture(scope="module")
def bench_data(django_db_setup, django_db_blocker) -> Iterator[BenchDataSummary]:
    # Committed, not inside a test's transaction: the planner needs ANALYZE'd
    # statistics of real rows, and loading once keeps the module under 20 s.
    with django_db_blocker.unblock():
        summary = bench_data_load(shots=150_000, stores=20, golfers=3_000)
    yield summary
    with django_db_blocker.unblock():
        bench_data_delete()


@pytest.fixture
def busiest_store(bench_data, db) -> Retailer:
    busiest = (
        Retailer.objects.filter(slug__startswith=STORE_SLUG_PREFIX)
        .annotate(shot_count=Count("shots"))
        .order_by("-shot_count")
        .first()
    )
    assert busiest is not None
    return busiest


@pytest.fixture
def busiest_golfer(bench_data, db) -> User:
    busiest = (
        User.objects.filter(username__startswith=GOLFER_USERNAME_PREFIX)
        .annotate(shot_count=Count("shots"))
        .order_by("-shot_count")
        .first()
    )
    assert busiest is not None
    return busiest


def _last_sunday_evening(zone_name: str) -> datetime:
    """A moment whose week (Monday to Sunday) is full of generated shots."""
    zone = ZoneInfo(zone_name)
    today = timezone.now().astimezone(zone).date()
    sunday = today - timedelta(days=today.weekday() + 1)
    return datetime.combine(sunday, time(21, 0), tzinfo=zone)


def _plan_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _plans_of(captured: list[dict], table: str = SHOTS) -> list[list[dict]]:
    """The plan nodes of every captured SELECT that reads ``table``."""
    plans = []
    for query in captured:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or f'"{table}"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        plans.append(list(_plan_nodes(plan[0]["Plan"])))
    assert plans, "no query on the shots table was captured"
    return plans


def _sequential_scans(nodes: list[dict], table: str = SHOTS) -> list[dict]:
    return [
        node
        for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table
    ]


def _indexes_used(nodes: list[dict]) -> set[str]:
    return {node["Index Name"] for node in nodes if "Index Name" in node}


@pytest.mark.parametrize(
    ("club", "metric", "expected_index"),
    [
        ("driver", "carry", "shot_board_store_club"),
        ("driver", "smash_factor", "shot_board_store_club"),
        (None, "carry", "shot_board_store_recent"),
        (None, "ball_speed", "shot_board_store_recent"),
    ],
)
def test_a_stores_weekly_board_reads_its_partial_index_not_the_table(
    busiest_store, club, metric, expected_index
):
    week = BoardSpec(retailer=busiest_store, club=club, metric=metric, period="week")
    window = week.window(_last_sunday_evening(busiest_store.timezone))
    with CaptureQueriesContext(connection) as captured:
        board = leaderboard(week, window)
    assert board.rows, "the generated week should have a board to rank"

    for nodes in _plans_of(captured.captured_queries):
        assert _sequential_scans(nodes) == []
    assert expected_index in set().union(*map(_indexes_used, _plans_of(captured.captured_queries)))


def test_the_all_stores_board_for_a_club_reads_its_partial_index(bench_data, db):
    month = BoardSpec(retailer=None, club="driver", metric="carry", period="month")
    window = month.window(_last_sunday_evening("UTC"))
    with CaptureQueriesContext(connection) as captured:
        leaderboard(month, window)

    plans = _plans_of(captured.captured_queries)
    assert all(_sequential_scans(nodes) == [] for nodes in plans)
    assert "shot_board_club_recent" in set().union(*map(_indexes_used, plans))


def test_personal_best_recompute_reads_the_golfers_shots_with_that_club(busiest_golfer):
    with CaptureQueriesContext(connection) as captured:
        personal_bests_recompute(golfer_id=busiest_golfer.pk, club="driver")

    plans = _plans_of(captured.captured_queries)
    assert all(_sequential_scans(nodes) == [] for nodes in plans)
    assert all("shot_golfer_club" in _indexes_used(nodes) for nodes in plans)


def test_a_golfers_recent_shots_are_read_newest_first_from_the_index(busiest_golfer):
    page = shots_for_golfer(busiest_golfer)[:25]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        nodes = list(_plan_nodes(cursor.fetchone()[0][0]["Plan"]))

    assert _sequential_scans(nodes) == []
    assert "shot_golfer_recent" in _indexes_used(nodes)
    # Only the rows of equal hit_at get sorted by id: no full sort of the golfer's shots.
    assert not any(node["Node Type"] == "Sort" for node in nodes)


# --- The migration ---------------------------------------------------------------


def test_the_migration_built_valid_partial_indexes_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid, pg_get_expr(i.indpred, i.indrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s)",
            [list(BOARD_INDEXES)],
        )
        built = {name: (valid, predicate) for name, valid, predicate in cursor.fetchall()}
    assert set(built) == set(BOARD_INDEXES)
    for valid, predicate in built.values():
        assert valid
        assert "retailer_id IS NOT NULL" in predicate
        assert "NOT is_excluded" in predicate


@pytest.mark.django_db(transaction=True)
def test_the_migration_builds_concurrently_on_postgresql(db):
    # Outside a transaction, as `migrate` runs it: CONCURRENTLY refuses to run inside one.
    sql = StringIO()
    call_command("sqlmigrate", "shots", "0004_leaderboard_indexes", stdout=sql)

    for name in BOARD_INDEXES:
        assert f'CREATE INDEX CONCURRENTLY "{name}"' in sql.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_migration_reverses_and_replaces_an_interrupted_build(django_user_model):
    call_command("migrate", "shots", "0003_shot_needing_review_proxy", verbosity=0)
    try:
        # An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index
        # under the name; a failing unique build is the easy way to get one.
        golfer = django_user_model.objects.create(username="twice")
        with connection.cursor() as cursor:
            for _ in range(2):
                cursor.execute(
                    "INSERT INTO shots_shot (golfer_id, club, hit_at, source, source_device, "
                    "status, analysis_attempts, metric_flags, has_rejected_values, is_excluded, "
                    "exclusion_reason, image, image_sha256, client_token, created_at, updated_at) "
                    "VALUES (%s, 'driver', now(), 'manual', '', 'confirmed', 0, '{}', false, "
                    "false, '', '', '', '', now(), now())",
                    [golfer.pk],
                )
            with pytest.raises(Exception, match="could not create unique index"):
                cursor.execute(
                    "CREATE UNIQUE INDEX CONCURRENTLY shot_board_store_recent "
                    "ON shots_shot (golfer_id)"
                )
    finally:
        call_command("migrate", verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, i.indisunique FROM pg_index i "
            "WHERE i.indexrelid = 'shot_board_store_recent'::regclass"
        )
        assert cursor.fetchone() == (True, False)


def test_the_migration_applies_on_sqlite(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment["VAR_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        timeout=120,
    )

    with sqlite3.connect(tmp_path / "golfshots.sqlite3") as database:
        rows = database.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'shot_board_%'"
        ).fetchall()
    assert {name for name, _ in rows} == set(BOARD_INDEXES)
    assert all('"retailer_id" IS NOT NULL' in sql for _, sql in rows)
