"""Store events (competitions) and their entries.

Leaderboards themselves are not stored: they are computed from counted shots.
An event only stores its rules and who entered; ``leaderboards.events.selectors``
computes its board from those rules.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from shots.metrics import METRICS_BY_NAME
from shots.models import RECORD_SMASH_RANGE, Club, RecordMetric

MAX_ATTEMPTS = 50
MAX_DIVISIONS = 12
DIVISION_NAME_MAX_LENGTH = 40


class AttemptRule(models.TextChoices):
    BEST = "best", "Best shot in the window"
    FIRST_N = "first_n", "Best of each golfer's first N shots"


class EventState(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    ACTIVE = "active", "On now"
    FINISHED = "finished", "Finished"


class Event(models.Model):
    """A store competition: one metric, a time window and the rules for counting shots."""

    retailer = models.ForeignKey(
        "retailers.Retailer", on_delete=models.CASCADE, related_name="events"
    )
    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=14, choices=RecordMetric.choices)
    club = models.CharField(
        max_length=8, choices=Club.choices, blank=True, help_text="Leave empty for any club."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="Shots hit at this moment or later do not count.")
    attempt_rule = models.CharField(
        max_length=8, choices=AttemptRule.choices, default=AttemptRule.BEST
    )
    attempts = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTEMPTS)],
        help_text=f"For “first N”: how many shots each golfer gets (1–{MAX_ATTEMPTS}).",
    )
    # A short list of names such as ["Juniors", "Seniors"]; entries store the
    # name they picked. Empty = no divisions.
    divisions = models.JSONField(default=list, blank=True)
    verified_only = models.BooleanField(
        default=False, help_text="Only shots verified by store staff count."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_it_starts",
                violation_error_message="The event must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(attempt_rule=AttemptRule.BEST, attempts__isnull=True)
                | Q(
                    attempt_rule=AttemptRule.FIRST_N,
                    attempts__gte=1,
                    attempts__lte=MAX_ATTEMPTS,
                ),
                name="event_attempts_match_rule",
                violation_error_message=(
                    f"“First N” needs a number of attempts from 1 to {MAX_ATTEMPTS}; "
                    "“best shot” takes none."
                ),
            ),
        ]
        indexes = [
            # A store's events page and the kiosk's active events: one store,
            # newest first.
            models.Index(fields=["retailer", "-starts_at"], name="event_store_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        if self.attempt_rule == AttemptRule.FIRST_N:
            if self.attempts is None:
                errors["attempts"] = (
                    f"Say how many shots each golfer gets (1–{MAX_ATTEMPTS}) for “first N”."
                )
        else:
            self.attempts = None
        try:
            self.divisions = clean_division_names(self.divisions)
        except ValidationError as problem:
            errors["divisions"] = " ".join(problem.messages)
        if errors:
            raise ValidationError(errors)

    def state(self, now: datetime | None = None) -> EventState:
        now = now or timezone.now()
        if now < self.starts_at:
            return EventState.UPCOMING
        if now < self.ends_at:
            return EventState.ACTIVE
        return EventState.FINISHED

    @property
    def is_finished(self) -> bool:
        return self.state() == EventState.FINISHED

    @property
    def is_first_n(self) -> bool:
        return self.attempt_rule == AttemptRule.FIRST_N

    @property
    def metric_label(self) -> str:
        return METRICS_BY_NAME[self.metric].label

    def division_matching(self, name: str) -> str | None:
        """The event's own spelling of a division typed in any case, or None."""
        wanted = name.strip().casefold()
        return next((d for d in self.divisions if d.casefold() == wanted), None)

    def rules_summary(self) -> list[str]:
        """The rules in a few words each, for a kiosk slide: ``["Carry, driver", "First 3 shots"]``."""
        club = self.get_club_display().lower() if self.club else "any club"
        summary = [f"{self.metric_label}, {club}"]
        if self.is_first_n:
            summary.append(
                "First shot only" if self.attempts == 1 else f"First {self.attempts} shots"
            )
        else:
            summary.append("Best shot")
        if self.verified_only:
            summary.append("Staff-verified shots only")
        if self.divisions:
            summary.append(f"Divisions: {', '.join(self.divisions)}")
        return summary

    def rules_in_words(self) -> list[str]:
        """The counting rules as short sentences for golfers (the window is shown apart)."""
        club = f"the {self.get_club_display().lower()}" if self.club else "any club"
        store = self.retailer.name
        rules = [
            f"Highest {self.metric_label.lower()} with {club} wins.",
            f"Only shots hit at {store} count; home practice and other stores don't.",
        ]
        if self.is_first_n:
            if self.attempts == 1:
                rules.append("Only your first shot in the window counts.")
            else:
                rules.append(
                    f"Only your first {self.attempts} shots in the window count, "
                    "and the best of those is your score."
                )
            rules.append(
                "Only shots that count for this event are attempts. None of these uses one up: "
                "a photo still being read, a shot with an impossible value, a shot excluded by staff"
                + (", a shot with another club" if self.club else "")
                + (
                    ", a shot staff have not verified"
                    if self.verified_only
                    else ", a typed shot staff have not verified"
                )
                + f", a shot without a {self.metric_label.lower()} reading."
            )
        else:
            rules.append("Your best shot in the window is your score.")
        if self.verified_only:
            rules.append("Only shots verified by store staff count: ask staff to check your shot.")
        else:
            rules.append(
                "Shots measured by the launch monitor (a confirmed photo or an imported "
                "session file) and shots verified by staff count; typed numbers count once "
                "staff verify them."
            )
        if self.metric == RecordMetric.SMASH_FACTOR:
            low, high = RECORD_SMASH_RANGE
            rules.append(
                "Smash factor counts only when both ball and club speed were measured "
                f"and it is between {low:.2f} and {high:.2f}."
            )
        rules.append(
            "Shots you hit in the window before entering count too"
            + (" (and use up attempts)." if self.is_first_n else ".")
        )
        rules.append("A tie goes to the golfer who hit the shot first.")
        if self.divisions:
            rules.append(
                f"Divisions: {', '.join(self.divisions)}. Pick yours when you enter; each "
                "division has its own board, and everyone is on the overall board."
            )
        return rules


def clean_division_names(names: object) -> list[str]:
    """Trimmed, de-duplicated division names, or a ValidationError saying what is wrong."""
    if names in (None, ""):
        return []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValidationError("Divisions must be a list of names.")
    cleaned: list[str] = []
    for name in (name.strip() for name in names):
        if not name or any(name.casefold() == seen.casefold() for seen in cleaned):
            continue
        if len(name) > DIVISION_NAME_MAX_LENGTH:
            raise ValidationError(
                f"Keep each division name to {DIVISION_NAME_MAX_LENGTH} characters ({name[:20]}… is longer)."
            )
        cleaned.append(name)
    if len(cleaned) > MAX_DIVISIONS:
        raise ValidationError(f"Use at most {MAX_DIVISIONS} divisions.")
    return cleaned


class EventEntry(models.Model):
    """A golfer taking part in an event; only entrants' shots appear on its board."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entries")
    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_entries"
    )
    division = models.CharField(max_length=DIVISION_NAME_MAX_LENGTH, blank=True)
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "event entries"
        constraints = [
            models.UniqueConstraint(fields=["event", "golfer"], name="unique_event_entry")
        ]

    def __str__(self) -> str:
        division = f" ({self.division})" if self.division else ""
        return f"{self.golfer} in {self.event}{division}"
