"""Demo data: a store, three golfers and 90 days of believable practice shots.

The generator half is pure (a seeded ``random.Random`` in, plain dicts out),
so the same seed and anchor time give the same shots. The numbers follow a
small ball-flight model instead of uniform noise: club speed from the
golfer's driver speed and the club, ball speed from a smash factor, carry
from ball speed and the club, then launch, spin, curve, apex, descent and
hang time that agree with each other. ``demo_data_seed`` writes it all and is
what ``manage.py seed_demo`` calls.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Units, User
from leaderboards.events.services import event_create, event_enter
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import CustomerLink, Membership, Retailer, Role
from shots.metrics import METRICS_BY_NAME
from shots.models import CLUB_ORDER, Shot, ShotSource, ShotStatus
from shots.services import ShotPlace, counted_shot_changed, sessions_regroup_for_golfer
from shots.trust import trust_level_for
from shots.validation import check_values

DEMO_PASSWORD = "golfshots-demo"
DEMO_STORE_SLUG = "demo"
DEMO_STORE_NAME = "Fairway Lab Golf Studio"
DEMO_STORE_TIMEZONE = "America/New_York"
HISTORY_DAYS = 90

# The studio's bays; each session is hit in one of them.
STORE_DEVICES = ("Trackman 4", "Trackman 4", "Garmin R10")

WOODS_AND_HYBRIDS = {"driver", "3w", "5w", "7w", "2h", "3h", "4h", "5h"}
WEDGES = {"pw", "gw", "sw", "lw"}


@dataclass(frozen=True)
class ClubModel:
    """Typical numbers for a solid amateur strike with one club."""

    speed_ratio: float  # club speed as a share of the golfer's driver speed
    smash: float
    launch: float  # degrees
    spin: float  # rpm
    carry_per_mph: float  # yards of carry per mph of ball speed at ideal launch and spin
    roll: float  # yards
    roll_spread: float
    attack_angle: float  # degrees

    @property
    def smash_ceiling(self) -> float:
        # Physics caps smash near 1.50 for a driver and lower for lofted clubs;
        # staying under the review thresholds keeps clean shots clean.
        return 1.50 if self.smash >= 1.43 else min(self.smash + 0.06, 1.43)


# Calibrated so a 105 mph driver carries ~230 yd, a 7-iron swung at 80 mph
# ~150 yd and that golfer's pitching wedge ~115 yd.
CLUB_MODELS: dict[str, ClubModel] = {
    "driver": ClubModel(1.00, 1.45, 12.0, 2650, 1.545, 20, 6, 0.5),
    "3w": ClubModel(0.95, 1.44, 11.0, 3600, 1.49, 15, 5, -1.5),
    "5w": ClubModel(0.92, 1.43, 12.5, 4300, 1.475, 12, 4, -2.0),
    "7w": ClubModel(0.90, 1.41, 14.0, 4700, 1.46, 10, 4, -2.5),
    "2h": ClubModel(0.91, 1.41, 10.5, 4000, 1.475, 11, 4, -2.0),
    "3h": ClubModel(0.89, 1.40, 11.5, 4300, 1.465, 10, 4, -2.5),
    "4h": ClubModel(0.87, 1.39, 12.5, 4600, 1.455, 9, 3, -2.8),
    "5h": ClubModel(0.85, 1.38, 13.5, 4900, 1.445, 8, 3, -3.0),
    "2i": ClubModel(0.89, 1.38, 9.5, 4200, 1.465, 9, 3, -2.5),
    "3i": ClubModel(0.87, 1.37, 10.5, 4600, 1.455, 8, 3, -2.8),
    "4i": ClubModel(0.85, 1.37, 11.5, 4900, 1.445, 7, 3, -3.0),
    "5i": ClubModel(0.83, 1.36, 12.5, 5300, 1.435, 6, 3, -3.2),
    "6i": ClubModel(0.80, 1.35, 14.5, 6000, 1.425, 6, 2.5, -3.6),
    "7i": ClubModel(0.77, 1.34, 18.0, 6750, 1.415, 5, 2.5, -4.0),
    "8i": ClubModel(0.75, 1.32, 20.0, 7600, 1.375, 4, 2, -4.3),
    "9i": ClubModel(0.735, 1.29, 22.5, 8300, 1.325, 3, 2, -4.6),
    "pw": ClubModel(0.72, 1.24, 26.0, 9200, 1.245, 2, 2, -5.0),
    "gw": ClubModel(0.70, 1.21, 28.5, 9700, 1.19, 1, 2, -5.0),
    "sw": ClubModel(0.68, 1.18, 31.0, 10100, 1.14, 0, 2, -5.2),
    "lw": ClubModel(0.66, 1.15, 33.0, 10300, 1.09, 0, 2, -5.5),
}

# Clubs most people practise with come up more often in a session.
FAVOURITE_CLUBS = {"driver": 3.0, "7i": 3.0, "pw": 2.5}


@dataclass(frozen=True)
class GolferProfile:
    username: str
    first_name: str
    last_name: str
    leaderboard_name: str
    account: str  # what the account is, for the log-in table
    units: str
    driver_speed: float  # mph
    speed_spread: float  # shot-to-shot variation of club speed, as a share
    strike_spread: float  # scales smash, launch and spin scatter; 1 = a solid amateur
    face_spread: float  # degrees of face-to-path scatter
    face_to_path_bias: float  # + = open to the path: a fade or slice
    club_path_bias: float  # + = in-to-out
    driver_attack_angle: float
    spin_factor: float  # driver, woods and hybrids
    miss_rate: float  # share of shots that curve well off line
    mishit_rate: float  # share of shots struck thin, low on the face
    sessions_per_week: float
    bag: tuple[str, ...]
    email_domain: str = "example.com"

    @property
    def email(self) -> str:
        return f"{self.username}@{self.email_domain}"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEMO_GOLFERS: tuple[GolferProfile, ...] = (
    GolferProfile(
        username="demo",
        first_name="Dana",
        last_name="Reyes",
        leaderboard_name="Dana R.",
        account="golfer, mid handicapper: start here",
        units=Units.IMPERIAL,
        driver_speed=105,
        speed_spread=0.022,
        strike_spread=1.0,
        face_spread=1.6,
        face_to_path_bias=0.8,
        club_path_bias=-0.5,
        driver_attack_angle=0.5,
        spin_factor=1.0,
        miss_rate=0.06,
        mishit_rate=0.02,
        sessions_per_week=3.0,
        bag=("driver", "3w", "4h", "5i", "6i", "7i", "8i", "9i", "pw", "gw", "sw"),
    ),
    GolferProfile(
        username="alex",
        first_name="Alex",
        last_name="Novak",
        leaderboard_name="Alex N.",
        account="golfer, long hitter, metric units",
        units=Units.METRIC,
        driver_speed=115,
        speed_spread=0.02,
        strike_spread=0.9,
        face_spread=1.8,
        face_to_path_bias=-0.6,
        club_path_bias=1.5,
        driver_attack_angle=2.5,
        spin_factor=0.95,
        miss_rate=0.08,
        mishit_rate=0.01,
        sessions_per_week=2.5,
        bag=("driver", "3w", "4i", "5i", "6i", "7i", "8i", "9i", "pw", "gw", "sw", "lw"),
    ),
    GolferProfile(
        username="sam",
        first_name="Sam",
        last_name="Carter",
        leaderboard_name="Sam C.",
        account="golfer, beginner",
        units=Units.IMPERIAL,
        driver_speed=80,
        speed_spread=0.04,
        strike_spread=1.6,
        face_spread=3.4,
        face_to_path_bias=2.0,
        club_path_bias=-2.5,
        driver_attack_angle=-2.0,
        spin_factor=1.12,
        miss_rate=0.12,
        mishit_rate=0.10,
        sessions_per_week=2.0,
        bag=("driver", "5w", "5h", "6i", "7i", "8i", "9i", "pw", "sw"),
    ),
)


# --- The generator: pure functions ------------------------------------------


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _rounded(name: str, value: float) -> float:
    return round(value, METRICS_BY_NAME[name].decimals)


def generate_shot(
    rng: random.Random, profile: GolferProfile, club: str, *, form: float = 1.0
) -> dict[str, float]:
    """One full swing's numbers in canonical units, rounded as a monitor shows them.

    ``form`` scales club speed for the day (a good or a stiff session).
    """
    model = CLUB_MODELS[club]
    strike = profile.strike_spread

    club_speed = (
        profile.driver_speed * model.speed_ratio * form * rng.gauss(1.0, profile.speed_spread)
    )
    smash = min(rng.gauss(model.smash, 0.03 * strike), model.smash_ceiling)
    launch = rng.gauss(model.launch, 1.2 * strike)
    # Glancing blows add spin to the long clubs; lofted clubs spin as built.
    ideal_spin = model.spin * (profile.spin_factor if club in WOODS_AND_HYBRIDS else 1.0)
    spin = rng.gauss(ideal_spin, 0.07 * ideal_spin * strike)
    attack_base = profile.driver_attack_angle if club == "driver" else model.attack_angle
    attack = _clip(rng.gauss(attack_base, 1.0 * strike), -9.0, 9.0)
    # Launch comes mostly from the loft delivered and a little from the attack angle.
    loft_share = 0.86 if club in WOODS_AND_HYBRIDS else 0.8
    dynamic_loft = _clip((launch - 0.15 * attack) / loft_share, 6.0, 58.0)

    if rng.random() < profile.mishit_rate:
        # Struck thin: much less ball speed, a low launch and less spin.
        smash *= rng.uniform(0.72, 0.9)
        launch -= rng.uniform(3.0, 7.0)
        spin *= rng.uniform(0.65, 0.95)
    launch = max(launch, 2.5)
    spin = _clip(spin, 1200.0, 11800.0)

    club_path = _clip(rng.gauss(profile.club_path_bias, 1.8 * strike), -9.0, 9.0)
    face_to_path = rng.gauss(profile.face_to_path_bias, profile.face_spread)
    if rng.random() < profile.miss_rate:
        face_to_path += rng.choice((-1, 1)) * rng.uniform(3.5, 6.5)
    face_angle = _clip(club_path + _clip(face_to_path, -9.5, 9.5), -9.5, 9.5)
    club_path, face_angle = _rounded("club_path", club_path), _rounded("face_angle", face_angle)
    face_to_path = round(face_angle - club_path, 1)

    # The D-plane: the start line follows the face, the curve follows face to
    # path relative to the spin loft.
    launch_direction = 0.75 * face_angle + 0.25 * club_path
    spin_loft = max(dynamic_loft - attack, 4.0)
    spin_axis = _clip(math.degrees(math.atan2(face_to_path, spin_loft)), -35.0, 35.0)
    finish_angle = launch_direction + 0.45 * spin_axis

    ball_speed = club_speed * smash
    efficiency = (
        1.0 - 0.006 * (launch - model.launch) ** 2 - 0.5 * ((spin - ideal_spin) / ideal_spin) ** 2
    )
    # A tilted spin axis turns lift sideways: curved shots fly shorter.
    efficiency *= math.sqrt(math.cos(math.radians(spin_axis)))
    carry = model.carry_per_mph * ball_speed * max(efficiency, 0.45)

    roll = rng.gauss(model.roll, model.roll_spread)
    if launch < model.launch - 3.0:
        roll += (model.launch - launch) * 1.5  # low shots run out
    roll = max(roll, -3.0 if club in WEDGES else 0.0)  # wedges can spin back
    total = carry + roll

    carry_side = carry * math.sin(math.radians(finish_angle))
    total_side = carry_side + roll * math.sin(math.radians(finish_angle + 0.5 * spin_axis))

    apex_feet = (
        3.0
        * carry
        * math.tan(math.radians(launch))
        * (0.72 - 0.009 * launch)
        * (spin / model.spin) ** 0.3
        * rng.gauss(1.0, 0.03)
    )
    descent_angle = _clip(
        16.0 + 1.4 * launch + 10.0 * (spin / ideal_spin - 1.0) + rng.gauss(0.0, 1.0), 12.0, 72.0
    )
    # Time to the apex and back in a vacuum, stretched for drag and lift.
    apex_metres = apex_feet / 3.28084
    hang_time = 1.27 * 2.0 * math.sqrt(2.0 * apex_metres / 9.81) * rng.gauss(1.0, 0.02)

    axis = math.radians(spin_axis)
    rounded_club_speed = _rounded("club_speed", club_speed)
    rounded_ball_speed = _rounded("ball_speed", ball_speed)
    return {
        "club_speed": rounded_club_speed,
        "ball_speed": rounded_ball_speed,
        "smash_factor": round(rounded_ball_speed / rounded_club_speed, 2),
        "launch_angle": _rounded("launch_angle", launch),
        "launch_direction": _rounded("launch_direction", launch_direction),
        "spin_rate": _rounded("spin_rate", spin),
        "spin_axis": _rounded("spin_axis", spin_axis),
        "back_spin": _rounded("back_spin", spin * math.cos(axis)),
        "side_spin": _rounded("side_spin", spin * math.sin(axis)),
        "carry": _rounded("carry", carry),
        "total": _rounded("total", total),
        "carry_side": _rounded("carry_side", carry_side),
        "total_side": _rounded("total_side", total_side),
        "apex": _rounded("apex", apex_feet),
        "descent_angle": _rounded("descent_angle", descent_angle),
        "attack_angle": _rounded("attack_angle", attack),
        "club_path": club_path,
        "face_angle": face_angle,
        "face_to_path": face_to_path,
        "dynamic_loft": _rounded("dynamic_loft", dynamic_loft),
        "hang_time": _rounded("hang_time", _clip(hang_time, 0.5, 11.0)),
    }


def _session_clubs(rng: random.Random, profile: GolferProfile) -> list[str]:
    """Three to five clubs from the bag, in the order people warm up: short to long."""
    remaining = list(profile.bag)
    count = min(rng.randint(3, 5), len(remaining))
    chosen: list[str] = []
    for _ in range(count):
        weights = [FAVOURITE_CLUBS.get(club, 1.0) for club in remaining]
        club = rng.choices(remaining, weights=weights)[0]
        remaining.remove(club)
        chosen.append(club)
    return sorted(chosen, key=lambda club: CLUB_ORDER[club], reverse=True)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    counts = [total // parts] * parts
    for _ in range(total - sum(counts)):
        counts[rng.randrange(parts)] += 1
    return counts


def generate_session(
    rng: random.Random, golfer_profile: GolferProfile, start: datetime
) -> list[dict]:
    """One practice session: 15 to 40 shots with several clubs, from ``start`` on.

    Each item is ``{"club", "hit_at", "source_device", "metrics"}``.
    """
    clubs = _session_clubs(rng, golfer_profile)
    counts = _split(rng, rng.randint(15, 40), len(clubs))
    device = rng.choice(STORE_DEVICES)
    form = rng.gauss(1.0, 0.012)
    hit_at = start
    shots: list[dict] = []
    for club, count in zip(clubs, counts, strict=True):
        for _ in range(count):
            shots.append(
                {
                    "club": club,
                    "hit_at": hit_at,
                    "source_device": device,
                    "metrics": generate_shot(rng, golfer_profile, club, form=form),
                }
            )
            hit_at += timedelta(seconds=rng.randint(35, 95))
        hit_at += timedelta(seconds=rng.randint(60, 180))  # switching clubs
    return shots


def _session_start(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    # After work on weekdays, any time in the day at weekends.
    first, last = (17 * 60, 20 * 60) if day.weekday() < 5 else (9 * 60, 16 * 60)
    minutes = rng.randint(first, last)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)


def generate_history(
    rng: random.Random,
    golfer_profile: GolferProfile,
    *,
    now: datetime,
    zone: ZoneInfo,
    days: int = HISTORY_DAYS,
) -> list[dict]:
    """Sessions a few times a week over the ``days`` before ``now``, oldest first.

    Nothing is dated after ``now``.
    """
    today = now.astimezone(zone).date()
    chance_per_day = golfer_profile.sessions_per_week / 7
    shots: list[dict] = []
    for days_ago in range(days, -1, -1):
        if rng.random() >= chance_per_day:
            continue
        start = _session_start(rng, today - timedelta(days=days_ago), zone)
        shots.extend(
            shot for shot in generate_session(rng, golfer_profile, start) if shot["hit_at"] <= now
        )
    return shots


def rng_for(golfer_profile: GolferProfile) -> random.Random:
    """The golfer's own seeded generator: the same history on every machine."""
    return random.Random(f"golfshots-demo:{golfer_profile.username}")


