"""A photo arrives: store it as a ``received`` shot and hand it to the analysis worker."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from golfshots import monitoring
from retailers.models import Retailer
from shots.images import ShrunkImage
from shots.models import Club, Shot, ShotSource, ShotStatus
from shots.photos import photo_remove, photo_store
from shots.services.sessions import session_for_shot
from shots.tasks import analysis_enqueue
from shots.trust import trust_level_for

logger = logging.getLogger(__name__)


class PhotoStorageUnavailable(Exception):
    """The photo could not be stored (S3 or the disk failed); nothing was saved."""

    message = "We couldn't store your photo just now. Nothing was saved; please send it again in a minute."


def shot_create_from_photo(
    *,
    golfer: User,
    photo: ShrunkImage,
    club: str = "",
    retailer: Retailer | None = None,
    client_token: str = "",
    recorded_by: User | None = None,
) -> tuple[Shot, bool]:
    """Store a shrunk photo as a ``received`` shot and queue its analysis.

    ``recorded_by``: the store's staff member who took the photo at the
    counter, which makes the shot verified (it still counts only once read).

    The same token, or the same original photo from the same golfer, gives
    back the first shot instead of a second one, also when two uploads race:
    the database's unique constraints (unique_shot_client_token,
    unique_shot_photo) let only one row in, and the other upload answers with
    it. If the row cannot be saved the stored file is removed again, and a
    photo that could not be stored whole (a full disk) leaves no partial file,
    so a rejected upload leaves nothing.
    """
    existing = _existing_photo_shot(golfer=golfer, photo=photo, client_token=client_token)
    if existing is not None:
        return existing, False
    if club and club not in Club.values:
        raise ValidationError(f"Unknown club {club!r}.")
    if recorded_by is not None and retailer is None:
        raise ValueError("Staff record shots at their store: pass the retailer.")

    shot = Shot(
        golfer=golfer,
        retailer=retailer,
        club=club,
        source=ShotSource.PHOTO,
        status=ShotStatus.RECEIVED,
        image_sha256=photo.sha256,
        client_token=client_token,
    )
    if recorded_by is not None:
        shot.verified_by = recorded_by
        shot.verified_at = timezone.now()
    shot.trust = trust_level_for(shot)
    try:
        photo_store(image=shot.image, name=photo.name, content=photo.content)
    except Exception as error:
        # The bucket (or disk) refused or timed out: an outage, not a bad photo.
        logger.warning("Could not store a photo for golfer %s", golfer.pk, exc_info=True)
        raise PhotoStorageUnavailable(PhotoStorageUnavailable.message) from error
    try:
        with transaction.atomic():
            shot.save()
            session_for_shot(shot=shot)  # a photo's hit_at is its upload time
            shot_id = shot.pk
            transaction.on_commit(lambda: analysis_enqueue(shot_id=shot_id))
            transaction.on_commit(lambda: monitoring.observe_shot_recorded(source=ShotSource.PHOTO))
    except BaseException:
        if shot.image.name:  # always, once the store above succeeded
            photo_remove(storage=shot.image.storage, name=shot.image.name)
        existing = _existing_photo_shot(golfer=golfer, photo=photo, client_token=client_token)
        if existing is not None:
            # A double submit (same token) or the same photo sent twice at once raced
            # us to a unique constraint: answer as for any repeat, with its shot.
            return existing, False
        raise
    return shot, True


def _existing_photo_shot(*, golfer: User, photo: ShrunkImage, client_token: str) -> Shot | None:
    if client_token:
        existing = Shot.objects.filter(golfer=golfer, client_token=client_token).first()
        if existing is not None:
            return existing
    return (
        Shot.objects.filter(golfer=golfer, image_sha256=photo.sha256).order_by("created_at").first()
    )
