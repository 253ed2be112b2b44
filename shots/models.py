from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shots.metrics import METRICS, METRICS_BY_NAME, format_value

if TYPE_CHECKING:
    from accounts.models import User


class Club(models.TextChoices):
    # Declared in bag order (longest first); CLUB_ORDER relies on it.
    DRIVER = "driver", "Driver"
    WOOD_3 = "3w", "3-wood"
    WOOD_5 = "5w", "5-wood"
    WOOD_7 = "7w", "7-wood"
    HYBRID_2 = "2h", "2-hybrid"
    HYBRID_3 = "3h", "3-hybrid"
    HYBRID_4 = "4h", "4-hybrid"
    HYBRID_5 = "5h", "5-hybrid"
    IRON_2 = "2i", "2-iron"
    IRON_3 = "3i", "3-iron"
    IRON_4 = "4i", "4-iron"
    IRON_5 = "5i", "5-iron"
    IRON_6 = "6i", "6-iron"
    IRON_7 = "7i", "7-iron"
    IRON_8 = "8i", "8-iron"
    IRON_9 = "9i", "9-iron"
    PITCHING_WEDGE = "pw", "Pitching wedge"
    GAP_WEDGE = "gw", "Gap wedge"
    SAND_WEDGE = "sw", "Sand wedge"
    LOB_WEDGE = "lw", "Lob wedge"
    PUTTER = "putter", "Putter"


CLUB_ORDER: dict[str, int] = {value: index for index, value in enumerate(Club.values)}


class ShotStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued"
    ANALYZING = "analyzing", "Analysing"
    ANALYZED = "analyzed", "Analysed"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"
    CONFIRMED = "confirmed", "Confirmed"
    # The analyser found no launch-monitor number at all (a photo of a room, noise, a
    # plain colour): not a shot. It waits, hidden from every list, until the golfer
    # types the numbers in (keeping the photo) or discards it; abandoned ones are
    # removed by the sweeper (shots.services.pipeline.unreadable_shots_discard_abandoned).
    UNREADABLE = "unreadable", "No numbers found"
    # The reading service (OpenAI) or the photo's storage failed for a reason that
    # passes (a timeout, a 429, a 5xx): the next attempt is due at analysis_due_at,
    # sent by a Celery retry or the sweeper (shots.services.pipeline). Not pending,
    # so the golfer may type the numbers in meanwhile and no page polls for hours.
    RETRY_LATER = "retry_later", "Will try again"


class ShotSource(models.TextChoices):
    PHOTO = "photo", "Photo"
    MANUAL = "manual", "Typed in"
    CSV = "csv", "CSV import"
    API = "api", "API"


class ShotTrust(models.TextChoices):
    """How far a shot's numbers can be trusted; ``shots.trust.trust_level_for`` is the rule."""

    MEASURED = "measured", "Measured"
    TYPED = "typed", "Typed"
    VERIFIED = "verified", "Verified"
    EXCLUDED = "excluded", "Excluded"


COUNTED_STATUSES = (ShotStatus.ANALYZED, ShotStatus.CONFIRMED)

# A shot counts towards personal bests, analytics and leaderboards only when
# its numbers are trusted: analysed cleanly or confirmed by the golfer, with no
# value rejected by a hard range, and not excluded by store staff.
COUNTED = Q(status__in=COUNTED_STATUSES, has_rejected_values=False, is_excluded=False) & ~Q(club="")

# What a store's boards and events rank, written once. Personal bests and
# analytics count every COUNTED shot whatever its level; a board or event only
# verified shots, plus measured ones unless the store (or event) is verified
# only. A typed number never ranks until staff verify it.
RANKABLE_LEVELS = (ShotTrust.VERIFIED, ShotTrust.MEASURED)
RANKABLE_CHOICES = [(level.value, level.label) for level in RANKABLE_LEVELS]
RANKABLE_ON_BOARDS = COUNTED & Q(trust__in=RANKABLE_LEVELS)
RANKABLE_ON_VERIFIED_ONLY_BOARDS = COUNTED & Q(trust=ShotTrust.VERIFIED)