# --- Writing it ------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    account: str


@dataclass
class DemoSeedResult:
    created_store: bool = False
    created_users: list[str] = field(default_factory=list)
    created_links: int = 0
    created_shots: int = 0
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.created_store or self.created_users or self.created_links or self.created_shots
        )


def _account_get_or_create(*, username: str, defaults: dict) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(username=username, defaults=defaults)
    if created:
        # Only a new account gets the published password: a re-run must not
        # undo a password someone changed.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


# How the demo golfers' sessions reached the app, as at a studio with launch
# monitors: mostly the bay's session file imported (measured), some recorded
# by the owner at the counter (verified), a few typed in by the golfer (typed,
# so they count for the golfer but rank on no board).
SESSION_SOURCES: dict[str, float] = {"imported": 0.7, "recorded_by_owner": 0.15, "typed": 0.15}
# A new session starts after this long without a shot (as in the generator).
SESSION_BREAK = timedelta(minutes=60)


def _session_kinds(golfer_profile: GolferProfile, generated: list[dict]) -> list[str]:
    """How each generated shot's session was recorded, one kind per session.

    A generator of its own, so the shots' numbers stay what ``rng_for`` makes.
    """
    rng = random.Random(f"golfshots-demo-sources:{golfer_profile.username}")
    kinds, weights = list(SESSION_SOURCES), list(SESSION_SOURCES.values())
    result: list[str] = []
    previous: datetime | None = None
    kind = kinds[0]
    for item in generated:
        if previous is None or item["hit_at"] - previous > SESSION_BREAK:
            kind = rng.choices(kinds, weights=weights)[0]
        result.append(kind)
        previous = item["hit_at"]
    return result


