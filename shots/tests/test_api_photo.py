"""The API's photo link: a client holding a JWT fetches the photo of its own shot, nobody else.

The shot's ``image`` is ``/api/v1/shots/<id>/image/``, served through DRF's
authentication (Authorization: Bearer, or the session) and the same scoping
as the shot itself. On the file system the bytes come back; on S3 (a real
moto server, with test_media_s3's fixtures) a short-lived signed redirect.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from retailers.models import Membership, Role
from shots import services
from shots.models import Shot
from shots.tests.factories import ShotFactory
from shots.tests.photos import shrunk_screen_photo
from shots.tests.test_media_s3 import (  # noqa: F401 - fixtures used by the S3 test below
    api_upload,
    assert_presigned_redirect_to_the_photo,
    bucket,
    photo_shot,
    s3_endpoint,
    world,
)


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture
def stored_shot(golfer) -> Shot:
    """A photo shot on local storage (its analysis never enqueued: the test does not commit)."""
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo())
    return shot


def image_url(shot: Shot) -> str:
    return f"/api/v1/shots/{shot.pk}/image/"


def test_a_jwt_client_fetches_the_photo_from_the_link_on_its_shot(golfer, stored_shot):
    client = jwt_client(golfer)

    link = client.get(f"/api/v1/shots/{stored_shot.pk}/").json()["image"]
    assert link == f"http://testserver{image_url(stored_shot)}"
    response = client.get(link, HTTP_ACCEPT="image/*")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert "Authorization" in response["Vary"]
    with stored_shot.image.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_a_client_without_a_token_or_session_gets_401(stored_shot):
    response = APIClient().get(image_url(stored_shot))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_gets_401(golfer, stored_shot):
    token = AccessToken.for_user(golfer)
    token.set_exp(lifetime=-timedelta(minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert client.get(image_url(stored_shot)).status_code == 401


def test_another_golfer_and_store_staff_get_404(golfer, stored_shot, store):
    Shot.objects.filter(pk=stored_shot.pk).update(retailer=store)
    staff = UserFactory()
    Membership.objects.create(user=staff, retailer=store, role=Role.OWNER)

    for outsider in (UserFactory(), staff):
        response = jwt_client(outsider).get(image_url(stored_shot))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_a_shot_without_a_photo_answers_404_in_json(golfer):
    typed = ShotFactory(golfer=golfer)

    response = jwt_client(golfer).get(image_url(typed), HTTP_ACCEPT="image/jpeg")

    assert response.status_code == 404
    assert response.json() == {"detail": "This shot has no photo."}


def test_the_session_works_too_for_the_browser(browser, stored_shot):
    response = browser.get(image_url(stored_shot))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_on_s3_a_jwt_client_is_sent_to_a_signed_url_of_the_photo(bucket, world, photo_shot):  # noqa: F811
    client = jwt_client(world.golfer)

    link = client.get(f"/api/v1/shots/{photo_shot.pk}/").json()["image"]
    response = client.get(link)

    assert_presigned_redirect_to_the_photo(response, bucket, photo_shot)
    assert jwt_client(world.other_golfer).get(link).status_code == 404
    assert jwt_client(world.staff).get(link).status_code == 404