def rankable(*, verified_only: bool) -> Q:
    """The shots a board or event with this rule may rank (before its own filters)."""
    return RANKABLE_ON_VERIFIED_ONLY_BOARDS if verified_only else RANKABLE_ON_BOARDS


# A smash factor stands as a record (personal best, board, event) only when
# both speeds were measured and the ratio is physically possible: a typed-in
# 1.9, or a chip at 0.8, must not top a board.
RECORD_SMASH_RANGE = (1.0, 1.6)


def record_value_present(metric: str) -> Q:
    """Shots whose ``metric`` can stand as a record: measured, and for smash, plausible."""
    present = Q(**{f"{metric}__isnull": False})
    if metric == "smash_factor":
        low, high = RECORD_SMASH_RANGE
        present &= Q(
            ball_speed__isnull=False,
            club_speed__isnull=False,
            smash_factor__gte=low,
            smash_factor__lte=high,
        )
    return present


# A photo waiting for the analyser: the sweeper watches these for stalls.
PENDING_STATUSES = (ShotStatus.RECEIVED, ShotStatus.QUEUED, ShotStatus.ANALYZING)


class ShotQuerySet(models.QuerySet):
    def counted(self) -> ShotQuerySet:
        return self.filter(COUNTED)

    def for_golfer(self, golfer: User) -> ShotQuerySet:
        return self.filter(golfer=golfer)


def _metric_field(name: str) -> models.FloatField:
    metric = METRICS_BY_NAME[name]
    unit = metric.unit(metric=False)
    return models.FloatField(
        null=True, blank=True, help_text=f"{metric.label}{f' ({unit})' if unit else ''}"
    )


# Idempotency keys (Idempotency-Key, the forms' hidden token) are at most this long.
CLIENT_TOKEN_MAX_LENGTH = 64


