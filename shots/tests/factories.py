"""Test data for shots."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from shots.models import Club, Shot, ShotSource, ShotStatus, ShotTrust


class ShotFactory(factory.django.DjangoModelFactory[Shot]):
    """A confirmed, typed-in driver shot with plausible numbers.

    Saved directly, so personal bests are not recomputed; tests about
    records go through ``shots.services``.
    """

    class Meta:
        model = Shot

    golfer = factory.SubFactory(UserFactory)
    club = Club.DRIVER
    hit_at = factory.LazyFunction(timezone.now)
    source = ShotSource.MANUAL
    status = ShotStatus.CONFIRMED
    trust = ShotTrust.TYPED  # as shots.trust.trust_level_for rules for a typed shot
    ball_speed = 150.0
    club_speed = 103.0
    smash_factor = 1.46
    carry = 240.0
    total = 265.0


class MeasuredShotFactory(ShotFactory):
    """A shot imported from the launch monitor's session file: measured, so it ranks."""

    source = ShotSource.CSV
    trust = ShotTrust.MEASURED
