"""Cached event boards: fresh on the next request after every write that changes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Units, User
from accounts.tests.factories import UserFactory
from golfshots.cache_scopes import board_versions_bump
from leaderboards.events import services
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import Retailer
from shots.models import Club, ShotSource
from shots.services import shot_create_manual
from shots.tests.factories import MeasuredShotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def event(store: Retailer) -> Event:
    now = timezone.now()
    return services.event_create(
        retailer=store,
        created_by=None,
        name="Longest drive",
        metric="carry",
        club=Club.DRIVER,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )


def entrant(event: Event, name: str) -> User:
    golfer: User = UserFactory.create(display_name=name)
    EventEntry.objects.create(event=event, golfer=golfer)
    return golfer


def hit(golfer: User, store: Retailer, carry: float) -> None:
    MeasuredShotFactory(
        golfer=golfer, retailer=store, hit_at=timezone.now() - timedelta(hours=1), carry=carry
    )


def page(client, event: Event, suffix: str = "") -> str:
    response = client.get(f"/s/{event.retailer.slug}/events/{event.pk}/{suffix}")
    assert response.status_code == 200
    return response.content.decode()


def api_names(client, event: Event) -> list[str]:
    boards = client.get(f"/api/v1/events/{event.pk}/").json()["boards"]
    return [row["golfer"] for row in boards[0]["results"]]


def kiosk_slide(client, store: Retailer) -> str:
    # The store's three boards come first; the event is the fourth slide.
    response = client.get(f"/s/{store.slug}/kiosk/slide/", {"slide": 3})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def public_kiosk(store: Retailer) -> Retailer:
    store.kiosk_public = True
    store.save()
    return store


def test_repeat_reads_come_from_the_cache_until_the_stores_version_moves(
    client, store, event, public_kiosk
):
    ann = entrant(event, "Ann")
    hit(ann, store, 240)
    assert "240.0 yd" in page(client, event)
    assert api_names(client, event) == ["Ann"]
    assert "240.0 yd" in kiosk_slide(client, store)

    # Written behind the services' back: nothing bumps, so the cache answers.
    hit(entrant(event, "Bob"), store, 260)

    assert "Bob" not in page(client, event)
    assert "Bob" not in page(client, event, "results/")
    assert api_names(client, event) == ["Ann"]
    assert "Bob" not in kiosk_slide(client, store)
    board_versions_bump(retailer_ids=[store.pk])
    assert "260.0 yd" in page(client, event)
    assert "Bob" in page(client, event, "results/")
    assert api_names(client, event) == ["Bob", "Ann"]
    assert "260.0 yd" in kiosk_slide(client, store)


def test_a_new_record_shows_on_the_next_request(
    client, store, event, public_kiosk, django_capture_on_commit_callbacks
):
    ann = entrant(event, "Ann")
    hit(ann, store, 240)
    assert "251.0 yd" not in page(client, event)
    assert "251.0 yd" not in kiosk_slide(client, store)

    with django_capture_on_commit_callbacks(execute=True):
        shot_create_manual(
            golfer=ann,
            club=Club.DRIVER,
            metrics={"carry": 251.0},
            retailer=store,
            source=ShotSource.CSV,  # imported from the bay's launch monitor: measured
        )

    assert "251.0 yd" in page(client, event)
    assert "251.0 yd" in kiosk_slide(client, store)


def test_a_new_entrant_shows_on_the_next_request(
    client, store, event, django_capture_on_commit_callbacks
):
    cal = UserFactory.create(display_name="Cal")
    hit(cal, store, 255)  # hit before entering: counts once entered
    assert api_names(client, event) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.event_enter(event=event, golfer=cal)

    assert api_names(client, event) == ["Cal"]


def test_an_edit_of_the_rules_shows_on_the_next_request(
    client, store, event, django_capture_on_commit_callbacks
):
    ann = entrant(event, "Ann")
    hit(ann, store, 230)
    hit(ann, store, 270)
    assert "270.0 yd" in page(client, event)

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event,
            name=event.name,
            metric=event.metric,
            club=event.club,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            attempt_rule=AttemptRule.FIRST_N,
            attempts=1,
            divisions=[],
            verified_only=False,
        )

    html = page(client, event)
    assert "230.0 yd" in html
    assert "270.0 yd" not in html


def test_an_entry_deleted_in_the_admin_leaves_the_board_at_once(
    admin_client, client, store, event, django_capture_on_commit_callbacks
):
    ann = entrant(event, "Ann")
    hit(ann, store, 240)
    assert api_names(client, event) == ["Ann"]
    entry = EventEntry.objects.get(golfer=ann)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/leaderboards/evententry/{entry.pk}/delete/", {"post": "yes"}
        )

    assert response.status_code == 302
    assert api_names(client, event) == []


def test_the_board_follows_the_stores_units(client, store, event):
    hit(entrant(event, "Ann"), store, 250)
    assert "250.0 yd" in page(client, event)

    store.units = Units.METRIC
    store.save()  # a units change bumps nothing: the units are in the key

    assert "228.6 m" in page(client, event)


def test_a_cached_event_slide_costs_only_the_running_events_query(
    client, store, event, public_kiosk, django_assert_num_queries
):
    from leaderboards.events.selectors import active_event_slides

    hit(entrant(event, "Ann"), store, 240)
    active_event_slides(store)

    # The events start and end with no write, so they are read every time; their boards are not.
    with django_assert_num_queries(1):
        (slide,) = active_event_slides(store)
    assert [row.golfer_name for row in slide.rows] == ["Ann"]


def test_a_visitors_cached_event_slide_costs_no_query(
    client, store, event, public_kiosk, django_assert_num_queries
):
    hit(entrant(event, "Ann"), store, 240)
    kiosk_slide(client, store)

    # The whole slide is cached until the event ends (golfshots/response_cache.py).
    with django_assert_num_queries(0):
        assert "Ann" in kiosk_slide(client, store)