class Shot(models.Model):
    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shots"
    )
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shots",
        help_text="Where the shot was hit; empty for home practice.",
    )
    # Blank only while a photo waits for the analyser to read the club.
    club = models.CharField(max_length=8, choices=Club.choices, blank=True)
    hit_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=ShotSource.choices, default=ShotSource.MANUAL)
    source_device = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=14, choices=ShotStatus.choices, default=ShotStatus.RECEIVED
    )
    # Claims by the analysis task; the sweeper gives up after ANALYSIS_MAX_ATTEMPTS.
    analysis_attempts = models.PositiveSmallIntegerField(default=0)
    # When the next analysis attempt is due: when its message was sent (queued), or
    # when its retry is (retry_later). The sweeper re-sends only what is overdue.
    analysis_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # While analyzing: the attempt holds the shot until then, and renews it while it
    # waits on the analyser. Past it, the attempt is dead and another may take over.
    analysis_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    # Metrics, canonical units (see shots/metrics.py); null = not measured.
    ball_speed = _metric_field("ball_speed")
    club_speed = _metric_field("club_speed")
    smash_factor = _metric_field("smash_factor")
    launch_angle = _metric_field("launch_angle")
    launch_direction = _metric_field("launch_direction")
    spin_rate = _metric_field("spin_rate")
    spin_axis = _metric_field("spin_axis")
    back_spin = _metric_field("back_spin")
    side_spin = _metric_field("side_spin")
    carry = _metric_field("carry")
    total = _metric_field("total")
    carry_side = _metric_field("carry_side")
    total_side = _metric_field("total_side")
    apex = _metric_field("apex")
    descent_angle = _metric_field("descent_angle")
    attack_angle = _metric_field("attack_angle")
    club_path = _metric_field("club_path")
    face_angle = _metric_field("face_angle")
    face_to_path = _metric_field("face_to_path")
    dynamic_loft = _metric_field("dynamic_loft")
    hang_time = _metric_field("hang_time")

    # {"spin_rate": ["estimated"], "carry": ["warned"], ...}
    metric_flags = models.JSONField(default=dict, blank=True)
    has_rejected_values = models.BooleanField(
        default=False, help_text="A value fell outside its hard range and was discarded."
    )
    is_excluded = models.BooleanField(default=False, help_text="Excluded by store staff.")
    exclusion_reason = models.CharField(max_length=200, blank=True)

    image = models.ImageField(upload_to="shots/%Y/%m/", blank=True)
    image_sha256 = models.CharField(max_length=64, blank=True)
    client_token = models.CharField(max_length=CLIENT_TOKEN_MAX_LENGTH, blank=True)

    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set by every write in shots.services from shots.trust.trust_level_for.
    # The default is the level that never ranks, for a row written any other way.
    trust = models.CharField(
        max_length=8,
        choices=ShotTrust.choices,
        default=ShotTrust.TYPED,
        help_text="Measured, typed, verified by staff, or excluded; boards rank by it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Practice sessions: kept by shots.services.sessions on every write to hit_at.
    session = models.ForeignKey(
        "shots.PracticeSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shots",
        help_text="The practice session the shot belongs to.",
    )

    # Launch-monitor file imports: the file the shot came from, and what makes
    # it the same shot in another (or the same) export: shots.services.imports.
    shot_import = models.ForeignKey(
        "shots.ShotImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shots",
        help_text="The imported launch-monitor file the shot came from.",
        # No index: nothing looks shots up by import on a hot path (an
        # import's shots are its session's), and building one on a million
        # rows would lock the table during the migration.
        db_index=False,
    )
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = ShotQuerySet.as_manager()

    class Meta:
        ordering = ["-hit_at", "-id"]
        constraints = [
            # Idempotent submits: one shot per (golfer, client token).
            models.UniqueConstraint(
                fields=["golfer", "client_token"],
                condition=~Q(client_token=""),
                name="unique_shot_client_token",
            ),
            # Re-importing a file (or an overlapping export of one session)
            # never makes a shot twice; the importer also reads this index
            # to count the rows already imported.
            models.UniqueConstraint(
                fields=["golfer", "import_fingerprint"],
                condition=~Q(import_fingerprint=""),
                name="unique_shot_import_fingerprint",
            ),
            # The same original photo from the same golfer is one shot, even when two
            # uploads of it race past the service's look-up (shot_create_from_photo).
            # A deleted shot (a discarded photo with no numbers too) frees its photo.
            models.UniqueConstraint(
                fields=["golfer", "image_sha256"],
                condition=~Q(image_sha256=""),
                name="unique_shot_photo",
            ),
        ]
        indexes = [
            # A golfer's recent shots: the shot list, "My bag" counts, the API list.
            # The lists order by (-hit_at, -id); PostgreSQL finishes the id order
            # with an incremental sort of equal hit_at values, so id is not indexed.
            models.Index(fields=["golfer", "-hit_at"], name="shot_golfer_recent"),
            # Personal-best recomputation (personal_bests_recompute): the golfer's
            # shots with one club, a few hundred rows at most, sorted per metric.
            models.Index(fields=["golfer", "club", "-hit_at"], name="shot_golfer_club"),
            # The leaderboard indexes below are partial on what a board can count
            # (COUNTED, hit at a store) and lead with what the board query filters
            # by with equality, then the period window; each golfer's best is a
            # window function over the few rows they return. docs/performance.md
            # has the plans they were chosen by.
            # A store's board for one club, any period (leaderboards.selectors,
            # eligible_shots with a retailer and a club).
            models.Index(
                fields=["retailer", "club", "hit_at"],
                condition=COUNTED & Q(retailer__isnull=False),
                name="shot_board_store_club",
            ),
            # A store's board over any club for today, the week, month or year.
            models.Index(
                fields=["retailer", "hit_at"],
                condition=COUNTED & Q(retailer__isnull=False),
                name="shot_board_store_recent",
            ),
            # The all-stores board for one club, any period.
            models.Index(
                fields=["club", "hit_at"],
                condition=COUNTED & Q(retailer__isnull=False),
                name="shot_board_club_recent",
            ),
            # The /metrics gauges (golfshots.monitoring.DatabaseCollector) and the
            # sweeper: shots still in the pipeline or waiting for review, a
            # small slice of the table, counted per status with the oldest.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=["received", "queued", "analyzing", "needs_review"]),
                name="shot_pipeline_open",
            ),
            # The sweeper's clean-up of photos with no numbers that the golfer abandoned
            # (unreadable_shots_discard_abandoned): a handful of rows, by age.
            models.Index(
                fields=["updated_at"],
                condition=Q(status="unreadable"),
                name="shot_unreadable_age",
            ),
            # The sweeper's look for photos whose retry is due (analysis_due_at):
            # a handful of rows, thousands during a long OpenAI outage.
            models.Index(
                fields=["analysis_due_at"],
                condition=Q(status="retry_later"),
                name="shot_retry_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_club_display() or 'Unknown club'} shot #{self.pk} by {self.golfer_id}"

    def get_absolute_url(self) -> str:
        return reverse("shots:detail", args=[self.pk])

    @property
    def is_counted(self) -> bool:
        return (
            self.status in COUNTED_STATUSES
            and not self.has_rejected_values
            and not self.is_excluded
            and self.club != ""
        )

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_unreadable(self) -> bool:
        return self.status == ShotStatus.UNREADABLE

    def metric_values(self) -> dict[str, float | None]:
        return {metric.name: getattr(self, metric.name) for metric in METRICS}

    def measured_metrics(self) -> list[tuple[str, float]]:
        return [(name, value) for name, value in self.metric_values().items() if value is not None]

    def flags_for(self, metric_name: str) -> list[str]:
        return list(self.metric_flags.get(metric_name, []))

    def headline(self, *, metric_units: bool = False) -> str:
        """A one-line summary such as ``Carry 152.0 yd · Ball speed 121.3 mph``."""
        parts = []
        for name in ("carry", "ball_speed"):
            value = getattr(self, name)
            if value is not None:
                metric = METRICS_BY_NAME[name]
                parts.append(
                    f"{metric.label} {format_value(metric, value, metric_units=metric_units)}"
                )
        return " · ".join(parts)


# --- Practice sessions --------------------------------------------------------

# A session ends after this long with no shot; a shot exactly this long after
# the previous one still belongs to its session.
SESSION_GAP = timedelta(minutes=60)


class SessionKind(models.TextChoices):
    PRACTICE = "practice", "Practice"  # grouped by SESSION_GAP
    IMPORT = "import", "Imported file"  # one launch-monitor file, never regrouped


class PracticeSession(models.Model):
    """A golfer's practice session: shots with no gap over ``SESSION_GAP``, or one imported file.

    Named PracticeSession so it never reads like django.contrib.sessions' Session.
    Derived data: ``shots.services.sessions`` keeps the rows and their bounds in
    line with the shots on every write that creates, moves or deletes a shot.
    """

    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions"
    )
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_sessions",
        help_text="Where the session's first shot was hit; empty for home practice.",
    )
    started_at = models.DateTimeField(help_text="When its first shot was hit.")
    ended_at = models.DateTimeField(help_text="When its last shot was hit.")
    shot_count = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=SessionKind.choices, default=SessionKind.PRACTICE)
    # A placeholder for the launch-monitor importer: which file the session came from.
    import_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The golfer's sessions newest first, and the sessions near a shot's time.
            models.Index(fields=["golfer", "-started_at"], name="session_golfer_recent"),
        ]

    def __str__(self) -> str:
        return f"Practice session #{self.pk} of golfer {self.golfer_id}"

    def get_absolute_url(self) -> str:
        return reverse("shots:session", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.started_at


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for confirmation"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"


class ShotImport(models.Model):
    """One uploaded launch-monitor export: how it was read, the choices made, what it created.

    Written by ``shots.services.imports``. The file's bytes are kept only
    while the import waits for confirmation (the preview re-reads them with
    the golfer's choices); they are dropped once the shots are in.
    """

    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shot_imports"
    )
    retailer = models.ForeignKey(
        "retailers.Retailer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shot_imports",
        help_text="Where the session was hit; empty for home practice.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who uploaded it: the golfer, or store staff on the golfer's behalf.",
    )
    file_name = models.CharField(max_length=200)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False, help_text="The file, until it is imported.")
    vendor = models.CharField(max_length=40)
    file_format = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    # The preview's choices: metric -> unit, club as written -> our club, and
    # when the session was for a file that does not say.
    units = models.JSONField(default=dict, blank=True)
    clubs = models.JSONField(default=dict, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)
    rows_to_import = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    session = models.ForeignKey(
        "shots.PracticeSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The (first) session the import created.",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The golfer's imports, newest first (the import page's history).
            models.Index(fields=["golfer", "-created_at"], name="import_golfer_recent"),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.file_name}) of golfer {self.golfer_id}"

    def get_absolute_url(self) -> str:
        return reverse("shots:import", args=[self.pk])