def _shot_from_generated(
    golfer: User, store: Retailer, generated: dict, *, kind: str, owner: User
) -> Shot:
    metrics = generated["metrics"]
    checks = check_values(metrics, club=generated["club"])
    if checks.rejected:
        raise ValueError(f"The demo generator made impossible values: {checks.rejected}")
    flags: dict[str, list[str]] = {}
    for name, _message in checks.warnings:
        if name:
            flags.setdefault(name, []).append("warned")
    shot = Shot(
        golfer=golfer,
        retailer=store,
        club=generated["club"],
        hit_at=generated["hit_at"],
        source=ShotSource.CSV if kind == "imported" else ShotSource.MANUAL,
        source_device=generated["source_device"],
        status=ShotStatus.CONFIRMED,
        metric_flags=flags,
        **metrics,
    )
    if kind == "recorded_by_owner":
        shot.verified_by = owner
        shot.verified_at = generated["hit_at"] + timedelta(minutes=1)
    shot.trust = trust_level_for(shot)
    return shot


def demo_data_seed(*, now: datetime | None = None) -> DemoSeedResult:
    """Create the demo store, admin and golfers with their shots, once.

    Idempotent: existing rows are left as they are, and a golfer who already
    has shots gets no more.
    """
    now = now or timezone.now()
    joined = now - timedelta(days=HISTORY_DAYS + 1)
    result = DemoSeedResult()
    with transaction.atomic():
        store, result.created_store = Retailer.objects.get_or_create(
            slug=DEMO_STORE_SLUG,
            defaults={
                "name": DEMO_STORE_NAME,
                "timezone": DEMO_STORE_TIMEZONE,
                "units": Units.IMPERIAL,
                # So a newcomer can open /s/demo/kiosk/ without logging in.
                "kiosk_public": True,
            },
        )
        zone = store.zone

        owner, created = _account_get_or_create(
            username="owner",
            defaults={"email": "owner@example.com", "display_name": "Store owner"},
        )
        if created:
            result.created_users.append("owner")
        Membership.objects.get_or_create(user=owner, retailer=store, defaults={"role": Role.OWNER})
        result.logins.append(
            DemoLogin("owner", DEMO_PASSWORD, f"store owner: the console at /console/{store.slug}/")
        )

        _admin, created = _account_get_or_create(
            username="admin",
            defaults={
                "email": "admin@example.com",
                "display_name": "Platform admin",
                "is_staff": True,
                "is_superuser": True,
            },
        )
        if created:
            result.created_users.append("admin")
        result.logins.append(DemoLogin("admin", DEMO_PASSWORD, "platform admin: /admin/"))

        for profile in DEMO_GOLFERS:
            golfer, created = _account_get_or_create(
                username=profile.username,
                defaults={
                    "email": profile.email,
                    "first_name": profile.first_name,
                    "last_name": profile.last_name,
                    "display_name": profile.display_name,
                    "units": profile.units,
                    "timezone": store.timezone,
                    "date_joined": joined,
                },
            )
            if created:
                result.created_users.append(profile.username)
            result.logins.append(DemoLogin(profile.username, DEMO_PASSWORD, profile.account))

            link, link_created = CustomerLink.objects.get_or_create(
                golfer=golfer,
                retailer=store,
                defaults={
                    "joined_via": "demo",
                    "leaderboard_consent": True,
                    "leaderboard_name": profile.leaderboard_name,
                },
            )
            if link_created:
                # joined_at is auto_now_add; the golfer joined before the history starts.
                CustomerLink.objects.filter(pk=link.pk).update(joined_at=joined)
                result.created_links += 1

            if Shot.objects.filter(golfer=golfer).exists():
                continue
            generated = generate_history(rng_for(profile), profile, now=now, zone=zone)
            kinds = _session_kinds(profile, generated)
            shots = [
                _shot_from_generated(golfer, store, item, kind=kind, owner=owner)
                for item, kind in zip(generated, kinds, strict=True)
            ]
            Shot.objects.bulk_create(shots, batch_size=500)
            result.created_shots += len(shots)
            sessions_regroup_for_golfer(golfer_id=golfer.pk)
            counted_shot_changed(
                places=[
                    ShotPlace(golfer_id=golfer.pk, club=club, retailer_id=store.pk)
                    for club in {shot.club for shot in shots}
                ]
            )

        if not Event.objects.filter(retailer=store).exists():
            _demo_events_create(store=store, owner=owner, now=now, zone=zone)
    return result


