"""Load a leaderboard-sized data set for benchmarks and query-plan tests.

    manage.py generate_bench_data --shots 1000000 --stores 20 --golfers 20000 [--reset]

Stores, golfers, store links and shots go in with PostgreSQL's COPY, not the
ORM: a million shots load in well under a minute instead of an hour. The data
is shaped like the real thing where it matters to the planner: store sizes
are uneven, shots come in sessions of a few clubs, twice as many shots land
now as two years ago, about 90 % of shots are counted, about 70 % of store
links consent to the boards, and rows are written in time order, as a live
site writes them. Everything it creates is named ``bench-…``, so ``--reset``
removes exactly that and nothing else. Personal bests are filled in from the
shots with one SQL statement per metric, and the tables are vacuumed and
analysed at the end, so the planner sees what it would on a long-lived site.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import sql

from accounts.models import User
from demo.seed import CLUB_MODELS
from retailers.models import CustomerLink, Retailer
from shots.metrics import RECORD_METRICS
from shots.models import (
    COUNTED_STATUSES,
    BoardRecord,
    PersonalBest,
    Shot,
    ShotOutlier,
    ShotSource,
    ShotStatus,
)
from shots.services import board_records_rebuild, outliers_rebuild
from shots.trust import ShotFacts, trust_level_for

STORE_SLUG_PREFIX = "bench-store-"
GOLFER_USERNAME_PREFIX = "bench-golfer-"
HISTORY_DAYS = 730
# Shots per day rise linearly from 1 (two years ago) to this (today).
RECENT_DENSITY = 2.0

STORE_TIMEZONES = (
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Australia/Sydney",
)
# Clubs people practise (and photograph) most.
CLUB_WEIGHTS = dict.fromkeys(CLUB_MODELS, 1.0) | {"driver": 4.0, "7i": 3.0, "pw": 2.0}
STORE_DEVICES = ("Trackman 4", "GCQuad", "Garmin R10", "Uneekor EYE XO")

# (status, share) of photo shots; typed-in and imported shots are confirmed by their author.
PHOTO_STATUSES = (
    (ShotStatus.ANALYZED, 0.86),
    (ShotStatus.CONFIRMED, 0.06),
    (ShotStatus.NEEDS_REVIEW, 0.05),
    (ShotStatus.FAILED, 0.015),
    (ShotStatus.RECEIVED, 0.005),
    (ShotStatus.QUEUED, 0.005),
    (ShotStatus.ANALYZING, 0.005),
)
REJECTED_SHARE = 0.015
EXCLUDED_SHARE = 0.01
CONSENT_SHARE = 0.7
SECOND_STORE_SHARE = 0.25
HOME_PRACTICE_SHARE = 0.1
VERIFIED_SHARE = 0.25
VERIFIED_ONLY_STORE_EVERY = 10  # every tenth store counts only verified shots


@dataclass(frozen=True)
class BenchDataSummary:
    stores: int
    golfers: int
    links: int
    shots: int
    counted_shots: int
    personal_bests: int
    board_records: int
    seconds: float


def bench_data_exists() -> bool:
    return (
        Retailer.objects.filter(slug__startswith=STORE_SLUG_PREFIX).exists()
        or User.objects.filter(username__startswith=GOLFER_USERNAME_PREFIX).exists()
    )


def bench_data_delete() -> None:
    """Remove everything ``bench_data_load`` created, and only that."""
    golfers = User.objects.filter(username__startswith=GOLFER_USERNAME_PREFIX)
    bench_shots = Shot.objects.filter(golfer__in=golfers)
    with transaction.atomic():
        # Rows pointing at bench shots first (personal bests, analyses and
        # whatever else refers to a shot), so the shots can go in one DELETE
        # instead of the ORM collecting a million objects.
        for relation in Shot._meta.related_objects:
            related = relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__in": bench_shots}
            )
            if relation.on_delete is models.CASCADE:
                related.delete()
            else:
                related.update(**{relation.field.name: None})
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Shot._meta.db_table} WHERE golfer_id IN "
                f"(SELECT id FROM {User._meta.db_table} WHERE username LIKE %s)",
                [GOLFER_USERNAME_PREFIX + "%"],
            )
        golfers.delete()
        Retailer.objects.filter(slug__startswith=STORE_SLUG_PREFIX).delete()


def _copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows of ``columns`` into the model's table; every other column gets its default.

    Django keeps defaults in Python, not in the table, so the defaults are
    written out explicitly: a field someone adds later still loads.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults: dict[str, Any] = {}
    for field in fields:
        column = field.column  # never None on a concrete field
        if column is None or column in columns:
            continue
        default = field.get_default()
        if default is None and not field.null:
            raise CommandError(f"{model.__name__}.{field.name} has no default to load.")
        defaults[column] = field.get_db_prep_save(default, connection)
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table),
        columns=sql.SQL(", ").join(map(sql.Identifier, [*columns, *defaults])),
    )
    default_values = tuple(defaults.values())
    count = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *default_values))
            count += 1
    return count


def _ids_by_key(model: type[models.Model], key: str, prefix: str) -> list[int]:
    """Primary keys of the rows just loaded, in the order of their ``key``."""
    return list(
        model._default_manager.filter(**{f"{key}__startswith": prefix})
        .order_by(key)
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class _Golfer:
    id: int
    driver_speed: float
    strike: float  # scatter of smash and carry; 1 = a solid amateur
    stores: tuple[int | None, ...]  # home store first; None = home practice
    store_weights: tuple[float, ...]


def _session_age_days(rng: random.Random) -> float:
    """Days before now, with density rising linearly towards today.

    Inverse of the CDF of a density that is ``RECENT_DENSITY`` times higher
    today than ``HISTORY_DAYS`` ago.
    """
    high = RECENT_DENSITY
    # density(a) ∝ high - (high - 1) * a for a = age / HISTORY_DAYS in [0, 1]
    u = rng.random()
    slope = high - 1.0
    mean = (high + 1.0) / 2.0
    fraction = (high - math.sqrt(high * high - 2.0 * slope * mean * u)) / slope
    return fraction * HISTORY_DAYS


def _shot_values(rng: random.Random, golfer: _Golfer, club: str) -> tuple:
    """(ball_speed, club_speed, smash_factor, launch_angle, spin_rate, carry, total)."""
    model = CLUB_MODELS[club]
    club_speed = golfer.driver_speed * model.speed_ratio * rng.gauss(1.0, 0.03)
    smash = min(rng.gauss(model.smash, 0.025 * golfer.strike), model.smash_ceiling)
    if rng.random() < 0.03 * golfer.strike:
        smash *= rng.uniform(0.75, 0.92)  # a thin strike
    ball_speed = club_speed * smash
    carry = model.carry_per_mph * ball_speed * rng.gauss(0.97, 0.04 * golfer.strike)
    total = carry + max(rng.gauss(model.roll, model.roll_spread), 0.0)
    launch = rng.gauss(model.launch, 1.5 * golfer.strike)
    spin = rng.gauss(model.spin, 0.08 * model.spin * golfer.strike)
    ball_speed, club_speed = round(ball_speed, 1), round(club_speed, 1)
    values: list[float | None] = [ball_speed, club_speed, round(ball_speed / club_speed, 2)]
    values += [round(launch, 1), round(spin), round(carry, 1), round(total, 1)]
    # Not every monitor reports everything: no club speed means no smash.
    if rng.random() < 0.05:
        values[1] = values[2] = None
    if rng.random() < 0.08:
        values[6] = None
    return tuple(values)


def _session_shots(
    rng: random.Random,
    *,
    count: int,
    now: datetime,
    golfers: Sequence[_Golfer],
    golfer_weights: Sequence[float],
) -> Iterator[tuple]:
    """``count`` shot rows, session after session, in the order of their start times."""
    clubs, club_weights = list(CLUB_WEIGHTS), list(CLUB_WEIGHTS.values())
    statuses, status_weights = zip(*PHOTO_STATUSES, strict=True)
    sessions: list[tuple[float, int]] = []
    planned = 0
    while planned < count:
        size = rng.randint(5, 40)
        sessions.append((_session_age_days(rng), size))
        planned += size
    sessions.sort(reverse=True)  # oldest first
    remaining = count
    golfer_cumulative = list(_cumulative(golfer_weights))
    for age_days, size in sessions:
        golfer = rng.choices(golfers, cum_weights=golfer_cumulative)[0]
        store = rng.choices(golfer.stores, weights=golfer.store_weights)[0]
        source = rng.choices(
            (ShotSource.PHOTO, ShotSource.MANUAL, ShotSource.CSV), weights=(0.6, 0.25, 0.15)
        )[0]
        device = rng.choice(STORE_DEVICES) if store is not None else "Garmin R10"
        session_clubs = rng.choices(clubs, weights=club_weights, k=rng.randint(1, 3))
        hit_at = now - timedelta(days=age_days, minutes=size * 2)
        for index in range(min(size, remaining)):
            club = session_clubs[index * len(session_clubs) // size]
            hit_at += timedelta(seconds=rng.randint(35, 95))
            status = (
                rng.choices(statuses, weights=status_weights)[0]
                if source == ShotSource.PHOTO
                else ShotStatus.CONFIRMED
            )
            measured = status in COUNTED_STATUSES or status == ShotStatus.NEEDS_REVIEW
            values = _shot_values(rng, golfer, club) if measured else (None,) * 7
            rejected = measured and rng.random() < REJECTED_SHARE
            if rejected:
                values = (None, *values[1:])  # the rejected value is discarded
            excluded = store is not None and rng.random() < EXCLUDED_SHARE
            verified_at = (
                hit_at + timedelta(minutes=5)
                if store is not None and rng.random() < VERIFIED_SHARE
                else None
            )
            trust = trust_level_for(
                ShotFacts(is_excluded=excluded, verified_at=verified_at, source=source)
            )
            # A photo still waiting for the analyser may not know its club yet.
            shot_club = "" if not measured and rng.random() < 0.5 else club
            created_at = hit_at + timedelta(seconds=rng.randint(5, 60))
            yield (
                golfer.id,
                store,
                shot_club,
                hit_at,
                source,
                device,
                status,
                *values,
                rejected,
                excluded,
                verified_at,
                trust,
                created_at,
                created_at,
            )
        remaining -= size
        if remaining <= 0:
            break


SHOT_COLUMNS = (
    "golfer_id",
    "retailer_id",
    "club",
    "hit_at",
    "source",
    "source_device",
    "status",
    "ball_speed",
    "club_speed",
    "smash_factor",
    "launch_angle",
    "spin_rate",
    "carry",
    "total",
    "has_rejected_values",
    "is_excluded",
    "verified_at",
    "trust",
    "created_at",
    "updated_at",
)


def _cumulative(weights: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _personal_bests_fill() -> int:
    """Each bench golfer's best counted value per club and metric, as the service keeps them."""
    created = 0
    with connection.cursor() as cursor:
        for metric in RECORD_METRICS:
            both_speeds = (
                "AND ball_speed IS NOT NULL AND club_speed IS NOT NULL"
                if metric == "smash_factor"
                else ""
            )
            cursor.execute(
                f"""
                INSERT INTO {PersonalBest._meta.db_table}
                    (golfer_id, club, metric, value, shot_id, hit_at, updated_at)
                SELECT DISTINCT ON (shot.golfer_id, shot.club)
                    shot.golfer_id, shot.club, %s, shot.{metric}, shot.id, shot.hit_at, now()
                FROM {Shot._meta.db_table} shot
                JOIN {User._meta.db_table} golfer ON golfer.id = shot.golfer_id
                WHERE golfer.username LIKE %s
                  AND shot.status = ANY(%s) AND NOT shot.has_rejected_values
                  AND NOT shot.is_excluded AND shot.club <> ''
                  AND shot.{metric} IS NOT NULL {both_speeds}
                ORDER BY shot.golfer_id, shot.club, shot.{metric} DESC, shot.hit_at, shot.id
                """,
                [metric, GOLFER_USERNAME_PREFIX + "%", list(COUNTED_STATUSES)],
            )
            created += cursor.rowcount
    return created


