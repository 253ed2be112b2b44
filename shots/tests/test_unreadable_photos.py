"""A photo of nothing is not a shot: the golfer types the numbers in (keeping it) or it goes.

The analyser is the real local OCR one (no network, no mock) reading photos
made here with Pillow: noise, a plain colour and a room-like scene, none of
which shows a launch-monitor number. The tests are transactional, so the
on-commit enqueue runs the eager analysis inside the upload request as on the
embedded default without a background thread: the upload's own response
already knows.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.tests.factories import UserFactory
from console.selectors import verification_queue
from leaderboards.boards import BoardSpec
from leaderboards.selectors import leaderboard
from retailers.models import CustomerLink
from shots import tasks
from shots.models import AnalysisOutcome, Shot, ShotStatus, ShotTrust
from shots.services import pipeline

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_analysis")]

UPLOAD_URL = reverse("shots:upload")
SHOTS_API_URL = "/api/v1/shots/"
MESSAGE = "We could not find launch-monitor numbers in this photo."


def _jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def noise_photo() -> bytes:
    rng = random.Random(14)
    size = (640, 480)
    return _jpeg(Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)))


def plain_photo() -> bytes:
    return _jpeg(Image.new("RGB", (800, 600), "#3a6ea5"))


def room_photo() -> bytes:
    """A wall, a floor, a window, a table and a lamp: shapes and edges, no text."""
    room = Image.new("RGB", (1024, 768), "#d8cbb0")
    draw = ImageDraw.Draw(room)
    draw.rectangle((0, 560, 1024, 768), fill="#7a5230")
    draw.rectangle((120, 150, 380, 420), fill="#88aacc", outline="white", width=12)
    draw.line((250, 150, 250, 420), fill="white", width=8)
    draw.rectangle((600, 380, 900, 560), fill="#5b3a29")
    draw.ellipse((680, 200, 820, 340), fill="#f2e6a0")
    draw.rectangle((730, 340, 770, 380), fill="#333333")
    return _jpeg(room)


PHOTOS_OF_NOTHING = {"noise": noise_photo, "plain-colour": plain_photo, "room": room_photo}


@pytest.fixture(autouse=True)
def _local_ocr(settings):
    settings.SHOT_ANALYSER = "ocr"


def upload(client, content: bytes, **fields: str):
    return client.post(
        UPLOAD_URL,
        {
            "image": SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"),
            "club": "",
            "client_token": uuid.uuid4().hex,
            **fields,
        },
    )


@pytest.mark.parametrize("make_photo", PHOTOS_OF_NOTHING.values(), ids=PHOTOS_OF_NOTHING)
def test_it_says_on_the_upload_page_at_once_that_a_photo_shows_no_numbers(
    browser, golfer, make_photo
):
    response = upload(browser, make_photo())

    assert response.status_code == 200
    assert response.templates[0].name == "shots/shot_upload.html"
    page = response.content.decode()
    shot = Shot.objects.get(golfer=golfer)
    assert shot.status == ShotStatus.UNREADABLE
    assert MESSAGE in page
    assert reverse("shots:edit", args=[shot.pk]) in page  # type the numbers in
    assert reverse("shots:discard", args=[shot.pk]) in page
    assert "Photo received." not in page
    assert shot.club == ""
    assert shot.measured_metrics() == []
    assert shot.image.storage.exists(shot.image.name)  # kept until the golfer chooses
    analysis = shot.analyses.get()
    assert (analysis.analyser, analysis.outcome) == ("ocr", AnalysisOutcome.UNREADABLE)
    assert analysis.problems == [{"metric": "", "message": MESSAGE}]


def test_a_photo_without_numbers_is_on_no_list_bag_board_or_review_queue(browser, golfer, store):
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    upload(browser, room_photo(), retailer=str(store.pk), club="driver")
    shot = Shot.objects.get(golfer=golfer)
    assert shot.status == ShotStatus.UNREADABLE

    shot_list = browser.get(reverse("shots:list")).content.decode()
    assert reverse("shots:detail", args=[shot.pk]) not in shot_list
    assert browser.get(reverse("shots:bag")).context["rows"] == []
    board = leaderboard(BoardSpec(retailer=store, club=None, metric="carry", period="all"))
    assert board.rows == []
    assert not verification_queue(store).shots.filter(pk=shot.pk).exists()
    assert browser.get(SHOTS_API_URL).json()["results"] == []
    # Its own page still says what it is, for a golfer who comes back to it.
    page = browser.get(shot.get_absolute_url()).content.decode()
    assert MESSAGE in page
    assert reverse("shots:discard", args=[shot.pk]) in page


def test_discarding_the_photo_removes_the_shot_and_its_file(browser, golfer):
    upload(browser, plain_photo())
    shot = Shot.objects.get(golfer=golfer)
    storage, name = shot.image.storage, shot.image.name

    response = browser.post(reverse("shots:discard", args=[shot.pk]), follow=True)

    assert response.redirect_chain[-1][0] == UPLOAD_URL
    assert "Photo discarded." in response.content.decode()
    assert not Shot.objects.filter(pk=shot.pk).exists()
    assert not storage.exists(name)


def test_typing_the_numbers_in_keeps_the_photo_with_a_typed_shot(browser, golfer):
    upload(browser, noise_photo())
    shot = Shot.objects.get(golfer=golfer)
    edit_url = reverse("shots:edit", args=[shot.pk])
    assert "Type the numbers in" in browser.get(edit_url).content.decode()

    response = browser.post(
        edit_url,
        {
            "club": "7i",
            "hit_at": timezone.localtime(shot.hit_at).strftime("%Y-%m-%dT%H:%M"),
            "ball_speed": "120",
            "club_speed": "87",
            "carry": "165",
        },
        follow=True,
    )

    assert "Shot saved with your photo." in response.content.decode()
    shot.refresh_from_db()
    assert (shot.status, shot.club, shot.carry) == (ShotStatus.CONFIRMED, "7i", 165.0)
    # Typed by hand: counts for the golfer, ranks on no store board unverified.
    assert shot.trust == ShotTrust.TYPED
    assert shot.is_counted
    assert shot.image.storage.exists(shot.image.name)
    assert f'<img src="{reverse("shots:photo", args=[shot.pk])}"' in response.content.decode()
    # Kept now: the clean-up of abandoned photos leaves it alone, however old.
    Shot.objects.filter(pk=shot.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert pipeline.unreadable_shots_discard_abandoned() == 0
    assert Shot.objects.filter(pk=shot.pk).exists()


def test_the_sweeper_removes_photos_without_numbers_abandoned_for_a_day(browser, golfer):
    upload(browser, plain_photo())
    upload(browser, room_photo())
    old, recent = Shot.objects.filter(golfer=golfer).order_by("id")
    Shot.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=25))
    Shot.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(hours=23))

    tasks.requeue_stuck_shots.delay()  # the beat's sweep (eager here)

    assert not Shot.objects.filter(pk=old.pk).exists()
    assert not old.image.storage.exists(old.image.name)
    assert Shot.objects.filter(pk=recent.pk, status=ShotStatus.UNREADABLE).exists()
    assert recent.image.storage.exists(recent.image.name)


def test_only_a_photo_without_numbers_can_be_discarded(browser, golfer):
    typed = browser.post(
        reverse("shots:new"),
        {
            "club": "driver",
            "hit_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "carry": "240",
            "client_token": uuid.uuid4().hex,
        },
    )
    assert typed.status_code == 302
    shot = Shot.objects.get(golfer=golfer)

    response = browser.post(reverse("shots:discard", args=[shot.pk]), follow=True)

    assert "delete it from its page" in response.content.decode()
    assert Shot.objects.filter(pk=shot.pk).exists()
    assert browser.get(reverse("shots:discard", args=[shot.pk])).status_code == 405


def test_another_golfer_cannot_discard_the_photo(browser, golfer, client):
    upload(browser, plain_photo())
    shot = Shot.objects.get(golfer=golfer)

    client.force_login(UserFactory())
    assert client.post(reverse("shots:discard", args=[shot.pk])).status_code == 404
    assert Shot.objects.filter(pk=shot.pk).exists()


# --- The API answers the same state -----------------------------------------------


def api_upload(api, content: bytes, **fields: str):
    return api.post(
        SHOTS_API_URL,
        {"image": SimpleUploadedFile("photo.jpg", content, "image/jpeg"), **fields},
        format="multipart",
    )


def test_the_api_says_a_photo_shows_no_numbers_and_lists_it_only_when_asked(api, golfer):
    response = api_upload(api, noise_photo())

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "unreadable"
    assert body["status_message"].startswith(MESSAGE)
    assert "PATCH" in body["status_message"]
    assert "DELETE" in body["status_message"]
    assert body["is_counted"] is False
    assert api.get(SHOTS_API_URL).json()["results"] == []
    asked = api.get(SHOTS_API_URL, {"status": "unreadable"}).json()["results"]
    assert [shot["id"] for shot in asked] == [body["id"]]
    assert api.get(f"{SHOTS_API_URL}{body['id']}/").json()["status"] == "unreadable"


def test_an_api_client_types_the_numbers_in_and_the_photo_stays(api, golfer):
    shot_id = api_upload(api, plain_photo()).json()["id"]
    url = f"{SHOTS_API_URL}{shot_id}/"

    without_club = api.patch(url, {"carry": 150.0}, format="json")
    assert without_club.status_code == 400
    assert "club" in without_club.json()
    without_numbers = api.patch(url, {"club": "7i"}, format="json")
    assert without_numbers.status_code == 400
    assert "at least one metric" in str(without_numbers.json())
    assert Shot.objects.get(pk=shot_id).status == ShotStatus.UNREADABLE

    response = api.patch(url, {"club": "7i", "carry": 150.0}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["trust"], body["carry"]) == ("confirmed", "typed", 150.0)
    assert body["status_message"] is None
    assert body["image"].endswith(f"/api/v1/shots/{shot_id}/image/")
    shot = Shot.objects.get(pk=shot_id)
    assert shot.image.storage.exists(shot.image.name)


def test_an_api_client_deletes_the_photo_and_nothing_is_left(api, golfer):
    shot_id = api_upload(api, room_photo()).json()["id"]
    shot = Shot.objects.get(pk=shot_id)

    assert api.delete(f"{SHOTS_API_URL}{shot_id}/").status_code == 204

    assert not Shot.objects.filter(pk=shot_id).exists()
    assert not shot.image.storage.exists(shot.image.name)