# The running event opens this many days before the seed and stays open as
# long again: a window that holds weeks of demo shots whatever the date (a
# calendar-month event is empty on the 1st) and stays open while someone
# tries the demo.
RUNNING_EVENT_DAYS = 21


def _demo_events_create(*, store: Retailer, owner: User, now: datetime, zone: ZoneInfo) -> None:
    """A long-drive contest running now and a ball-speed challenge that finished before it."""
    today = now.astimezone(zone).date()
    opened = datetime.combine(today - timedelta(days=RUNNING_EVENT_DAYS), time.min, tzinfo=zone)
    closes = datetime.combine(today + timedelta(days=RUNNING_EVENT_DAYS), time.min, tzinfo=zone)
    previous_opened = datetime.combine(opened.date() - timedelta(days=28), time.min, tzinfo=zone)
    golfers = list(User.objects.filter(username__in=[p.username for p in DEMO_GOLFERS]))
    current = event_create(
        retailer=store,
        created_by=owner,
        name=f"Long drive to {closes:%-d %B}",
        metric="carry",
        club="driver",
        starts_at=opened,
        ends_at=closes,
        divisions=["Open", "Seniors"],
    )
    for golfer in golfers:
        division = "Seniors" if golfer.username == "sam" else "Open"
        event_enter(event=current, golfer=golfer, division=division, now=now)
    finished = event_create(
        retailer=store,
        created_by=owner,
        name="Ball-speed challenge (first 5 shots)",
        metric="ball_speed",
        club="",
        starts_at=previous_opened,
        ends_at=opened,
        attempt_rule=AttemptRule.FIRST_N,
        attempts=5,
    )
    # event_enter refuses finished events, as it should for golfers; the demo
    # back-fills the entries the golfers would have made back then.
    EventEntry.objects.bulk_create(
        [EventEntry(event=finished, golfer=golfer) for golfer in golfers]
    )


__all__ = [
    "CLUB_MODELS",
    "DEMO_GOLFERS",
    "DEMO_PASSWORD",
    "DEMO_STORE_SLUG",
    "DemoLogin",
    "DemoSeedResult",
    "GolferProfile",
    "demo_data_seed",
    "generate_history",
    "generate_session",
    "generate_shot",
    "rng_for",
]
