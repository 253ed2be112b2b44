"""Writes the console makes beyond one shot at a time; single-shot writes are in shots.services."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from shots import services as shot_services
from shots.models import Shot, ShotReview


def shots_verify_bulk(*, shots: Sequence[Shot], staff: User) -> list[ShotReview]:
    """Verify every shot or none: one transaction, each through ``shot_verify``.

    The rows are locked and re-read first, so a shot another member of staff
    verified meanwhile is refused (with the rest) instead of verified twice.
    A shot that cannot count yet (no club, no numbers) refuses the lot with
    its number in the message.
    """
    ids = [shot.pk for shot in shots]
    with transaction.atomic():
        locked = {
            shot.pk: shot
            for shot in Shot.objects.select_for_update().filter(
                pk__in=ids, verified_at__isnull=True
            )
        }
        missing = [pk for pk in ids if pk not in locked]
        if missing:
            raise ValidationError(
                f"Shot #{missing[0]} was verified meanwhile; reload the queue. Nothing was verified."
            )
        reviews = []
        for pk in ids:
            try:
                reviews.append(shot_services.shot_verify(shot=locked[pk], staff=staff))
            except (ValidationError, shot_services.ShotBusy) as problem:
                message = (
                    " ".join(problem.messages)
                    if isinstance(problem, ValidationError)
                    else str(problem)
                )
                raise ValidationError(f"Shot #{pk}: {message} Nothing was verified.") from problem
    return reviews
