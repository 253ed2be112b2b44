from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Units(models.TextChoices):
    IMPERIAL = "imperial", "Imperial (mph, yards, feet)"
    METRIC = "metric", "Metric (km/h, metres)"


class Handedness(models.TextChoices):
    RIGHT = "right", "Right-handed"
    LEFT = "left", "Left-handed"


class User(AbstractUser):
    """A golfer, a store's staff member or platform staff: one account type."""

    display_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="Shown on your pages and, if you agree, on store leaderboards.",
    )
    handedness = models.CharField(
        max_length=5, choices=Handedness.choices, default=Handedness.RIGHT
    )
    units = models.CharField(max_length=8, choices=Units.choices, default=Units.IMPERIAL)
    timezone = models.CharField(max_length=64, default=settings.TIME_ZONE)

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def uses_metric(self) -> bool:
        return self.units == Units.METRIC