class RecordMetric(models.TextChoices):
    CARRY = "carry", "Carry"
    TOTAL = "total", "Total"
    BALL_SPEED = "ball_speed", "Ball speed"
    CLUB_SPEED = "club_speed", "Club speed"
    SMASH_FACTOR = "smash_factor", "Smash factor"


class PersonalBest(models.Model):
    """The golfer's best counted value of one metric with one club.

    Derived data: ``shots.services.personal_bests_recompute`` rebuilds it from
    counted shots, so a corrected or deleted record shot rolls the PB back.
    """

    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_bests"
    )
    club = models.CharField(max_length=8, choices=Club.choices)
    metric = models.CharField(max_length=14, choices=RecordMetric.choices)
    value = models.FloatField()
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="+")
    hit_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["golfer", "club", "metric"], name="unique_personal_best"
            )
        ]

    def __str__(self) -> str:
        return f"{self.golfer_id} {self.club} {self.metric} = {self.value}"


# The club of a BoardRecord that is the golfer's best with any club.
ANY_CLUB = ""


class BoardRecord(models.Model):
    """A golfer's best rankable value of one metric at one store: what all-time boards rank.

    Derived data, like PersonalBest: ``shots.services.board_records_recompute``
    rebuilds a golfer's rows at a store from their shots whenever a counted
    shot there changes (in the write's transaction), and
    ``manage.py rebuild_board_records`` rebuilds the whole table. An all-time
    board is then an index range instead of a window over every shot.

    One row per (golfer, store, club, metric, trust rule):
    - ``club`` is one club, or ANY_CLUB for the best with any club;
    - ``verified_only`` False is the best of verified and measured shots (what
      most stores rank), True the best of verified shots alone (what a
      verified-only store ranks). Both are kept, so a store changing its rule
      needs no rebuild: the board reads the row of the rule the store has now.
    Leaderboard consent and names are not here: they change without a shot
    and are read when the board is.
    """

    golfer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    retailer = models.ForeignKey("retailers.Retailer", on_delete=models.CASCADE, related_name="+")
    club = models.CharField(max_length=8, blank=True)
    metric = models.CharField(max_length=14, choices=RecordMetric.choices)
    verified_only = models.BooleanField()
    value = models.FloatField()
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="+")
    # The record shot's own club (``club`` is ANY_CLUB on the any-club rows),
    # time and trust level, copied so a board reads no shot rows.
    shot_club = models.CharField(max_length=8, choices=Club.choices)
    hit_at = models.DateTimeField()
    trust = models.CharField(max_length=8, choices=ShotTrust.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["golfer", "retailer", "club", "metric", "verified_only"],
                name="unique_board_record",
            )
        ]
        indexes = [
            # A store's all-time board: equality on the first four, then the
            # board's order, so the top rows are the first entries read.
            models.Index(
                fields=["retailer", "metric", "club", "verified_only", "-value", "hit_at", "shot"],
                name="board_record_store",
            ),
            # The all-stores board, in the board's order; the trust rule of each
            # row's store is checked as the rows are read (most rows pass it).
            models.Index(
                fields=["metric", "club", "-value", "hit_at", "shot"],
                name="board_record_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.golfer_id}@{self.retailer_id} {self.club or 'any'} {self.metric} = {self.value}"
        )


class ShotOutlier(models.Model):
    """A shot far above its golfer's usual with that club at its store, and that usual.

    Derived data, like BoardRecord: ``shots.services.outliers_recompute``
    judges a golfer's shots at a store again whenever one of them changes
    (in the write's transaction, through ``counted_shot_changed``), and
    ``manage.py rebuild_board_records`` rebuilds the table. The console's
    verification queue reads these rows instead of the store's whole history.
    Only outliers have a row.
    """

    shot = models.OneToOneField(
        Shot, on_delete=models.CASCADE, primary_key=True, related_name="outlier"
    )
    # The shot's store and golfer, copied: a store's outliers are one index
    # range, and a write replaces one golfer's rows there.
    retailer = models.ForeignKey("retailers.Retailer", on_delete=models.CASCADE, related_name="+")
    golfer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Metric name -> the golfer's usual value before this shot, for each metric
    # the shot is an outlier in (``shots.services.outliers.OUTLIER_METRICS``).
    usual = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["retailer", "golfer"], name="shot_outlier_store")]

    def __str__(self) -> str:
        return f"outlier shot #{self.shot_id}: usual {self.usual}"


