"""The same photo sent twice at the same moment makes one shot, analysed and paid for once.

Real concurrency against real PostgreSQL: each pair of requests runs in two
threads released together by a barrier, through the API with its own
connection each, and the analysis runs eagerly after commit against the fake
OpenAI server (so a second shot would be a second paid request). The tests
are transactional, so each thread sees what the other committed.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, connections
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from shots import services
from shots.models import Shot, ShotAnalysis, ShotStatus
from shots.tests import fake_openai as fake
from shots.tests.photos import shrunk_screen_photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_analysis")]

SHOTS_API_URL = "/api/v1/shots/"
PAIRS = 20
SCREEN = fake.screen_answer(
    {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240.0, "yds")},
    club="Driver",
)


@pytest.fixture
def golfer(transactional_db):
    return UserFactory()


def distinct_photo(index: int) -> bytes:
    """A JPEG no other index gives, so every pair has a photo (and a hash) of its own."""
    image = Image.new("RGB", (800, 600), (index * 12 % 256, 80, 160))
    ImageDraw.Draw(image).text((40, 40), f"photo {index}", fill="white")
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def post_together(golfer, bodies: list[bytes], *, idempotency_key: str = "") -> list:
    """POST each body from its own thread, all released at the same instant."""
    barrier = threading.Barrier(len(bodies))
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}

    def send(body: bytes):
        api = APIClient()
        api.force_authenticate(golfer)
        upload = SimpleUploadedFile("screen.jpg", body, "image/jpeg")
        try:
            barrier.wait(timeout=30)
            return api.post(SHOTS_API_URL, {"image": upload}, format="multipart", headers=headers)
        finally:
            connections.close_all()  # this thread's connection, back to the pool

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def stored_files(media_root: Path) -> set[str]:
    if not media_root.exists():
        return set()
    return {
        path.relative_to(media_root).as_posix() for path in media_root.rglob("*") if path.is_file()
    }


def test_twenty_pairs_of_the_same_photo_sent_at_once_make_twenty_shots(
    golfer, fake_openai, settings
):
    fake_openai.enqueue(*[fake.good_answer(SCREEN) for _ in range(PAIRS)])

    answers = []
    for index in range(PAIRS):
        photo = distinct_photo(index)
        answers.append(post_together(golfer, [photo, photo]))

    for first, second in answers:
        assert sorted([first.status_code, second.status_code]) == [200, 201], (
            first.json(),
            second.json(),
        )
        assert first.json()["id"] == second.json()["id"]
    shots = Shot.objects.filter(golfer=golfer)
    assert shots.count() == PAIRS
    # One paid analysis per photo: the second request never queued one.
    assert len(fake_openai.requests) == PAIRS
    assert ShotAnalysis.objects.filter(shot__golfer=golfer).count() == PAIRS
    assert set(shots.values_list("status", flat=True)) == {ShotStatus.ANALYZED}
    # The loser's stored file was removed again: only the shots' photos remain.
    assert stored_files(Path(settings.MEDIA_ROOT)) == set(shots.values_list("image", flat=True))


def test_twenty_pairs_with_one_idempotency_key_each_make_twenty_shots(
    golfer, fake_openai, settings
):
    fake_openai.enqueue(*[fake.good_answer(SCREEN) for _ in range(PAIRS)])

    for index in range(PAIRS):
        # A retried request re-encodes the photo: other bytes, the same key.
        first, second = post_together(
            golfer,
            [distinct_photo(index), distinct_photo(index + 100)],
            idempotency_key=f"upload-{index}",
        )
        assert sorted([first.status_code, second.status_code]) == [200, 201]
        assert first.json()["id"] == second.json()["id"]

    shots = Shot.objects.filter(golfer=golfer)
    assert shots.count() == PAIRS
    assert len(fake_openai.requests) == PAIRS
    assert stored_files(Path(settings.MEDIA_ROOT)) == set(shots.values_list("image", flat=True))


def test_a_photo_sent_again_after_its_shot_was_deleted_makes_a_new_shot(golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(SCREEN), fake.good_answer(SCREEN))
    photo = shrunk_screen_photo("olive")
    first, created = services.shot_create_from_photo(golfer=golfer, photo=photo)
    assert created
    services.shot_delete(shot=first)

    again, created = services.shot_create_from_photo(golfer=golfer, photo=photo)

    assert created
    assert again.pk != first.pk


INSERT_PHOTO_SHOT = (
    "INSERT INTO shots_shot (golfer_id, club, hit_at, source, source_device, status, "
    "analysis_attempts, metric_flags, has_rejected_values, is_excluded, exclusion_reason, "
    "image, image_sha256, client_token, created_at, updated_at, trust, import_fingerprint) "
    "VALUES (%s, 'driver', now(), 'photo', '', 'analyzed', 1, '{}', false, false, '', "
    "'shots/x.jpg', %s, '', now(), now(), 'measured', '')"
)


def test_the_migration_keeps_duplicates_made_before_it_and_then_refuses_new_ones(golfer):
    photo_hash = "a" * 64
    call_command("migrate", "shots", "0011_unreadable_photos", verbosity=0)
    try:
        with connection.cursor() as cursor:
            for _ in range(2):
                cursor.execute(INSERT_PHOTO_SHOT, [golfer.pk, photo_hash])
    finally:
        call_command("migrate", verbosity=0)

    kept = list(Shot.objects.filter(golfer=golfer).order_by("id").values_list("image_sha256"))
    # Both shots stay (nothing uploaded is ever lost); only the first answers for the photo.
    assert kept == [(photo_hash,), ("",)]
    with pytest.raises(IntegrityError, match="unique_shot_photo"), connection.cursor() as cursor:
        cursor.execute(INSERT_PHOTO_SHOT, [golfer.pk, photo_hash])
