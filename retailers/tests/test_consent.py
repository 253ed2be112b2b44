"""A golfer's consent decides whether they stand on a store's boards, at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from leaderboards.tests.test_board_selector import golfer, shot, store
from retailers.models import CustomerLink
from retailers.services import customer_consent_update, customer_join

pytestmark = pytest.mark.django_db

BOARD_URL = "/api/v1/leaderboards/"


def board_names(client, slug: str) -> list[str]:
    response = client.get(BOARD_URL, {"retailer": slug, "period": "all"})
    assert response.status_code == 200
    return [row["golfer"] for row in response.json()["results"]]


@pytest.fixture
def fairway():
    return store("fairway")


@pytest.fixture
def ann(fairway):
    person = golfer("Ann")
    person.set_password("correct horse battery")
    person.save()
    shot(person, fairway, carry=250.0, hit_at=timezone.now())
    return person


def join(person, retailer, *, consent: bool, name: str = "") -> CustomerLink:
    return customer_join(
        golfer=person,
        retailer=retailer,
        joined_via="link",
        leaderboard_consent=consent,
        leaderboard_name=name,
        marketing_consent=False,
    )


def test_a_golfer_who_joins_without_board_consent_is_not_on_the_board(client, fairway, ann):
    join(ann, fairway, consent=False)
    assert board_names(client, "fairway") == []


def test_a_golfer_who_joins_with_consent_shows_on_the_next_request(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    assert board_names(client, "fairway") == []  # cached empty board
    with django_capture_on_commit_callbacks(execute=True):
        join(ann, fairway, consent=True, name="Big Ann")
    assert board_names(client, "fairway") == ["Big Ann"]


def test_withdrawn_consent_drops_the_golfer_off_the_board_at_once(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = join(ann, fairway, consent=True)
    assert board_names(client, "fairway") == ["Ann"]

    client.force_login(ann)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/stores/fairway/", {"fairway-leaderboard_name": "Ann"})
    assert response.status_code == 302

    link.refresh_from_db()
    assert not link.leaderboard_consent
    assert board_names(client, "fairway") == []


def test_a_new_board_name_shows_at_once(client, fairway, ann, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        link = join(ann, fairway, consent=True, name="Ann")
    assert board_names(client, "fairway") == ["Ann"]
    with django_capture_on_commit_callbacks(execute=True):
        customer_consent_update(
            link=link, leaderboard_consent=True, leaderboard_name="Annie", marketing_consent=False
        )
    assert board_names(client, "fairway") == ["Annie"]


def test_leaving_a_store_drops_the_golfer_off_its_board(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        join(ann, fairway, consent=True)
    assert board_names(client, "fairway") == ["Ann"]
    client.force_login(ann)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/stores/fairway/leave/")
    assert not CustomerLink.objects.exists()
    assert board_names(client, "fairway") == []


def test_marketing_consent_alone_does_not_touch_the_boards(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        link = join(ann, fairway, consent=False)
        customer_consent_update(
            link=link, leaderboard_consent=False, leaderboard_name="", marketing_consent=True
        )
    assert callbacks == []
    link.refresh_from_db()
    assert link.marketing_consent


def test_a_golfer_cannot_change_another_golfers_choices(client, fairway, ann):
    join(ann, fairway, consent=True)
    mallory = golfer("Mallory")
    client.force_login(mallory)
    assert client.post("/stores/fairway/", {}).status_code == 404
    assert client.post("/stores/fairway/leave/").status_code == 404
    assert CustomerLink.objects.get(golfer=ann).leaderboard_consent