class AnalysisOutcome(models.TextChoices):
    ANALYZED = "analyzed", "Analysed"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"
    RETRY = "retry", "Will retry"
    UNREADABLE = "unreadable", "No numbers found"
    # Written before the analyser is called, so a worker killed during a (paid) call
    # leaves a trace; the next attempt closes it as interrupted, or finishes it with
    # the answer it recorded (output) instead of paying for another.
    STARTED = "started", "Started"
    INTERRUPTED = "interrupted", "Interrupted"


class ShotAnalysis(models.Model):
    """One attempt at reading a shot's photo: what went in, what came out, what it cost."""

    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="analyses")
    attempt = models.PositiveSmallIntegerField()
    analyser = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    raw_output = models.JSONField(null=True, blank=True)
    values = models.JSONField(default=dict, blank=True, help_text="Canonical values as read.")
    club_read = models.CharField(max_length=8, blank=True)
    # [{"metric": "carry" or "", "message": "..."}]
    problems = models.JSONField(default=list, blank=True)
    # How sure the analyser was of each value it read, 0..1 ({"carry": 0.97}): the
    # analyser's own score, kept for the accuracy report and the admin.
    confidence = models.JSONField(default=dict, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0, help_text="USD")
    duration_ms = models.PositiveIntegerField(default=0)
    # The analyser's reading (AnalysisOutput), recorded as soon as the answer arrives and
    # before anything else is written: what a later attempt reuses if this one died.
    output = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=14, choices=AnalysisOutcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "shot analyses"
        indexes = [
            # The monthly AI spend summary in the admin groups analyses by month.
            models.Index(fields=["created_at"], name="analysis_created"),
        ]

    def __str__(self) -> str:
        return f"Analysis {self.attempt} of shot #{self.shot_id} ({self.analyser}: {self.outcome})"


class ShotNeedingReview(Shot):
    """The admin's queue of shots in ``needs_review``; same table, its own admin page."""

    class Meta:
        proxy = True
        verbose_name = "shot needing review"
        verbose_name_plural = "shots needing review"


class ReviewAction(models.TextChoices):
    VERIFY = "verify", "Verified"
    CORRECT = "correct", "Corrected"
    EXCLUDE = "exclude", "Excluded"
    INCLUDE = "include", "Included again"


class ShotReview(models.Model):
    """Audit of store staff acting on a shot: who did what, when, and why."""

    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="reviews")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=ReviewAction.choices)
    reason = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} shot #{self.shot_id} by {self.staff_id}"