def bench_data_load(*, shots: int, stores: int, golfers: int, seed: int = 2026) -> BenchDataSummary:
    """Create ``stores`` stores, ``golfers`` golfers with store links and ``shots`` shots."""
    if connection.vendor != "postgresql":
        raise CommandError("generate_bench_data loads with COPY and needs PostgreSQL.")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    width = len(str(max(stores, golfers)))

    with transaction.atomic():
        _copy_rows(
            Retailer,
            (
                "name",
                "slug",
                "timezone",
                "leaderboard_verified_only",
                "kiosk_public",
                "created_at",
            ),
            (
                (
                    f"Bench Store {number:0{width}}",
                    f"{STORE_SLUG_PREFIX}{number:0{width}}",
                    STORE_TIMEZONES[number % len(STORE_TIMEZONES)],
                    number % VERIFIED_ONLY_STORE_EVERY == 0,
                    number % 2 == 0,
                    now - timedelta(days=HISTORY_DAYS + 30),
                )
                for number in range(1, stores + 1)
            ),
        )
        store_ids = _ids_by_key(Retailer, "slug", STORE_SLUG_PREFIX)
        # A few big stores and a long tail, as with any chain of shops.
        store_weights = [1.0 / (rank + 1) ** 0.7 for rank in range(stores)]

        unusable_password = make_password(None)
        _copy_rows(
            User,
            ("username", "password", "display_name", "date_joined", "is_active"),
            (
                (
                    f"{GOLFER_USERNAME_PREFIX}{number:0{width}}",
                    unusable_password,
                    f"Golfer {number}",
                    now - timedelta(days=rng.uniform(0, HISTORY_DAYS)),
                    True,
                )
                for number in range(1, golfers + 1)
            ),
        )
        golfer_ids = _ids_by_key(User, "username", GOLFER_USERNAME_PREFIX)

        golfer_profiles: list[_Golfer] = []
        links: list[tuple] = []
        for golfer_id in golfer_ids:
            home = rng.choices(store_ids, weights=store_weights)[0]
            linked = [home]
            if stores > 1 and rng.random() < SECOND_STORE_SHARE:
                linked.append(rng.choice([store for store in store_ids if store != home]))
            for store in linked:
                consent = rng.random() < CONSENT_SHARE
                name = f"G{golfer_id}" if consent and rng.random() < 0.5 else ""
                links.append((golfer_id, store, now - timedelta(days=800), consent, name))
            weights = (0.8, 0.1, HOME_PRACTICE_SHARE) if len(linked) == 2 else (0.9, 0.1)
            golfer_profiles.append(
                _Golfer(
                    id=golfer_id,
                    driver_speed=min(max(rng.gauss(95.0, 12.0), 60.0), 128.0),
                    strike=min(max(rng.gauss(1.0, 0.25), 0.5), 1.8),
                    stores=(*linked, None),
                    store_weights=weights,
                )
            )
        _copy_rows(
            CustomerLink,
            ("golfer_id", "retailer_id", "joined_at", "leaderboard_consent", "leaderboard_name"),
            links,
        )

        # Most golfers hit a few sessions; a few regulars hit most of the shots.
        golfer_weights = [rng.lognormvariate(0.0, 1.0) for _ in golfer_profiles]
        loaded = _copy_rows(
            Shot,
            SHOT_COLUMNS,
            _session_shots(
                rng, count=shots, now=now, golfers=golfer_profiles, golfer_weights=golfer_weights
            ),
        )
        personal_bests = _personal_bests_fill()
        board_records = board_records_rebuild(retailer_ids=store_ids)
        outliers_rebuild(retailer_ids=store_ids)

    # VACUUM as well as ANALYZE: a long-lived table has its visibility map set
    # (index-only scans) and no dead rows, also after --reset deleted a million.
    # VACUUM cannot run in a transaction; ANALYZE alone can.
    maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in (Retailer, User, CustomerLink, Shot, PersonalBest, BoardRecord, ShotOutlier):
            cursor.execute(f"{maintenance} {model._meta.db_table}")
    counted_shots = (
        Shot.objects.counted().filter(golfer__username__startswith=GOLFER_USERNAME_PREFIX).count()
    )
    return BenchDataSummary(
        stores=len(store_ids),
        golfers=len(golfer_ids),
        links=len(links),
        shots=loaded,
        counted_shots=counted_shots,
        personal_bests=personal_bests,
        board_records=board_records,
        seconds=time.perf_counter() - started,
    )


class Command(BaseCommand):
    help = (
        "Load bench-… stores, golfers and shots with COPY (PostgreSQL only) for the "
        "leaderboard benchmark. Refuses to run twice unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shots", type=int, default=1_000_000)
        parser.add_argument("--stores", type=int, default=20)
        parser.add_argument("--golfers", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="Delete earlier bench data first.")

    def handle(
        self,
        *args: Any,
        shots: int,
        stores: int,
        golfers: int,
        seed: int,
        reset: bool,
        **options: Any,
    ) -> None:
        if min(shots, stores, golfers) < 1:
            raise CommandError("--shots, --stores and --golfers must be at least 1.")
        if bench_data_exists():
            if not reset:
                raise CommandError(
                    "Bench data is already loaded. Pass --reset to delete it and load afresh."
                )
            started = time.perf_counter()
            bench_data_delete()
            self.stdout.write(
                f"Deleted earlier bench data in {time.perf_counter() - started:.1f} s."
            )
        summary = bench_data_load(shots=shots, stores=stores, golfers=golfers, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {summary.shots:,} shots ({summary.counted_shots:,} counted), "
                f"{summary.stores} stores, {summary.golfers:,} golfers, {summary.links:,} store "
                f"links, {summary.personal_bests:,} personal bests and "
                f"{summary.board_records:,} board records in {summary.seconds:.1f} s."
            )
        )
